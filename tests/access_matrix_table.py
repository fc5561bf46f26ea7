"""Who may call what: the table behind tests/test_access_matrix.py.

Every endpoint of the app's URL map must have an entry here, or the access-matrix test fails.
When you add a page, add a line below saying, for each audience, what a call must give:

    OK         2xx, or a redirect that is not to the login page
    LOGIN      a redirect to /auth/login
    FORBIDDEN  403
    NOT_FOUND  404

The audiences are: ANONYMOUS (a fresh browser), ATTENDEE (a browser that has opened the personal
link /r/<token> of its own registration, and nothing else), and one logged-in user per staff
role: ORGANISER, CHAIR, VICE_CHAIR and ADMINISTRATOR (each holds only that one role).

On personal-link pages (/r/<token>…) the attendee uses its own token; every other audience uses
another registration's id with the attendee's signature (someone else's link, tampered with).

``data`` is what a POST sends besides the CSRF token: fields that make the call succeed for an
audience that may make it, so that a call which should have been refused but was not shows up
as a changed database. ``args`` picks, per URL argument, another object of the test's data than
the default (see ``url_values()`` in tests/test_access_matrix.py), e.g. a waitlisted registration
for "promote".
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
ATTENDEE = "attendee"
ORGANISER = "organiser"
CHAIR = "chair"
VICE_CHAIR = "vice_chair"
ADMINISTRATOR = "administrator"
AUDIENCES = (ANONYMOUS, ATTENDEE, ORGANISER, CHAIR, VICE_CHAIR, ADMINISTRATOR)

OK = "ok"
LOGIN = "login"
FORBIDDEN = "forbidden"
NOT_FOUND = "notfound"

EVERYONE = dict.fromkeys(AUDIENCES, OK)
# Organiser pages and the check-in desk: organisers and administrators only.
STAFF = {ANONYMOUS: LOGIN, ATTENDEE: LOGIN, ORGANISER: OK, CHAIR: FORBIDDEN,
         VICE_CHAIR: FORBIDDEN, ADMINISTRATOR: OK}
# The administration area: administrators only.
ADMINISTRATORS = {ANONYMOUS: LOGIN, ATTENDEE: LOGIN, ORGANISER: FORBIDDEN, CHAIR: FORBIDDEN,
                  VICE_CHAIR: FORBIDDEN, ADMINISTRATOR: OK}
# The chair's area (the question box's inbox): the chair, the vice-chair and administrators.
CHAIR_AREA = {ANONYMOUS: LOGIN, ATTENDEE: LOGIN, ORGANISER: FORBIDDEN, CHAIR: OK,
              VICE_CHAIR: OK, ADMINISTRATOR: OK}
# Pages behind a personal link: only the holder of the right token gets in.
PERSONAL_LINK = {**dict.fromkeys(AUDIENCES, NOT_FOUND), ATTENDEE: OK}


@dataclass(frozen=True)
class Access:
    """What each audience may do on one endpoint, with the data a POST to it sends."""

    who: dict[str, str]
    data: Callable[[object], dict] = lambda world: {}
    args: dict[str, str] = field(default_factory=dict)
    post: dict[str, str] | None = None  # for POST, when it differs from ``who``
    # An allowed POST with ``data`` changes the database (checked, so that ``data`` stays a real
    # attempt and a refused call that changes nothing really was refused).
    changes: bool = True

    def expected(self, audience: str, method: str) -> str:
        table = self.post if method == "POST" and self.post is not None else self.who
        return table[audience]


def person(email: str, job_title: str = "Konsulent") -> Callable[[object], dict]:
    """The registration form, filled in (workshop included)."""
    return lambda world: {
        "first_name": "Freja", "last_name": "Holm", "email": email,
        "organisation": "Jobcenter Viborg", "category": "jobcentre", "job_title": job_title,
        "workshop_0": str(world.workshop_id), "consent_participant_list": "y",
    }


def qa_question(text: str) -> dict:
    """The ask form of a Q&A session, filled in."""
    return {"text": text, "name": "Freja Holm", "organisation": "Jobcenter Viborg",
            "category": "jobcentre", "email": "freja@example.org"}


def event_form(world) -> dict:
    return {"kind": "conference", "title": "Matrixkonferencen", "starts_at": world.starts_local,
            "ends_at": world.ends_local, "capacity": "5", "venue": "Aarhus Rådhus"}


def agenda_item_form(world) -> dict:
    return {"kind": "talk", "title": "Velkomst", "starts_at": world.starts_local,
            "ends_at": world.item_ends_local, "room": "Sal 1"}


def _versioned(version: str, **data) -> Callable[[object], dict]:
    return lambda world: {**data, "version": str(getattr(world, version))}


# The inbox's pages, the same in both areas (``message_id`` is a new message unless ``args``).
BOX_INBOX: dict[str, dict] = {
    "box_inbox": {},
    "box_message": {},
    "box_answer": {"data": lambda w: {"answer": "Tak, vi ser på det.", "reply_privately": "y",
                                      "publish": "y", "topic": "Unge", "version": "1"}},
    "box_assign": {"data": lambda w: {"assignee": str(w.user_id), "version": "1"}},
    "box_topic": {"data": lambda w: {"topic": "Praktik", "version": "1"}},
    "box_close": {"data": lambda w: {"version": "1"}},
    "box_publish": {"args": {"message_id": "box_answered_id"},
                    "data": _versioned("box_answered_version")},
    "box_unpublish": {"args": {"message_id": "box_published_id"},
                      "data": _versioned("box_published_version")},
}


TABLE: dict[str, Access] = {
    "static": Access(EVERYONE),
    # Public pages.
    "public.index": Access(EVERYONE),
    "public.event": Access(EVERYONE),
    "public.privacy": Access(EVERYONE),
    "public.accessibility": Access(EVERYONE),
    "public.set_language": Access(EVERYONE, data=lambda w: {"lang": "en", "next": "/"},
                                  changes=False),
    "auth.login": Access(EVERYONE, data=lambda w: {"email": w.organiser_email,
                                                   "password": w.password}, changes=False),
    "auth.logout": Access(EVERYONE, changes=False),
    # A set-password link: the matrix has no valid one (they are only mailed), so every audience
    # gets the "link not valid" page, whoever is logged in.
    "auth.set_password": Access(dict.fromkeys(AUDIENCES, NOT_FOUND), data=lambda w: {
        "password": "a-new-long-password", "confirm": "a-new-long-password"}),
    # Attendees: the public form, then the personal link.
    "attendee.register": Access(EVERYONE, data=person("ny.deltager@example.org")),
    "attendee.personal": Access(PERSONAL_LINK),
    "attendee.edit": Access(PERSONAL_LINK, data=person("deltager@example.org", "Teamleder")),
    "attendee.cancel": Access(PERSONAL_LINK, data=lambda w: {"submit": "1"}),
    "attendee.ticket_png": Access(PERSONAL_LINK),
    "attendee.ticket_pdf": Access(PERSONAL_LINK),
    "attendee.ics": Access(PERSONAL_LINK),
    # Q&A for the audience: anyone with the code (a voting cookie), or a registrant through the
    # personal link; votes go to the approved question.
    "qa.find": Access(EVERYONE),
    "qa.join": Access(EVERYONE),
    "qa.qr_png": Access(EVERYONE),
    "qa.session": Access(EVERYONE, data=lambda w: qa_question("Hvad koster en mentor?")),
    "qa.vote": Access(EVERYONE, args={"question_id": "qa_target_id"},
                      data=lambda w: {"action": "vote"}),
    "qa.live": Access(EVERYONE),
    "qa.screen": Access(EVERYONE),
    "qa.screen_live": Access(EVERYONE),
    "qa_link.session": Access(PERSONAL_LINK, data=lambda w: qa_question("Hvem betaler?")),
    "qa_link.vote": Access(PERSONAL_LINK, args={"question_id": "qa_target_id"},
                           data=lambda w: {"action": "vote"}),
    "qa_link.live": Access(PERSONAL_LINK),
    # The question box (Spørg Rådet) and the public questions and answers.
    "public.ask": Access(EVERYONE, data=lambda w: {
        "kind": "suggestion", "subject": "Flere praktikpladser", "text": "Lav en pulje.",
        "email": "borger@example.org", "consent_publish": "y"}),
    "public.ask_thanks": Access(EVERYONE),
    "public.answers_archive": Access(EVERYONE),
    "public.answer": Access(EVERYONE),
    # Organisers: events and agendas.
    "organiser.events": Access(STAFF),
    "organiser.new_event": Access(STAFF, data=event_form),
    "organiser.event": Access(STAFF),
    "organiser.edit_event": Access(STAFF, data=event_form),
    "organiser.publish_event": Access(STAFF),
    "organiser.new_agenda_item": Access(STAFF, data=agenda_item_form),
    "organiser.edit_agenda_item": Access(STAFF, data=agenda_item_form),
    "organiser.delete_agenda_item": Access(STAFF),
    "organiser.move_agenda_item": Access(STAFF),
    "organiser.sort_agenda": Access(STAFF),
    "organiser.copy_event": Access(STAFF, data=lambda w: {"starts_on": "2031-05-14",
                                                          "title": "Matrixkonferencen 2031"}),
    # Organisers: registrations, mail, GDPR.
    "organiser.registration_list": Access(STAFF),
    "organiser.export_csv": Access(STAFF),
    "organiser.export_xlsx": Access(STAFF),
    "organiser.add_registration": Access(
        STAFF, data=lambda w: {**person("manuelt@example.org")(w), "locale": "en"}),
    "organiser.registration_detail": Access(STAFF),
    "organiser.cancel_registration": Access(STAFF, data=lambda w: {"submit": "1"}),
    "organiser.resend_confirmation": Access(STAFF),
    "organiser.promote_registration": Access(STAFF, args={"registration_id": "waiting_id"}),
    "organiser.send_fresh_link": Access(STAFF),
    "organiser.mail_registrants": Access(STAFF, data=lambda w: {
        "subject": "Praktisk information", "message": "Husk madpakken.",
        "recipients": "both", "nonce": "access-matrix-nonce-0001", "send": "1"}),
    "organiser.event_outbox": Access(STAFF),
    "organiser.retry_mail": Access(STAFF),
    "organiser.privacy_requests": Access(STAFF, data=lambda w: {"email": w.attendee_email,
                                                                "export": "1"}, changes=False),
    "organiser.erase_person": Access(STAFF, data=lambda w: {"email": w.attendee_email}),
    # Organisers: printing.
    "organiser.print_page": Access(STAFF),
    "organiser.print_badges": Access(STAFF, data=lambda w: {
        "layout": "a4-8up", "mode": "all", "order": "surname"}),
    "organiser.reprint_badge": Access(STAFF, data=lambda w: {"layout": "a6"}),
    "organiser.print_programme": Access(STAFF),
    "organiser.print_participant_list": Access(STAFF),
    "organiser.print_sign_in_sheet": Access(STAFF),
    # Organisers: Q&A (the talk's session is open; the workshop's is stopped, for written answers).
    "organiser.qa_overview": Access(STAFF),
    "organiser.qa_settings": Access(STAFF, data=lambda w: {
        "premoderated": "y", "anonymous_allowed": "y", "audience": "registrants"}),
    "organiser.qa_stop": Access(STAFF),
    "organiser.qa_reopen": Access(STAFF),  # bumps the live revision even when not stopped
    "organiser.qa_queue": Access(STAFF),
    "organiser.qa_moderate": Access(STAFF, data=lambda w: {
        "action": "approve", "seen_version": str(w.question_version)}),
    "organiser.qa_merge": Access(STAFF, data=lambda w: {
        "into": str(w.qa_target_id), "seen_version": str(w.question_version)}),
    "organiser.qa_answers": Access(STAFF, args={"item_id": "closed_qa_item_id"}, data=lambda w: {
        f"answer_{w.closed_question_id}": "Kommunen betaler.",
        f"version_{w.closed_question_id}": str(w.closed_question_version), "publish": "all"}),
    "organiser.qa_poster": Access(STAFF),
    "organiser.qa_event_export": Access(STAFF),
    "organiser.qa_session_export": Access(STAFF),
    # The question box's inbox, in the organisers' area and in the chair's.
    **{f"{area}.{endpoint}": Access(who, **access) for area, who in (
        ("organiser", STAFF), ("chair", CHAIR_AREA)) for endpoint, access in BOX_INBOX.items()},
    # The check-in desk.
    "checkin.desk": Access(STAFF),
    "checkin.scan": Access(STAFF, data=lambda w: {"payload": w.victim_ticket}),
    "checkin.check_in_by_name": Access(STAFF),
    "checkin.undo": Access(STAFF, args={"registration_id": "arrived_id"}),
    "checkin.counts": Access(STAFF),
    "checkin.walk_in": Access(STAFF, data=person("walk-in@example.org")),
    # Administration: accounts (the chair's, or a deactivated one), site settings, audit log.
    "admin.accounts": Access(ADMINISTRATORS),
    "admin.new_account": Access(ADMINISTRATORS, data=lambda w: {
        "email": "ny.medarbejder@example.org", "name": "Ny Medarbejder", "roles": "organiser",
        "locale": "da", "send_link": "y"}),
    "admin.account": Access(ADMINISTRATORS, data=lambda w: {
        "name": "Chair", "roles": ["chair", "organiser"], "locale": "en"}),
    "admin.send_password_link": Access(ADMINISTRATORS),
    "admin.deactivate_account": Access(ADMINISTRATORS),
    "admin.reactivate_account": Access(ADMINISTRATORS, args={"user_id": "inactive_user_id"}),
    "admin.site_settings": Access(ADMINISTRATORS, data=lambda w: {
        "council_name": "Matrixrådet", "mail_sender_name": "Matrixrådet",
        "mail_sender_address": "noreply@example.dk", "privacy_contact": "dpo@example.dk",
        "retention_days": "365", "needs_retention_days": "30"}),
    "admin.audit_log": Access(ADMINISTRATORS),
}
