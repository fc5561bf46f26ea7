"""The organiser's workspace in the browser, at desktop (1280 px) and phone (360 px) width: the
dashboard, the event tabs, copying an event, and previewing a mail before sending it."""

import re

import pytest
from playwright.sync_api import expect

from confapp.models import AgendaItemKind, EventKind, Role
from confapp.services import checkin
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 780}}


@pytest.fixture(params=list(WIDTHS))
def screen(request, page):
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


@pytest.fixture
def year(make_user, make_event, make_item, make_registration, session):
    """A full conference with a waiting list and one person checked in, a draft, a finished
    meeting."""
    make_user(email="mette@example.org", roles=(Role.ORGANISER,), name="Mette Kjær")
    conference = make_event(title="Beskæftigelseskonferencen 2027", capacity=3, hours=7,
                            kind=EventKind.CONFERENCE)
    make_item(conference, "Velkomst ved formanden", minutes=30)
    make_item(conference, "Unge uden uddannelse", AgendaItemKind.WORKSHOP, offset_minutes=60,
              minutes=90, capacity=20)
    anne = make_registration(conference, first_name="Anne", email="anne@example.org")
    make_registration(conference, first_name="Karen", email="karen@example.org", locale="en")
    make_registration(conference, first_name="Bo", email="bo@example.org")
    make_registration(conference, first_name="Carl", email="carl@example.org")  # waiting
    checkin.check_in(session, anne, actor="mette@example.org")
    session.commit()
    make_event(title="Lokalmøde i foråret", days=-20)
    make_event(title="Temamøde om unge", published=False, days=60)
    return conference


def log_in(page, live_server):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("E-mail").fill("mette@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administrér arrangementer")


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_dashboard_and_tabs(live_server, page, screen, year, assert_accessible):
    log_in(page, live_server)
    row = page.get_by_role("row", name=re.compile("Beskæftigelseskonferencen 2027"))
    expect(row).to_contain_text("Fuldt booket – ventelisten er åben")
    expect(row).to_contain_text("3 af 3 bekræftet")
    meter = row.locator("meter")
    expect(meter).to_have_attribute("value", "3")
    expect(meter).to_have_attribute("max", "3")
    label = page.locator(f"#{meter.get_attribute('aria-labelledby')}")
    expect(label).to_have_text("3 af 3 bekræftet")
    expect(page.get_by_role("row", name=re.compile("Temamøde om unge"))).to_contain_text("Kladde")
    finished = page.get_by_role("row", name=re.compile("Lokalmøde i foråret"))
    expect(finished).to_contain_text("Afholdt")
    assert row.bounding_box()["y"] < finished.bounding_box()["y"]  # upcoming first
    assert_accessible(page)
    fits(page)

    page.get_by_role("link", name="Beskæftigelseskonferencen 2027", exact=True).click()
    tabs = page.get_by_role("navigation", name="Arrangementets dele")
    expect(tabs.get_by_role("link")).to_have_text(
        ["Overblik", "Program", "Tilmeldinger", "Mail", "Udskriv", "Spørgsmål", "Indtjekning"])
    expect(tabs.get_by_role("link", name="Overblik")).to_have_attribute("aria-current", "page")
    expect(page.locator(".event-glance")).to_contain_text("1 på ventelisten")
    expect(page.locator(".event-glance")).to_contain_text("1 tjekket ind")
    box = tabs.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[screen]["width"]
    for link in tabs.get_by_role("link").all():  # every tab is on screen: the row wraps
        link_box = link.bounding_box()
        assert link_box["x"] + link_box["width"] <= WIDTHS[screen]["width"]
    assert_accessible(page)

    tabs.get_by_role("link", name="Tilmeldinger").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tilmeldinger")
    expect(page.get_by_role("navigation", name="Arrangementets dele").get_by_role(
        "link", name="Tilmeldinger")).to_have_attribute("aria-current", "page")
    if screen == "desktop":  # the tables use the width of the screen, not 64rem of it
        table = page.get_by_role("table", name=re.compile("tilmeldinger", re.IGNORECASE)).last
        assert table.bounding_box()["width"] > 1150
    assert_accessible(page)
    fits(page)


