"""The question box's pages: the public form (Spørg Rådet), the public archive "Spørgsmål og svar"
(box answers and written Q&A answers together) and the inbox in the organiser's and chair's areas."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from confapp.extensions import db
from confapp.extensions import mail as mail_extension
from confapp.models import (
    AgendaItemKind,
    BoxMessage,
    BoxStatus,
    OutboxMail,
    Role,
)
from confapp.models.base import utcnow
from confapp.services import answers, delivery, qa, question_box
from confapp.services import events as event_service
from confapp.services.question_box import BoxInput
from tests.conftest import PASSWORD

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;"
SENDER = "karen.sender@example.org"


def form(**overrides) -> dict:
    data = {"kind": "question", "subject": "Praktik for unge",
            "text": "Hvordan får flere unge en praktikplads?", "name": "Karen Holm",
            "email": SENDER, "consent_publish": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def submit(session):
    def make(**overrides) -> BoxMessage:
        data = {"kind": "question", "subject": "Praktik for unge",
                "text": "Hvordan får flere unge en praktikplads?", "name": "Karen Holm",
                "email": SENDER, "consent_publish": True, **overrides}
        message = question_box.submit(session, BoxInput(**data))
        session.commit()
        return message

    return make


@pytest.fixture
def chair_user(make_user):
    return make_user(email="formand@example.org", roles=(Role.CHAIR,), name="Hans Brix")


def staff_login(client, email):
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def message_now(session, message_id) -> BoxMessage:
    """The message as the requests left it (a fresh transaction: not the test's old snapshot)."""
    session.rollback()
    return session.get(BoxMessage, message_id)


def answer_post(client, message, area="organiser", **overrides):
    data = {"answer": "Vi arbejder på det sammen med skolerne.", "reply_privately": "y",
            "version": str(message.version)}
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/{area}/box/{message.id}/answer", data=data)


# --- The public form ------------------------------------------------------------------------


def test_form_is_labelled_and_says_name_and_email_are_optional(client):
    page = client.get("/ask").text
    assert "<h1>Spørg Rådet</h1>" in page
    assert "<legend>Hvad vil du sende?</legend>" in page  # the kind is a radio group
    for field in ("subject", "text", "name", "email", "consent_publish", "show_name"):
        assert f'for="{field}"' in page and f'id="{field}"' in page
    assert "hvis du vil have et personligt svar på mail" in page
    assert "aldrig din e-mailadresse" in page


def test_submit_redirects_to_a_thank_you_page_that_says_what_happens_next(client, session):
    response = client.post("/ask", data=form(show_name="y"))
    assert response.status_code == 302 and response.headers["Location"] == "/ask/thanks"
    message = session.scalars(select(BoxMessage)).one()
    assert (message.status, message.email, message.consent_publish, message.show_name) == (
        BoxStatus.NEW, SENDER, True, True)
    thanks = client.get("/ask/thanks").text
    assert "Tak for din besked" in thanks
    assert "Vi sender svaret til den e-mailadresse, du skrev" in thanks
    assert "Fordi du gav lov" in thanks


def test_anonymous_submit_is_told_there_is_no_personal_reply(client, session):
    client.post("/ask", data=form(name=None, email=None, consent_publish=None, kind="comment"))
    message = session.scalars(select(BoxMessage)).one()
    assert (message.name, message.email, message.kind) == (None, None, "comment")
    thanks = client.get("/ask/thanks").text
    assert "vi kan ikke svare dig personligt" in thanks and "offentliggøres ikke" in thanks


@pytest.mark.parametrize(("overrides", "field"), [
    ({"subject": ""}, "subject"),
    ({"text": "ab"}, "text"),
    ({"email": "not-an-address"}, "email"),
    ({"kind": "complaint"}, "kind"),
    ({"subject": "x" * 201}, "subject"),
])
def test_errors_are_shown_next_to_the_field_and_input_is_kept(client, session, overrides, field):
    response = client.post("/ask", data=form(**overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.text
    assert "Karen Holm" in response.text  # the input is kept
    assert (overrides.get("email") or SENDER) in response.text
    assert session.scalars(select(BoxMessage)).all() == []


def test_posts_are_rate_limited_with_the_friendly_page(app, client, session):
    app.config["BOX_RATE_LIMIT"] = "2 per minute"
    codes = [client.post("/ask", data=form(subject=f"Emne {i}")).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    page = client.post("/ask", data=form()).text
    assert "For mange forespørgsler" in page and "<html" in page
    assert client.get("/ask").status_code == 200  # reading the form is not limited
    assert len(session.scalars(select(BoxMessage)).all()) == 2


def test_the_box_is_linked_from_header_footer_and_front_page(client):
    page = client.get("/").text
    header, rest = page.split("</header>", 1)
    main, footer = rest.split("<footer", 1)
    for part in (header, main, footer):
        assert 'href="/ask"' in part and 'href="/answers"' in part


# --- The inbox ------------------------------------------------------------------------------


def test_organiser_and_chair_both_reach_the_inbox_each_in_their_area(
        client, session, make_user, chair_user, submit):
    message = submit(subject="Til formanden")
    make_user(email="vice@example.org", roles=(Role.VICE_CHAIR,))
    make_user()  # organiser
    assert client.get("/chair/box").status_code == 302  # anonymous: to the login page

    assert staff_login(client, "formand@example.org").headers["Location"] == "/chair/box"
    page = client.get("/chair/box").text
    assert "Til formanden" in page and f'href="/chair/box/{message.id}"' in page
    assert 'href="/organiser/' not in page.split("<main", 1)[1]  # links stay in the area
    assert 'href="/chair/box">Spørg Rådet – indbakke (1 ny)</a>' in page
    detail = client.get(f"/chair/box/{message.id}").text
    assert f'action="/chair/box/{message.id}/answer"' in detail
    assert client.get("/organiser/box").status_code == 403
    client.post("/auth/logout")

    staff_login(client, "vice@example.org")
    assert client.get(f"/chair/box/{message.id}").status_code == 200
    client.post("/auth/logout")

    assert staff_login(client, "organiser@example.org").headers["Location"] == "/organiser/"
    page = client.get("/organiser/box").text
    assert f'href="/organiser/box/{message.id}"' in page
    assert 'href="/organiser/box">Spørg Rådet – indbakke (1 ny)</a>' in page
    assert client.get("/chair/box").status_code == 403


def test_inbox_filters_by_status_with_counts(client, session, organiser, submit):
    new = submit(subject="Ny besked")
    closed = submit(subject="Lukket besked")
    question_box.close_without_answer(session, closed)
    answered = submit(subject="Besvaret besked")
    question_box.answer(session, answered, "Svar", organiser, reply_privately=True,
                        publish=False, base_url="http://x")
    session.commit()
    page = client.get("/organiser/box").text
    assert all(s in page for s in ("Ny besked", "Lukket besked", "Besvaret besked"))
    assert "Ny (1)" in page and "Lukket uden svar (1)" in page and "Besvaret (1)" in page
    assert "Alle (3)" in page
    page = client.get("/organiser/box?status=new").text
    assert "Ny besked" in page and "Lukket besked" not in page and "Besvaret besked" not in page
    page = client.get("/organiser/box?status=closed").text
    assert "Lukket besked" in page and "Ny besked" not in page
    assert client.get("/organiser/box?status=nonsense&page=x").status_code == 200
    assert new.id


def test_assign_makes_it_being_answered_and_mine_filters(client, session, organiser, submit,
                                                         chair_user):
    message = submit()
    page = client.get(f"/organiser/box/{message.id}").text
    assert "Hans Brix" in page and ">Test</option>" in page  # chair and organiser to choose
    response = client.post(f"/organiser/box/{message.id}/assign",
                           data={"assignee": str(organiser.id), "version": "1"})
    assert response.status_code == 302
    message = message_now(session, message.id)
    assert (message.status, message.assigned_to_id) == (BoxStatus.IN_PROGRESS, organiser.id)
    assert "Praktik for unge" in client.get("/organiser/box?mine=1").text
    client.post(f"/organiser/box/{message.id}/assign",
                data={"assignee": str(chair_user.id), "version": str(message.version)})
    assert message_now(session, message.id).assigned_to_id == chair_user.id
    assert "Praktik for unge" not in client.get("/organiser/box?mine=1").text
    # Someone who is not staff, or a made-up id: refused, nothing changes.
    response = client.post(f"/organiser/box/{message.id}/assign",
                           data={"assignee": "999999", "version": str(message.version + 1)},
                           follow_redirects=True)
    assert "flash-error" in response.text
    assert message_now(session, message.id).assigned_to_id == chair_user.id


def test_answer_privately_queues_the_mail_and_it_is_delivered(app, client, session, organiser,
                                                              submit, smtp_sink):
    message = submit(consent_publish=False, subject=f"Emne {SCRIPT}", text=f"Tekst {SCRIPT}")
    response = answer_post(client, message, answer=f"Svar {SCRIPT}")
    assert response.status_code == 302
    message = message_now(session, message.id)
    assert message.status == BoxStatus.ANSWERED and message.reply_sent_at
    outbox = session.scalars(select(OutboxMail)).one()
    assert outbox.to_address == SENDER and outbox.kind == "box_answer"
    assert ESCAPED in outbox.body_html and SCRIPT not in outbox.body_html
    assert "/answers/" not in outbox.body_text  # not published: no link

    app.config.update(MAIL_SUPPRESS_SEND=False, MAIL_PORT=smtp_sink.port)
    mail_extension.init_app(app)
    assert delivery.deliver_once(session).sent == 1
    received = smtp_sink.handler.messages
    assert len(received) == 1 and received[0]["To"] == SENDER
    assert f"Svar {SCRIPT}" in received[0].get_body(("plain",)).get_content()
    assert SCRIPT not in received[0].get_body(("html",)).get_content()


def test_publish_shows_it_publicly_searchable_and_never_the_email(client, session, organiser,
                                                                  submit):
    message = submit(subject="Løntilskud i kommunerne", show_name=True,
                     text="Hvor mange får løntilskud?")
    response = answer_post(client, message, publish="y", topic="Løntilskud",
                           answer="Omkring tusind personer i regionen.")
    assert response.status_code == 302
    message = message_now(session, message.id)
    assert message.status == BoxStatus.PUBLISHED and message.topic == "Løntilskud"
    mail = session.scalars(select(OutboxMail)).one()
    assert f"/answers/{message.public_slug}" in mail.body_text  # the mail links to it

    archive = client.get("/answers").text
    assert "Løntilskud i kommunerne" in archive and SENDER not in archive
    entry = client.get(f"/answers/{message.public_slug}").text
    assert "Omkring tusind personer" in entry and "Karen Holm" in entry and SENDER not in entry
    year = utcnow().year
    for query in ("q=TUSIND", "q=løntilskud", f"year={year}", "topic=Løntilskud",
                  f"q=kommunerne&year={year}&topic=Løntilskud"):
        assert "Løntilskud i kommunerne" in client.get(f"/answers?{query}").text, query
    assert "Løntilskud i kommunerne" not in client.get("/answers?q=ingenting").text
    # A year or topic without answers is not a choice: said next to the field, and not used.
    assert 'id="year-error"' in client.get(f"/answers?year={year - 1}").text
    assert 'id="topic-error"' in client.get("/answers?topic=Andet").text
    assert client.get("/answers?year=abc&topic=" + "x" * 300 + "&page=-3").status_code == 200

    # Taken off the public page: gone from the list, its URL a 404; published again: back.
    client.post(f"/organiser/box/{message.id}/unpublish", data={"version": str(message.version)})
    assert message_now(session, message.id).status == BoxStatus.ANSWERED
    assert client.get(f"/answers/{message.public_slug}").status_code == 404
    assert "Løntilskud i kommunerne" not in client.get("/answers").text
    message = message_now(session, message.id)
    client.post(f"/organiser/box/{message.id}/publish", data={"version": str(message.version)})
    assert client.get(f"/answers/{message.public_slug}").status_code == 200


def test_name_is_shown_only_with_consent(client, session, organiser, submit):
    message = submit(subject="Uden navn", show_name=False)
    answer_post(client, message, publish="y", reply_privately=None)
    entry = client.get(f"/answers/{message_now(session, message.id).public_slug}").text
    assert "Uden navn" in entry and "Karen Holm" not in entry and SENDER not in entry


def test_publish_without_consent_is_refused_next_to_the_field(client, session, organiser, submit):
    message = submit(consent_publish=False)
    page = client.get(f"/organiser/box/{message.id}").text
    assert "Ikke muligt: afsenderen har ikke givet lov til offentliggørelse" in page
    response = answer_post(client, message, publish="y", answer="Mit gode svar")
    assert response.status_code == 200
    assert 'id="publish-error"' in response.text and "har ikke givet lov" in response.text
    assert "Mit gode svar" in response.text  # what was typed is kept
    assert message_now(session, message.id).status == BoxStatus.NEW
    assert session.scalars(select(OutboxMail)).all() == []


def test_reply_without_an_address_is_refused_next_to_the_field(client, session, organiser, submit):
    message = submit(email=None)
    response = answer_post(client, message)
    assert 'id="reply_privately-error"' in response.text
    response = answer_post(client, message, reply_privately=None)  # neither channel
    assert 'id="reply_privately-error"' in response.text
    assert message_now(session, message.id).status == BoxStatus.NEW


def test_close_without_answer(client, session, organiser, submit):
    message = submit()
    response = client.post(f"/organiser/box/{message.id}/close", data={"version": "1"},
                           follow_redirects=True)
    assert "Beskeden er lukket uden svar." in response.text
    assert message_now(session, message.id).status == BoxStatus.CLOSED
    assert session.scalars(select(OutboxMail)).all() == []
    page = client.get(f"/organiser/box/{message.id}").text
    assert f"/box/{message.id}/answer" not in page
    assert f'action="/organiser/box/{message.id}/topic"' in page
    client.post(f"/organiser/box/{message.id}/topic", data={"topic": "Spam", "version": "2"})
    assert message_now(session, message.id).topic == "Spam"


def test_two_people_at_once_the_second_is_told(client, session, organiser, chair_user, submit):
    message = submit()
    seen = message.version
    # The chair assigns it while the organiser writes: the organiser's answer is held back.
    question_box.assign(session, message, chair_user)
    session.commit()
    response = answer_post(client, message, version=str(seen), answer="Mit svar her")
    assert response.status_code == 200 and "flash-error" in response.text
    assert "En anden ændrede beskeden samtidig" in response.text
    assert "Mit svar her" in response.text  # kept, and sending again now works
    current = message_now(session, message.id)
    assert f'value="{current.version}"' in response.text
    assert answer_post(client, current, answer="Mit svar her").status_code == 302

    # The other person answered first: a second answer is refused, nothing is mailed twice.
    session.rollback()
    other = submit(subject="Anden besked")
    question_box.answer(session, other, "Første svar", chair_user, reply_privately=True,
                        publish=False, base_url="http://x")
    session.commit()
    response = answer_post(client, other, version="1", answer="Andet svar")
    assert response.headers["Location"] == f"/organiser/box/{other.id}"
    page = client.get(response.headers["Location"]).text
    assert "En anden har allerede besvaret beskeden" in page and "Første svar" in page
    assert message_now(session, other.id).answer_text == "Første svar"
    assert len(session.scalars(select(OutboxMail).where(
        OutboxMail.to_address == SENDER)).all()) == 2

    response = client.post(f"/organiser/box/{other.id}/close", data={"version": "1"},
                           follow_redirects=True)
    assert "En anden har allerede besvaret beskeden" in response.text
    assert message_now(session, other.id).status == BoxStatus.ANSWERED
    response = client.post(f"/organiser/box/{other.id}/close", data={"version": "x"},
                           follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.text


def test_html_in_subject_text_and_answer_is_text_on_every_page(client, session, organiser,
                                                               submit, chair_user):
    message = submit(subject=f"Emne {SCRIPT}", text=f"Tekst {SCRIPT}", name=f"Navn {SCRIPT}",
                     show_name=True)
    answer_post(client, message, publish="y", answer=f"Svar {SCRIPT}", topic=f"T {SCRIPT}")
    message = message_now(session, message.id)
    pages = ["/organiser/box", f"/organiser/box/{message.id}", "/answers",
             f"/answers/{message.public_slug}", "/answers?q=Emne"]
    for url in pages:
        page = client.get(url).text
        assert "<script>alert" not in page and ESCAPED in page, url
    mail = session.scalars(select(OutboxMail)).one()
    assert "<script>alert" not in mail.body_html and ESCAPED in mail.body_html
    client.post("/auth/logout")
    staff_login(client, "formand@example.org")
    page = client.get(f"/chair/box/{message.id}").text
    assert "<script>alert" not in page and ESCAPED in page
    # The public form shows a refused post's input as text too.
    client.post("/auth/logout")
    page = client.post("/ask", data=form(subject=SCRIPT, text="x")).text
    assert "<script>alert" not in page and ESCAPED in page


# --- Written Q&A answers in the archive -----------------------------------------------------


@pytest.fixture
def qa_answers(session, make_event, make_item, organiser):
    """A published event whose Q&A session has a named and an anonymous written answer, and one
    approved question not answered; and an unpublished event with a written answer."""
    event = make_event(title="Beskæftigelseskonferencen 2027")
    item = make_item(event, title="Spørg ministeren", kind=AgendaItemKind.QA, minutes=60)
    qa_session = qa.enable_qa(session, item, qa.QASettings(premoderated=False))
    hidden_event = make_event(title="Lukket møde")
    hidden_item = make_item(hidden_event, title="Intern runde", kind=AgendaItemKind.QA)
    hidden_session = qa.enable_qa(session, hidden_item, qa.QASettings(premoderated=False))
    now = utcnow()

    def asked(qa_session, text, n, **extra):
        return qa.ask(session, qa_session, qa.Asker(participant_key=f"c:k{n}", **extra), text, now)

    named = asked(qa_session, "Hvad gør I for de ledige over 50?", 1, name="Birgit Lund",
                  organisation="3F Midtjylland", email="birgit@example.org")
    anonymous = asked(qa_session, "Hvorfor er ventetiden så lang?", 2, anonymous=True,
                      name="Skjult Person")
    open_one = asked(qa_session, "Endnu ikke besvaret spørgsmål", 3, name="Ole")
    hidden = asked(hidden_session, "Et spørgsmål fra et lukket møde", 4, name="Ida")
    qa.publish_written_answer(session, named, "Vi har et særligt forløb for seniorer.", "Test",
                              now - timedelta(days=1))
    qa.publish_written_answer(session, anonymous, "Vi ansætter flere sagsbehandlere.", "Test", now)
    qa.publish_written_answer(session, hidden, "Internt svar.", "Test", now)
    event_service.set_published(session, hidden_event, False)  # taken offline afterwards
    session.commit()
    return event, item, named, anonymous, open_one, hidden


def test_written_qa_answers_are_in_the_archive_linked_to_their_event(client, session, qa_answers):
    event, _item, named, anonymous, open_one, hidden = qa_answers
    archive = client.get("/answers").text
    assert "Hvad gør I for de ledige over 50?" in archive
    assert "Hvorfor er ventetiden så lang?" in archive
    assert "Endnu ikke besvaret" not in archive and "lukket møde" not in archive
    assert f'href="/events/{event.id}"' in archive and "Spørg ministeren" in archive
    assert f'href="/answers/qa-{named.id}"' in archive
    # Newest first: the anonymous one was answered a day later.
    assert archive.index("ventetiden") < archive.index("ledige over 50")

    page = client.get(f"/answers/qa-{named.id}").text
    assert "Vi har et særligt forløb for seniorer." in page and "Birgit Lund" in page
    assert f'href="/events/{event.id}"' in page and "Spørg ministeren" in page
    assert "birgit@example.org" not in page
    page = client.get(f"/answers/qa-{anonymous.id}").text
    assert "Vi ansætter flere sagsbehandlere." in page and "Skjult Person" not in page
    for slug in (f"qa-{open_one.id}", f"qa-{hidden.id}", "qa-", "qa-x1", "qa-99999999999",
                 "ukendt", "x" * 40):
        assert client.get(f"/answers/{slug}").status_code == 404, slug
    assert "ledige over 50" in client.get("/answers?q=SENIORER").text
    assert "ledige over 50" in client.get("/answers?q=ministeren").text
    assert "ledige over 50" not in client.get("/answers?q=sagsbehandlere").text


def test_archive_merges_both_sources_newest_first_across_pages(session, submit, organiser,
                                                               qa_answers):
    event, _item, named, anonymous, _open_one, _hidden = qa_answers
    base = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for n in range(3):
        message = submit(subject=f"Boks {n}")
        question_box.answer(session, message, "Svar", organiser, reply_privately=False,
                            publish=True, base_url="http://x", now=base + timedelta(days=n),
                            topic="Unge" if n == 0 else None)
    session.commit()
    first = answers.archive_page(session, per_page=2)
    second = answers.archive_page(session, page=2, per_page=2)
    third = answers.archive_page(session, page=3, per_page=2)
    assert first.total == 5 and first.pages == 3
    order = [entry.slug for p in (first, second, third) for entry in p.items]
    dates = [entry.published_at for p in (first, second, third) for entry in p.items]
    assert dates == sorted(dates, reverse=True) and len(set(order)) == 5
    assert order[:2] == [f"qa-{anonymous.id}", f"qa-{named.id}"]
    assert [e.subject for e in answers.archive_page(session, topic="Unge").items] == ["Boks 0"]
    assert answers.archive_page(session, year=2026).total == 5
    assert answers.archive_page(session, year=2025).total == 0
    assert answers.archive_page(session, year=99999).total == 0
    assert answers.archive_years(session) == [2026] and answers.archive_topics(session) == ["Unge"]
    assert answers.find_entry(session, f"qa-{named.id}").event.id == event.id
    assert answers.find_entry(session, "qa-0") is None


def test_assignable_staff_and_set_topic(session, make_user, submit):
    organiser = make_user(name="Bo Arrangør")
    make_user(email="admin@example.org", roles=(Role.ADMINISTRATOR,), name="Ada Admin")
    make_user(email="vice@example.org", roles=(Role.VICE_CHAIR,), name="Vera Vice")
    gone = make_user(email="gone@example.org", name="Gone")
    gone.active = False
    session.commit()
    assert [u.name for u in question_box.assignable_staff(session)] == [
        "Ada Admin", "Bo Arrangør", "Vera Vice"]
    message = submit()
    question_box.set_topic(session, message, "  Unge  ")
    assert message.topic == "Unge" and message.version == 2
    question_box.set_topic(session, message, "")
    assert message.topic is None
    with pytest.raises(question_box.ChangedMeanwhile):
        question_box.set_topic(session, message, "Andet", expected_version=1)
    with pytest.raises(question_box.InvalidMessage):
        question_box.set_topic(session, message, "x" * 81)
    assert organiser.id


def test_the_header_counts_new_messages_only_for_staff(client, session, submit, chair_user):
    submit()
    submit(subject="To")
    assert "indbakke" not in client.get("/").text
    staff_login(client, "formand@example.org")
    assert "Spørg Rådet – indbakke (2 nye)" in client.get("/").text


def test_pages_in_english(client, session, organiser, submit):
    message = submit()
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "<h1>Question box: Ask the council</h1>" in client.get("/organiser/box").text
    assert "Reply privately by mail" in client.get(f"/organiser/box/{message.id}").text
    client.post("/auth/logout")
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "<h1>Ask the council</h1>" in client.get("/ask").text
    assert "<h1>Questions and answers</h1>" in client.get("/answers").text
    assert db.session is not None
