"""Dates and times in one house style per language: pages, mails, the calendar file and PDFs.

Danish: "12. maj 2099", "09.00", "12. maj 2099 kl. 09.00". English is British/European:
"12 May 2099", "09:00", "12 May 2099, 09:00". Never seconds, never AM/PM, never 12/05/2099.
The dates lie far ahead, so that registration stays open whenever the tests run.
"""

import io
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from confapp.models import AgendaItemKind, EventKind, OutboxMail
from confapp.services import events as event_service
from confapp.services import registration
from confapp.services.events import AgendaItemInput, EventInput
from confapp.templating import date_text, datetime_text, time_range_text, time_text
from confapp.timezones import local_to_utc
from tests.conftest import registration_input


def local(text: str) -> datetime:
    """'2099-05-12 09:00' in Copenhagen → aware UTC."""
    return local_to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


START, END, NEXT_DAY = local("2099-05-12 09:00"), local("2099-05-12 16:00"), local("2099-05-13 15:30")

EXPECTED = {
    "da": {
        "date": "12. maj 2099", "weekday": "tirsdag den 12. maj 2099", "time": "09.00",
        "moment": "12. maj 2099 kl. 09.00", "day": "12. maj 2099 kl. 09.00–16.00",
        "days": "12. maj 2099 kl. 09.00 – 13. maj 2099 kl. 15.30",
        "closes": "1. maj 2099 kl. 23.59", "opens": "Tilmeldingen åbner 1. marts 2099 kl. 10.00.",
        "registered": "3. marts 2099 kl. 14.05", "when": "Hvornår: 12. maj 2099 kl. 09.00–16.00",
    },
    "en": {
        "date": "12 May 2099", "weekday": "Tuesday, 12 May 2099", "time": "09:00",
        "moment": "12 May 2099, 09:00", "day": "12 May 2099, 09:00–16:00",
        "days": "12 May 2099, 09:00 – 13 May 2099, 15:30",
        "closes": "1 May 2099, 23:59", "opens": "Registration opens 1 March 2099, 10:00.",
        "registered": "3 March 2099, 14:05", "when": "When: 12 May 2099, 09:00–16:00",
    },
}
LANGUAGES = pytest.mark.parametrize("lang", ["da", "en"])
# What must never be shown: seconds, a 12-hour clock, US month-first or numeric dates.
WRONG = re.compile(r"\d\d[.:]\d\d[.:]\d\d|\b[AP]M\b|[A-Z][a-z]+ \d\d?, \d{4}|\d\d?/\d\d?/\d\d")


def shown(html: str) -> str:
    """The text a reader sees: tags (with machine-readable <time datetime="…">) left out."""
    return re.sub(r"<[^>]*>", " ", html)


def make_conference(session, ends_at=END, **extra):
    event = event_service.create_event(session, EventInput(
        kind=EventKind.CONFERENCE, title="Beskæftigelseskonferencen 2099", starts_at=START,
        ends_at=ends_at, capacity=300, venue="Aarhus Kongrescenter",
        registration_closes_at=local("2099-05-01 23:59"), **extra))
    event_service.add_agenda_item(session, event, AgendaItemInput(
        kind=AgendaItemKind.TALK, title="Velkomst", starts_at=START,
        ends_at=local("2099-05-12 09:30")))
    if ends_at != END:
        event_service.add_agenda_item(session, event, AgendaItemInput(
            kind=AgendaItemKind.TALK, title="Afslutning", starts_at=local("2099-05-13 15:00"),
            ends_at=NEXT_DAY))
    event_service.set_published(session, event, True)
    session.commit()
    return event


def in_language(client, lang: str) -> None:
    with client.session_transaction() as browser_session:
        browser_session["lang"] = lang


@LANGUAGES
def test_house_formats(app, lang):
    want = EXPECTED[lang]
    with force_locale(lang):
        assert date_text(START) == want["date"] and date_text(START.date()) == want["date"]
        assert date_text(START, weekday=True) == want["weekday"]
        assert time_text(START) == want["time"]
        assert datetime_text(START) == want["moment"]
        assert time_range_text(START, END) == want["day"]
        assert time_range_text(START, NEXT_DAY) == want["days"]


