"""The door: an organiser types (as a USB scanner would) a ticket code into the desk."""

import pytest
from playwright.sync_api import expect

from confapp.models import Role
from confapp.services import tokens
from tests.browser.conftest import watch_page
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
    # Before the first scan the result area is not an empty bordered box.
    expect(page.locator("#result")).to_have_css("border-top-width", "0px")
    expect(page.get_by_role("button", name="Fortryd indtjekning")).to_have_count(0)
    assert_accessible(page)

    page.keyboard.type(payload)
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("Tjekket ind")
    expect(page.locator("#result")).to_contain_text("Åse Ærenlund · Jobcenter Herning")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    expect(page.get_by_label("Scan eller skriv billetkoden")).to_be_focused()
    expect(page.get_by_label("Scan eller skriv billetkoden")).to_have_value("")
    expect(page.locator("#result")).to_have_css("border-top-width", "4px")
    assert_accessible(page)

    # The undo button stands next to the result, and undoes without reloading the page.
    undo = page.locator("#result").get_by_role("button", name="Fortryd indtjekning")
    expect(undo).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/registrations/{person.id}/undo")) as sent:
        undo.click()
    assert sent.value.status == 200
    assert sent.value.headers["content-type"] == "application/json"
    expect(page.locator("#result")).to_contain_text("Indtjekningen af Åse Ærenlund blev fortrudt.")
    expect(undo).to_have_count(0)
    expect(page.locator("#count-checked-in")).to_have_text("0")
    expect(page.get_by_label("Scan eller skriv billetkoden")).to_be_focused()
    assert page.url.endswith(f"/checkin/{event.id}")  # no reload, no redirect
    assert_accessible(page)

    page.keyboard.type(payload)  # scanned again after the undo: a fresh check-in
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("Tjekket ind")
    expect(page.locator("#count-checked-in")).to_have_text("1")

    page.keyboard.type(payload)
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("Allerede tjekket ind kl.")
    expect(undo).to_be_visible()  # also for someone who was already in

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
    finish = watch_page(page)
    page.goto(f"{live_server}/auth/login?next=/checkin/{event.id}")
    page.get_by_label("E-mail").fill("desk@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_label("Scan eller skriv billetkoden").fill(
        tokens.ticket_payload(app.secret_key, event.id, person.id))
    page.get_by_role("button", name="Tjek ind", exact=True).click()
    expect(page.locator("#result")).to_contain_text("Tjekket ind")
    expect(page.locator("#count-checked-in")).to_have_text("1")

    # The same undo button, as an ordinary form post.
    page.locator("#result").get_by_role("button", name="Fortryd indtjekning").click()
    expect(page.get_by_text("Indtjekningen af Ib Lund blev fortrudt.")).to_be_visible()
    expect(page.locator("#count-checked-in")).to_have_text("0")
    expect(page.locator("#result")).to_have_css("border-top-width", "0px")
    context.close()
    finish(browser)
