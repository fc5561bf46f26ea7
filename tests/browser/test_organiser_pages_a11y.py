"""Every organiser page for registrations, printing, mail and privacy passes axe-core, in both
languages, and the main actions work in the browser."""

import pytest
from playwright.sync_api import expect

from confapp.models import AgendaItemKind, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_organiser_pages_are_accessible(live_server, page, make_user, make_event, make_item,
                                        make_registration, assert_accessible):
    make_user(email="mette@example.org", roles=(Role.ORGANISER,))
    event = make_event(title="Beskæftigelseskonferencen 2027", capacity=2, hours=6)
    make_item(event, "Workshop A", AgendaItemKind.WORKSHOP, 60, 60, capacity=10)
    people = [make_registration(event, first_name=n, last_name="Ærø", consent_participant_list=True)
              for n in ("Anne", "Bo", "Carl")]

    page.goto(f"{live_server}/auth/login")
    page.get_by_label("E-mail").fill("mette@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.goto(f"{live_server}/organiser/events/{event.id}")
    assert_accessible(page)

    for language in ("da", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
        for path in ("registrations", f"registrations/{people[0].id}", "registrations/new",
                     "registrations/mail", "outbox", "print", f"registrations/{people[2].id}/cancel"):
            response = page.goto(f"{live_server}/organiser/events/{event.id}/{path}")
            assert response.status == 200, path
            assert page.locator("h1").count() == 1, path
            assert_accessible(page)
        page.goto(f"{live_server}/organiser/privacy")
        assert_accessible(page)

    page.goto(f"{live_server}/organiser/events/{event.id}/registrations?q=carl")
    expect(page.get_by_role("link", name="Carl Ærø").first).to_be_visible()
    expect(page.get_by_role("link", name="Anne Ærø")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
