"""The organiser's registration area: list, counts, exports, detail actions, mail, outbox, GDPR."""

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from confapp.models import (
    AgendaItemKind,
    Category,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationHistory,
    RegistrationSource,
    RegistrationStatus,
    Role,
)
from confapp.models.base import utcnow
from confapp.services import exports
from confapp.services import registration as registrations
from confapp.services import registration_queries as queries
from confapp.services.registration import Site, use_site
from confapp.services.registration_queries import RegistrationFilter
from tests.conftest import registration_input

ORGANISER = "organiser@example.org"


@pytest.fixture
def english(client):
    """Pages in English, so assertions do not depend on the Danish catalogue."""
    client.post("/language", data={"lang": "en", "next": "/"})


@pytest.fixture
def staff(organiser, english):
    return organiser


@pytest.fixture
def register(app, session):
    """Register someone through the service, as the public form would, and commit."""

    def make(event, **overrides):
        use_site(session, Site(base_url="http://127.0.0.1", secret_key=app.secret_key))
        registration = registrations.register(session, event, registration_input(**overrides))
        session.commit()
        return registration

    return make


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/registrations"


def _mails(session, registration, kind=None):
    statement = select(OutboxMail).where(OutboxMail.registration_id == registration.id)
    if kind:
        statement = statement.where(OutboxMail.kind == kind)
    return list(session.scalars(statement.order_by(OutboxMail.id)))


