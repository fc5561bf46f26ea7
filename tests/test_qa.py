"""The Q&A domain: join codes, asking, voting, moderation, merging and the counts, called directly.

The threaded tests run each "click" in its own app context and database connection against the
test's database (SQLite file or PostgreSQL), all released at once by a barrier: the one-vote rule,
the moderators' race and merges must hold in the database, not in Python.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from confapp import create_app
from confapp.extensions import db
from confapp.models import (
    AgendaItemKind,
    Category,
    Event,
    OutboxMail,
    QAAudience,
    QASession,
    Question,
    QuestionEdit,
    QuestionStatus,
    QuestionVote,
)
from confapp.models.base import utcnow
from confapp.services import qa
from confapp.services.qa.sessions import JOIN_CODE_ALPHABET
from confapp.services.qa_words import is_flagged
from tests.conftest import base_config

S = QuestionStatus
TIMEOUT = 60


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def item(event, make_item):
    return make_item(event, title="Spørgsmål til ministeren", kind=AgendaItemKind.QA,
                     minutes=60)


@pytest.fixture
def qa_session(session, item):
    """An open session without pre-moderation, so questions are visible at once."""
    qa_ = qa.enable_qa(session, item, qa.QASettings(premoderated=False))
    session.commit()
    return qa_


def asker(n: int | str = 1, **extra) -> qa.Asker:
    data = {"name": f"Deltager {n}", "organisation": "Jobcenter Viborg",
            "category": Category.JOBCENTRE, **extra}
    return qa.Asker(participant_key=f"c:cookie-{n}", **data)


def ask(session, qa_session, text="Hvordan får vi flere ledige i praktik?", n=1, **extra):
    question = qa.ask(session, qa_session, asker(n, **extra), text, utcnow())
    session.commit()
    return question


# --- join code and settings -------------------------------------------------------------------

def test_enabling_qa_gives_the_event_a_join_code_without_look_alikes(session, item, event):
    qa_ = qa.enable_qa(session, item)
    session.commit()
    assert len(event.qa_code) == 6 and set(event.qa_code) <= set(JOIN_CODE_ALPHABET)
    assert not set("0O1IL") & set(JOIN_CODE_ALPHABET)
    assert (qa_.premoderated, qa_.anonymous_allowed, qa_.audience, qa_.accepting) == (
        True, True, QAAudience.ANYONE, True)
    # Idempotent: a second call keeps the session and the code.
    code = event.qa_code
    assert qa.enable_qa(session, item) is qa_ and qa.ensure_join_code(session, event) == code


def test_qa_slots_take_questions_by_default(make_item, event):
    assert qa.default_enabled(make_item(event, kind=AgendaItemKind.QA))
    assert not qa.default_enabled(make_item(event, kind=AgendaItemKind.TALK))


def test_a_taken_join_code_is_drawn_again(session, make_event, monkeypatch):
    first, second = make_event(title="A"), make_event(title="B")
    codes = iter(["ABCDEF", "ABCDEF", "GHJKMN"])
    monkeypatch.setattr("confapp.services.qa.sessions.new_join_code", lambda: next(codes))
    assert qa.ensure_join_code(session, first) == "ABCDEF"
    assert qa.ensure_join_code(session, second) == "GHJKMN"
    session.commit()


def test_the_default_window_runs_from_publication_until_the_item_ends(session, qa_session,
                                                                        item, event):
    assert qa.is_open(qa_session, utcnow())
    assert not qa.is_open(qa_session, item.ends_at)
    event.published = False
    assert not qa.is_open(qa_session, utcnow())
    with pytest.raises(qa.QuestionsNotYetOpen):
        qa.ask(session, qa_session, asker(), "Et spørgsmål før tid", utcnow())


def test_an_explicit_window_and_the_live_switch(session, qa_session):
    now = utcnow()
    qa.update_settings(session, qa_session, qa.QASettings(
        opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2),
        premoderated=False))
    assert not qa.is_open(qa_session, now) and qa.is_open(qa_session, now + timedelta(hours=1))
    with pytest.raises(qa.QuestionsNotYetOpen):
        qa.ask(session, qa_session, asker(), "For tidligt spurgt", now)
    with pytest.raises(qa.QuestionsClosed):
        qa.ask(session, qa_session, asker(), "For sent spurgt", now + timedelta(hours=2))
    later = now + timedelta(hours=1, minutes=5)
    qa.stop(session, qa_session)
    assert not qa.is_open(qa_session, later)
    with pytest.raises(qa.QuestionsClosed) as refused:
        qa.ask(session, qa_session, asker(), "Stoppet", later)
    assert not isinstance(refused.value, qa.QuestionsNotYetOpen)
    qa.reopen(session, qa_session)
    assert qa.is_open(qa_session, later)
    with pytest.raises(qa.InvalidWindow):
        qa.update_settings(session, qa_session, qa.QASettings(opens_at=now, closes_at=now))


# --- asking -----------------------------------------------------------------------------------

def test_a_question_is_approved_at_once_without_premoderation(session, qa_session):
    question = ask(session, qa_session, "  Hvad koster ordningen?  ")
    assert question.status == S.APPROVED and question.text == "Hvad koster ordningen?"
    assert (question.author_name, question.organisation, question.category) == (
        "Deltager 1", "Jobcenter Viborg", Category.JOBCENTRE)


def test_premoderated_questions_wait(session, item):
    qa_ = qa.enable_qa(session, item)
    assert qa.ask(session, qa_, asker(), "Hvad med de unge?", utcnow()).status == S.PENDING


@pytest.mark.parametrize("text", ["", "   ", "ab", "  ab  ", "x" * 501])
def test_too_short_or_too_long_is_refused(session, qa_session, text):
    error = qa.QuestionTooShort if len(text.strip()) < 3 else qa.QuestionTooLong
    with pytest.raises(error) as refused:
        qa.ask(session, qa_session, asker(), text, utcnow())
    assert refused.value.field == "text" and str(refused.value.message)


def test_exactly_three_and_five_hundred_characters_are_fine(session, qa_session):
    assert ask(session, qa_session, "Hvo", n=1).text == "Hvo"
    assert len(ask(session, qa_session, "x" * 500, n=2).text) == 500


def test_the_same_question_twice_from_the_same_participant(session, qa_session):
    ask(session, qa_session, "Hvornår kommer reformen?")
    with pytest.raises(qa.DuplicateQuestion):
        qa.ask(session, qa_session, asker(), "  hvornår   KOMMER reformen?", utcnow())
    assert ask(session, qa_session, "Hvornår kommer reformen?", n=2).id  # someone else may


def test_anonymous_questions_keep_no_identity(session, qa_session):
    question = ask(session, qa_session, "Hvad siger arbejdsgiverne?", anonymous=True,
                   email="anne@example.org", registration_id=None)
    assert question.anonymous and question.author_name is None and question.email is None
    assert question.organisation is None and question.participant_key == "c:cookie-1"
    qa.update_settings(session, qa_session, qa.QASettings(premoderated=False,
                                                          anonymous_allowed=False))
    with pytest.raises(qa.AnonymousNotAllowed):
        qa.ask(session, qa_session, asker(2, anonymous=True), "Og fagforeningerne?", utcnow())


def test_registrants_only_sessions_need_a_personal_link_of_this_event(
        session, qa_session, event, make_event, make_registration):
    qa.update_settings(session, qa_session, qa.QASettings(premoderated=False,
                                                          audience=QAAudience.REGISTRANTS))
    with pytest.raises(qa.RegistrantsOnly):
        qa.ask(session, qa_session, asker(), "Uden link", utcnow())
    stranger = make_registration(make_event(title="Et andet møde"))
    with pytest.raises(qa.RegistrantsOnly):
        qa.ask(session, qa_session, qa.Asker(qa.registration_key(stranger)), "Forkert", utcnow())
    reg = make_registration(event)
    question = qa.ask(session, qa_session, qa.Asker(qa.registration_key(reg), name=reg.name),
                      "Med link", utcnow())
    assert question.registration_id == reg.id and question.participant_key == f"r:{reg.id}"


def test_the_word_list_matches_whole_words_in_any_case():
    assert is_flagged("Du er en IDIOT!") and is_flagged("what a load of bullshit")
    assert is_flagged("Sikke noget lort.")
    assert not is_flagged("Idioten er ikke et ord på listen, men analysen af Skagen er fin")
    assert not is_flagged("Hvad koster ordningen?")


def test_flagged_questions_wait_even_without_premoderation(session, qa_session):
    question = ask(session, qa_session, "Hvorfor er ministeren sådan en idiot?")
    assert question.flagged and question.status == S.PENDING


def test_deleting_an_event_or_item_takes_its_questions_along(session, qa_session, event, item,
                                                              make_item):
    from confapp.services import events

    question = ask(session, qa_session)
    qa.vote(session, question, "c:voter", event)
    qa.pin(session, question, "m")
    events.delete_agenda_item(session, item)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Question)) == 0
    other = qa.enable_qa(session, make_item(event, kind=AgendaItemKind.QA),
                         qa.QASettings(premoderated=False))
    qa.pin(session, ask(session, other), "m")
    events.delete_event(session, event)
    session.commit()
    assert session.scalar(select(func.count()).select_from(QASession)) == 0
    assert session.scalar(select(func.count()).select_from(QuestionVote)) == 0


# --- voting -----------------------------------------------------------------------------------

def test_one_vote_per_participant_and_taking_it_back(session, qa_session, event):
    question = ask(session, qa_session)
    assert qa.vote(session, question, "c:voter", event) is True
    assert qa.vote(session, question, "c:voter", event) is False
    assert qa.vote(session, question, "c:other", event) is True
    session.commit()
    assert question.vote_count == 2
    assert qa.has_voted(session, [question.id], "c:voter") == {question.id}
    assert qa.unvote(session, question, "c:voter") is True
    assert qa.unvote(session, question, "c:voter") is False
    session.commit()
    assert question.vote_count == 1
    assert session.scalar(select(func.count()).select_from(QuestionVote)) == 1


@pytest.mark.parametrize("status", [S.PENDING, S.REJECTED, S.MERGED])
def test_votes_on_questions_not_shown_are_refused(session, qa_session, event, status):
    question = ask(session, qa_session)
    question.status = status
    session.commit()
    with pytest.raises(qa.NotVotable):
        qa.vote(session, question, "c:voter", event)
    session.commit()
    assert question.vote_count == 0
    assert session.scalar(select(func.count()).select_from(QuestionVote)) == 0


def test_answered_questions_can_still_be_voted_for(session, qa_session, event):
    question = ask(session, qa_session)
    qa.mark_answered(session, question, "moderator@example.org")
    assert qa.vote(session, question, "c:voter", event)


def test_votes_across_events_are_refused(session, qa_session, make_event, make_registration,
                                         event):
    question = ask(session, qa_session)
    other = make_event(title="Et andet møde")
    with pytest.raises(qa.NotVotable):
        qa.vote(session, question, "c:voter", other)
    with pytest.raises(qa.RegistrantsOnly):
        qa.vote(session, question, qa.registration_key(make_registration(other)), event)


def test_registrants_only_sessions_take_votes_from_registrants_only(session, qa_session, event,
                                                                    make_registration):
    question = ask(session, qa_session)
    qa.update_settings(session, qa_session, qa.QASettings(premoderated=False,
                                                          audience=QAAudience.REGISTRANTS))
    with pytest.raises(qa.RegistrantsOnly):
        qa.vote(session, question, "c:voter", event)
    assert qa.vote(session, question, qa.registration_key(make_registration(event)), event)


# --- moderation -------------------------------------------------------------------------------

@pytest.fixture
def pending(session, item):
    qa_ = qa.enable_qa(session, item)
    question = qa.ask(session, qa_, asker(locale="en", email="asker@example.org"),
                      "What about <script>alert(1)</script> apprentices?", utcnow())
    session.commit()
    return question


def test_approve_and_reject_move_the_version_on(session, pending):
    qa.approve(session, pending, "mette@example.org")
    assert (pending.status, pending.version, pending.moderated_by) == (
        S.APPROVED, 2, "mette@example.org")
    with pytest.raises(qa.AlreadyModerated) as stale:
        qa.reject(session, pending, "Off topic", "jens@example.org", seen_version=1)
    assert stale.value.question.status == S.APPROVED and str(stale.value.message)
    qa.reject(session, pending, "Off topic", "jens@example.org", seen_version=2)
    assert pending.status == S.REJECTED and pending.reject_reason == "Off topic"


def test_rejecting_mails_the_reason_in_the_askers_language_escaped(session, pending):
    qa.reject(session, pending, "Not <b>on</b> topic", "mette@example.org")
    session.commit()
    mail = session.scalar(select(OutboxMail))
    assert (mail.kind, mail.to_address) == ("qa_rejected", "asker@example.org")
    assert mail.idempotency_key == f"qa_rejected:{pending.id}:2"
    assert "Not <b>on</b> topic" in mail.body_text and "About your question" in mail.subject
    assert "<script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html
    assert "&lt;b&gt;on&lt;/b&gt;" in mail.body_html


def test_rejecting_without_an_address_queues_nothing(session, qa_session):
    question = ask(session, qa_session)
    qa.reject(session, question, "Dobbelt", "mette@example.org")
    assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_rejecting_mails_in_danish_by_default(session, item):
    qa_ = qa.enable_qa(session, item)
    question = qa.ask(session, qa_, asker(email="a@example.org"), "Et spørgsmål", utcnow())
    qa.reject(session, question, "Uden for emnet", "mette@example.org")
    mail = session.scalar(select(OutboxMail))
    assert "Om dit spørgsmål" in mail.subject and "Uden for emnet" in mail.body_text


def test_mark_answered_only_from_approved(session, pending):
    with pytest.raises(qa.AlreadyModerated):
        qa.mark_answered(session, pending, "mette@example.org")
    qa.approve(session, pending, "mette@example.org")
    qa.mark_answered(session, pending, "mette@example.org")
    assert pending.status == S.ANSWERED


def test_pinning_another_question_replaces_the_first(session, qa_session):
    first, second = ask(session, qa_session, "Første", n=1), ask(session, qa_session, "Anden", n=2)
    qa.pin(session, first, "m")
    assert qa_session.pinned_question_id == first.id
    qa.pin(session, second, "m")
    assert qa_session.pinned_question_id == second.id
    qa.unpin(session, first)  # no longer pinned: nothing happens
    assert qa_session.pinned_question_id == second.id
    with pytest.raises(qa.AlreadyModerated):  # the moderator saw the first one pinned
        qa.pin(session, first, "m", seen_pinned_id=first.id, check_seen=True)
    qa.mark_answered(session, second, "m")  # answered leaves the stage
    assert qa_session.pinned_question_id is None


def test_only_approved_questions_can_be_pinned(session, pending):
    with pytest.raises(qa.AlreadyModerated):
        qa.pin(session, pending, "m")


def test_edit_keeps_the_original_for_moderators(session, qa_session):
    question = ask(session, qa_session, "Hvad med lærlinge i kommunnerne?")
    qa.edit(session, question, "Hvad med lærlinge i kommunerne?", "mette@example.org")
    session.commit()
    assert question.text == "Hvad med lærlinge i kommunerne?" and question.version == 2
    log = session.scalars(select(QuestionEdit)).all()
    assert [(e.old_text, e.new_text, e.editor) for e in log] == [
        ("Hvad med lærlinge i kommunnerne?", "Hvad med lærlinge i kommunerne?",
         "mette@example.org")]
    with pytest.raises(qa.QuestionTooShort):
        qa.edit(session, question, " x ", "mette@example.org")
    with pytest.raises(qa.AlreadyModerated):
        qa.edit(session, question, "Noget andet", "jens@example.org", seen_version=1)
    other = ask(session, qa_session, "Et andet spørgsmål")  # same asker
    with pytest.raises(qa.DuplicateQuestion):
        qa.edit(session, other, "Hvad med lærlinge i kommunerne?", "mette@example.org")
    session.commit()
    assert other.text == "Et andet spørgsmål" and other.version == 1


def test_merge_carries_votes_without_counting_anyone_twice(session, qa_session, event):
    target, dup = ask(session, qa_session, "Mål", n=1), ask(session, qa_session, "Kopi", n=2)
    for key in ("c:both", "c:target-only"):
        qa.vote(session, target, key, event)
    for key in ("c:both", "c:dup-only", "c:dup-too"):
        qa.vote(session, dup, key, event)
    qa.pin(session, dup, "m")
    qa.merge(session, dup, target, "mette@example.org")
    session.commit()
    assert (dup.status, dup.merged_into_id) == (S.MERGED, target.id)
    assert target.vote_count == 4 and qa_session.pinned_question_id is None
    keys = set(session.scalars(select(QuestionVote.participant_key)
                               .where(QuestionVote.question_id == target.id)))
    assert keys == {"c:both", "c:target-only", "c:dup-only", "c:dup-too"}
    with pytest.raises(qa.NotVotable):
        qa.vote(session, dup, "c:new", event)
    with pytest.raises(qa.AlreadyModerated):  # merged already
        qa.merge(session, dup, target, "jens@example.org")


def test_merge_refuses_across_sessions_and_into_itself(session, qa_session, event, make_item):
    other = qa.enable_qa(session, make_item(event, title="Debat", kind=AgendaItemKind.DEBATE),
                         qa.QASettings(premoderated=False))
    a, b = ask(session, qa_session, "Et spørgsmål"), ask(session, other, "To spørgsmål")
    with pytest.raises(qa.WrongSession):
        qa.merge(session, a, b, "m")
    with pytest.raises(qa.WrongSession):
        qa.merge(session, a, a, "m")


def test_merge_into_a_rejected_question_is_refused_and_undone(session, qa_session):
    target, dup = ask(session, qa_session, "Mål", n=1), ask(session, qa_session, "Kopi", n=2)
    qa.reject(session, target, "Nej", "m")
    with pytest.raises(qa.NotVotable):
        qa.merge(session, dup, target, "m")
    session.refresh(dup)
    assert dup.status == S.APPROVED and dup.merged_into_id is None


def test_written_answer_after_the_event_is_mailed_to_the_asker(session, qa_session):
    question = ask(session, qa_session, email="anne@example.org")
    silent = ask(session, qa_session, "Uden adresse", n=2)
    assert qa.awaiting_written_answer(session, qa_session) == [question, silent]
    now = utcnow()
    qa.publish_written_answer(session, question, "  Svaret er <ja>.  ", "Formanden", now)
    qa.publish_written_answer(session, silent, "Nej.", "Formanden", now)
    assert (question.status, question.answer_text, question.answered_by) == (
        S.ANSWERED, "Svaret er <ja>.", "Formanden")
    assert question.answer_published_at == now
    assert qa.awaiting_written_answer(session, qa_session) == []
    mail = session.scalar(select(OutboxMail))  # one: the other asker left no address
    assert (mail.kind, mail.to_address) == ("qa_answered", "anne@example.org")
    assert "Dit spørgsmål er besvaret" in mail.subject and "Svaret er <ja>." in mail.body_text
    assert "Svaret er &lt;ja&gt;." in mail.body_html
    with pytest.raises(qa.AlreadyModerated):  # answered already
        qa.publish_written_answer(session, question, "Igen", "Næstformanden", now)


# --- queries ----------------------------------------------------------------------------------

def _in_states(session, qa_session):
    """One question in every state, asked one minute apart (oldest first)."""
    start = utcnow() - timedelta(hours=1)
    made = {}
    for i, name in enumerate(["pending", "approved", "rejected", "stage", "written", "merged",
                              "approved2"]):
        question = qa.ask(session, qa_session, asker(i, category=[
            Category.JOBCENTRE, Category.UNION, Category.EMPLOYER_ORG][i % 3]),
            f"Spørgsmål {name}", start + timedelta(minutes=i))
        made[name] = question
    made["pending"].status = S.PENDING
    made["rejected"].status = S.REJECTED
    made["stage"].status = S.ANSWERED
    made["written"].status = S.ANSWERED
    made["written"].answer_published_at = utcnow()
    made["merged"].status = S.MERGED
    made["approved2"].vote_count = 3
    session.commit()
    return made


def test_queue_counts_public_list_breakdown_and_ledger(session, qa_session):
    made = _in_states(session, qa_session)
    queue = qa.moderation_queue(session, qa_session)
    assert queue[0] is made["approved2"] and queue[-1] is made["pending"]
    assert [q.id for q in qa.moderation_queue(session, qa_session, S.PENDING)] == [
        made["pending"].id]
    assert qa.status_counts(session, qa_session) == {
        S.PENDING: 1, S.APPROVED: 2, S.REJECTED: 1, S.ANSWERED: 2, S.MERGED: 1}

    by_votes = qa.public_questions(session, qa_session)
    assert by_votes[0] is made["approved2"]
    assert {q.id for q in by_votes} == {made[n].id for n in ("approved", "stage", "written",
                                                             "approved2")}
    newest = qa.public_questions(session, qa_session, order="newest")
    assert newest[0] is made["approved2"] and newest[-1] is made["approved"]
    mine = qa.public_questions(session, qa_session, participant_key="c:cookie-0")
    assert made["pending"] in mine
    assert made["pending"] not in qa.public_questions(session, qa_session,
                                                      participant_key="c:cookie-9")

    breakdown = qa.category_breakdown(session, qa_session)  # 5 questions: no merged, rejected
    assert sum(s.count for s in breakdown) == 5
    assert [(s.category, s.count, s.percent) for s in breakdown] == [
        (Category.JOBCENTRE, 3, 60), (Category.UNION, 2, 40)]
    assert abs(sum(s.share for s in breakdown) - 1) < 1e-9

    assert qa.ledger(session, qa_session) == qa.Ledger(
        received=7, answered_on_stage=1, answered_in_writing=1, merged=1, declined=1, open=3)


def test_an_empty_session_has_empty_counts(session, qa_session):
    assert qa.category_breakdown(session, qa_session) == []
    assert qa.ledger(session, qa_session) == qa.Ledger(0, 0, 0, 0, 0, 0)


# --- concurrency ------------------------------------------------------------------------------

@pytest.fixture
def worker_app(database_url):
    """An app whose threads write like production (SQLite: BEGIN IMMEDIATE), one connection each."""
    app = create_app({**base_config(database_url),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 5}})
    yield app
    with app.app_context():
        db.engine.dispose()


def together(app, jobs):
    """Run each job(session) in its own thread and app context, released at once; commit each.

    Returns each job's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            with app.app_context():
                barrier.wait(TIMEOUT)
                try:
                    results[index] = job(db.session)
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 - the caller asserts on every result
            barrier.abort()
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    return results


