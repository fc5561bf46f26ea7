"""Template filters and globals shared by every page."""

from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from confapp.models import AgendaItemKind, EventKind, Role

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


def _time_range(start: datetime, end: datetime) -> str:
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
    app.jinja_env.globals["time_range"] = _time_range

    @app.context_processor
    def layout_context():
        return {
            "current_locale": str(get_locale()),
            "council_name": app.config["COUNCIL_NAME"],
            "is_organiser": current_user.is_authenticated
            and current_user.has_role(Role.ORGANISER, Role.ADMINISTRATOR),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