def _csv_rows(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def conference(make_event, make_item, register, session):
    """Two seats, two parallel workshops; people of several groups, one cancelled, one waiting."""
    event = make_event(title="Beskæftigelseskonferencen 2027", capacity=3)
    ws_a = make_item(event, "Unge uden uddannelse", AgendaItemKind.WORKSHOP, offset_minutes=60,
                     capacity=10)
    ws_b = make_item(event, "Rekruttering i Østjylland", AgendaItemKind.WORKSHOP,
                     offset_minutes=60)
    people = {
        "søren": register(event, first_name="Søren", last_name="Ærø", email="Soeren@Example.dk",
                          organisation="Jobcenter Århus", workshop_ids=[ws_a.id]),
        "mette": register(event, first_name="Mette", last_name="Holm", email="mette@example.org",
                          organisation="3F Midtjylland", category=Category.UNION,
                          workshop_ids=[ws_b.id]),
        "ole": register(event, first_name="Ole", last_name="Bøgh", email="ole@example.org",
                        organisation="FOA", category=Category.UNION, workshop_ids=[ws_a.id]),
        "karen": register(event, first_name="Karen", last_name="Lund", email="karen@example.org",
                          organisation="VIA University College", category=Category.EDUCATION,
                          workshop_ids=[ws_a.id]),
        "jens": register(event, first_name="Jens", last_name="Dal", email="jens@example.org",
                         organisation="UU Djursland", category=Category.EDUCATION),
    }
    registrations.cancel(session, people["ole"], ORGANISER)  # Karen moves up
    people["mette"].checked_in_at = utcnow()
    session.commit()
    return {"event": event, "workshops": (ws_a, ws_b), **people}


# --- counts, filters, search -------------------------------------------------------------


def test_counts_by_status_category_and_workshop(session, conference):
    event, (ws_a, ws_b) = conference["event"], conference["workshops"]
    counts = queries.registration_counts(session, event.id)
    assert (counts.confirmed, counts.waitlisted, counts.cancelled, counts.checked_in) == (3, 1, 1, 1)
    by_category = {row.category: (row.confirmed, row.waitlisted, row.cancelled)
                   for row in counts.by_category}
    assert by_category == {Category.JOBCENTRE: (1, 0, 0), Category.UNION: (1, 0, 1),
                           Category.EDUCATION: (1, 1, 0)}
    by_workshop = {row.item.id: (row.confirmed, row.waitlisted) for row in counts.by_workshop}
    assert by_workshop == {ws_a.id: (2, 0), ws_b.id: (1, 0)}


def test_filters_by_status_category_and_workshop(session, conference):
    event, (ws_a, _) = conference["event"], conference["workshops"]

    def names(**filters):
        page = queries.registration_page(session, event.id, RegistrationFilter(**filters))
        return {r.first_name for r in page.items}

    assert names() == {"Søren", "Mette", "Ole", "Karen", "Jens"}
    assert names(status=RegistrationStatus.WAITLISTED) == {"Jens"}
    assert names(status=RegistrationStatus.CANCELLED) == {"Ole"}
    assert names(category=Category.UNION) == {"Mette", "Ole"}
    assert names(workshop_id=ws_a.id) == {"Søren", "Karen", "Ole"}  # a cancelled choice stays
    assert names(workshop_id=ws_a.id, status=RegistrationStatus.CONFIRMED) == {"Søren", "Karen"}
    assert names(category=Category.EDUCATION, status=RegistrationStatus.CONFIRMED) == {"Karen"}


@pytest.mark.parametrize("q, expected", [
    ("ærø", {"Søren"}),            # stored as "Ærø": case-insensitive beyond ASCII
    ("SØREN ÆR", {"Søren"}),       # across first and last name
    ("århus", {"Søren"}),          # organisation "Jobcenter Århus"
    ("SOEREN@EXAMPLE", {"Søren"}),  # e-mail, stored lower-cased
    ("midtjyl", {"Mette"}),
    ("example.org", {"Mette", "Ole", "Karen", "Jens"}),
    ("%", set()),                  # LIKE wildcards are searched for literally
    ("_", set()),
])
def test_search_is_partial_and_case_insensitive(session, conference, q, expected):
    page = queries.registration_page(session, conference["event"].id, RegistrationFilter(q=q))
    assert {r.first_name for r in page.items} == expected


def test_list_page_shows_counts_filters_and_waiting_list(client, staff, conference):
    event = conference["event"]
    response = client.get(_base(event.id))
    assert response.status_code == 200
    html = response.text
    assert html.count("<h1") == 1
    assert "<caption>Registrations by status</caption>" in html
    assert re.search(r"Confirmed</th><td class=\"num\">3<", html)
    assert re.search(r"Checked in</th><td class=\"num\">1<", html)
    assert "Unge uden uddannelse" in html and "Trade union" in html
    assert "The waiting list, first in line at the top" in html
    assert "(no. 1)" in html  # Jens's place, next to his status
    assert f'href="{_base(event.id)}/{conference["søren"].id}"' in html

    searched = client.get(_base(event.id), query_string={"q": "ÅRHUS"}).text
    assert "Søren Ærø" in searched and "Mette Holm" not in searched
    assert "1 registration matches the search" in searched
    assert "export.csv?q=%C3%85RHUS" in searched  # exports keep the filter


def test_bad_filter_values_are_reported_not_crashing(client, staff, conference):
    event = conference["event"]
    response = client.get(_base(event.id), query_string={
        "status": "bogus", "category": "nope", "workshop": "99999", "page": "x", "q": "Mette"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert "Mette Holm" in response.text and "Søren Ærø" not in response.text  # q still applies
    assert client.get(_base(event.id), query_string={"page": "999"}).status_code == 200
    assert client.get(f"{_base(event.id)}/export.csv?status=bogus").status_code == 200


def test_list_is_paginated_by_50(client, staff, make_event, register):
    event = make_event(capacity=100)
    for n in range(53):
        register(event, first_name=f"Person{n:02d}", last_name="Test")
    first = client.get(_base(event.id)).text
    assert "page 1 of 2" in first and "Person00" in first and "Person50" not in first
    second = client.get(_base(event.id), query_string={"page": 2}).text
    assert "Person50" in second and "Person52" in second and "Person00" not in second


# --- exports ------------------------------------------------------------------------------


EXPECTED_HEADERS = ["First name", "Last name", "E-mail", "Organisation", "Group", "Job title",
                    "Status", "Workshops", "Dietary needs", "Accessibility needs",
                    "On the participant list", "Registered at", "Checked in at"]


def test_csv_export_applies_filters_and_keeps_danish_letters(client, staff, conference):
    event = conference["event"]
    response = client.get(f"{_base(event.id)}/export.csv", query_string={"q": "ærø"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="tilmeldinger-{event.id}.csv"')
    rows = _csv_rows(response)
    assert rows[0] == EXPECTED_HEADERS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert (row["First name"], row["Last name"]) == ("Søren", "Ærø")
    assert row["E-mail"] == "soeren@example.dk"
    assert row["Organisation"] == "Jobcenter Århus"
    assert row["Group"] == "Jobcentre" and row["Status"] == "Confirmed"
    assert row["Workshops"] == "Unge uden uddannelse"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row["Registered at"])

    unions = _csv_rows(client.get(f"{_base(event.id)}/export.csv?category=union"))
    assert sorted(r[0] for r in unions[1:]) == ["Mette", "Ole"]
    checked = dict(zip(unions[0], next(r for r in unions if r[0] == "Mette")))
    assert checked["Checked in at"]


def test_xlsx_export_applies_filters(client, staff, conference):
    event = conference["event"]
    response = client.get(f"{_base(event.id)}/export.xlsx?status=confirmed")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'tilmeldinger-{event.id}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPECTED_HEADERS
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{len(rows)}"
    assert {r[0] for r in rows[1:]} == {"Søren", "Mette", "Karen"}
    soeren = next(r for r in rows if r[0] == "Søren")
    assert soeren[1] == "Ærø" and soeren[3] == "Jobcenter Århus"
    assert isinstance(soeren[11], datetime) and soeren[12] is None


def test_exports_do_not_turn_text_into_formulas():
    headers = ["Name", "When"]
    rows = [["=HYPERLINK(\"http://evil\")", None], ["Ærø", None]]
    text = exports.to_csv(headers, rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Ærø" in text
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(headers, rows, "Tilmeldinger"))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")


# --- detail and actions ---------------------------------------------------------------------


def test_detail_shows_fields_history_and_mails(client, staff, conference):
    event, karen = conference["event"], conference["karen"]
    html = client.get(f"{_base(event.id)}/{karen.id}").text
    assert html.count("<h1") == 1 and "Karen Lund" in html
    assert "VIA University College" in html and "Education or guidance institution" in html
    assert "Registered" in html and "Given a seat from the waiting list" in html
    assert "The system" in html  # the promotion after Ole's cancellation
    assert "Seat from the waiting list" in html and "Queued" in html


def test_registration_of_another_event_is_404(client, staff, conference, make_event):
    other = make_event(title="Regionalt møde")
    søren = conference["søren"]
    assert client.get(f"{_base(other.id)}/{søren.id}").status_code == 404
    assert client.post(f"{_base(other.id)}/{søren.id}/resend").status_code == 404
    assert client.get(f"{_base(conference['event'].id)}/999999").status_code == 404
    assert client.get(_base(999999)).status_code == 404


def test_cancel_by_organiser_promotes_first_waitlisted(client, staff, session, conference):
    event, søren, jens = conference["event"], conference["søren"], conference["jens"]
    url = f"{_base(event.id)}/{søren.id}/cancel"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Yes, cancel the registration" in confirm.text
    response = client.post(url, follow_redirects=True)
    assert "Jens Dal got the seat from the waiting list" in response.text
    session.rollback()
    assert session.get(Registration, søren.id).status == RegistrationStatus.CANCELLED
    assert session.get(Registration, jens.id).status == RegistrationStatus.CONFIRMED
    assert len(_mails(session, jens, "promoted")) == 1
    assert len(_mails(session, søren, "cancelled")) == 1
    actors = {h.action: h.actor for h in session.get(Registration, søren.id).history}
    assert actors["cancelled"] == ORGANISER


def test_resend_queues_a_new_mail(client, staff, session, conference):
    event, mette = conference["event"], conference["mette"]
    before = len(_mails(session, mette))
    client.post(f"{_base(event.id)}/{mette.id}/resend")
    session.rollback()
    mails = _mails(session, mette)
    assert len(mails) == before + 1 and mails[-1].kind == "confirmed"
    assert session.get(Registration, mette.id).history[-1].actor == ORGANISER


def test_resend_to_cancelled_is_refused(client, staff, session, conference):
    event, ole = conference["event"], conference["ole"]
    before = len(_mails(session, ole))
    response = client.post(f"{_base(event.id)}/{ole.id}/resend", follow_redirects=True)
    assert "A cancelled registration has no confirmation to send." in response.text
    session.rollback()
    assert len(_mails(session, ole)) == before


def test_promote_without_a_free_seat_says_so(client, staff, session, conference):
    event, jens = conference["event"], conference["jens"]
    response = client.post(f"{_base(event.id)}/{jens.id}/promote", follow_redirects=True)
    assert "No seat is free" in response.text
    session.rollback()
    assert session.get(Registration, jens.id).status == RegistrationStatus.WAITLISTED


def test_promote_gives_a_free_seat(client, staff, session, conference):
    event, jens = conference["event"], conference["jens"]
    event.capacity = 4  # raised behind the service's back, so the seat is still free
    session.commit()
    client.post(f"{_base(event.id)}/{jens.id}/promote")
    session.rollback()
    assert session.get(Registration, jens.id).status == RegistrationStatus.CONFIRMED
    assert len(_mails(session, jens, "promoted")) == 1
    assert session.get(Registration, jens.id).history[-1].actor == ORGANISER


def test_fresh_link_replaces_the_nonce_and_mails_it(client, staff, session, conference):
    event, mette = conference["event"], conference["mette"]
    old_nonce = mette.token_nonce
    client.post(f"{_base(event.id)}/{mette.id}/fresh-link")
    session.rollback()
    assert session.get(Registration, mette.id).token_nonce != old_nonce
    assert len(_mails(session, mette, "link")) == 1


# --- add by hand ----------------------------------------------------------------------------


def _person(**overrides) -> dict:
    data = {"first_name": "Birthe", "last_name": "Østergård", "email": "birthe@example.dk",
            "organisation": "LBR Syddjurs", "category": "lbr_rar", "job_title": "Formand",
            "locale": "da"}
    data.update(overrides)
    return data


def test_add_by_hand_works_after_registration_closed(client, staff, session, make_event):
    closed = utcnow() - timedelta(days=1)
    event = make_event(capacity=5, registration_closes_at=closed)
    assert registrations.registration_state(event) == "closed"
    form = client.get(f"{_base(event.id)}/new")
    assert form.status_code == 200 and 'name="first_name"' in form.text
    response = client.post(f"{_base(event.id)}/new", data=_person())
    assert response.status_code == 302
    session.rollback()
    registration = session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert response.headers["Location"].endswith(f"{_base(event.id)}/{registration.id}")
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.source == RegistrationSource.ORGANISER
    assert registration.last_name == "Østergård"
    assert registration.history[0].actor == ORGANISER
    assert len(_mails(session, registration, "confirmed")) == 1


def test_add_by_hand_with_known_address_shows_error_at_email(client, staff, session, conference):
    event = conference["event"]
    response = client.post(f"{_base(event.id)}/new", data=_person(email="METTE@example.org"))
    assert response.status_code == 200
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', response.text).group(0)
    assert 'aria-invalid="true"' in email_input
    assert "This address is already registered for the event." in response.text
    assert "Open the existing registration" in response.text
    session.rollback()
    assert session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id)) == 5


def test_add_by_hand_to_a_full_workshop_shows_error_at_workshops(client, staff, session,
                                                                 make_event, make_item, register):
    event = make_event(capacity=5)
    workshop = make_item(event, "Fuld workshop", AgendaItemKind.WORKSHOP, capacity=1)
    register(event, workshop_ids=[workshop.id])
    response = client.post(f"{_base(event.id)}/new",
                           data=_person(workshop_0=str(workshop.id)))
    assert response.status_code == 200
    assert 'id="workshop_0-error"' in response.text and "Fuld workshop" in response.text
    session.rollback()
    assert session.scalar(select(func.count(Registration.id))) == 1


# --- mail registrants ------------------------------------------------------------------------


def test_announcement_double_submit_queues_once(client, staff, session, conference):
    event = conference["event"]
    url = f"{_base(event.id)}/mail"
    page = client.get(url).text
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    assert "The message goes to 3 people." in page  # confirmed by default
    data = {"subject": "Praktisk information", "message": "Husk madpakke.\r\n\r\nVi ses!",
            "recipients": "both", "category": "", "nonce": nonce, "send": "1"}
    counted = client.post(url, data={**{k: v for k, v in data.items() if k != "send"},
                                     "count": "1"})
    assert "The message goes to 4 people." in counted.text
    first = client.post(url, data=data, follow_redirects=True)
    assert "4 mails were queued." in first.text
    again = client.post(url, data=data, follow_redirects=True)
    assert "already queued" in again.text
    session.rollback()
    mails = session.scalars(select(OutboxMail).where(OutboxMail.kind == "announcement")).all()
    assert len(mails) == 4
    assert {m.to_address for m in mails} == {"soeren@example.dk", "mette@example.org",
                                             "karen@example.org", "jens@example.org"}
    assert all(m.subject == "Praktisk information" for m in mails)


def test_announcement_to_one_group_and_validation(client, staff, session, conference):
    event = conference["event"]
    url = f"{_base(event.id)}/mail"
    data = {"subject": "Til uddannelsesfolk", "message": "Hej", "recipients": "waitlisted",
            "category": "education", "nonce": "A" * 22, "send": "1"}
    client.post(url, data=data)
    session.rollback()
    assert [m.to_address for m in session.scalars(
        select(OutboxMail).where(OutboxMail.kind == "announcement"))] == ["jens@example.org"]
    bad = client.post(url, data={**data, "subject": "", "nonce": "short"})
    assert bad.status_code == 200 and "This field is required." in bad.text
    assert re.search(r'name="nonce" type="hidden" value="[A-Za-z0-9_-]{16,}"', bad.text)


def test_recipients_can_be_counted_before_writing(client, staff, conference):
    url = f"{_base(conference['event'].id)}/mail"
    counted = client.post(url, data={"recipients": "waitlisted", "category": "", "count": "1",
                                     "nonce": "B" * 22})
    assert "The message goes to 1 person." in counted.text
    assert "This field is required." not in counted.text
    odd = client.post(url, data={"recipients": "x", "category": "y", "count": "1"})
    assert odd.status_code == 200


# --- outbox ---------------------------------------------------------------------------------


def test_failed_mail_is_shown_and_can_be_tried_again(client, staff, session, conference):
    event, mette = conference["event"], conference["mette"]
    mail = _mails(session, mette)[0]
    mail.status, mail.attempts = MailStatus.FAILED, 12
    mail.last_error = "gave up after 12 attempts: 550 mailbox unavailable"
    session.commit()
    page = client.get(f"/organiser/events/{event.id}/outbox").text
    assert page.count("<h1") == 1
    assert "550 mailbox unavailable" in page and "mette@example.org" in page
    assert re.search(r"Failed</a></th><td class=\"num\">1<", page)
    assert "1 mail has failed." in page
    response = client.post(f"/organiser/events/{event.id}/outbox/{mail.id}/retry",
                           follow_redirects=True)
    assert "will be tried again" in response.text and "mail has failed" not in response.text
    session.rollback()
    assert session.get(OutboxMail, mail.id).status == MailStatus.QUEUED


def test_retry_leaves_a_mail_that_has_not_failed(client, staff, session, conference,
                                                 make_event):
    event, mette = conference["event"], conference["mette"]
    mail = _mails(session, mette)[0]
    mail.status = MailStatus.SENT
    session.commit()
    client.post(f"/organiser/events/{event.id}/outbox/{mail.id}/retry")
    other = make_event(title="Andet møde")
    assert client.post(f"/organiser/events/{other.id}/outbox/{mail.id}/retry").status_code == 404
    session.rollback()
    assert session.get(OutboxMail, mail.id).status == MailStatus.SENT


# --- GDPR -----------------------------------------------------------------------------------


def test_privacy_export_downloads_json(client, staff, conference):
    response = client.post("/organiser/privacy", data={"email": "SOEREN@example.dk",
                                                       "export": "1"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data.decode("utf-8"))
    assert data["email"] == "soeren@example.dk"
    assert data["registrations"][0]["last_name"] == "Ærø"


def test_privacy_erase_needs_confirmation(client, staff, session, conference):
    søren, karen = conference["søren"], conference["karen"]
    confirm = client.post("/organiser/privacy", data={"email": "soeren@example.dk",
                                                      "erase": "1"})
    assert confirm.status_code == 200 and "Yes, erase all data about this address" in confirm.text
    session.rollback()
    assert session.get(Registration, søren.id).anonymised_at is None  # nothing happened yet
    done = client.post("/organiser/privacy/erase", data={"email": "soeren@example.dk"},
                       follow_redirects=True)
    assert "1 registration was anonymised." in done.text
    session.rollback()
    erased = session.get(Registration, søren.id)
    assert erased.anonymised_at is not None and erased.last_name != "Ærø"
    assert session.get(Registration, karen.id).status == RegistrationStatus.CONFIRMED
    history = session.scalars(select(RegistrationHistory).where(
        RegistrationHistory.registration_id == søren.id)).all()
    assert [h.actor for h in history] == [ORGANISER]


def test_privacy_erase_covers_an_address_known_only_from_the_question_box(client, staff, session):
    from confapp.models import BoxMessage
    from confapp.services import question_box

    message = question_box.submit(session, question_box.BoxInput(
        kind="question", subject="Praktik", text="Hvem hjælper med papirerne?",
        name="Mads Bach", email="mads@example.org"))
    session.commit()
    confirm = client.post("/organiser/privacy", data={"email": "mads@example.org", "erase": "1"})
    assert "Message to the question box: »Praktik«" in confirm.text
    done = client.post("/organiser/privacy/erase", data={"email": "mads@example.org"},
                       follow_redirects=True)
    assert "removed from 1 question or message" in done.text
    session.rollback()
    erased = session.get(BoxMessage, message.id)
    assert erased.email is None and erased.name is None and erased.text


# --- access ---------------------------------------------------------------------------------


def _routes(conference, session) -> list[tuple[str, str]]:
    event_id, reg_id = conference["event"].id, conference["søren"].id
    mail_id = _mails(session, conference["søren"])[0].id
    base = _base(event_id)
    return [
        ("get", base), ("get", f"{base}/export.csv"), ("get", f"{base}/export.xlsx"),
        ("get", f"{base}/new"), ("post", f"{base}/new"),
        ("get", f"{base}/{reg_id}"), ("get", f"{base}/{reg_id}/cancel"),
        ("post", f"{base}/{reg_id}/cancel"), ("post", f"{base}/{reg_id}/resend"),
        ("post", f"{base}/{reg_id}/promote"), ("post", f"{base}/{reg_id}/fresh-link"),
        ("get", f"{base}/mail"), ("post", f"{base}/mail"),
        ("get", f"/organiser/events/{event_id}/outbox"),
        ("post", f"/organiser/events/{event_id}/outbox/{mail_id}/retry"),
        ("get", "/organiser/privacy"), ("post", "/organiser/privacy"),
        ("post", "/organiser/privacy/erase"),
    ]


def test_every_page_renders_in_danish(client, organiser, session, conference):
    for method, url in _routes(conference, session):
        if method == "get" and "export" not in url:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.text.count("<h1") == 1, url
            assert '<html lang="da">' in response.text, url


def test_chair_gets_403_everywhere(client, make_user, login, session, conference):
    make_user(email="chair@example.org", roles=(Role.CHAIR,))
    login(email="chair@example.org")
    for method, url in _routes(conference, session):
        assert getattr(client, method)(url).status_code == 403, url


def test_not_logged_in_is_sent_to_login(client, session, conference):
    for method, url in _routes(conference, session):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/auth/login?next=" in response.headers["Location"], url
