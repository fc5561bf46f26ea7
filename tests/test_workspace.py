"""The organiser's workspace: the dashboard, the event tabs, copying an event, the public list's
seat text, the mail preview and the outbox list."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from confapp.extensions import db
from confapp.models import AgendaItemKind, Event, EventKind, MailStatus, OutboxMail, Registration
from confapp.services import checkin, outbox, overview
from confapp.services import events as event_service
from confapp.services.events import AgendaItemInput, EventInput
from confapp.services.overview import EventStatus
from confapp.timezones import local_to_utc, to_form_value
from tests.conftest import future


@pytest.fixture
def english(client):
    client.post("/language", data={"lang": "en", "next": "/"})


@pytest.fixture
def staff(organiser, english):
    return organiser


class Statements:
    """The SQL statements run while the block runs."""

    def __init__(self):
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def __enter__(self):
        sa_event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa_event.remove(db.engine, "before_cursor_execute", self._record)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- The dashboard ------------------------------------------------------------------------------


@pytest.fixture
def season(make_event, make_registration, session):
    """One event in every state, with registrations where they tell something."""
    events = {
        "draft": make_event(title="Kladde til temamøde", published=False, days=10),
        "open": make_event(title="Åbent regionsmøde", capacity=5, days=20),
        "full": make_event(title="Fuldt temamøde", capacity=1, days=30),
        "closed": make_event(title="Lukket rådsmøde", days=40,
                             registration_closes_at=future(days=-1)),
        "later": make_event(title="Konference til efteråret", days=50,
                            registration_opens_at=future(days=5)),
        "none": make_event(title="Rådsmøde uden tilmelding", capacity=0, days=60),
        "finished": make_event(title="Lokalmøde i foråret", days=-10),
        "long_ago": make_event(title="Lokalmøde sidste år", days=-300),
    }
    arrived = make_registration(events["open"])
    make_registration(events["open"])
    checkin.check_in(session, arrived, actor="organiser@example.org")
    make_registration(events["full"])
    make_registration(events["full"])  # the waiting list
    session.commit()
    return events


def test_dashboard_statuses_counts_and_order(session, season):
    board = overview.dashboard(session)
    assert [s.event.title for s in board.upcoming] == [
        "Kladde til temamøde", "Åbent regionsmøde", "Fuldt temamøde", "Lukket rådsmøde",
        "Konference til efteråret", "Rådsmøde uden tilmelding"]
    assert [s.status for s in board.upcoming] == [
        EventStatus.DRAFT, EventStatus.OPEN, EventStatus.FULL, EventStatus.CLOSED,
        EventStatus.NOT_OPEN_YET, EventStatus.NO_REGISTRATION]
    assert [s.event.title for s in board.finished] == ["Lokalmøde i foråret",
                                                       "Lokalmøde sidste år"]
    assert {s.status for s in board.finished} == {EventStatus.FINISHED}
    counts = {s.event.title: s.counts for s in board.upcoming}
    assert counts["Åbent regionsmøde"] == overview.EventCounts(confirmed=2, waitlisted=0,
                                                               checked_in=1)
    assert counts["Fuldt temamøde"] == overview.EventCounts(confirmed=1, waitlisted=1,
                                                            checked_in=0)
    assert counts["Kladde til temamøde"] == overview.EventCounts()


def test_dashboard_page_shows_status_in_words_and_a_labelled_bar(client, staff, season):
    page = client.get("/organiser/").text
    text = _text(page)
    for status in ("Draft", "Registration open", "Full – waiting list open",
                   "Registration closed", "Published, registration opens",
                   "Published, without registration", "Finished"):
        assert status in text, status
    open_event = season["open"]
    meter = re.search(rf'<meter id="seats-{open_event.id}"[^>]*>', page).group(0)
    assert 'min="0"' in meter and 'max="5"' in meter and 'value="2"' in meter
    assert f'aria-labelledby="seats-{open_event.id}-text"' in meter
    assert re.search(rf'id="seats-{open_event.id}-text">2 of 5 confirmed<', page)
    # Upcoming first, the finished below.
    assert text.index("Rådsmøde uden tilmelding") < text.index("Finished events") \
        < text.index("Lokalmøde i foråret")
    assert f'href="/organiser/events/{open_event.id}/copy"' in page
    assert "style=" not in page


def test_dashboard_takes_the_same_queries_for_more_events(client, staff, make_event,
                                                          make_registration):
    first = make_event(title="Første", capacity=3)
    make_registration(first)
    client.get("/organiser/")  # warm: the first request reads settings and the like
    with Statements() as few:
        assert client.get("/organiser/").status_code == 200
    for n in range(5):
        make_registration(make_event(title=f"Møde {n}", capacity=1, days=40 + n))
    with Statements() as many:
        assert client.get("/organiser/").status_code == 200
    assert len(many.seen) == len(few.seen)


def test_dashboard_in_danish(client, organiser, season):
    text = _text(client.get("/organiser/").text)
    assert "Fuldt booket – ventelisten er åben" in text
    assert "2 af 5 bekræftet" in text and "Afholdte arrangementer" in text


# --- The tabs on every page of an event --------------------------------------------------------


def _tabs(html: str) -> dict[str, str | None]:
    """Tab label → its aria-current (None when not current)."""
    nav = re.search(r'<nav class="tabs" aria-label="Parts of the event">(.*?)</nav>', html,
                    re.DOTALL).group(1)
    return {label: current for current, label in re.findall(
        r'<a href="[^"]*"(?: aria-current="(\w+)")?>([^<]+)</a>', nav)}


def test_every_page_of_an_event_has_the_tabs_and_the_counts(client, staff, session, make_event,
                                                            make_item, make_registration):
    event = make_event(title="Beskæftigelseskonferencen", capacity=1)
    item = make_item(event, "Velkomst")
    person = make_registration(event)
    make_registration(event)  # waiting
    base = f"/organiser/events/{event.id}"
    pages = {
        "": ("Overview", "page"), "/edit": ("Overview", "true"), "/copy": ("Overview", "true"),
        "/agenda/new": ("Agenda", "true"), f"/agenda/{item.id}/edit": ("Agenda", "true"),
        "/registrations": ("Registrations", "page"),
        f"/registrations/{person.id}": ("Registrations", "true"),
        "/registrations/new": ("Registrations", "true"),
        f"/registrations/{person.id}/cancel": ("Registrations", "true"),
        "/registrations/mail": ("Mail", "page"), "/outbox": ("Mail", "true"),
        "/print": ("Print", "page"),
        "/qa": ("Q&A", "page"), f"/qa/{item.id}/settings": ("Q&A", "true"),
    }
    for path, (tab, current) in pages.items():
        response = client.get(base + path)
        assert response.status_code == 200, path
        tabs = _tabs(response.text)
        assert list(tabs) == ["Overview", "Agenda", "Registrations", "Mail", "Print", "Q&A",
                              "Check-in"], path
        assert {k: v for k, v in tabs.items() if v} == {tab: current}, path
        text = _text(response.text)
        assert "1 of 1 confirmed" in text and "1 on the waiting list" in text, path
        assert "0 checked in" in text and "Full – waiting list open" in text, path
        assert response.text.count("<h1") == 1, path
    page = client.get(base).text
    assert f'href="/checkin/{event.id}"' in page and f'href="{base}#agenda"' in page


def test_the_registration_list_does_not_count_twice_for_the_tabs(client, staff, make_event,
                                                                 make_registration):
    event = make_event(capacity=5)
    make_registration(event)
    with Statements() as run:
        client.get(f"/organiser/events/{event.id}/registrations")
    assert not [s for s in run.seen if "GROUP BY registrations.event_id" in s]
    with Statements() as run:
        client.get(f"/organiser/events/{event.id}/print")
    assert len([s for s in run.seen if "GROUP BY registrations.event_id" in s]) == 1


# --- Copying an event ---------------------------------------------------------------------------


@pytest.fixture
def winter_conference(session, site, make_registration):
    """A conference on Thursday 14 January 2027, 09.00–16.00 Copenhagen (winter) time."""
    def local(*args):
        return local_to_utc(datetime(*args))

    event = event_service.create_event(session, EventInput(
        kind=EventKind.CONFERENCE, title="Beskæftigelseskonferencen 2027",
        starts_at=local(2027, 1, 14, 9, 0), ends_at=local(2027, 1, 14, 16, 0), capacity=300,
        description="Om unge og uddannelse.", venue="Musikhuset Aarhus",
        address="Thomas Jensens Allé 2", registration_opens_at=local(2026, 11, 2, 8, 0),
        registration_closes_at=local(2027, 1, 11, 23, 59), contact_name="Mette Kjær",
        contact_email="mette@example.dk", invite_only=True, access_code="Aarhus-2027"))
    event_service.set_published(session, event, True)
    event_service.add_agenda_item(session, event, AgendaItemInput(
        kind=AgendaItemKind.TALK, title="Velkomst", starts_at=local(2027, 1, 14, 9, 0),
        ends_at=local(2027, 1, 14, 9, 30), room="Store Sal", speakers="Formanden"))
    workshop = event_service.add_agenda_item(session, event, AgendaItemInput(
        kind=AgendaItemKind.WORKSHOP, title="Unge uden uddannelse",
        starts_at=local(2027, 1, 14, 10, 0), ends_at=local(2027, 1, 14, 11, 30), capacity=40))
    session.commit()
    make_registration(event, workshop_ids=[workshop.id], access_code="Aarhus-2027")
    return event


def test_copy_moves_the_agenda_by_calendar_days_and_keeps_wall_clock_times(session,
                                                                           winter_conference):
    original = winter_conference
    copy = event_service.copy_event(session, original, date(2027, 6, 17), "")
    session.commit()

    assert copy.id != original.id and not copy.published and copy.seats_taken == 0
    assert copy.title == original.title
    for name in ("kind", "description", "venue", "address", "capacity", "contact_name",
                 "contact_email", "invite_only", "access_code", "online_url"):
        assert getattr(copy, name) == getattr(original, name), name
    # Copenhagen summer time: 09.00 local is 07.00 UTC, not the 08.00 UTC of winter.
    assert to_form_value(copy.starts_at) == datetime(2027, 6, 17, 9, 0)
    assert to_form_value(copy.ends_at) == datetime(2027, 6, 17, 16, 0)
    assert copy.starts_at.astimezone(UTC).hour == 7 and original.starts_at.astimezone(UTC).hour == 8
    # 154 days later, each at the same time of day.
    assert to_form_value(copy.registration_opens_at) == datetime(2027, 4, 5, 8, 0)
    assert to_form_value(copy.registration_closes_at) == datetime(2027, 6, 14, 23, 59)
    assert [(i.position, i.kind, i.title, i.room, i.speakers, i.capacity, i.seats_taken,
             to_form_value(i.starts_at), to_form_value(i.ends_at)) for i in copy.agenda_items] == [
        (1, AgendaItemKind.TALK, "Velkomst", "Store Sal", "Formanden", None, 0,
         datetime(2027, 6, 17, 9, 0), datetime(2027, 6, 17, 9, 30)),
        (2, AgendaItemKind.WORKSHOP, "Unge uden uddannelse", "", "", 40, 0,
         datetime(2027, 6, 17, 10, 0), datetime(2027, 6, 17, 11, 30)),
    ]
    assert original.agenda_items[1].seats_taken == 1  # the original keeps its registrant
    assert session.scalar(select(func.count(Registration.id))
                          .where(Registration.event_id == copy.id)) == 0
    assert session.scalar(select(func.count(OutboxMail.id))
                          .where(OutboxMail.event_id == copy.id)) == 0


def test_copy_back_into_winter_time_and_with_a_new_title(session, winter_conference):
    summer = event_service.copy_event(session, winter_conference, date(2027, 6, 17),
                                      "  Sommerkonferencen  ")
    winter = event_service.copy_event(session, summer, date(2027, 12, 2))
    session.commit()
    assert summer.title == "Sommerkonferencen" and winter.title == "Sommerkonferencen"
    assert to_form_value(winter.starts_at) == datetime(2027, 12, 2, 9, 0)
    assert winter.starts_at.astimezone(UTC).hour == 8
    assert [to_form_value(i.starts_at).time() for i in winter.agenda_items] == [
        datetime(2000, 1, 1, 9, 0).time(), datetime(2000, 1, 1, 10, 0).time()]


def test_copy_through_the_page(client, staff, session, winter_conference):
    url = f"/organiser/events/{winter_conference.id}/copy"
    form = client.get(url).text
    # Suggested: the same weekday a year on, and the same title to edit.
    assert 'value="2028-01-13"' in form and 'value="Beskæftigelseskonferencen 2027"' in form
    response = client.post(url, data={"starts_on": "2028-01-13",
                                      "title": "Beskæftigelseskonferencen 2028"})
    assert response.status_code == 302
    session.rollback()
    copy = session.scalars(select(Event).where(
        Event.title == "Beskæftigelseskonferencen 2028")).one()
    assert response.headers["Location"] == f"/organiser/events/{copy.id}"
    assert len(copy.agenda_items) == 2 and not copy.published
    page = client.get(response.headers["Location"]).text
    assert "The copy was made as a draft" in page and "Draft" in _text(page)


@pytest.mark.parametrize("starts_on, message", [
    ("", "This field is required."), ("13-01-2028", "Not a valid date value."),
    ("1999-01-13", "Enter a date between the years 2000 and 2100."),
])
def test_copy_form_errors_are_shown_and_nothing_is_made(client, staff, session,
                                                        winter_conference, starts_on, message):
    response = client.post(f"/organiser/events/{winter_conference.id}/copy",
                           data={"starts_on": starts_on, "title": "Ny titel"})
    assert response.status_code == 200
    assert 'id="starts_on-error"' in response.text and message in response.text
    assert 'value="Ny titel"' in response.text
    session.rollback()
    assert session.scalar(select(func.count(Event.id))) == 1


def test_copy_button_on_the_overview(client, staff, winter_conference):
    page = client.get(f"/organiser/events/{winter_conference.id}").text
    assert f'href="/organiser/events/{winter_conference.id}/copy">Copy event<' in page


# --- The public list ----------------------------------------------------------------------------


def test_public_list_says_how_many_seats_are_left(client, english, make_event, make_registration):
    roomy = make_event(title="Plads nok", capacity=3, days=10)
    make_registration(roomy)
    last_seat = make_event(title="Sidste plads", capacity=2, days=11)
    make_registration(last_seat)
    full = make_event(title="Fuldt hus", capacity=1, days=12)
    make_registration(full)
    make_event(title="Lukket for tilmelding", days=13, registration_closes_at=future(days=-1))
    opens = future(days=3, hour=8)
    make_event(title="Åbner snart", days=14, registration_opens_at=opens)
    make_event(title="Uden tilmelding", capacity=0, days=15)
    make_event(title="Hemmelig kladde", published=False, days=16)
    make_event(title="Afholdt møde", days=-5)

    def card(title: str) -> str:
        return _text(re.search(rf'<li class="card">(?:(?!</li>).)*{title}.*?</li>', page,
                               re.DOTALL).group(0))

    page = client.get("/").text
    assert "2 seats left" in card("Plads nok")
    assert "1 seat left" in card("Sidste plads")
    assert "Full – waiting list open" in card("Fuldt hus")
    assert "Registration closed" in card("Lukket for tilmelding")
    assert re.search(r"Registration opens \d+ \w+ \d{4}, \d\d:\d\d$", card("Åbner snart"))
    assert not re.search(r"seat|Registration|Full", card("Uden tilmelding"))
    assert not re.search(r"seat|Registration|Full", card("Afholdt møde"))
    assert "Hemmelig kladde" not in page

    client.post("/language", data={"lang": "da", "next": "/"})
    page = client.get("/").text
    assert "2 pladser tilbage" in card("Plads nok") and "1 plads tilbage" in card("Sidste plads")
    assert "Fuldt booket – ventelisten er åben" in card("Fuldt hus")


def test_public_list_takes_the_same_queries_for_more_events(client, make_event,
                                                            make_registration):
    make_registration(make_event(title="Første", capacity=2))
    client.get("/")
    with Statements() as few:
        client.get("/")
    for n in range(4):
        make_registration(make_event(title=f"Møde {n}", capacity=1, days=40 + n))
    with Statements() as many:
        client.get("/")
    assert len(many.seen) == len(few.seen)


# --- Mail: preview, then send ------------------------------------------------------------------


@pytest.fixture
def mailing(make_event, make_registration):
    event = make_event(title="Regionsmøde om rekruttering", capacity=10)
    make_registration(event, first_name="Søren", email="soeren@example.dk")
    make_registration(event, first_name="Karen", email="karen@example.org", locale="en")
    make_registration(event, first_name="Jens", email="jens@example.org")
    return event


def _announcements(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(OutboxMail.id))
                          .where(OutboxMail.kind == "announcement"))


def test_preview_shows_the_mail_in_both_languages_and_queues_nothing(client, staff, session,
                                                                     mailing):
    url = f"/organiser/events/{mailing.id}/registrations/mail"
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', client.get(url).text).group(1)
    data = {"subject": "Praktisk information", "message": "Husk madpakke.\r\n\r\nVi ses!",
            "recipients": "confirmed", "category": "", "nonce": nonce}
    response = client.post(url, data={**data, "preview": "Preview"})
    assert response.status_code == 200
    assert _announcements(session) == 0
    page = response.text
    danish = re.search(r'<div class="mail-body" lang="da">(.*?)</div>', page, re.DOTALL).group(1)
    english = re.search(r'<div class="mail-body" lang="en">(.*?)</div>', page,
                        re.DOTALL).group(1)
    assert danish.startswith("Kære Søren") and "Husk madpakke.\n\nVi ses!" in danish
    assert "Med venlig hilsen" in danish or "Venlig hilsen" in danish
    assert english.startswith("Dear Karen,") and "Best regards" in english
    text = _text(page)
    assert "In Danish: 2 recipients" in text and "In English: 1 recipient" in text
    assert "Nothing has been sent yet." in text
    # The form keeps what was written, and the same key, so that "Send" sends this message.
    assert 'value="Praktisk information"' in page and "Husk madpakke." in page
    assert f'value="{nonce}"' in page

    sent = client.post(url, data={**data, "send": "Send the message"})
    assert sent.status_code == 302
    assert _announcements(session) == 3


def test_preview_with_nobody_in_a_language_uses_a_sample_name(client, staff, session, mailing):
    url = f"/organiser/events/{mailing.id}/registrations/mail"
    response = client.post(url, data={"subject": "Hej", "message": "Tekst",
                                      "recipients": "waitlisted", "nonce": "A" * 22,
                                      "preview": "1"})
    text = _text(response.text)
    assert "In Danish: 0 recipients" in text and "Dear Mette," in text
    assert "Nobody gets it in this language now." in text
    assert _announcements(session) == 0


def test_preview_needs_a_subject_and_a_message(client, staff, session, mailing):
    url = f"/organiser/events/{mailing.id}/registrations/mail"
    response = client.post(url, data={"subject": "", "message": "Tekst", "recipients": "both",
                                      "nonce": "A" * 22, "preview": "1"})
    assert response.status_code == 200
    assert 'id="subject-error"' in response.text and 'class="mail-body"' not in response.text
    assert _announcements(session) == 0


# --- The outbox list ----------------------------------------------------------------------------


@pytest.fixture
def full_outbox(session, make_event):
    """60 announcement mails, one a minute, the last ones failed; none are for another event."""
    event = make_event(title="Mødet med mange mails")
    other = make_event(title="Et andet møde")
    start = datetime(2027, 5, 12, 7, 0, 45, tzinfo=UTC)  # 09.00.45 in Copenhagen
    for n in range(60):
        outbox.enqueue(session, outbox.NewMail(
            idempotency_key=f"test:{n}", kind="announcement",
            to_address=f"modtager-{n:02d}@example.org", subject=f"Besked {n}",
            body_text="Tekst", event_id=event.id))
    outbox.enqueue(session, outbox.NewMail(
        idempotency_key="test:other", kind="announcement", to_address="modtager-07@example.org",
        subject="Besked 7", body_text="Tekst", event_id=other.id))
    session.flush()
    mails = session.scalars(select(OutboxMail).where(OutboxMail.event_id == event.id)
                            .order_by(OutboxMail.id)).all()
    for n, mail in enumerate(mails):
        mail.created_at = start + timedelta(minutes=n)
        if n >= 57:
            mail.status, mail.last_error = MailStatus.FAILED, "550 mailbox unavailable"
        elif n < 50:
            mail.status, mail.sent_at = MailStatus.SENT, start + timedelta(minutes=n, seconds=30)
    session.commit()
    return event


def _rows(html: str) -> list[str]:
    body = re.search(r'<table class="outbox">.*?<tbody>(.*?)</tbody>', html, re.DOTALL).group(1)
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def test_outbox_lists_mails_newest_first_fifty_a_page(client, staff, full_outbox):
    url = f"/organiser/events/{full_outbox.id}/outbox"
    first = client.get(url).text
    rows = _rows(first)
    assert len(rows) == 50
    assert rows[0].startswith("12 May 2027, 09:59 modtager-59@example.org Besked 59")
    assert "Failed" in rows[0] and "Try again" in rows[0] and "550 mailbox unavailable" in rows[0]
    assert "Queued" in rows[3] and "Try again" not in rows[3]
    assert "60 mails, newest first · page 1 of 2" in _text(first)
    assert not re.search(r"\d\d:\d\d:\d\d", _text(first))  # no seconds anywhere
    assert f'href="{url}?page=2"' in first
    second = _rows(client.get(f"{url}?page=2").text)
    assert len(second) == 10 and second[-1].startswith("12 May 2027, 09:00 modtager-00")
    assert "Sent" in second[-1] and "12 May 2027, 09:00" in second[-1]
    assert _rows(client.get(f"{url}?page=99").text) == second  # past the end: the last page


def test_outbox_search_and_status_filter(client, staff, full_outbox):
    url = f"/organiser/events/{full_outbox.id}/outbox"
    by_address = _rows(client.get(f"{url}?q=MODTAGER-07").text)
    assert len(by_address) == 1 and "Besked 7" in by_address[0]  # not the other event's mail
    by_subject = client.get(f"{url}?q=Besked+1").text
    assert len(_rows(by_subject)) == 11  # "Besked 1" and "Besked 10" to "Besked 19"
    assert "11 mails match the search, newest first" in _text(by_subject)
    assert 'value="Besked 1"' in by_subject  # the search is kept in the form
    failed = client.get(f"{url}?status=failed").text
    assert [r.split()[4] for r in _rows(failed)] == [
        "modtager-59@example.org", "modtager-58@example.org", "modtager-57@example.org"]
    assert _text(failed).count("Try again") == 3
    paged = client.get(f"{url}?q=besked&status=sent").text
    assert len(_rows(paged)) == 50 and "page=2" not in paged
    many = client.get(f"{url}?q=besked").text
    assert re.search(r'href="[^"]*page=2[^"]*q=besked', many)
    none = client.get(f"{url}?q=ingen+sådan").text
    assert "No mails match the search." in none
    odd = client.get(f"{url}?status=nonsense&page=x")
    assert odd.status_code == 200 and "Not a valid choice." in odd.text
    assert len(_rows(odd.text)) == 50


def test_retry_from_the_outbox_list(client, staff, session, full_outbox):
    url = f"/organiser/events/{full_outbox.id}/outbox"
    mail_id = int(re.search(r'/outbox/(\d+)/retry', client.get(f"{url}?status=failed").text)
                  .group(1))
    response = client.post(f"{url}/{mail_id}/retry", follow_redirects=True)
    assert "will be tried again" in response.text
    session.rollback()
    assert session.get(OutboxMail, mail_id).status == MailStatus.QUEUED