def fresh(session, model, row_id):
    session.rollback()  # see what the threads committed
    return session.get(model, row_id, populate_existing=True)


def test_twenty_simultaneous_votes_by_one_participant_count_once(session, qa_session, event,
                                                                 worker_app):
    question_id, event_id = ask(session, qa_session).id, event.id

    def click(s):
        return qa.vote(s, s.get(Question, question_id), "c:double-clicker", s.get(Event, event_id))

    results = together(worker_app, [click] * 20)
    assert sorted(results, key=str) == [False] * 19 + [True], results
    assert fresh(session, Question, question_id).vote_count == 1
    assert session.scalar(select(func.count()).select_from(QuestionVote)) == 1


def test_twenty_participants_voting_at_once_all_count(session, qa_session, event, worker_app):
    question_id, event_id = ask(session, qa_session).id, event.id

    def voter(n):
        return lambda s: qa.vote(s, s.get(Question, question_id), f"c:v{n}",
                                 s.get(Event, event_id))

    assert together(worker_app, [voter(n) for n in range(20)]) == [True] * 20
    assert fresh(session, Question, question_id).vote_count == 20


def test_two_moderators_at_once_one_wins(session, item, worker_app):
    qa_ = qa.enable_qa(session, item)
    ids = [qa.ask(session, qa_, asker(n), f"Spørgsmål {n}", utcnow()).id for n in range(5)]
    session.commit()
    for question_id in ids:
        def moderate(step, question_id=question_id):
            def job(s):
                try:
                    step(s, s.get(Question, question_id))
                except qa.AlreadyModerated as lost:
                    return lost  # what the loser is shown: the question as it is now
                return "won"
            return job

        approve = moderate(lambda s, q: qa.approve(s, q, "mette", seen_version=1))
        reject = moderate(lambda s, q: qa.reject(s, q, "Nej", "jens", seen_version=1))

        results = together(worker_app, [approve, reject])
        assert sorted(map(type, results), key=str) == sorted([str, qa.AlreadyModerated],
                                                               key=str), results
        won = S.APPROVED if results[0] == "won" else S.REJECTED
        question = fresh(session, Question, question_id)
        assert question.status == won and question.version == 2
        assert next(r for r in results if r != "won").status == won


