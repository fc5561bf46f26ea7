"""Printing badges, the programme, the participant list and the sign-in sheet.

Through the test client as a logged-in organiser, on a real database; PDFs are parsed back
with pypdf, and badge QR codes are rendered with pypdfium2 and decoded with zxing-cpp.
"""

import io
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from confapp.models import AgendaItemKind, Category, Registration, Role
from confapp.services import printing, tokens
from confapp.services import registration as registration_service
from tests.conftest import PASSWORD, registration_input


def pdf_pages(response) -> list:
    """The pages of a PDF download (checked to be one)."""
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return PdfReader(io.BytesIO(response.data)).pages


def page_text(page) -> str:
    return " ".join(page.extract_text().split())


def pdf_texts(response) -> list[str]:
    """The text of each page of a PDF download, whitespace collapsed."""
    return [page_text(page) for page in pdf_pages(response)]


def print_badges(client, event, **form):
    data = {"mode": "all", "order": "surname", "layout": "a4-8up", **form}
    return client.post(f"/organiser/events/{event.id}/print/badges.pdf", data=data)


@pytest.fixture
def english(client, organiser):
    """The organiser's pages in English, so that tests do not depend on the Danish catalogue."""
    with client.session_transaction() as browser_session:
        browser_session["lang"] = "en"


@pytest.fixture
def event(make_event):
    return make_event(title="Beskæftigelseskonferencen 2027", capacity=400)


@pytest.fixture
def register_many(session, site):
    def make(event, count: int, **overrides) -> list[Registration]:
        """``count`` registrations through the real service, committed in one transaction."""
        people = [registration_service.register(
            session, event, registration_input(last_name=f"Madsen {i:03d}", **overrides))
            for i in range(count)]
        session.commit()
        return people

    return make


# --- the print page ---------------------------------------------------------------------------

def test_print_page_offers_every_document(client, organiser, event, make_registration):
    make_registration(event, first_name="Åse", last_name="Ærbø")
    response = client.get(f"/organiser/events/{event.id}/print")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    for action in ("print/badges.pdf", "print/programme.pdf", "print/participants.pdf",
                   "print/sign-in.pdf"):
        assert f'action="/organiser/events/{event.id}/{action}"' in html
    assert re.search(r'<form method="post" action="[^"]+/print/badges.pdf"', html)
    assert re.search(r'<form method="get" action="[^"]+/print/programme.pdf"', html)
    # Radio groups are fieldsets with legends; selects have labels.
    assert html.count("<legend>") == 4  # whose badges, order, layout, programme language
    assert '<label for="category">' in html and '<label for="registration_id">' in html
    assert "Ærbø, Åse – Jobcenter Aarhus" in html  # the person picker for a reprint


def test_badge_form_errors_are_shown_and_nothing_is_recorded(client, english, event,
                                                             make_registration, session):
    reg = make_registration(event)
    response = print_badges(client, event, mode="category")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Choose the group whose badges you want to print." in response.get_data(as_text=True)
    assert print_badges(client, event, mode="person").mimetype == "text/html"
    assert print_badges(client, event, mode="everyone").mimetype == "text/html"
    session.rollback()
    assert session.get(Registration, reg.id).badge_printed_at is None


# --- badges -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("count", "pages"), [(0, 1), (1, 1), (8, 1), (9, 2)])
def test_badge_sheets_of_eight(client, english, register_many, event, count, pages):
    register_many(event, count, first_name="Søren", organisation="Jobcenter Århus")
    response = print_badges(client, event)
    texts = pdf_texts(response)
    assert len(texts) == pages
    assert f'filename=badges-{event.id}.pdf' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    text = " ".join(texts)
    if count == 0:
        assert "No badges to print" in text
    else:
        assert text.count("Søren") == count
        assert "Madsen 000" in text and f"Madsen {count - 1:03d}" in text
        assert "Jobcenter Århus" in text and "Beskæftigelseskonferencen 2027" in text
        assert "Jobcentre" in text  # the category label on the band


def test_301_badges_make_38_sheets(client, organiser, register_many, event):
    register_many(event, 301)
    pages = pdf_pages(print_badges(client, event))
    assert len(pages) == 38
    assert "Madsen 300" in page_text(pages[-1])  # extracting only one page keeps this fast


