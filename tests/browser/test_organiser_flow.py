"""An organiser creates and publishes an event with two agenda items; the public sees it."""

import re

import pytest
from playwright.sync_api import expect

from confapp.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_create_publish_and_see_in_both_languages(live_server, page, make_user,
                                                  assert_accessible):
    make_user(email="mette@example.org", roles=(Role.ORGANISER,), name="Mette Kjær")

    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Konferencer og møder")
    assert_accessible(page)

    page.get_by_role("link", name="Log ind for medarbejdere").click()
    assert_accessible(page)
    page.get_by_label("E-mail").fill("mette@example.org")
    page.get_by_label("Adgangskode").fill("wrong-password")
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator("#password-error")).to_contain_text("Forkert e-mail eller adgangskode.")
    assert_accessible(page)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administrér arrangementer")
    assert_accessible(page)

    page.get_by_role("link", name="Opret arrangement").click()
    assert_accessible(page)
    page.get_by_label("Type arrangement").select_option("theme_meeting")
    page.get_by_label("Titel").fill("Temamøde om unge og uddannelse")
    page.get_by_label("Starter").fill("2027-03-10T13:00")
    page.get_by_label("Slutter").fill("2027-03-10T12:00")  # wrong on purpose
    page.get_by_label("Kapacitet (pladser)").fill("60")
    page.get_by_role("button", name="Gem").click()
    expect(page.locator("#ends_at-error")).to_contain_text("Sluttidspunktet skal ligge efter starttidspunktet.")
    expect(page.get_by_label("Titel")).to_have_value("Temamøde om unge og uddannelse")
    assert_accessible(page)
    page.get_by_label("Slutter").fill("2027-03-10T16:00")
    page.get_by_label("Sted", exact=True).fill("UU Djursland, Grenaa")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Temamøde om unge og uddannelse")
    assert_accessible(page)

    for title, kind, start, end in [("Oplæg om ungeindsatsen", "talk", "13:00", "14:00"),
                                    ("Spørgsmål og debat", "qa", "14:00", "15:00")]:
        page.get_by_role("link", name="Tilføj programpunkt").click()
        page.get_by_label("Type", exact=True).select_option(kind)
        page.get_by_label("Titel").fill(title)
        page.get_by_label("Starter").fill(f"2027-03-10T{start}")
        page.get_by_label("Slutter").fill(f"2027-03-10T{end}")
        page.get_by_label("Lokale").fill("Store Sal")
        assert_accessible(page)
        page.get_by_role("button", name="Gem programpunktet").click()
        expect(page.get_by_text("Programpunktet blev tilføjet.")).to_be_visible()

    page.get_by_role("button", name="Offentliggør").click()
    expect(page.get_by_text("Arrangementet er offentliggjort.")).to_be_visible()

    page.get_by_role("link", name="Arrangementer", exact=True).click()
    expect(page.get_by_role("link", name="Temamøde om unge og uddannelse")).to_be_visible()
    page.get_by_role("link", name="Temamøde om unge og uddannelse").click()
    expect(page.get_by_role("heading", name="Oplæg om ungeindsatsen")).to_be_visible()
    expect(page.get_by_text("13.00").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Programme")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Questions and debate").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Events", exact=True).click()
    expect(page.get_by_role("heading", name="Upcoming events")).to_be_visible()
    expect(page.get_by_role("link", name="Temamøde om unge og uddannelse")).to_be_visible()
    assert_accessible(page)


def test_error_pages_are_accessible(live_server, page, assert_accessible):
    response = page.goto(live_server + "/events/9999")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden blev ikke fundet")
    assert_accessible(page)


def test_keyboard_skip_link_is_first_and_visible_on_focus(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Gå til hovedindhold")
    box = focused.bounding_box()
    assert box and box["x"] >= 0
    page.keyboard.press("Enter")
    assert re.search(r"#main$", page.url)
