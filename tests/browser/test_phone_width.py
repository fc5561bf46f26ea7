"""Phone-proof: at 360 px no page scrolls sideways, buttons and fields are at least 44 px high
and do not overlap, and axe finds nothing serious, for every page of every audience, in Danish
and in English.

With the demo loaded (long Danish titles, 240 registrants, a waiting list), each walk follows
the links from an audience's start pages, one page for each kind of address (``/organiser/
events/N/registrations/N`` …), so that pages added later are walked without being listed here.
Forms are also sent once empty or wrong, for their error states.
"""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from confapp.models import Event, Registration, RegistrationStatus
from confapp.services import demo, tokens
from confapp.services import registration as registrations
from tests.browser.conftest import PHONE, axe_problems, tap_target_problems, too_wide

pytestmark = pytest.mark.browser

LANGUAGES = ("da", "en")
NOT_PAGES = re.compile(r"^/static/|\.(pdf|csv|xlsx|ics|json|png|svg)$")
CONFERENCE = "Beskæftigelseskonferencen 2027"  # the longest word in a heading
WAITLISTED_EVENT = "Regionalt møde for jobcenterchefer"  # full, with a waiting list


def kind_of(url: str) -> str:
    """'/organiser/events/3/registrations/17?page=2' → '/organiser/events/N/registrations/N?page'."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", re.sub(r"^/r/[^/]+", "/r/T", parts.path))
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(keys) if keys else "")


class Walk:
    """Visits pages in one browser page at 360 px and collects what is wrong with them."""

    def __init__(self, page, base: str, axe):
        self.page, self.base, self.axe = page, base, axe
        self.kinds: set[str] = set()
        self.problems: list[str] = []
        page.set_viewport_size(PHONE)

    def check(self, what: str = "") -> None:
        """The page as it is now: no wider than the window, no serious axe violation."""
        self.page.wait_for_load_state()  # after a click that sends a form: the new page, styled
        label = f"{self.page.url}{what}"
        if problem := too_wide(self.page):
            self.problems.append(problem)
        self.problems += [f"{label}: {problem}" for problem in tap_target_problems(self.page)]
        self.problems += [f"{label}: {problem}" for problem in axe_problems(self.axe, self.page)]

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(self.base + path if path.startswith("/") else path)
        if response.status != status:
            self.problems.append(f"{path}: status {response.status}, expected {status}")
        self.kinds.add(kind_of(self.page.url))
        self.check()

    def crawl(self, *starts: str, limit: int = 80) -> None:
        """Every kind of page reachable by links from ``starts`` on this site."""
        queue = [self.base + start for start in starts]
        while queue and len(self.kinds) < limit:
            url = queue.pop(0)
            if kind_of(url) in self.kinds:
                continue
            response = self.page.goto(url)
            self.kinds.add(kind_of(url))
            if response.status >= 500:
                self.problems.append(f"{url}: status {response.status}")
                continue
            self.check()
            links = self.page.eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(a => a.href.split('#')[0])")
            queue += [link for link in links if link.startswith(self.base)
                      and not NOT_PAGES.search(urlsplit(link).path)
                      and kind_of(link) not in self.kinds]

    def use_language(self, language: str) -> None:
        self.page.goto(self.base + "/")
        if language == "en":
            self.page.locator(".language-switch button").click()
            self.page.wait_for_url(self.base + "/")

    def log_in(self, email: str) -> None:
        self.page.context.clear_cookies()  # whoever was logged in before
        self.page.goto(self.base + "/auth/login")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(demo.DEMO_PASSWORD)
        self.page.locator("main form [type=submit]").click()
        self.page.wait_for_load_state()

    def assert_fine(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def demo_data(app, session, site):
    demo.load_demo(session, site)
    session.commit()
    conference = session.scalar(select(Event).where(Event.title == CONFERENCE))
    full = session.scalar(select(Event).where(Event.title == WAITLISTED_EVENT))

    def first(event, status):
        return session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.status == status,
            Registration.workshop_choices.any() if status == RegistrationStatus.CONFIRMED
            else Registration.id.is_not(None)).order_by(Registration.id))

    confirmed = first(conference, RegistrationStatus.CONFIRMED)
    waitlisted = first(full, RegistrationStatus.WAITLISTED)
    return {
        "conference": conference.id,
        "confirmed_link": "/r/" + registrations.personal_token(site, confirmed),
        "waitlisted_link": "/r/" + registrations.personal_token(site, waitlisted),
        "ticket": tokens.ticket_payload(app.secret_key, conference.id, confirmed.id),
        "email": confirmed.email,
    }


@pytest.fixture
def walk(page, live_server, axe):
    return Walk(page, live_server, axe)


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_and_attendee_pages_fit_a_phone(walk, demo_data, language):
    walk.use_language(language)
    walk.crawl("/", f"/events/{demo_data['conference']}", demo_data["confirmed_link"],
               demo_data["waitlisted_link"])
    walk.visit("/no-such-page", status=404)
    walk.visit("/r/1.not-a-real-link", status=404)
    walk.visit(f"/events/{demo_data['conference']}/register")
    walk.page.locator("main form [type=submit]").last.click()  # empty: every field in error
    walk.check(" (registration form with errors)")
    walk.visit("/auth/login")
    walk.page.locator("#email").fill("nobody@example.dk")
    walk.page.locator("#password").fill("wrong password")
    walk.page.locator("main form [type=submit]").click()
    walk.check(" (login refused)")

    assert {"/", "/events/N", "/events/N/register", "/r/T", "/r/T/edit", "/r/T/cancel",
            "/auth/login", "/privacy", "/accessibility"} <= walk.kinds
    walk.assert_fine()


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_pages_fit_a_phone(walk, demo_data, language):
    event = demo_data["conference"]
    walk.log_in("admin@example.dk")  # administrator and organiser: every staff page
    walk.use_language(language)
    walk.crawl(f"/organiser/events/{event}", f"/organiser/events/{event}/registrations",
               "/organiser/", "/")
    # Reached by forms rather than links: the check-in desk's search and scan, the erase step.
    walk.visit(f"/checkin/{event}?q=an")
    walk.page.locator("#payload").fill(demo_data["ticket"])
    walk.page.keyboard.press("Enter")
    walk.page.locator("#result .result-actions button").wait_for()
    walk.check(" (scan result with undo)")
    walk.visit("/organiser/privacy")
    walk.page.locator("#email").fill(demo_data["email"])
    walk.page.locator("main form .button.danger").click()
    walk.check(" (erase: confirm)")

    assert {"/organiser/", "/organiser/events/N", "/organiser/events/N/registrations",
            "/organiser/events/N/registrations/N", "/organiser/events/N/print",
            "/organiser/events/N/outbox", "/organiser/privacy", "/checkin/N",
            "/checkin/N/walk-in"} <= walk.kinds, sorted(walk.kinds)
    walk.assert_fine()


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_roles_and_the_open_menu_fit_a_phone(walk, demo_data, language):
    walk.log_in("formand@example.dk")  # the chair: no staff pages of this kind
    walk.use_language(language)
    walk.visit("/")
    walk.visit("/organiser/", status=403)
    walk.log_in("organiser@example.dk")
    walk.use_language(language)
    walk.visit("/")
    walk.page.locator(".site-menu > summary").click()  # the menu, opened
    assert walk.page.get_by_role("button", name="Log ud" if language == "da" else "Log out").is_visible()
    walk.check(" (menu open)")
    walk.assert_fine()
