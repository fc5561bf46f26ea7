"""Q&A end to end in Chromium: a participant asks on a phone, another votes, the organiser
approves and pins, the big screen and the participant's list follow without a reload, the
organiser marks the question answered; and every public Q&A page passes axe in both languages.
"""

import pytest
from playwright.sync_api import expect

from confapp.models import AgendaItemKind, Role
from confapp.models.base import utcnow
from confapp.services import qa
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

QUESTION = "Hvordan får vi flere ledige over 55 i job hos de små virksomheder?"
LIVE = 8_000  # ms: polls every 3 s, so a change shows within one poll and a render


def _phone(browser, live_server):
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen",
                                  viewport=PHONE, is_mobile=True, has_touch=True)
    return context, context.new_page()


@pytest.fixture
def conference(session, make_user, make_event, make_item):
    make_user(email="mette@example.org", roles=(Role.ORGANISER,))
    event = make_event(title="Beskæftigelseskonferencen 2027", hours=6)
    item = make_item(event, "Spørgsmål og debat", AgendaItemKind.QA, 0, 60)
    qa_session = qa.enable_qa(session, item)  # pre-moderated, anonymous allowed: the defaults
    session.commit()
    return event, item, qa_session


def test_ask_vote_moderate_and_the_big_screen_follows(live_server, browser, page, session,
                                                       conference):
    event, item, qa_session = conference
    code, base = event.qa_code, f"{live_server}/q/{event.qa_code}"
    contexts = []
    try:
        # The big screen is open in the hall before anything happens; it is never reloaded.
        screen_context = browser.new_context(locale="da-DK", viewport={"width": 1280,
                                                                       "height": 720})
        contexts.append(screen_context)
        screen = screen_context.new_page()
        screen.goto(f"{base}/{qa_session.id}/screen")
        expect(screen.locator("body")).to_contain_text(code)
        screen.evaluate("window.notReloaded = true")

        # A participant joins with the code on a phone and asks.
        asker_context, asker = _phone(browser, live_server)
        contexts.append(asker_context)
        asker.goto(f"{live_server}/q")
        asker.get_by_label("Kode").fill(code.lower())
        asker.get_by_role("button", name="Gå til spørgsmålene").click()
        asker.get_by_role("link", name="Spørgsmål og debat").first.click()
        asker.get_by_label("Dit spørgsmål").fill(QUESTION)
        asker.get_by_label("Navn", exact=True).fill("Birthe Holm")
        asker.get_by_label("Organisation (valgfrit)").fill("Jobcenter Herning")
        asker.get_by_role("button", name="Send spørgsmål").click()
        expect(asker.locator(".flash-success")).to_contain_text("når en moderator har godkendt")
        expect(asker.locator("main")).to_contain_text("Afventer moderering")
        asker.evaluate("window.notReloaded = true")

        # The organiser approves it in the queue.
        page.goto(f"{live_server}/auth/login")
        page.get_by_label("E-mail").fill("mette@example.org")
        page.get_by_label("Adgangskode").fill(PASSWORD)
        page.get_by_role("button", name="Log ind").click()
        page.goto(f"{live_server}/organiser/events/{event.id}/qa/{item.id}")
        page.get_by_role("button", name="English").click()
        card = page.locator("[id^=question-]").filter(has_text=QUESTION)
        card.get_by_role("button", name="Approve").click()
        expect(page.locator(".flash-success")).to_be_visible()

        # The asker's list shows it as approved by itself, and says so politely.
        expect(asker.locator("#qa-live")).to_contain_text(QUESTION, timeout=LIVE)
        expect(asker.locator("[aria-live=polite]")).not_to_be_empty(timeout=LIVE)

        # A second participant votes; the button says in words what it did.
        voter_context, voter = _phone(browser, live_server)
        contexts.append(voter_context)
        voter.goto(f"{base}/{qa_session.id}")
        voter.get_by_role("button", name="Stem (0)").click()
        expect(voter.get_by_role("button", name="Fjern min stemme (1)")).to_be_visible()

        # On stage now: the big screen follows without a reload.
        card.get_by_role("button", name="Put on stage now").click()
        expect(card).to_contain_text("On stage now")
        expect(screen.locator(".screen-pinned")).to_contain_text(QUESTION, timeout=LIVE)
        # The voter's list was swapped live too: still their vote, and the swapped-in form
        # carries their CSRF token, so taking the vote back works.
        expect(voter.locator("#qa-live .on-stage")).to_contain_text(QUESTION, timeout=LIVE)
        voter.get_by_role("button", name="Fjern min stemme (1)").click()
        expect(voter.get_by_role("button", name="Stem (0)")).to_be_visible()

        # Answered: it leaves the stage, on the screen too; the asker sees it marked answered.
        card.get_by_role("button", name="Mark as answered").click()
        expect(card).to_contain_text("Answered")
        expect(screen.locator(".screen-pinned")).to_have_count(0, timeout=LIVE)
        expect(asker.locator("#qa-live")).to_contain_text("Besvaret", timeout=LIVE)
        assert screen.evaluate("window.notReloaded") is True
        assert asker.evaluate("window.notReloaded") is True
    finally:
        for context in contexts:
            context.close()


def test_public_qa_pages_are_accessible_in_both_languages(live_server, page, session,
                                                         conference, assert_accessible):
    event, _item, qa_session = conference
    question = qa.ask(session, qa_session, qa.Asker(participant_key="c:someone",
                                                     name="Ole Skov", organisation="3F"),
                      "Hvad gør vi for de unge uden uddannelse?", utcnow())
    qa.approve(session, question, "m")
    qa.pin(session, question, "m")
    session.commit()
    base = f"{live_server}/q/{event.qa_code}"
    for language in ("da", "en"):
        page.goto(f"{live_server}/")
        if language == "en":
            page.get_by_role("button", name="English").click()
        for path in (f"{live_server}/q", base, f"{base}/{qa_session.id}",
                     f"{base}/{qa_session.id}?order=newest", f"{base}/{qa_session.id}/screen",
                     f"{live_server}/events/{event.id}"):
            response = page.goto(path)
            assert response.status == 200, path
            assert page.locator("h1").count() == 1, path
            assert_accessible(page)
