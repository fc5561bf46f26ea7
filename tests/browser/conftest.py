"""A real server on 127.0.0.1 and Debian's Chromium driven by Playwright, with axe-core.

Two checks run without a test asking for them:
- the Content-Security-Policy: a script or style the browser blocks fails the test;
- phone width: every HTML page the ``page`` fixture loads is rendered again at 360 px wide,
  and one that is wider than the viewport (so scrolls sideways) fails the test.
``assert_accessible(page)`` runs axe at the page's own size and again at 360 px, and checks the
width there too, on the page as the test left it (with what scripts changed).
"""

import threading

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from confapp.extensions import mail as mail_extension
from tests.conftest import start_sink

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
PHONE = {"width": 360, "height": 780}  # a small Android phone; iPhones are 375–430 px


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # the browser posts real forms with real tokens


@pytest.fixture
def sink(app):
    """A real SMTP sink on 127.0.0.1 that the app's mail goes to (deliver with the outbox)."""
    controller = start_sink()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_SUPPRESS_SEND=False)
    mail_extension.init_app(app)
    yield controller
    controller.stop()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def document_width(page) -> int:
    """How wide the document is; wider than the window means it scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


def too_wide(page) -> str | None:
    """None when the page fits its window, else what is wrong and what sticks out."""
    width, window = document_width(page), page.evaluate("window.innerWidth")
    if width <= window:
        return None
    # The innermost elements that reach past the window's right edge, outside any scrolling
    # region, to say where to look.
    culprits = page.evaluate("""() => {
      const past = e => e.getBoundingClientRect().right > innerWidth + 0.5;
      const scrolls = e => { for (let a = e.parentElement; a && a !== document.body;
                                  a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
      return [...document.querySelectorAll('body *')]
        .filter(e => past(e) && ![...e.children].some(past) && !scrolls(e)).slice(0, 3)
        .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' “' +
             (e.textContent || e.value || '').trim().slice(0, 40) + '”');
    }""")
    return f"{page.url} is {width} px wide in a {window} px window: {culprits}"


def tap_target_problems(page) -> list[str]:
    """Buttons and fields under 44 px high, and ones that overlap (a tap lands on both)."""
    return page.evaluate("""() => {
      const targets = [...document.querySelectorAll('button, .button, summary, select, textarea,'
        + ' input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]
        .filter(e => e.checkVisibility());
      const name = e => e.tagName.toLowerCase() + ' “' +
        (e.textContent || e.value || e.name || '').trim().slice(0, 30) + '”';
      const boxes = targets.map(e => e.getBoundingClientRect());
      const problems = targets.filter((e, i) => boxes[i].height < 43.5)
        .map((e, i) => `${name(e)} is ${Math.round(e.getBoundingClientRect().height)} px high`);
      targets.forEach((a, i) => targets.slice(i + 1).forEach((b, k) => {
        const p = boxes[i], q = boxes[i + 1 + k];
        if (!a.contains(b) && !b.contains(a) && p.left < q.right && q.left < p.right
            && p.top < q.bottom && q.top < p.bottom) problems.push(`${name(a)} overlaps ${name(b)}`);
      }));
      return problems;
    }""")


class PhoneWidthWatch:
    """Keeps every HTML page a Playwright page loads, to render it again at phone width.

    The copy is checked in a page of its own, so the test's page is never resized under it.
    """

    def __init__(self, page):
        self.documents: dict[tuple[str, str], bytes] = {}
        page.on("response", self._keep)

    def _keep(self, response):
        request = response.request
        if (not request.is_navigation_request() or request.frame.parent_frame is not None
                or 300 <= response.status < 400
                or not response.headers.get("content-type", "").startswith("text/html")):
            return
        try:
            self.documents[(request.method, response.url)] = response.body()
        except PlaywrightError:  # the page moved on before the body could be read
            pass

    def problems(self, browser) -> list[str]:
        if not self.documents:
            return []
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        phone = context.new_page()
        current = {}

        def serve(route):
            if route.request.is_navigation_request():
                route.fulfill(status=200, body=current["body"],
                              content_type="text/html; charset=utf-8")
            else:  # the stylesheet and images come from the server
                route.continue_()

        phone.route("**/*", serve)
        problems = []
        try:
            for (method, url), body in self.documents.items():
                current["body"] = body
                phone.goto(url)
                if problem := too_wide(phone):
                    problems.append(f"{method} {problem}")
        finally:
            context.close()
        return problems


def watch_page(page):
    """CSP violations and phone width for a page a test opened itself; call ``finish()`` at
    the end (the ``page`` fixture does this for its own page)."""
    csp_violations = []
    page.on("console", lambda message: csp_violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    widths = PhoneWidthWatch(page)

    def finish(browser):
        assert csp_violations == [], csp_violations
        problems = widths.problems(browser)
        assert problems == [], "pages that scroll sideways at 360 px:\n" + "\n".join(problems)

    return finish


@pytest.fixture
def page(browser, live_server):  # live_server: still serving the stylesheet at the width check
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Every page runs under the app's Content-Security-Policy: a blocked script or style is a bug.
    finish = watch_page(page)
    yield page
    context.close()
    finish(browser)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_problems(axe, page) -> list[str]:
    """Serious or critical WCAG 2.1 A/AA violations on the page as it is now."""
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical") and WCAG_TAGS & set(v.get("tags", []))
    ]


def at_phone_width(page, check):
    """Run ``check(page)`` with the window 360 px wide, then give the page its size back."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        return check(page)
    finally:
        if size:
            page.set_viewport_size(size)


@pytest.fixture
def assert_accessible(axe):
    """Fail on serious or critical WCAG 2.1 A/AA violations on the current page, at its size and
    at 360 px, and on a page wider than 360 px there."""

    def check(page):
        problems = axe_problems(axe, page)
        if page.viewport_size and page.viewport_size["width"] != PHONE["width"]:
            problems += at_phone_width(page, lambda p: [
                problem for problem in [too_wide(p)] if problem
            ] + [f"at 360 px: {problem}" for problem in axe_problems(axe, p)])
        else:
            problems += [problem for problem in [too_wide(page)] if problem]
        assert problems == [], f"{page.url}:\n" + "\n".join(problems)

    return check
