"""Template filters and globals shared by every page."""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlsplit

from babel import Locale, dates
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from confapp.extensions import db
from confapp.models import (
    AgendaItemKind,
    BoxKind,
    BoxStatus,
    Category,
    EventKind,
    MailStatus,
    RegistrationSource,
    RegistrationStatus,
    Role,
)
from confapp.services import question_box
from confapp.services import settings as settings_service
from confapp.timezones import utc_to_local

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
    "box_answer": _l("Answer from the question box"),
    "qa_rejected": _l("Question declined"),
    "qa_answered": _l("Question answered in writing"),
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

BOX_KIND_LABELS = {
    BoxKind.QUESTION: _l("Question"),
    BoxKind.SUGGESTION: _l("Suggestion"),
    BoxKind.COMMENT: _l("Comment"),
}

BOX_STATUS_LABELS = {
    BoxStatus.NEW: _l("New"),
    BoxStatus.IN_PROGRESS: _l("Being answered"),
    BoxStatus.ANSWERED: _l("Answered"),
    BoxStatus.PUBLISHED: _l("Published"),
    BoxStatus.CLOSED: _l("Closed without answer"),
}

ROLE_LABELS = {
    Role.ADMINISTRATOR: _l("Administrator"),
    Role.ORGANISER: _l("Organiser"),
    Role.CHAIR: _l("Chair"),
    Role.VICE_CHAIR: _l("Vice-chair"),
}


def is_safe_redirect(target: str | None, base_url: str | None = None) -> str | None:
    """The local path (and query) ``target`` leads to, or None when it may leave this site.

    Decided on the URL as a browser resolves it (WHATWG URL standard) against ``base_url``, by
    default this request's ``host_url``: C0 controls and spaces at either end are dropped, tabs
    and newlines anywhere; in http(s) URLs a backslash is a slash, and any run of slashes (after
    the scheme, or none after another scheme) starts a host. Only the same scheme and host are
    followed, and a path that would itself start with "//" is refused.

    Redirect to the returned path, never to the raw ``target``: Werkzeug rewrites a raw
    "http:/evil.example" as "http:///evil.example", which leaves the site. The result is truthy
    exactly when the target is safe.
    """
    if not target or not isinstance(target, str):
        return None
    base = urlsplit(base_url or request.host_url)
    url = target.strip("".join(map(chr, range(0x21)))).translate({9: None, 10: None, 13: None})
    if not url:
        return None  # only blanks: no target given
    name, colon, rest = url.partition(":")
    has_scheme = bool(colon and name[:1].isascii() and name[:1].isalpha()
                      and all(c.isascii() and (c.isalnum() or c in "+-.") for c in name))
    scheme = name.lower() if has_scheme else base.scheme
    if scheme not in ("http", "https"):
        return None  # javascript:, data:, mailto:, … never lead to one of our pages
    rest = rest if has_scheme else url
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    # Spaces, controls and non-ASCII left inside are percent-encoded, as the browser does.
    printable = "".join(map(chr, range(0x21, 0x7F)))
    path = quote(rest[:cut].replace("\\", "/"), safe=printable)
    query = quote(rest[cut:].partition("#")[0][1:], safe=printable)
    if path.startswith("//") or scheme != base.scheme:
        host, slash, path = path.lstrip("/").partition("/")
        if scheme != base.scheme or host.lower() != base.netloc.lower():
            return None
        path = slash + path
    segments = []  # the path relative to the site's root, without "." and ".." segments
    parts = path.removeprefix("/").split("/") if path else []
    for index, segment in enumerate(parts):
        dots = segment.lower().replace("%2e", ".")
        if dots == "..":
            if segments:
                segments.pop()
        elif dots != ".":
            segments.append(segment)
            continue
        if index == len(parts) - 1:
            segments.append("")  # "/a/.." is "/", "/a/." is "/a/"
    path = "/" + "/".join(segments)
    if path.startswith("//"):
        return None  # "/.//evil.example" is our "//evil.example", but written so it is not ours
    return f"{path}?{query}" if query else path


@dataclass(frozen=True)
class HouseFormat:
    """How one UI language writes dates and times on pages, in mails and in PDFs."""

    locale: Locale  # CLDR data for month names and the date and time patterns
    moment: str  # a date and a time joined into one moment


# The UI language (get_locale()) picks the catalogue; this table picks the formats. English
# uses en_GB, because Babel's "en" is US style ("May 12, 2027, 9:00 AM"). Dates are written
# out ("long"), times have hours and minutes only.
HOUSE_FORMATS = {
    "da": HouseFormat(Locale.parse("da"), "{date} kl. {time}"),  # 12. maj 2027 kl. 09.00
    "en": HouseFormat(Locale.parse("en_GB"), "{date}, {time}"),  # 12 May 2027, 09:00
}