def test_a6_is_one_page_per_badge(client, organiser, register_many, event):
    register_many(event, 3, first_name="Bjørn")
    texts = pdf_texts(print_badges(client, event, layout="a6"))
    assert len(texts) == 3
    assert all("Bjørn" in text for text in texts)


def test_badge_qr_is_the_signed_ticket_of_that_person(app, client, organiser, register_many,
                                                     event):
    people = register_many(event, 2)
    response = print_badges(client, event)
    page = pdfium.PdfDocument(response.data)[0].render(scale=4).to_pil()
    found = {tokens.read_ticket(app.secret_key, r.text) for r in zxingcpp.read_barcodes(page)}
    assert found == {(event.id, people[0].id), (event.id, people[1].id)}


def test_a6_badge_qr_names_its_registration(app, client, organiser, register_many, event,
                                           make_registration):
    person = make_registration(event, first_name="Lærke")
    response = print_badges(client, event, layout="a6")
    page = pdfium.PdfDocument(response.data)[0].render(scale=3).to_pil()
    (result,) = zxingcpp.read_barcodes(page)
    assert result.text == tokens.ticket_payload(app.secret_key, event.id, person.id)
    assert tokens.read_ticket(app.secret_key, result.text) == (event.id, person.id)


def test_unprinted_prints_each_badge_once(client, english, session, event, make_registration):
    first = make_registration(event, last_name="Abildgaard")
    make_registration(event, last_name="Bech")
    text = " ".join(pdf_texts(print_badges(client, event, mode="unprinted")))
    assert "Abildgaard" in text and "Bech" in text
    session.rollback()
    assert session.get(Registration, first.id).badge_printed_at is not None

    again = pdf_texts(print_badges(client, event, mode="unprinted"))
    assert len(again) == 1 and "No badges to print" in again[0]

    make_registration(event, last_name="Christiansen")
    text = " ".join(pdf_texts(print_badges(client, event, mode="unprinted")))
    assert "Christiansen" in text
    assert "Abildgaard" not in text and "Bech" not in text


def test_only_confirmed_people_get_badges(client, organiser, session, make_event,
                                          make_registration):
    small = make_event(capacity=1)
    make_registration(small, last_name="Confirmed")
    make_registration(small, last_name="Waiting")
    text = " ".join(pdf_texts(print_badges(client, small)))
    assert "Confirmed" in text and "Waiting" not in text


def test_one_category(client, organiser, event, make_registration):
    make_registration(event, last_name="Jobcenterperson", category=Category.JOBCENTRE)
    make_registration(event, last_name="Fagforeningsperson", category=Category.UNION,
                      organisation="3F Midtjylland")
    text = " ".join(pdf_texts(print_badges(client, event, mode="category", category="union")))
    assert "Fagforeningsperson" in text and "3F Midtjylland" in text and "Fagforbund" in text
    assert "Jobcenterperson" not in text


def test_reprint_one_person_from_the_print_page(client, organiser, event, make_registration):
    make_registration(event, last_name="Andersen")
    person = make_registration(event, last_name="Bendtsen")
    print_badges(client, event)  # everyone printed once
    texts = pdf_texts(print_badges(client, event, mode="person", registration_id=person.id,
                                   layout="a6"))
    assert len(texts) == 1
    assert "Bendtsen" in texts[0] and "Andersen" not in texts[0]


def test_reprint_route(client, english, session, event, make_registration):
    make_registration(event, last_name="Andersen")
    person = make_registration(event, first_name="Åse", last_name="Østergård")
    response = client.post(f"/organiser/events/{event.id}/registrations/{person.id}/badge.pdf")
    texts = pdf_texts(response)
    assert len(texts) == 1 and "Østergård" in texts[0] and "Andersen" not in texts[0]
    assert f"filename=badge-{person.id}.pdf" in response.headers["Content-Disposition"]
    session.rollback()
    printed = session.get(Registration, person.id).badge_printed_at
    assert printed is not None

    a6 = client.post(f"/organiser/events/{event.id}/registrations/{person.id}/badge.pdf",
                     data={"layout": "a6"})
    assert len(pdf_texts(a6)) == 1
    session.rollback()
    assert session.get(Registration, person.id).badge_printed_at >= printed


