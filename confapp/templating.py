"""Template filters and globals shared by every page."""

from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask, has_request_context, request
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from confapp.models import (
    AgendaItemKind,
    Category,
    EventKind,
    MailStatus,
    RegistrationSource,
    RegistrationStatus,
    Role,
)

EVENT_KIND_LABELS = {
    EventKind.CONFERENCE: _l("Employment conference"),
    EventKind.REGIONAL_MEETING: _l("Regional meeting"),
    EventKind.LOCAL_MEETING: _l("Local meeting"),
    EventKind.THEME_MEETING: _l("Theme meeting"),
    EventKind.COUNCIL_MEETING: _l("Council meeting"),
}

AGENDA_KIND_LABELS = {
    AgendaItemKind.TALK: _l("Talk"),
    AgendaItemKind.WORKSHOP: _l("Workshop"),
    AgendaItemKind.DEBATE: _l("Debate"),
    AgendaItemKind.QA: _l("Questions and debate"),
    AgendaItemKind.BREAK: _l("Break"),
    AgendaItemKind.MEAL: _l("Meal"),
}

CATEGORY_LABELS = {
    Category.JOBCENTRE: _l("Jobcentre"),
    Category.MUNICIPALITY_POLITICIAN: _l("Municipality – politician"),
    Category.MUNICIPALITY_ADMINISTRATION: _l("Municipality – administration"),
    Category.LBR_RAR: _l("Local or regional employment council (LBR/RAR)"),
    Category.A_KASSE: _l("Unemployment insurance fund (a-kasse)"),
    Category.EDUCATION: _l("Education or guidance institution"),
    Category.UNION: _l("Trade union"),
    Category.EMPLOYER_ORG: _l("Employers' or interest organisation"),
    Category.AGENCY: _l("National agency or ministry"),
    Category.COMPANY: _l("Company"),
    Category.PRESS: _l("Press"),
    Category.OTHER: _l("Other"),
}

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

SOURCE_LABELS = {
    RegistrationSource.ONLINE: _l("Online form"),
    RegistrationSource.ORGANISER: _l("Added by an organiser"),
    RegistrationSource.WALK_IN: _l("Walk-in at the door"),
}

MAIL_STATUS_LABELS = {
    MailStatus.QUEUED: _l("Queued"),
    MailStatus.SENDING: _l("Sending"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
}

MAIL_KIND_LABELS = {
    "confirmed": _l("Confirmation"),
    "waitlisted": _l("Waiting list"),
    "promoted": _l("Seat from the waiting list"),
    "changed": _l("Changes confirmed"),
    "cancelled": _l("Cancellation"),
    "link": _l("New personal link"),
    "announcement": _l("Message from the organiser"),
}

HISTORY_LABELS = {
    "registered": _l("Registered"),
    "registered_again": _l("Registered again"),
    "fresh_link": _l("New personal link sent"),
    "changed": _l("Details changed"),
    "cancelled": _l("Cancelled"),
    "resent": _l("Confirmation sent again"),
    "promoted": _l("Given a seat from the waiting list"),
    "anonymised": _l("Anonymised"),
    "checked_in": _l("Checked in"),
    "check_in_undone": _l("Check-in undone"),
}

ROLE_LABELS = {
    Role.ADMINISTRATOR: _l("Administrator"),
    Role.ORGANISER: _l("Organiser"),
    Role.CHAIR: _l("Chair"),
    Role.VICE_CHAIR: _l("Vice-chair"),
}


def is_safe_redirect(target: str | None) -> bool:
    """Only our own relative paths are followed after login or a language switch."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target


def time_range_text(start: datetime, end: datetime) -> str:
    """'12. maj 2027 09.00–16.00', or both dates when the range spans days."""
    if format_date(start, "yyyyMMdd") == format_date(end, "yyyyMMdd"):
        return f"{format_date(start, 'long')} {format_time(start, 'short')}–{format_time(end, 'short')}"
    return f"{format_datetime(start, 'medium')} – {format_datetime(end, 'medium')}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = lambda d, f="medium": format_datetime(d, f) if d else ""
    app.jinja_env.filters["date"] = lambda d, f="long": format_date(d, f) if d else ""
    app.jinja_env.filters["time"] = lambda d, f="short": format_time(d, f) if d else ""
    app.jinja_env.filters["event_kind"] = lambda k: EVENT_KIND_LABELS.get(k, k)
    app.jinja_env.filters["agenda_kind"] = lambda k: AGENDA_KIND_LABELS.get(k, k)
    app.jinja_env.filters["role_label"] = lambda r: ROLE_LABELS.get(r, r)
    app.jinja_env.filters["category"] = lambda c: CATEGORY_LABELS.get(c, c)
    app.jinja_env.filters["registration_status"] = lambda s: STATUS_LABELS.get(s, s)
    app.jinja_env.filters["registration_source"] = lambda s: SOURCE_LABELS.get(s, s)
    app.jinja_env.filters["mail_status"] = lambda s: MAIL_STATUS_LABELS.get(s, s)
    app.jinja_env.filters["mail_kind"] = lambda k: MAIL_KIND_LABELS.get(k, k)
    app.jinja_env.filters["history_action"] = lambda a: HISTORY_LABELS.get(a, a)
    app.jinja_env.globals["time_range"] = time_range_text

    @app.context_processor
    def layout_context():
        # Also used for mails rendered by the CLI and workers, where there is no request.
        in_request = has_request_context()
        return {
            "current_locale": str(get_locale()),
            "council_name": app.config["COUNCIL_NAME"],
            "is_organiser": in_request and current_user.is_authenticated
            and current_user.has_role(Role.ORGANISER, Role.ADMINISTRATOR),
            "current_path": request.full_path.rstrip("?") if in_request else "/",
        }