def test_concurrent_merges_count_each_participant_once(session, qa_session, event, worker_app):
    target = ask(session, qa_session, "Mål", n=0)
    dups = [ask(session, qa_session, f"Kopi {n}", n=n) for n in range(1, 5)]
    qa.vote(session, target, "c:everyone", event)
    for n, dup in enumerate(dups):
        for key in ("c:everyone", "c:dups", f"c:only-{n}"):
            qa.vote(session, dup, key, event)
    session.commit()
    target_id, dup_ids = target.id, [d.id for d in dups]

    def merger(dup_id):
        return lambda s: qa.merge(s, s.get(Question, dup_id), s.get(Question, target_id), "m")

    # Four duplicates into one target at once, and the first duplicate twice.
    results = together(worker_app, [merger(i) for i in dup_ids] + [merger(dup_ids[0])])
    assert sum(r is None for r in results) == 4, results
    assert [type(r) for r in results if r is not None] == [qa.AlreadyModerated]
    target = fresh(session, Question, target_id)
    keys = session.scalars(select(QuestionVote.participant_key)
                           .where(QuestionVote.question_id == target_id)).all()
    assert sorted(keys) == sorted(["c:everyone", "c:dups"] + [f"c:only-{n}" for n in range(4)])
    assert target.vote_count == 6


