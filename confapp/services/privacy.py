"""GDPR: retention, export and erasure of registrants' personal data.

Anonymising keeps the row (so counts per status, category and workshop survive)
but removes everything that identifies the person: name, e-mail, organisation,
job title, needs, consents, the personal-link nonce (so links and tickets die)
and the mails queued for them. Question-box messages keep their texts (a published
answer stays published) but lose the sender's name and e-mail (services/question_box.py);
Q&A questions keep text, category and votes but lose the asker's name, organisation and
e-mail (services/qa/personal_data.py).
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from confapp.models import Event, OutboxMail, Registration, RegistrationHistory
from confapp.models.base import utcnow
from confapp.services import question_box
from confapp.services.history import record
from confapp.services.qa import personal_data as qa_personal_data

ANONYMOUS = "—"


def _anonymous_email(registration: Registration) -> str:
    # Unique per row, so the (event, e-mail) constraint still holds; .invalid never resolves.
    return f"anonymised-{registration.id}@anonymised.invalid"


def anonymise(session: Session, registration: Registration, actor: str, now: datetime) -> None:
    registration.first_name = ANONYMOUS
    registration.last_name = ANONYMOUS
    registration.email = _anonymous_email(registration)
    registration.organisation = ""
    registration.job_title = ""
    registration.dietary_needs = ""
    registration.accessibility_needs = ""
    registration.consent_participant_list = False
    registration.consent_photos = False
    registration.token_nonce = None
    registration.anonymised_at = now
    registration.needs_purged_at = registration.needs_purged_at or now
    session.execute(delete(OutboxMail).where(OutboxMail.registration_id == registration.id))
    session.execute(delete(RegistrationHistory).where(
        RegistrationHistory.registration_id == registration.id))
    session.flush()
    session.expire(registration, ["history"])
    record(session, registration, "anonymised", actor)


def purge(session: Session, *, retention_days: int, needs_retention_days: int,
          now: datetime | None = None, actor: str = "retention") -> dict:
    """Delete needs after ``needs_retention_days`` and anonymise after ``retention_days``."""
    now = now or utcnow()
    needs_cutoff = now - timedelta(days=needs_retention_days)
    needs = session.scalars(
        select(Registration).join(Event)
        .where(Event.ends_at < needs_cutoff, Registration.needs_purged_at.is_(None)))
    needs_count = 0
    for registration in needs:
        registration.dietary_needs = ""
        registration.accessibility_needs = ""
        registration.needs_purged_at = now
        needs_count += 1
    session.flush()

    cutoff = now - timedelta(days=retention_days)
    expired = list(session.scalars(
        select(Registration).join(Event)
        .where(Event.ends_at < cutoff, Registration.anonymised_at.is_(None))))
    for registration in expired:
        anonymise(session, registration, actor, now)
    box_cleared = question_box.purge_senders(session, retention_days=retention_days, now=now)
    askers_cleared = qa_personal_data.purge_askers(session, retention_days=retention_days,
                                                   now=now)
    return {"needs_deleted": needs_count, "anonymised": len(expired),
            "box_messages_cleared": box_cleared, "questions_cleared": askers_cleared}


def _registrations_of(session: Session, email: str) -> list[Registration]:
    return list(session.scalars(
        select(Registration).where(Registration.email == email.strip().lower())
        .order_by(Registration.id)))


def export_person(session: Session, email: str) -> dict:
    """Everything held about one e-mail address, as JSON-ready data (GDPR art. 15 and 20)."""
    registrations = _registrations_of(session, email)
    mails = session.scalars(select(OutboxMail).where(
        OutboxMail.to_address == email.strip().lower()).order_by(OutboxMail.id)).all()
    return {
        "email": email.strip().lower(),
        "exported_at": utcnow().isoformat(),
        "registrations": [
            {
                "event": {"id": r.event.id, "title": r.event.title,
                          "starts_at": r.event.starts_at.isoformat()},
                "status": r.status.value,
                "source": r.source.value,
                "first_name": r.first_name,
                "last_name": r.last_name,
                "email": r.email,
                "organisation": r.organisation,
                "category": r.category.value,
                "job_title": r.job_title,
                "dietary_needs": r.dietary_needs,
                "accessibility_needs": r.accessibility_needs,
                "consent_participant_list": r.consent_participant_list,
                "consent_photos": r.consent_photos,
                "language": r.locale,
                "workshops": [item.title for item in r.workshops],
                "registered_at": r.created_at.isoformat(),
                "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
                "history": [{"at": h.at.isoformat(), "action": h.action} for h in r.history],
            }
            for r in registrations
        ],
        "mails": [
            {"subject": m.subject, "status": m.status.value, "created_at": m.created_at.isoformat(),
             "sent_at": m.sent_at.isoformat() if m.sent_at else None}
            for m in mails
        ],
        "box_messages": question_box.export_messages(session, email),
        "questions": qa_personal_data.export_questions(session, email),
    }


def erase_person(session: Session, email: str, actor: str) -> dict[str, int]:
    """Anonymise every registration of an address at once (GDPR art. 17), freeing their seats,
    and forget it as the asker of questions and the sender of box messages; says how many."""
    from confapp.services import registration as registrations

    count = 0
    now = utcnow()
    # Before the registrations lose their address: it is how their questions are found.
    questions = qa_personal_data.erase_asker(session, email)
    for registration in _registrations_of(session, email):
        registrations.cancel(session, registration, actor, notify_person=False)
        anonymise(session, registration, actor, now)
        count += 1
    # The box keeps the texts (a published answer stays published) but forgets the sender.
    box_messages = question_box.erase_sender(session, email, now)
    return {"registrations": count, "questions": questions, "box_messages": box_messages}
