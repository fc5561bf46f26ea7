"""The audience's Q&A pages (confapp/blueprints/qa): join, ask, vote, live fragments with ETags,
the big screen, the personal link, and the event page's ledger and written answers."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from confapp.blueprints.qa import identity
from confapp.models import AgendaItemKind, Category, QAAudience, Question, QuestionVote
from confapp.models.base import utcnow
from confapp.services import qa
from confapp.services import registration as registrations

TEXT = "Hvordan får vi flere ledige i praktik?"


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def item(event, make_item):
    return make_item(event, title="Spørgsmål til ministeren", kind=AgendaItemKind.QA, minutes=60)


def enable(session, item, **settings):
    qa_session = qa.enable_qa(session, item, qa.QASettings(**{"premoderated": False, **settings}))
    session.commit()
    return qa_session


@pytest.fixture
def qa_session(session, item):
    return enable(session, item)


def page_url(qa_session, suffix=""):
    return f"/q/{qa_session.agenda_item.event.qa_code}/{qa_session.id}{suffix}"


def asked(session, qa_session, text=TEXT, n=1, **extra):
    question = qa.ask(session, qa_session, qa.Asker(
        participant_key=f"c:other-{n}", name=f"Deltager {n}", organisation="Jobcenter Viborg",
        category=Category.JOBCENTRE, **extra), text, utcnow())
    session.commit()
    return question


def ask_form(**overrides):
    return {"text": TEXT, "name": "Freja Holm", "organisation": "Jobcenter Viborg",
            "category": "jobcentre", **overrides}


def error_of(response, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', response.text, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def questions(session):
    session.rollback()  # a fresh read: the requests wrote through connections of their own
    return list(session.scalars(select(Question).order_by(Question.id)))


# --- join page and code ------------------------------------------------------------------------


def test_join_page_lists_sessions_by_state_and_codes_are_case_insensitive(
        client, session, event, item, make_item, qa_session):
    later = enable(session, make_item(event, title="Eftermiddagens spørgsmål",
                                      kind=AgendaItemKind.QA, offset_minutes=120),
                   opens_at=utcnow() + timedelta(days=2))
    code = event.qa_code
    page = client.get(f"/q/{code}")
    assert page.status_code == 200
    assert item.title in page.text and later.agenda_item.title in page.text
    assert page.text.index("Åben nu") < page.text.index("Åbner senere")
    assert client.get(f"/q/{code.lower()}").headers["Location"].endswith(f"/q/{code}")
    assert client.get(f"/q?code=+{code.lower()}+").headers["Location"].endswith(f"/q/{code}")
    assert client.get("/q").status_code == 200


def test_unknown_code_or_session_is_a_404_page(client, qa_session, make_event, session, make_item):
    assert client.get("/q/ZZZZZZ").status_code == 404
    assert client.get(f"/q/ZZZZZZ/{qa_session.id}").status_code == 404
    assert client.get(f"/q/{qa_session.agenda_item.event.qa_code}/999999").status_code == 404
    assert client.get("/q?code=nope").status_code == 404
    # Another event's session under this event's code.
    other = make_event(title="Andet møde")
    other_session = enable(session, make_item(other, kind=AgendaItemKind.QA))
    assert client.get(f"/q/{qa_session.agenda_item.event.qa_code}/{other_session.id}"
                      ).status_code == 404
    assert client.get(page_url(qa_session, "/live")).status_code == 200


# --- asking ------------------------------------------------------------------------------------


def test_asking_redirects_with_a_flash_and_shows_the_question(client, session, qa_session):
    response = client.post(page_url(qa_session), data=ask_form())
    assert response.status_code == 302 and "#q-" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "Tak. Dit spørgsmål er på listen." in page.text and TEXT in page.text
    (question,) = questions(session)
    assert (question.status, question.author_name, question.category) == (
        "approved", "Freja Holm", Category.JOBCENTRE)
    assert question.participant_key.startswith("c:") and question.locale == "da"


@pytest.mark.parametrize(("text", "message"), [
    ("  ab ", "mindst 3 tegn"), ("x" * 501, "500 tegn")])
def test_too_short_or_too_long_is_refused_next_to_the_field_text_kept(client, session,
                                                                      qa_session, text, message):
    response = client.post(page_url(qa_session), data=ask_form(text=text))
    assert response.status_code == 200 and message in error_of(response, "text")
    assert text.strip() in response.text
    assert questions(session) == []


def test_the_same_question_twice_is_refused(client, session, qa_session):
    client.post(page_url(qa_session), data=ask_form())
    response = client.post(page_url(qa_session), data=ask_form(text=TEXT.upper() + "  "))
    assert "allerede stillet" in error_of(response, "text")
    assert len(questions(session)) == 1


def test_a_name_is_needed_unless_anonymous(client, session, qa_session):
    response = client.post(page_url(qa_session), data=ask_form(name=""))
    assert error_of(response, "name")
    response = client.post(page_url(qa_session), data=ask_form(name="", anonymous="y",
                                                               email="a@example.org"))
    assert response.status_code == 302
    (question,) = questions(session)
    assert question.anonymous and question.author_name is None and question.email is None


def test_anonymous_not_allowed_is_refused(client, session, item):
    qa_session = enable(session, item, anonymous_allowed=False)
    page = client.get(page_url(qa_session))
    assert 'name="anonymous"' not in page.text
    response = client.post(page_url(qa_session), data=ask_form(anonymous="y"))
    assert response.status_code == 200 and error_of(response, "anonymous")
    assert questions(session) == []


def test_closed_and_not_yet_open_sessions_refuse_with_a_message(client, session, item):
    qa_session = enable(session, item, opens_at=utcnow() + timedelta(days=1))
    page = client.get(page_url(qa_session))
    assert "Der åbnes for spørgsmål" in page.text and 'name="text"' not in page.text
    response = client.post(page_url(qa_session), data=ask_form())
    assert response.status_code == 409 and "kan ikke stilles spørgsmål i denne session endnu" in response.text
    qa.update_settings(session, qa_session, qa.QASettings(premoderated=False))
    qa.stop(session, qa_session)
    session.commit()
    response = client.post(page_url(qa_session), data=ask_form())
    assert response.status_code == 409 and "kan ikke længere stilles nye spørgsmål" in response.text
    assert questions(session) == []


def test_registrants_only_sessions_refuse_the_cookie_and_point_to_the_personal_link(
        client, session, item, event, make_registration, site):
    qa_session = enable(session, item, audience=QAAudience.REGISTRANTS)
    page = client.get(page_url(qa_session))
    assert "personlige link" in page.text and 'name="text"' not in page.text
    assert client.post(page_url(qa_session), data=ask_form()).status_code == 403
    assert questions(session) == []
    # Through the personal link it works.
    person = make_registration(event)
    token = registrations.personal_token(site, person)
    response = client.post(f"/r/{token}/questions/{qa_session.id}", data=ask_form())
    assert response.status_code == 302
    (stored,) = questions(session)
    assert stored.participant_key == qa.registration_key(person)
    assert stored.registration_id == person.id


def test_own_pending_question_is_shown_to_the_asker_alone(app, client, session, item):
    qa_session = enable(session, item, premoderated=True)
    response = client.post(page_url(qa_session), data=ask_form())
    assert "når en moderator har godkendt" in client.get(response.headers["Location"]).text
    mine = client.get(page_url(qa_session)).text
    assert TEXT in mine and "Afventer moderering" in mine
    stranger = app.test_client()
    assert TEXT not in stranger.get(page_url(qa_session)).text
    assert TEXT not in stranger.get(page_url(qa_session, "/live")).text


# --- the cookie identity ----------------------------------------------------------------------


def _cookie(client):
    return client.get_cookie(identity.COOKIE, path=identity.COOKIE_PATH)


def test_the_cookie_is_issued_once_httponly_and_samesite(client, qa_session):
    response = client.get(page_url(qa_session))
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{identity.COOKIE}=") and "HttpOnly" in header
    assert "SameSite=Lax" in header and "Path=/q" in header
    assert identity.COOKIE not in (client.get(page_url(qa_session)).headers.get("Set-Cookie")
                                   or "")
    assert len(identity._serializer().loads(_cookie(client).value)) >= 22  # 128 bits


def test_a_tampered_cookie_is_a_fresh_identity(client, session, qa_session):
    client.post(page_url(qa_session), data=ask_form())
    (question,) = questions(session)
    original = _cookie(client).value
    client.set_cookie(identity.COOKIE, original[:-2] + ("AA" if original[-2:] != "AA" else "BB"),
                      path=identity.COOKIE_PATH)
    response = client.post(page_url(qa_session), data=ask_form())
    assert response.status_code == 302  # not "already asked": another participant
    keys = {q.participant_key for q in questions(session)}
    assert len(keys) == 2 and question.participant_key in keys
    assert _cookie(client).value != original


# --- voting -----------------------------------------------------------------------------------


def vote_url(qa_session, question):
    return page_url(qa_session, f"/questions/{question.id}/vote")


def test_vote_and_take_it_back(client, session, qa_session):
    question = asked(session, qa_session)
    page = client.get(page_url(qa_session)).text
    assert f'action="{vote_url(qa_session, question)}?order=votes"' in page
    response = client.post(vote_url(qa_session, question), data={"action": "vote"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"#q-{question.id}")
    page = client.get(page_url(qa_session)).text
    assert "Din stemme er talt med." in page and "Fjern min stemme (1)" in page
    client.post(vote_url(qa_session, question), data={"action": "vote"})  # twice: still one
    session.rollback()
    assert question.vote_count == 1
    client.post(vote_url(qa_session, question), data={"action": "unvote"})
    session.rollback()
    assert question.vote_count == 0 and "Stem (0)" in client.get(page_url(qa_session)).text


def test_votes_on_rejected_or_other_sessions_are_refused_with_a_message(
        client, session, qa_session, event, make_item):
    rejected = asked(session, qa_session)
    qa.reject(session, rejected, "Ikke relevant", "moderator@example.org")
    session.commit()
    other = enable(session, make_item(event, title="Anden runde", kind=AgendaItemKind.QA))
    elsewhere = asked(session, other, n=2)
    for question in (rejected, elsewhere):
        response = client.post(vote_url(qa_session, question), data={"action": "vote"},
                               follow_redirects=True)
        assert response.status_code == 200 and "Du kan ikke stemme på dette spørgsmål." in (
            response.text)
    assert session.scalar(select(func.count()).select_from(QuestionVote)) == 0
    assert client.post(page_url(qa_session, "/questions/999999/vote")).status_code == 404


# --- live fragments and ETags -----------------------------------------------------------------


def test_live_fragment_etag_gives_304_until_something_changes(client, session, qa_session):
    question = asked(session, qa_session)
    page = client.get(page_url(qa_session))
    page_etag = re.search(r'data-etag="([^"]+)"', page.text).group(1)
    first = client.get(page_url(qa_session, "/live"))
    assert first.status_code == 200 and first.headers["ETag"] == page_etag.replace("&#34;", '"')
    assert "no-cache" in first.headers["Cache-Control"] and TEXT in first.text
    etag = first.headers["ETag"]
    again = client.get(page_url(qa_session, "/live"), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data
    client.post(vote_url(qa_session, question), data={"action": "vote"})
    changed = client.get(page_url(qa_session, "/live"), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Fjern min stemme (1)" in changed.text
    # Another order or language is another ETag.
    newest = client.get(page_url(qa_session, "/live?order=newest"),
                        headers={"If-None-Match": changed.headers["ETag"]})
    assert newest.status_code == 200


def test_each_participant_has_an_etag_of_their_own_and_polls_get_no_cookie(app, client,
                                                                          session, qa_session):
    asked(session, qa_session)
    stranger = app.test_client()
    anonymous_poll = stranger.get(page_url(qa_session, "/live"))
    assert identity.COOKIE not in (anonymous_poll.headers.get("Set-Cookie") or "")
    assert "Stem (" not in anonymous_poll.text and "0 stemmer" in anonymous_poll.text
    client.get(page_url(qa_session))
    mine = client.get(page_url(qa_session, "/live"))
    assert "Stem (0)" in mine.text and mine.headers["ETag"] != anonymous_poll.headers["ETag"]
    assert client.get(page_url(qa_session, "/live"), headers={
        "If-None-Match": anonymous_poll.headers["ETag"]}).status_code == 200


def test_the_304_path_reads_one_row(app, client, session, qa_session):
    from sqlalchemy import event as sa_event

    from confapp.extensions import db

    for n in range(5):
        asked(session, qa_session, text=f"Spørgsmål nummer {n}", n=n)
    client.get(page_url(qa_session))
    etag = client.get(page_url(qa_session, "/live")).headers["ETag"]
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(page_url(qa_session, "/live"), headers={"If-None-Match": etag})
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 304
    assert len(statements) <= 2 and all("questions" not in s for s in statements), statements


def test_the_live_list_is_the_same_for_everyone_and_kept_half_a_second(
        app, client, session, qa_session):
    """A poll gets the list everyone with a voting identity gets (no one's CSRF token or votes
    in it): the page carries the viewer's part (their votes, their own unpublished questions).
    With the worker's cache on, a poll within its time reuses the rendering without asking the
    database, ETag included; a later one sees the change."""
    import time

    from sqlalchemy import event as sa_event

    from confapp.extensions import db

    app.config["QA_LIVE_CACHE_SECONDS"] = 0.3
    app.extensions.pop("qa_live_cache", None)
    first, second = asked(session, qa_session), asked(session, qa_session, text="Og de unge?", n=2)
    other = app.test_client()
    for browser in (client, other):
        browser.get(page_url(qa_session))
    client.post(vote_url(qa_session, first), data={"action": "vote"})
    page = client.get(page_url(qa_session)).text
    assert f'<div class="qa-own" data-voted="{first.id}">' in page
    assert "Fjern min stemme (1)" in page  # without JavaScript the page is all there is
    mine = client.get(page_url(qa_session, "/live"))
    theirs = other.get(page_url(qa_session, "/live"))
    assert mine.text == theirs.text and mine.headers["ETag"] == theirs.headers["ETag"]
    assert 'name="csrf_token" value=""' in theirs.text and "qa-own" not in theirs.text
    assert f'data-question="{second.id}"' in theirs.text and (
        'data-unvote-label="Fjern min stemme (1)">Stem (1)</button>' in theirs.text)
    # Within the cache's time a vote does not re-render: the same ETag (a 304), no queries.
    session.rollback()  # end the read snapshot: SQLite cannot write from it
    qa.vote(session, second, "c:someone", qa_session.agenda_item.event)
    session.commit()
    live_url = page_url(qa_session, "/live")  # (reading the code is a query of the test's own)
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        again = other.get(live_url, headers={"If-None-Match": theirs.headers["ETag"]})
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    assert again.status_code == 304 and statements == [], statements
    time.sleep(0.35)
    later = other.get(live_url, headers={"If-None-Match": theirs.headers["ETag"]})
    assert later.status_code == 200 and later.headers["ETag"] != theirs.headers["ETag"]


# --- the big screen ---------------------------------------------------------------------------


def test_big_screen_shows_the_pinned_question_on_top_code_and_qr(app, client, session,
                                                                  qa_session):
    first = asked(session, qa_session, text="Det mest populære spørgsmål", n=1)
    pinned = asked(session, qa_session, text="Spørgsmålet på scenen", n=2)
    qa.vote(session, first, "c:voter", qa_session.agenda_item.event)
    qa.pin(session, pinned, "moderator@example.org")
    session.commit()
    page = client.get(page_url(qa_session, "/screen"))
    assert page.status_code == 200 and '<html lang="da">' in page.text and "<h1>" in page.text
    assert page.text.index("Spørgsmålet på scenen") < page.text.index("Det mest populære")
    code = qa_session.agenda_item.event.qa_code
    assert code in page.text and f"/q/{code}/qr.png" in page.text
    assert 'class="site-header"' not in page.text
    qr = client.get(f"/q/{code}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    live = client.get(page_url(qa_session, "/screen/live"))
    assert live.status_code == 200 and "Spørgsmålet på scenen" in live.text
    assert client.get(page_url(qa_session, "/screen/live"),
                      headers={"If-None-Match": live.headers["ETag"]}).status_code == 304


def test_the_qr_code_points_at_the_public_base_url(app, client, qa_session, monkeypatch):
    seen = []
    monkeypatch.setattr("confapp.qrcodes.qr_png", lambda payload, box_size=8: seen.append(
        payload) or b"png")
    code = qa_session.agenda_item.event.qa_code
    client.get(f"/q/{code}/qr.png")
    assert seen == [app.config["PUBLIC_BASE_URL"] + f"/q/{code}"]


def test_html_in_questions_is_shown_as_text_everywhere(client, session, qa_session):
    asked(session, qa_session, text='<script>alert(1)</script><b onmouseover="x">fed</b>')
    qa.pin(session, asked(session, qa_session, text="<img src=x onerror=alert(2)>", n=2),
           "moderator@example.org")
    session.commit()
    for suffix in ("", "/live", "/screen", "/screen/live"):
        body = client.get(page_url(qa_session, suffix)).text
        assert "<script>alert" not in body and "<img src=x" not in body, suffix
        assert "&lt;img src=x onerror=alert(2)&gt;" in body, suffix
        if "screen" not in suffix:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, suffix


# --- the personal link ------------------------------------------------------------------------


def test_personal_page_links_to_open_sessions_and_the_form_is_prefilled(
        client, session, event, qa_session, make_registration, site):
    person = make_registration(event, organisation="A-kasse Nord", category=Category.A_KASSE)
    token = registrations.personal_token(site, person)
    personal = client.get(f"/r/{token}").text
    assert "Stil et spørgsmål" in personal and f"/r/{token}/questions/{qa_session.id}" in personal
    page = client.get(f"/r/{token}/questions/{qa_session.id}")
    assert page.status_code == 200
    assert f'value="{person.name}"' in page.text and 'value="A-kasse Nord"' in page.text
    assert '<option selected value="a_kasse">' in page.text
    question = asked(session, qa_session)
    page = client.get(f"/r/{token}/questions/{qa_session.id}?order=newest")
    assert (f'action="/r/{token}/questions/{qa_session.id}/{question.id}/vote?order=newest"'
            in page.text)
    response = client.post(f"/r/{token}/questions/{qa_session.id}/{question.id}/vote",
                           data={"action": "vote"})
    assert response.status_code == 302
    session.rollback()
    assert session.scalar(select(QuestionVote.participant_key)) == qa.registration_key(person)
    live = client.get(f"/r/{token}/questions/{qa_session.id}/live")
    assert live.status_code == 200 and "Fjern min stemme (1)" in live.text
    # Someone else's link, or a session of another event: 404.
    assert client.get(f"/r/{token}x/questions/{qa_session.id}").status_code == 404


# --- the public event page after the event ----------------------------------------------------


def test_event_page_links_while_open_and_shows_ledger_and_written_answers_after(
        client, session, event, qa_session):
    page = client.get(f"/events/{event.id}").text
    assert page_url(qa_session) in page and "Spørgsmål og debat" in page
    answered = asked(session, qa_session, text="<b>Hvad med de unge?</b>", n=1)
    asked(session, qa_session, text="Et spørgsmål der blev afvist", n=2)
    qa.reject(session, questions(session)[1], "Nej", "moderator@example.org")
    session.commit()
    # The event is over: the ledger and the published written answer.
    event.starts_at -= timedelta(days=60)
    event.ends_at -= timedelta(days=60)
    for agenda_item in event.agenda_items:
        agenda_item.starts_at -= timedelta(days=60)
        agenda_item.ends_at -= timedelta(days=60)
    session.commit()
    qa.publish_written_answer(session, answered, "Vi <i>arbejder</i> på det.", "Formanden",
                              utcnow())
    session.commit()
    page = client.get(f"/events/{event.id}").text
    assert "Modtagne spørgsmål" in page and "Besvaret skriftligt" in page
    ledger = re.search(r'<dl class="facts qa-ledger">(.*?)</dl>', page, re.DOTALL).group(1)
    assert [int(n) for n in re.findall(r"<dd>(\d+)</dd>", ledger)] == [2, 0, 1, 0, 1]
    assert "Vi &lt;i&gt;arbejder&lt;/i&gt; på det." in page
    assert "&lt;b&gt;Hvad med de unge?&lt;/b&gt;" in page


# --- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"QA_ASK_RATE_LIMIT": "2 per minute"}], indirect=True)
def test_asking_is_rate_limited_with_the_friendly_page(client, qa_session):
    client.get(page_url(qa_session))  # the cookie first: the limit counts per participant
    codes = [client.post(page_url(qa_session), data=ask_form(text=f"Spørgsmål {n}")).status_code
             for n in range(3)]
    assert codes == [302, 302, 429]
    response = client.post(page_url(qa_session), data=ask_form(text="Endnu et"))
    assert response.status_code == 429 and "For mange forespørgsler" in response.text


@pytest.mark.parametrize("app_config", [{"QA_VOTE_RATE_LIMIT": "2 per minute"}], indirect=True)
def test_voting_is_rate_limited_but_polling_every_3_s_is_not(client, session, qa_session):
    question = asked(session, qa_session)
    client.get(page_url(qa_session))
    codes = [client.post(vote_url(qa_session, question), data={"action": "vote"}).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]
    # A minute of polling at one poll per 3 s.
    assert {client.get(page_url(qa_session, "/live")).status_code for _ in range(20)} == {200}