def test_reprint_of_someone_without_a_seat_explains(client, english, session, make_event,
                                                    make_registration):
    small = make_event(capacity=1)
    make_registration(small)
    waiting = make_registration(small)
    response = client.post(f"/organiser/events/{small.id}/registrations/{waiting.id}/badge.pdf",
                           follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "Only people with a confirmed registration get a badge." in response.get_data(
        as_text=True)
    session.rollback()
    assert session.get(Registration, waiting.id).badge_printed_at is None


def test_badges_by_surname_in_danish_order(client, organiser, event, make_registration):
    for surname in ("Ågesen", "Zacho", "Østergaard", "Andersen", "Ærenlund"):
        make_registration(event, last_name=surname)
    text = " ".join(pdf_texts(print_badges(client, event, order="surname")))
    positions = [text.index(name) for name in
                 ("Andersen", "Zacho", "Ærenlund", "Østergaard", "Ågesen")]
    assert positions == sorted(positions)


def test_badges_by_organisation_and_by_category(client, organiser, event, make_registration):
    make_registration(event, last_name="Aarup", organisation="VIA University College",
                      category=Category.EDUCATION)
    make_registration(event, last_name="Bro", organisation="Jobcenter Herning",
                      category=Category.JOBCENTRE)
    make_registration(event, last_name="Carlsen", organisation="3F Midtjylland",
                      category=Category.UNION)

    def order_of(**form) -> list[str]:
        text = " ".join(pdf_texts(print_badges(client, event, **form)))
        return sorted(("Aarup", "Bro", "Carlsen"), key=text.index)

    # Aarup sorts as Århus would: after Z.
    assert order_of(order="surname") == ["Bro", "Carlsen", "Aarup"]
    assert order_of(order="organisation") == ["Carlsen", "Bro", "Aarup"]
    # Categories in the council's fixed order: jobcentre, education, union.
    assert order_of(order="category") == ["Bro", "Aarup", "Carlsen"]


def test_danish_sort_key():
    names = ["Østergaard", "Ågesen", "zacho", "Aagaard", "Ærø", "Andersen", "Élise", "Eriksen",
             "Møller", "Mortensen", "Åberg"]
    assert sorted(names, key=printing.danish_key) == [
        "Andersen", "Élise", "Eriksen", "Mortensen", "Møller", "zacho", "Ærø", "Østergaard",
        "Åberg", "Ågesen", "Aagaard"]
    assert [printing.surname_group(n) for n in ("Ærø", "Østergaard", "Aagaard", "Åberg",
                                                 "jensen", "", "3F")] == [
        "Æ", "Ø", "Å", "Å", "J", "#", "#"]


def test_a_120_character_name_still_renders(client, organiser, event, make_registration):
    # Both name columns hold at most 100 characters, so the 120 are split over the two.
    first = "Søren Ægidius Bjørn Christian"
    last = ("Østergård-Hansen Kjærgaard Bødker " * 3)[:90]
    assert len(f"{first} {last}") == 120
    make_registration(event, first_name=first, last_name=last, organisation="Å" * 200)
    for layout in ("a4-8up", "a6"):
        text = " ".join(pdf_texts(print_badges(client, event, layout=layout)))
        assert "Søren" in text and "Østergård-Hansen" in text


# --- participant list and sign-in sheet -------------------------------------------------------

@pytest.fixture
def mixed_event(make_event, make_registration, session):
    """Two confirmed (one consenting to the list), one cancelled, one on the waiting list."""
    small = make_event(title="Regionalt møde for jobcenterchefer", capacity=2)
    make_registration(small, first_name="Åse", last_name="Ærbø", consent_participant_list=True,
                      organisation="LBR Syddjurs", category=Category.LBR_RAR)
    make_registration(small, first_name="Bo", last_name="Private")
    cancelled = make_registration(small, last_name="Cancelled", consent_participant_list=True)
    make_registration(small, last_name="Waitlisted", consent_participant_list=True)
    registration_service.cancel(session, cancelled, "test", notify_person=False)
    session.commit()
    return small


def test_participant_list_shows_only_those_who_agreed(client, english, mixed_event):
    response = client.get(f"/organiser/events/{mixed_event.id}/print/participants.pdf")
    texts = pdf_texts(response)
    assert f"filename=participants-{mixed_event.id}.pdf" in response.headers[
        "Content-Disposition"]
    text = " ".join(texts)
    assert "Åse Ærbø" in text and "LBR Syddjurs" in text
    assert text.count("Local or regional employment council (LBR/RAR)") == 2  # heading, cell
    for absent in ("Private", "Cancelled", "Waitlisted"):
        assert absent not in text
    assert all("Regionalt møde for jobcenterchefer" in t for t in texts)
    assert "Page 1 of 1" in texts[0]


def test_sign_in_sheet_has_every_confirmed_person(client, english, mixed_event):
    response = client.get(f"/organiser/events/{mixed_event.id}/print/sign-in.pdf")
    text = " ".join(pdf_texts(response))
    assert "Ærbø, Åse" in text and "Private, Bo" in text and "Signature" in text
    assert "Cancelled" not in text and "Waitlisted" not in text
    assert text.index("Private, Bo") < text.index("Ærbø, Åse")  # P before Æ


def test_long_lists_number_every_page(client, english, register_many, event):
    register_many(event, 60, consent_participant_list=True)
    for kind in ("participants", "sign-in"):
        texts = pdf_texts(client.get(f"/organiser/events/{event.id}/print/{kind}.pdf"))
        assert len(texts) > 1
        for number, text in enumerate(texts, start=1):
            assert f"Page {number} of {len(texts)}" in text
            assert "Beskæftigelseskonferencen 2027" in text


def test_lists_of_an_event_without_registrants_say_so(client, english, event):
    participants = pdf_texts(client.get(f"/organiser/events/{event.id}/print/participants.pdf"))
    assert "agreed to be on the participant list" in participants[0]
    sign_in = pdf_texts(client.get(f"/organiser/events/{event.id}/print/sign-in.pdf"))
    assert "Nobody has a confirmed registration yet." in sign_in[0]


# --- programme --------------------------------------------------------------------------------

class TestProgramme:
    @pytest.fixture
    def conference(self, event, make_item):
        make_item(event, "Velkomst og arbejdsmarkedet i regionen", AgendaItemKind.TALK,
                  0, 30, room="Store sal", speakers="Mette Frederiksen")
        make_item(event, "Spørgsmål fra salen", AgendaItemKind.QA, 30, 15, room="Store sal")
        make_item(event, "Kaffepause", AgendaItemKind.BREAK, 45, 15)
        make_item(event, "Workshop A: Seniorer", AgendaItemKind.WORKSHOP, 60, 60, room="Lokale 1")
        make_item(event, "Workshop B: Unge", AgendaItemKind.WORKSHOP, 60, 60, room="Lokale 2")
        return event

    def test_danish(self, client, organiser, conference):
        response = client.get(f"/organiser/events/{conference.id}/print/programme.pdf",
                              query_string={"language": "da"})
        texts = pdf_texts(response)
        assert len(texts) == 2  # cover, then the agenda
        text = " ".join(texts)
        assert "Beskæftigelseskonferencen 2027" in texts[0] and "VIA University College" in texts[0]
        assert "Side 1 af 2" in texts[0] and "Side 2 af 2" in texts[1]
        assert "Program" in texts[1] and "Programme" not in text
        assert "[OPLÆG]" in text and "[SPØRGSMÅL OG DEBAT]" in text and "[PAUSE]" in text
        assert "Lokale: Store sal" in text and "Oplægsholdere: Mette Frederiksen" in text
        assert re.search(r"\d\d\.\d\d–\d\d\.\d\d", text)  # Danish times: 09.00–09.30
        assert "Workshop A: Seniorer" in text and "Workshop B: Unge" in text

    def test_english(self, client, organiser, conference):
        response = client.get(f"/organiser/events/{conference.id}/print/programme.pdf",
                              query_string={"language": "en"})
        assert f"filename=programme-{conference.id}.pdf" in response.headers[
            "Content-Disposition"]
        texts = pdf_texts(response)
        text = " ".join(texts)
        assert "Page 1 of 2" in texts[0] and "Page 2 of 2" in texts[1]
        assert "Programme" in texts[1]
        assert "[TALK]" in text and "[QUESTIONS AND DEBATE]" in text and "[BREAK]" in text
        assert "Room: Store sal" in text and "Speakers: Mette Frederiksen" in text
        assert "Parallel sessions" in text  # the two workshops are grouped
        assert re.search(r"\d\d:\d\d–\d\d:\d\d", text)

    def test_language_defaults_to_the_page_language(self, client, organiser, conference):
        texts = pdf_texts(client.get(f"/organiser/events/{conference.id}/print/programme.pdf"))
        assert "Side 1 af" in texts[0]

    def test_unknown_language_is_a_form_error(self, client, organiser, conference):
        response = client.get(f"/organiser/events/{conference.id}/print/programme.pdf",
                              query_string={"language": "xx"})
        assert response.status_code == 200 and response.mimetype == "text/html"

    def test_empty_agenda(self, client, organiser, event):
        texts = pdf_texts(client.get(f"/organiser/events/{event.id}/print/programme.pdf",
                                     query_string={"language": "en"}))
        assert len(texts) == 1 and "The programme has no items yet." in texts[0]


def test_programme_days_only_for_multi_day_events(make_event, make_item):
    event = make_event(hours=30)
    make_item(event, "Dag 1", offset_minutes=0)
    make_item(event, "Dag 2", offset_minutes=24 * 60)

    def build(ev):
        return printing.programme_data(
            ev, labels=None, kind_labels={}, event_date="",
            time_text=lambda m: m.strftime("%H:%M"), day_text=lambda m: m.strftime("%d/%m"))

    days = [item.day for item in build(event).items]
    assert days[0] and days[1] and days[0] != days[1]
    one_day = make_event()
    make_item(one_day, "Kun én dag")
    assert [item.day for item in build(one_day).items] == [""]


# --- access -----------------------------------------------------------------------------------

def routes(event_id: int, registration_id: int) -> list[tuple[str, str]]:
    base = f"/organiser/events/{event_id}"
    return [
        ("get", f"{base}/print"),
        ("post", f"{base}/print/badges.pdf"),
        ("get", f"{base}/print/programme.pdf"),
        ("get", f"{base}/print/participants.pdf"),
        ("get", f"{base}/print/sign-in.pdf"),
        ("post", f"{base}/registrations/{registration_id}/badge.pdf"),
    ]


def test_anonymous_visitors_are_sent_to_login(client, event, make_registration):
    person = make_registration(event)
    for method, url in routes(event.id, person.id):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"], url


def test_a_chair_may_not_print(client, make_user, login, event, make_registration):
    person = make_registration(event)
    make_user(email="chair@example.org", roles=(Role.CHAIR,))
    login(email="chair@example.org")
    for method, url in routes(event.id, person.id):
        assert getattr(client, method)(url).status_code == 403, url


def test_unknown_event_or_foreign_registration_is_404(client, organiser, event, make_event,
                                                       make_registration):
    other = make_event(title="Temamøde")
    foreign = make_registration(other)
    for method, url in routes(event.id + 1000, foreign.id):
        assert getattr(client, method)(url).status_code == 404, url
    reprint = f"/organiser/events/{event.id}/registrations/{foreign.id}/badge.pdf"
    assert client.post(reprint).status_code == 404
    assert client.post(f"/organiser/events/{event.id}/registrations/99999/badge.pdf"
                       ).status_code == 404
    # Choosing another event's person on the print form prints nobody.
    response = print_badges(client, event, mode="person", registration_id=foreign.id)
    assert response.mimetype == "text/html"  # not among the form's choices


class TestWithCsrf:
    """The badge forms carry a CSRF token, and a badge download without one is refused."""

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    @staticmethod
    def token(html: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def test_badges_need_the_token(self, client, make_user, event, make_registration):
        make_registration(event, last_name="Kjærgaard")
        make_user()
        login_page = client.get("/auth/login").get_data(as_text=True)
        client.post("/auth/login", data={"email": "organiser@example.org",
                                         "password": PASSWORD,
                                         "csrf_token": self.token(login_page)})
        page = client.get(f"/organiser/events/{event.id}/print").get_data(as_text=True)
        assert '<label for="language-0" lang="da">Dansk</label>' in page
        url = f"/organiser/events/{event.id}/print/badges.pdf"
        form = {"mode": "all", "order": "surname", "layout": "a4-8up"}
        assert client.post(url, data=form).status_code == 400
        response = client.post(url, data={**form, "csrf_token": self.token(page)})
        assert "Kjærgaard" in " ".join(pdf_texts(response))