def test_two_organisers_enabling_qa_at_once_make_one_session(session, event, item, worker_app):
    item_id = item.id

    def enable(s):
        from confapp.models import AgendaItem

        return qa.enable_qa(s, s.get(AgendaItem, item_id)).id

    results = together(worker_app, [enable] * 4)
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    session.rollback()
    assert session.scalar(select(func.count()).select_from(QASession)) == 1
    assert fresh(session, Event, event.id).qa_code


def test_every_change_bumps_the_live_revision(session, qa_session, event):
    """The live pages' ETag is the session's revision: asking, voting, taking a vote back,
    moderating, pinning, stopping and reopening each move it on; reading does not."""
    def revision():
        session.refresh(qa_session, ["revision"])
        return qa_session.revision

    seen = [revision()]
    question = ask(session, qa_session)
    seen.append(revision())
    for step in (lambda: qa.vote(session, question, "c:two", event),
                 lambda: qa.unvote(session, question, "c:two"),
                 lambda: qa.pin(session, question, "mod@example.org"),
                 lambda: qa.mark_answered(session, question, "mod@example.org"),
                 lambda: qa.stop(session, qa_session),
                 lambda: qa.reopen(session, qa_session)):
        step()
        session.commit()
        seen.append(revision())
    qa.public_questions(session, qa_session)
    assert revision() == seen[-1]
    assert seen == sorted(set(seen)), seen
    assert qa.live_etag(qa_session.id, 3, "votes") != qa.live_etag(qa_session.id, 3, "newest")
    assert qa.live_etag(qa_session.id, 3, "votes") != qa.live_etag(qa_session.id, 4, "votes")