def _house_format() -> HouseFormat:
    return HOUSE_FORMATS.get(str(get_locale()), HOUSE_FORMATS["da"])


def date_text(moment: date | datetime, weekday: bool = False) -> str:
    """'12. maj 2027' / '12 May 2027'; with the weekday 'onsdag den 12. maj 2027'."""
    if isinstance(moment, datetime):
        moment = utc_to_local(moment)
    return dates.format_date(moment, "full" if weekday else "long", locale=_house_format().locale)


def time_text(moment: datetime) -> str:
    """'09.00' / '09:00' in Copenhagen time: hours and minutes, never seconds."""
    return dates.format_time(utc_to_local(moment), "short", locale=_house_format().locale)


def datetime_text(moment: datetime) -> str:
    """'12. maj 2027 kl. 09.00' / '12 May 2027, 09:00'."""
    return _house_format().moment.format(date=date_text(moment), time=time_text(moment))


def time_range_text(start: datetime, end: datetime) -> str:
    """'12. maj 2027 kl. 09.00–16.00', or both moments in full when the range spans days."""
    # Same day in Copenhagen: compared as dates, not by formatting both (Babel is slow).
    if utc_to_local(start).date() == utc_to_local(end).date():
        hours = f"{time_text(start)}–{time_text(end)}"
        return _house_format().moment.format(date=date_text(start), time=hours)
    return f"{datetime_text(start)} – {datetime_text(end)}"


def _house_style(text):
    """A template filter; Babel's style argument ('short', 'medium', …) that older templates
    pass is ignored, so every page writes a moment the same way."""
    return lambda moment, _style=None: text(moment) if moment else ""


def site_settings() -> settings_service.SiteSettings:
    """The site settings in force, read once per request (kept on its database session).

    An error page must still render when the database is what failed: then the configured
    defaults are shown.
    """
    try:
        return settings_service.current(db.session, current_app.config)
    except SQLAlchemyError:
        return settings_service.defaults(current_app.config)


def _box_inbox_endpoint() -> str | None:
    """Where the header links a staff member to the question box: their own area's inbox."""
    if not current_user.is_authenticated:
        return None
    if current_user.has_role(Role.ORGANISER, Role.ADMINISTRATOR):
        return "organiser.box_inbox"
    if current_user.has_role(Role.CHAIR, Role.VICE_CHAIR):
        return "chair.box_inbox"
    return None


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = _house_style(datetime_text)
    app.jinja_env.filters["date"] = _house_style(date_text)
    app.jinja_env.filters["time"] = _house_style(time_text)
    app.jinja_env.filters["event_kind"] = lambda k: EVENT_KIND_LABELS.get(k, k)
    app.jinja_env.filters["agenda_kind"] = lambda k: AGENDA_KIND_LABELS.get(k, k)
    app.jinja_env.filters["role_label"] = lambda r: ROLE_LABELS.get(r, r)
    app.jinja_env.filters["category"] = lambda c: CATEGORY_LABELS.get(c, c)
    app.jinja_env.filters["registration_status"] = lambda s: STATUS_LABELS.get(s, s)
    app.jinja_env.filters["registration_source"] = lambda s: SOURCE_LABELS.get(s, s)
    app.jinja_env.filters["mail_status"] = lambda s: MAIL_STATUS_LABELS.get(s, s)
    app.jinja_env.filters["mail_kind"] = lambda k: MAIL_KIND_LABELS.get(k, k)
    app.jinja_env.filters["box_kind"] = lambda k: BOX_KIND_LABELS.get(k, k)
    app.jinja_env.filters["box_status"] = lambda s: BOX_STATUS_LABELS.get(s, s)
    app.jinja_env.filters["history_action"] = lambda a: HISTORY_LABELS.get(a, a)
    app.jinja_env.filters["local_date"] = lambda d: utc_to_local(d).date() if d else None
    app.jinja_env.globals["time_range"] = time_range_text

    @app.context_processor
    def layout_context():
        # Also used for mails rendered by the CLI and workers, where there is no request.
        in_request = has_request_context()
        settings = site_settings()
        return {
            "current_locale": str(get_locale()),
            "council_name": settings.council_name,
            "site_settings": settings,
            "is_organiser": in_request and current_user.is_authenticated
            and current_user.has_role(Role.ORGANISER, Role.ADMINISTRATOR),
            "is_administrator": in_request and current_user.is_authenticated
            and current_user.has_role(Role.ADMINISTRATOR),
            "current_path": request.full_path.rstrip("?") if in_request else "/",
            # The question box's inbox in the staff member's area, and how many messages are new.
            "box_inbox": _box_inbox_endpoint() if in_request else None,
            "box_new_count": lambda: question_box.inbox_counts(db.session)[BoxStatus.NEW],
        }
