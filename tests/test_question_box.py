"""The council's question box (Spørg Rådet): the rules, the answer mail, privacy, concurrency."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from confapp import create_app
from confapp.extensions import db
from confapp.models import BoxKind, BoxMessage, BoxStatus, OutboxMail, Role, User
from confapp.models.base import utcnow
from confapp.services import privacy
from confapp.services import question_box as box
from confapp.services.question_box import BoxInput
from tests.conftest import base_config

BASE_URL = "https://moeder.example.dk"


def message_input(**overrides) -> BoxInput:
    data = {"kind": BoxKind.QUESTION, "subject": "Praktikpladser i Viborg",
            "text": "Hvordan vil Rådet skaffe flere praktikpladser til unge i Viborg?",
            "name": "Karen Holm", "email": "Karen@Example.dk", "consent_publish": True,
            "show_name": True, "locale": "da"}
    data.update(overrides)
    return BoxInput(**data)


@pytest.fixture
def submit(session):
    def make(**overrides) -> BoxMessage:
        message = box.submit(session, message_input(**overrides))
        session.commit()
        return message

    return make


@pytest.fixture
def staff(make_user):
    return make_user(email="chair@example.org", roles=(Role.CHAIR,), name="Hanne Formand")


def answer(session, message, by, text="Vi arbejder på det sammen med skolerne.", **options):
    options = {"reply_privately": True, "publish": False, "base_url": BASE_URL, **options}
    result = box.answer(session, message, text, by, **options)
    session.commit()
    return result


def mails(session) -> list[OutboxMail]:
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


# Submitting

def test_submit_stores_a_cleaned_new_message(submit):
    message = submit(subject="Praktik\x00pladser\r\ni Viborg", text="Linje 1\r\nLinje\x07 2",
                     email="  Karen@Example.DK ", name="  Karen Holm ")
    assert message.status == BoxStatus.NEW and message.version == 1
    assert message.subject == "Praktikpladser i Viborg"
    assert message.text == "Linje 1\nLinje 2"
    assert message.email == "karen@example.dk" and message.name == "Karen Holm"
    assert message.public_slug and len(message.public_slug) == 10
    assert message.public_name == "Karen Holm"


def test_anonymous_message_and_show_name_without_name(submit):
    message = submit(name="", email=None, show_name=True, consent_publish=False, locale="fr")
    assert message.name is None and message.email is None
    assert message.show_name is False and message.public_name is None
    assert message.locale == "da"


def test_public_name_only_when_ticked(submit):
    assert submit(show_name=False).public_name is None


def test_public_slugs_differ(submit):
    assert submit().public_slug != submit().public_slug


@pytest.mark.parametrize(("overrides", "field"), [
    ({"kind": "complaint"}, "kind"),
    ({"subject": "  "}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"text": "hi"}, "text"),
    ({"text": "\x00\x01  "}, "text"),
    ({"text": "x" * 3001}, "text"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"name": "n" * 201}, "name"),
])
def test_submit_refuses_bad_input(session, overrides, field):
    with pytest.raises(box.InvalidMessage) as refused:
        box.submit(session, message_input(**overrides))
    assert refused.value.field == field
    assert session.scalar(select(BoxMessage.id)) is None


def test_submit_accepts_the_limits(submit):
    message = submit(kind="comment", subject="s" * 200, text="t" * 3000, name="n" * 200)
    assert message.kind == BoxKind.COMMENT and len(message.text) == 3000


# Assigning, answering, closing

def test_assign_and_unassign(session, submit, staff):
    message = submit()
    box.assign(session, message, staff)
    session.commit()
    assert message.status == BoxStatus.IN_PROGRESS and message.assigned_to == staff
    assert message.version == 2
    box.assign(session, message, None)
    assert message.status == BoxStatus.NEW and message.assigned_to_id is None


def test_answer_by_mail_only(session, submit, staff):
    message = submit(locale="en")
    answer(session, message, staff, topic="  Uddannelse ")
    assert message.status == BoxStatus.ANSWERED and message.published_at is None
    assert message.answered_by == staff and message.answered_at and message.reply_sent_at
    assert message.topic == "Uddannelse"
    [mail] = mails(session)
    assert mail.kind == "box_answer" and mail.to_address == "karen@example.dk"
    assert mail.subject == "Answer to your message: Praktikpladser i Viborg"
    assert "Dear Karen Holm," in mail.body_text and "Our answer" in mail.body_text
    assert "Vi arbejder på det sammen med skolerne." in mail.body_text
    assert "Hvordan vil Rådet skaffe" in mail.body_text  # their own message, quoted
    assert BASE_URL not in mail.body_text and BASE_URL not in mail.body_html
    assert box.find_published(session, message.public_slug) is None


def test_answer_published_mails_the_link_in_danish(session, submit, staff):
    message = submit(locale="da")
    answer(session, message, staff, reply_privately=False, publish=True)
    assert message.status == BoxStatus.PUBLISHED and message.published_at
    [mail] = mails(session)
    link = f"{BASE_URL}/answers/{message.public_slug}"
    assert mail.subject == "Svar på din besked: Praktikpladser i Viborg"
    assert "Kære Karen Holm" in mail.body_text and "Vores svar" in mail.body_text
    assert "Spørgsmålet og svaret er offentliggjort" in mail.body_text
    assert link in mail.body_text and f'href="{link}"' in mail.body_html
    assert '<html lang="da">' in mail.body_html
    assert box.find_published(session, message.public_slug) == message


def test_anonymous_published_answer_mails_nobody(session, submit, staff):
    message = submit(email="", name="")
    answer(session, message, staff, reply_privately=False, publish=True)
    assert message.status == BoxStatus.PUBLISHED and message.reply_sent_at is None
    assert mails(session) == []


def test_mail_greets_without_a_name(session, submit, staff):
    message = submit(name=None, locale="en")
    answer(session, message, staff)
    assert mails(session)[0].body_text.startswith("Hello,")


def test_html_in_user_text_is_escaped_in_the_html_mail(session, submit, staff):
    message = submit(subject="<b>Hej</b>", text="<script>alert(1)</script> & mere",
                     name="<img src=x onerror=alert(1)>", locale="en")
    answer(session, message, staff, text="<a href='http://evil'>klik</a>", publish=True)
    [mail] = mails(session)
    for raw in ("<script>", "<b>Hej", "<img src=x", "<a href='http://evil'>"):
        assert raw not in mail.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; mere" in mail.body_html
    assert "&lt;b&gt;Hej&lt;/b&gt;" in mail.body_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in mail.body_html
    assert "&lt;a href=&#39;http://evil&#39;&gt;klik&lt;/a&gt;" in mail.body_html
    # The plain-text mail is not HTML: it shows the text as written.
    assert "<script>alert(1)</script>" in mail.body_text


def test_publish_needs_consent(session, submit, staff):
    message = submit(consent_publish=False)
    with pytest.raises(box.CannotPublish):
        box.answer(session, message, "Svar", staff, reply_privately=True, publish=True,
                   base_url=BASE_URL)
    assert message.status == BoxStatus.NEW and mails(session) == []


def test_reply_needs_an_address(session, submit, staff):
    message = submit(email=None)
    with pytest.raises(box.CannotReply):
        box.answer(session, message, "Svar", staff, reply_privately=True, publish=False,
                   base_url=BASE_URL)


def test_answer_must_go_somewhere_and_say_something(session, submit, staff):
    message = submit()
    with pytest.raises(box.NoAnswerChannel):
        box.answer(session, message, "Svar", staff, reply_privately=False, publish=False,
                   base_url=BASE_URL)
    with pytest.raises(box.InvalidMessage) as refused:
        box.answer(session, message, " \x00 ", staff, reply_privately=True, publish=False,
                   base_url=BASE_URL)
    assert refused.value.field == "answer"
    assert message.status == BoxStatus.NEW


def test_answered_once_only(session, submit, staff):
    message = submit()
    answer(session, message, staff)
    with pytest.raises(box.AlreadyAnswered):
        answer(session, message, staff, text="Et andet svar")
    with pytest.raises(box.AlreadyAnswered):
        box.close_without_answer(session, message)
    with pytest.raises(box.AlreadyAnswered):
        box.assign(session, message, staff)
    assert message.answer_text == "Vi arbejder på det sammen med skolerne."
    assert len(mails(session)) == 1


def test_close_without_answer(session, submit, staff):
    message = submit()
    box.close_without_answer(session, message)
    session.commit()
    assert message.status == BoxStatus.CLOSED and message.closed_at
    with pytest.raises(box.AlreadyClosed):
        answer(session, message, staff)
    with pytest.raises(box.AlreadyClosed):
        box.assign(session, message, staff)
    assert mails(session) == []


def test_a_stale_version_is_refused(session, submit, staff):
    message = submit()
    read_version = message.version
    box.assign(session, message, staff)  # someone else, meanwhile
    with pytest.raises(box.ChangedMeanwhile):
        box.answer(session, message, "Svar", staff, reply_privately=True, publish=False,
                   base_url=BASE_URL, expected_version=read_version)
    assert message.status == BoxStatus.IN_PROGRESS and mails(session) == []


def test_publish_later_and_unpublish(session, submit, staff):
    message = submit()
    answer(session, message, staff)
    box.publish_answered(session, message)
    assert message.status == BoxStatus.PUBLISHED and message.published_at
    assert box.find_published(session, message.public_slug) == message
    box.unpublish(session, message)
    assert message.status == BoxStatus.ANSWERED and message.published_at is None
    assert box.find_published(session, message.public_slug) is None
    with pytest.raises(box.NotPublished):
        box.unpublish(session, message)
    private = submit(consent_publish=False)
    answer(session, private, staff)
    with pytest.raises(box.CannotPublish):
        box.publish_answered(session, private)
    with pytest.raises(box.NotPublished):
        box.publish_answered(session, submit())  # not answered yet
    assert len(mails(session)) == 2  # publishing later mails nobody again


# Reading: inbox and public page

def test_inbox_filters_newest_first_and_counts(session, submit, staff, make_user):
    other = make_user(email="org@example.org", name="Ole")
    first, second, third, fourth = (submit(subject=f"Emne {n}") for n in range(4))
    box.assign(session, second, staff)
    box.assign(session, third, other)
    answer(session, fourth, staff)
    assert [m.subject for m in box.inbox(session).items] == ["Emne 3", "Emne 2", "Emne 1",
                                                             "Emne 0"]
    assert box.inbox(session, status=BoxStatus.NEW).items == [first]
    assert box.inbox(session, assigned_to_id=staff.id).items == [second]
    assert box.inbox(session, status=BoxStatus.IN_PROGRESS, assigned_to_id=other.id).items == [
        third]
    assert box.inbox_counts(session) == {
        BoxStatus.NEW: 1, BoxStatus.IN_PROGRESS: 2, BoxStatus.ANSWERED: 1,
        BoxStatus.PUBLISHED: 0, BoxStatus.CLOSED: 0}
    page = box.inbox(session, per_page=3, page=2)
    assert page.items == [first] and page.pages == 2 and page.total == 4


def publish(session, message, staff, *, at=None, topic=None, text="Svar om ærø og 100% mere"):
    box.answer(session, message, text, staff, reply_privately=False, publish=True,
               base_url=BASE_URL, topic=topic, now=at)
    session.commit()


def test_public_page_search_year_topic_and_order(session, submit, staff):
    old = submit(subject="Ledighed på Ærø", text="Hvad gør I?")
    new = submit(subject="Voksenlærlinge", text="Hvem kan blive voksenlærling?")
    private = submit(subject="Ærø igen")
    publish(session, old, staff, at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), topic="Ledighed")
    publish(session, new, staff, at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC), topic="Uddannelse",
            text="Alle over 25.")
    answer(session, private, staff)  # answered by mail only: never public

    assert box.public_page(session).items == [new, old]
    assert box.public_page(session, q="ÆRØ").items == [old]  # folds Danish letters
    assert box.public_page(session, q="over 25").items == [new]  # searches the answer
    assert box.public_page(session, q="voksenlærling?").items == [new]
    assert box.public_page(session, q="100%").items == [old]  # % is a character, not a wildcard
    assert box.public_page(session, q="0_%").items == []
    # 31 December 23.30 UTC is already 1 January in Denmark.
    assert box.public_page(session, year=2026).items == [new, old]
    assert box.public_page(session, year=2025).items == []
    assert box.public_page(session, year=99999).items == []
    assert box.public_page(session, topic="Ledighed").items == [old]
    assert box.public_years(session) == [2026]
    assert box.public_topics(session) == ["Ledighed", "Uddannelse"]
    page = box.public_page(session, per_page=1, page=5)  # past the end: the last page
    assert page.items == [old] and page.page == 2
    assert box.find_published(session, private.public_slug) is None
    assert box.find_published(session, "x" * 500) is None
    assert box.find_published(session, "") is None


# Privacy

def test_export_and_erasure_keep_the_published_text(session, submit, staff):
    published = submit(email="jens@example.org", name="Jens Berg")
    waiting = submit(email="JENS@example.org", name="Jens Berg", kind="suggestion")
    someone_else = submit(email="other@example.org")
    answer(session, published, staff, publish=True)
    answer(session, someone_else, staff)

    data = privacy.export_person(session, "Jens@Example.org")
    assert [m["kind"] for m in data["box_messages"]] == ["question", "suggestion"]
    assert data["box_messages"][0]["answer"] == published.answer_text
    assert data["box_messages"][0]["email"] == "jens@example.org"

    privacy.erase_person(session, "jens@example.org", actor="organiser@example.org")
    session.commit()
    for message in (published, waiting):
        assert message.email is None and message.name is None and not message.show_name
        assert message.personal_data_cleared_at
    assert published.status == BoxStatus.PUBLISHED and published.text.startswith("Hvordan")
    assert box.find_published(session, published.public_slug) == published
    assert privacy.export_person(session, "jens@example.org")["box_messages"] == []
    assert [m.to_address for m in mails(session)] == ["other@example.org"]
    assert someone_else.email == "other@example.org"


def test_purge_forgets_senders_of_finished_messages_after_retention(session, submit, staff):
    now = utcnow()
    long_ago = now - timedelta(days=200)
    answered_old = submit(email="a@example.org")
    box.answer(session, answered_old, "Svar", staff, reply_privately=True, publish=False,
               base_url=BASE_URL, now=long_ago)
    closed_old = submit(email="b@example.org")
    box.close_without_answer(session, closed_old, now=long_ago)
    answered_recent = submit(email="c@example.org")
    answer(session, answered_recent, staff)
    open_old = submit(email="d@example.org")
    open_old.created_at = long_ago
    session.commit()

    result = privacy.purge(session, retention_days=180, needs_retention_days=14, now=now)
    session.commit()
    assert result["box_messages_cleared"] == 2
    assert answered_old.email is None and answered_old.name is None
    assert closed_old.email is None
    assert answered_old.answer_text == "Svar"
    assert answered_recent.email == "c@example.org" and open_old.email == "d@example.org"
    assert [m.to_address for m in mails(session)] == ["c@example.org"]
    again = privacy.purge(session, retention_days=180, needs_retention_days=14, now=now)
    assert again["box_messages_cleared"] == 0


# Concurrency

def test_two_staff_answering_at_once_one_wins(database_url, session, submit, staff):
    message = submit()
    message_id, staff_id = message.id, staff.id
    session.rollback()  # the test's own session holds no transaction while the threads run
    # Like the server: on SQLite writers BEGIN IMMEDIATE (not the test session's deferred BEGIN).
    app = create_app({**base_config(database_url), "SQLALCHEMY_ENGINE_OPTIONS": {}})
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def work(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(30)
                mine = db.session.get(BoxMessage, message_id)
                by = db.session.get(User, staff_id)
                box.answer(db.session, mine, f"Svar nummer {index}", by, reply_privately=True,
                           publish=True, base_url=BASE_URL)
                db.session.commit()
                results[index] = "answered"
        except box.AlreadyAnswered:
            results[index] = "refused"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            barrier.abort()
            results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with app.app_context():
        db.engine.dispose()

    assert sorted(map(str, results)) == ["answered", "refused"], results
    session.rollback()  # a fresh snapshot: see what the threads committed
    session.refresh(message)
    winner = results.index("answered")
    assert message.answer_text == f"Svar nummer {winner}" and message.version == 2
    [mail] = mails(session)
    assert f"Svar nummer {winner}" in mail.body_text
