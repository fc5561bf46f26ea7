"""GDPR: retention purge, export of one person's data, erasure."""

import json
from datetime import timedelta

from confapp.models import OutboxMail, Registration, RegistrationStatus
from confapp.models.base import utcnow
from confapp.services import privacy
from confapp.services import registration as registrations


def _past_event(make_event, days_ago):
    return make_event(days=-days_ago, hours=3)


def test_purge_deletes_needs_early_and_anonymises_late(app, session, site, make_event,
                                                       make_registration):
    recent = make_event(title="Nyligt møde", days=30)
    reg_recent = make_registration(recent, dietary_needs="Glutenfri")
    old = make_event(title="Gammelt møde", days=5)
    reg_old = make_registration(old, dietary_needs="Vegetar", accessibility_needs="Kørestol",
                                first_name="Birthe", consent_participant_list=True)
    very_old = make_event(title="Meget gammelt møde", days=3)
    reg_very_old = make_registration(very_old, first_name="Poul")
    # Move the events into the past (registration needs them open when people register).
    for event, days in ((old, 20), (very_old, 200)):
        event.starts_at = utcnow() - timedelta(days=days, hours=3)
        event.ends_at = utcnow() - timedelta(days=days)
    session.commit()

    result = privacy.purge(session, retention_days=180, needs_retention_days=14)
    session.commit()
    assert result == {"needs_deleted": 2, "anonymised": 1, "box_messages_cleared": 0,
                      "questions_cleared": 0}
    assert reg_old.dietary_needs == "" and reg_old.accessibility_needs == ""
    assert reg_old.first_name == "Birthe"  # not yet past the retention period
    assert reg_very_old.first_name != "Poul" and "Poul" not in reg_very_old.email
    assert reg_very_old.token_nonce is None and reg_very_old.organisation == ""
    assert reg_very_old.status == RegistrationStatus.CONFIRMED  # the counts survive
    assert session.query(OutboxMail).filter_by(registration_id=reg_very_old.id).count() == 0
    assert reg_recent.dietary_needs == "Glutenfri"
    again = privacy.purge(session, retention_days=180, needs_retention_days=14)
    assert again == {"needs_deleted": 0, "anonymised": 0, "box_messages_cleared": 0,
                     "questions_cleared": 0}


def test_purged_token_no_longer_opens_anything(client, session, site, make_event, make_registration):
    event = make_event(days=3)
    reg = make_registration(event)
    token = registrations.personal_token(site, reg)
    event.starts_at = utcnow() - timedelta(days=400)
    event.ends_at = utcnow() - timedelta(days=399)
    session.commit()
    privacy.purge(session, retention_days=180, needs_retention_days=14)
    session.commit()
    assert client.get(f"/r/{token}").status_code == 404


def test_cli_purge_uses_configured_periods(app, session, site, make_event, make_registration):
    event = make_event(days=3)
    make_registration(event, dietary_needs="Laktosefri")
    event.starts_at = utcnow() - timedelta(days=20)
    event.ends_at = utcnow() - timedelta(days=19)
    session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0
    assert "anonymised 0" in result.output and "needs from 1" in result.output


def test_export_and_erase_one_person(session, site, make_event, make_registration):
    first, second = make_event(title="A", capacity=1), make_event(title="B")
    reg_a = make_registration(first, email="Jens@Example.org", first_name="Jens")
    make_registration(second, email="jens@example.org", first_name="Jens")
    waiting = make_registration(first, email="other@example.org")
    data = privacy.export_person(session, "JENS@example.org")
    json.dumps(data)  # JSON-ready
    assert {r["event"]["title"] for r in data["registrations"]} == {"A", "B"}
    assert data["mails"]
    count = privacy.erase_person(session, "jens@example.org", actor="organiser@example.org")
    session.commit()
    assert count == {"registrations": 2, "questions": 0, "box_messages": 0}
    assert privacy.export_person(session, "jens@example.org")["registrations"] == []
    assert reg_a.status == RegistrationStatus.CANCELLED and reg_a.first_name != "Jens"
    # Erasing freed the seat: the waiting person got it, and only they were mailed.
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert session.query(Registration).count() == 3
    assert session.query(OutboxMail).filter(OutboxMail.to_address.like("%jens%")).count() == 0