def test_copy_an_event(live_server, page, screen, year, assert_accessible):
    log_in(page, live_server)
    # The hidden ": title" is a block of its own to the browser, hence the optional space.
    page.get_by_role("link", name=re.compile(r"^Kopiér ?: Beskæftigelseskonferencen 2027$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kopiér arrangement")
    expect(page.get_by_label("Kopiens titel")).to_have_value("Beskæftigelseskonferencen 2027")
    assert_accessible(page)
    page.get_by_label("Ny startdato").fill("")
    page.get_by_role("button", name="Kopiér arrangementet").click()
    expect(page.locator("#starts_on-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Ny startdato").fill("2031-05-15")
    page.get_by_label("Kopiens titel").fill("Beskæftigelseskonferencen 2031")
    page.get_by_role("button", name="Kopiér arrangementet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beskæftigelseskonferencen 2031")
    expect(page.get_by_text("Kopien er oprettet som kladde")).to_be_visible()
    expect(page.locator(".event-glance")).to_contain_text("Kladde")
    expect(page.locator(".event-glance")).to_contain_text("0 af 3 bekræftet")
    expect(page.get_by_role("heading", name="Velkomst ved formanden")).to_be_visible()
    expect(page.get_by_role("heading", name="Unge uden uddannelse")).to_be_visible()
    expect(page.locator(".event-glance")).to_contain_text("15. maj 2031")
    assert_accessible(page)
    fits(page)

    page.get_by_role("link", name="Administrér arrangementer").first.click()
    row = page.get_by_role("row", name=re.compile("Beskæftigelseskonferencen 2031"))
    expect(row).to_contain_text("Kladde")
    expect(row).to_contain_text("0 af 3 bekræftet")


def test_preview_a_mail_then_send_it(live_server, page, screen, year, assert_accessible):
    log_in(page, live_server)
    page.goto(f"{live_server}/organiser/events/{year.id}")
    page.get_by_role("navigation", name="Arrangementets dele").get_by_role(
        "link", name="Mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv til tilmeldte")
    page.get_by_label("Emne").fill("Praktisk information")
    page.get_by_label("Besked", exact=True).fill("Husk madpakke.\n\nVi ses i Aarhus!")
    page.get_by_role("button", name="Forhåndsvisning").click()

    preview = page.get_by_role("region", name="Forhåndsvisning")
    expect(preview).to_contain_text("Der er ikke sendt noget endnu.")
    expect(preview.locator('.mail-body[lang="da"]')).to_contain_text("Kære Anne")
    expect(preview.locator('.mail-body[lang="da"]')).to_contain_text("Vi ses i Aarhus!")
    expect(preview.locator('.mail-body[lang="en"]')).to_contain_text("Dear Karen,")
    expect(preview).to_contain_text("På dansk: 2 modtagere")
    expect(preview).to_contain_text("På engelsk: 1 modtager")
    expect(page.get_by_label("Emne")).to_have_value("Praktisk information")
    assert_accessible(page)
    fits(page)

    preview.get_by_role("button", name="Send beskeden").click()
    expect(page.get_by_text("3 mails er sat i kø.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sendte mails")
    page.get_by_label("Søg på modtager eller emne").fill("praktisk")
    page.get_by_role("button", name="Søg", exact=True).click()
    mails = page.get_by_role("region", name="Mails", exact=True)
    expect(mails.locator("tbody tr")).to_have_count(3)
    expect(mails).to_contain_text("karen@example.org")
    expect(mails).to_contain_text("I kø")
    expect(page.get_by_label("Søg på modtager eller emne")).to_have_value("praktisk")
    assert_accessible(page)
    fits(page)
