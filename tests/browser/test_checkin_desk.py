"""The door: an organiser types (as a USB scanner would) a ticket code into the desk."""

import pytest
from playwright.sync_api import expect

from confapp.models import Role
from confapp.services import tokens
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_scan_a_ticket_at_the_desk(app, live_server, page, make_user, make_event,
                                   make_registration, assert_accessible):
    make_user(email="desk@example.org", roles=(Role.ORGANISER,))
    event = make_event(title="Temamøde om rekruttering")
    person = make_registration(event, first_name="Åse", last_name="Ærenlund",
                               organisation="Jobcenter Herning")
    make_registration(event)
    payload = tokens.ticket_payload(app.secret_key, event.id, person.id)

    page.goto(f"{live_server}/auth/login?next=/checkin/{event.id}")
    page.get_by_label("E-mail").fill("desk@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indtjekning")
    expect(page.locator("#count-checked-in")).to_have_text("0")
    expect(page.get_by_label("Scan eller skriv billetkoden")).to_be_focused()
    assert_accessible(page)

    page.keyboard.type(payload)
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("Tjekket ind")
    expect(page.locator("#result")).to_contain_text("Åse Ærenlund · Jobcenter Herning")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    expect(page.get_by_label("Scan eller skriv billetkoden")).to_be_focused()
    expect(page.get_by_label("Scan eller skriv billetkoden")).to_have_value("")
    assert_accessible(page)

    page.keyboard.type(payload)
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("Allerede tjekket ind kl.")

    page.keyboard.type(payload[:-4] + "AAAA")
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("Ugyldig billet")
    assert_accessible(page)


def test_desk_works_without_javascript(app, live_server, browser, make_user, make_event,
                                       make_registration):
    make_user(email="desk@example.org", roles=(Role.ORGANISER,))
    event = make_event()
    person = make_registration(event, first_name="Ib", last_name="Lund")
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login?next=/checkin/{event.id}")
    page.get_by_label("E-mail").fill("desk@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_label("Scan eller skriv billetkoden").fill(
        tokens.ticket_payload(app.secret_key, event.id, person.id))
    page.get_by_role("button", name="Tjek ind", exact=True).click()
    expect(page.locator("#result")).to_contain_text("Tjekket ind")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    context.close()