def _qa_event_with_questions(session, make_event, make_item, make_registration):
    """An event with an open Q&A session: one question through a personal link, one from a
    visitor who left an address, one anonymous; the visitor's question is rejected (a mail)."""
    from confapp.models import AgendaItemKind
    from confapp.services import qa

    event = make_event(title="Dialogmøde", days=3)
    item = make_item(event, title="Spørgsmål og debat", kind=AgendaItemKind.QA, minutes=60)
    qa_session = qa.enable_qa(session, item, qa.QASettings(premoderated=False))
    registrant = make_registration(event, email="jens@example.org", first_name="Jens")
    now = utcnow()
    through_link = qa.ask(session, qa_session, qa.Asker(
        participant_key=qa.registration_key(registrant), registration_id=registrant.id,
        name="Jens Hansen", organisation="Jobcenter Aarhus"), "Hvad med de unge ledige?", now)
    visitor = qa.ask(session, qa_session, qa.Asker(
        participant_key="c:visitor", name="Bodil Krag", organisation="FOA",
        email="bodil@example.org"), "Hvornår kommer referatet?", now)
    anonymous = qa.ask(session, qa_session, qa.Asker(participant_key="c:anon", anonymous=True),
                       "Hvad koster løntilskud?", now)
    qa.reject(session, visitor, "Besvaret i referatet.", "mod@example.org")
    session.commit()
    return event, through_link, visitor, anonymous


def test_questions_are_exported_and_erased_with_the_person(session, site, make_event, make_item,
                                                          make_registration):
    _event, through_link, visitor, _anonymous = _qa_event_with_questions(
        session, make_event, make_item, make_registration)
    data = privacy.export_person(session, "JENS@example.org")
    json.dumps(data)
    assert [q["text"] for q in data["questions"]] == ["Hvad med de unge ledige?"]
    assert [q["email"] for q in privacy.export_person(session, "bodil@example.org")[
        "questions"]] == ["bodil@example.org"]
    assert session.query(OutboxMail).filter_by(to_address="bodil@example.org").count() == 1

    privacy.erase_person(session, "jens@example.org", actor="organiser@example.org")
    privacy.erase_person(session, "bodil@example.org", actor="organiser@example.org")
    session.commit()
    for question in (through_link, visitor):
        session.refresh(question)
        assert (question.author_name, question.organisation, question.email) == (None,) * 3
    assert through_link.text == "Hvad med de unge ledige?"  # the debate's record stays
    assert session.query(OutboxMail).filter_by(to_address="bodil@example.org").count() == 0
    assert privacy.export_person(session, "bodil@example.org")["questions"] == []


def test_purge_forgets_askers_with_the_registrations(session, site, make_event, make_item,
                                                    make_registration):
    event, through_link, visitor, anonymous = _qa_event_with_questions(
        session, make_event, make_item, make_registration)
    result = privacy.purge(session, retention_days=180, needs_retention_days=14)
    assert result["questions_cleared"] == 0  # the event has not even happened
    event.starts_at = utcnow() - timedelta(days=200, hours=3)
    event.ends_at = utcnow() - timedelta(days=200)
    session.commit()
    result = privacy.purge(session, retention_days=180, needs_retention_days=14)
    session.commit()
    assert result["questions_cleared"] == 2  # the anonymous one held nothing to forget
    assert visitor.email is None and through_link.author_name is None
    assert anonymous.text == "Hvad koster løntilskud?"
    assert privacy.purge(session, retention_days=180, needs_retention_days=14)[
        "questions_cleared"] == 0