def test_moments_are_shown_in_copenhagen_time(app):
    winter = datetime(2099, 1, 15, 23, 30, tzinfo=UTC)  # 00.30 the next day in Copenhagen
    with force_locale("da"):
        assert datetime_text(winter) == "16. januar 2099 kl. 00.30"


@LANGUAGES
def test_event_page(client, session, lang):
    event = make_conference(session)
    in_language(client, lang)
    html = client.get(f"/events/{event.id}").text
    assert EXPECTED[lang]["day"] in html and EXPECTED[lang]["closes"] in html
    assert not WRONG.search(shown(html))


@LANGUAGES
def test_registration_not_open_yet(client, session, lang):
    event = make_conference(session, registration_opens_at=local("2099-03-01 10:00"))
    in_language(client, lang)
    for path in (f"/events/{event.id}", f"/events/{event.id}/register"):
        html = client.get(path).text
        assert EXPECTED[lang]["opens"] in html, path


@LANGUAGES
def test_agenda_of_a_multi_day_event_shows_each_date(client, session, lang):
    event = make_conference(session, ends_at=NEXT_DAY)
    in_language(client, lang)
    html = client.get(f"/events/{event.id}").text
    assert EXPECTED[lang]["days"] in html and EXPECTED[lang]["date"] in html
    assert not WRONG.search(shown(html))


@LANGUAGES
def test_organiser_registration_list(client, session, site, organiser, lang):
    event = make_conference(session)
    person = registration.register(session, event, registration_input())
    person.created_at = datetime(2099, 3, 3, 13, 5, 42, tzinfo=UTC)  # seconds are dropped
    session.commit()
    in_language(client, lang)
    html = client.get(f"/organiser/events/{event.id}/registrations").text
    assert EXPECTED[lang]["registered"] in html and EXPECTED[lang]["day"] in html
    assert not WRONG.search(shown(html))


@LANGUAGES
def test_confirmation_mail(session, site, lang):
    event = make_conference(session)
    registration.register(session, event, registration_input(locale=lang))
    session.commit()
    mail = session.query(OutboxMail).one()
    assert EXPECTED[lang]["when"] in mail.body_text
    assert EXPECTED[lang]["day"] in mail.body_html
    assert not WRONG.search(mail.body_text) and not WRONG.search(shown(mail.body_html))


def test_calendar_file_is_in_utc(client, session, site):
    event = make_conference(session)
    person = registration.register(session, event, registration_input())
    session.commit()
    token = registration.personal_token(site, person)
    ics = client.get(f"/r/{token}/event.ics").text
    # 09.00–16.00 in Copenhagen in summer is 07.00–14.00 UTC; calendars show local time.
    assert "DTSTART:20990512T070000Z" in ics and "DTEND:20990512T140000Z" in ics


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(response.data)).pages)


@LANGUAGES
def test_programme_pdf(client, session, organiser, lang):
    event = make_conference(session, ends_at=NEXT_DAY)
    text = pdf_text(client.get(f"/organiser/events/{event.id}/print/programme.pdf",
                               query_string={"language": lang}))
    assert EXPECTED[lang]["days"] in text and EXPECTED[lang]["weekday"] in text
    assert EXPECTED[lang]["time"] in text
    assert not WRONG.search(text)


@LANGUAGES
def test_badge_pdf(client, session, site, organiser, lang):
    event = make_conference(session)
    registration.register(session, event, registration_input())
    session.commit()
    in_language(client, lang)
    text = pdf_text(client.post(f"/organiser/events/{event.id}/print/badges.pdf", data={
        "mode": "all", "order": "surname", "layout": "a6"}))
    assert EXPECTED[lang]["date"] in text


@LANGUAGES
def test_error_summary_has_no_doubled_punctuation(client, session, lang):
    """A label that is a question ends the summary line's label itself: no "?:"."""
    event = make_conference(session)
    in_language(client, lang)
    html = client.post(f"/events/{event.id}/register", data={"first_name": "Anne"}).text
    label = {"da": "Hvilken målgruppe tilhører du?", "en": "Which group do you belong to?"}[lang]
    assert f'<a href="#category">{label} ' in html
    assert "?:" not in html and "::" not in html
    assert {"da": "Fornavn:", "en": "First name:"}[lang] not in html  # that field was valid
    assert {"da": "Efternavn: ", "en": "Last name: "}[lang] in html
