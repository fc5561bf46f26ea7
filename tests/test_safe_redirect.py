"""Redirect targets after login and the language switch: decided as the browser resolves them.

A corpus of open-redirect tricks must all land on our own home page, through the real login and
language views; Debian's Chromium (``new URL(target, base)``) is the oracle that the decision
matches the browser's, for the corpus and for generated strings.
"""

import random
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confapp.templating import is_safe_redirect
from tests.conftest import PASSWORD
from tests.test_login_throttle import with_cheap_password_hashes

BASE = "http://localhost/"
ORIGIN = "http://localhost"
OTHER_BASE = "http://elsewhere.invalid/"

LEAVES_THE_SITE = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "//evil.example/organiser/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "\\\\\\evil.example",
    "/\t/evil.example",
    "\t//evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\\t\\evil.example",
    " //evil.example",
    "\x00//evil.example",
    "\x1f//evil.example",
    "//evil.example\x00",
    "//evil%2Eexample",
    "http://evil.example",
    "https://evil.example",
    "HTTPS://evil.example/",
    "https:evil.example",
    "https:/evil.example",
    "https:\\\\evil.example",
    "http:\\\\evil.example",
    "http:/\\evil.example",
    "http:\\/evil.example",
    "http:////evil.example",
    "ht\ttp://evil.example",
    "//localhost@evil.example",
    "http://localhost@evil.example/",
    "//evil.example\\@localhost",
    "//localhost.evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "mailto:evil@evil.example",
    "https://localhost/organiser/",  # our host, but another scheme
    "http://localhost:8080/organiser/",  # our host, another port
]

# The browser stays on our site, at the path "//evil.example": refused all the same, because a
# redirect to that path would be written "//evil.example", which leaves the site.
LOCAL_BUT_UNWRITABLE = [
    "/.//evil.example",
    "/./\\evil.example",
    "/a/..//evil.example",
    "/x/../\\/evil.example",
]

STAYS_ON_THE_SITE = {
    "/organiser/": "/organiser/",
    "/organiser/events/3/registrations?status=confirmed&q=Jensen":
        "/organiser/events/3/registrations?status=confirmed&q=Jensen",
    "/organiser/#top": "/organiser/",
    " /organiser/\n": "/organiser/",
    "/orga\tniser/": "/organiser/",
    "/%2F%2Fevil.example": "/%2F%2Fevil.example",  # an encoded slash is a path character
    "%2F%2Fevil.example": "/%2F%2Fevil.example",
    "/%5Cevil.example": "/%5Cevil.example",
    "/organiser\\events": "/organiser/events",
    "http://localhost/organiser/": "/organiser/",
    "//localhost/organiser/": "/organiser/",
    "http:/organiser/": "/organiser/",
    "/søg?q=Århus kommune": "/s%C3%B8g?q=%C3%85rhus%20kommune",
    "/events?next=//evil.example": "/events?next=//evil.example",
    "?lang=en": "/?lang=en",
}


@pytest.fixture
def make_user(make_user, session):
    return with_cheap_password_hashes(make_user, session)


@pytest.mark.parametrize("target", LEAVES_THE_SITE + LOCAL_BUT_UNWRITABLE)
def test_targets_that_leave_the_site_are_refused(target):
    assert is_safe_redirect(target, BASE) is None


@pytest.mark.parametrize(("target", "expected"), STAYS_ON_THE_SITE.items())
def test_local_targets_become_normalised_paths(target, expected):
    assert is_safe_redirect(target, BASE) == expected


def test_empty_targets_are_refused():
    assert is_safe_redirect(None, BASE) is None
    assert is_safe_redirect("", BASE) is None
    assert is_safe_redirect(" \t\n\r", BASE) is None


def test_login_never_redirects_off_site(app, client, make_user):
    """The reported case and the whole corpus, through the real login view."""
    make_user()
    for target in LEAVES_THE_SITE + LOCAL_BUT_UNWRITABLE:
        client = app.test_client()  # a fresh browser, not yet logged in
        response = client.post(f"/auth/login?next={quote(target, safe='')}",
                               data={"email": "organiser@example.org", "password": PASSWORD})
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/organiser/", target
        assert "Du er logget ind" in client.get("/").text  # it really logged in


def test_login_follows_a_local_target_in_its_normalised_form(client, make_user):
    make_user()
    target = quote(" /organiser/events?kind=theme\t#list", safe="")
    response = client.post(f"/auth/login?next={target}",
                           data={"email": "organiser@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/organiser/events?kind=theme"


def test_language_switch_never_redirects_off_site(client):
    for target in LEAVES_THE_SITE + LOCAL_BUT_UNWRITABLE:
        response = client.post("/language", data={"lang": "en", "next": target})
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target
    response = client.post("/language", data={"lang": "da", "next": "/events/1?x=2"})
    assert response.headers["Location"] == "/events/1?x=2"
    # Local in the browser, but unsafe raw: Werkzeug would send "http:///evil.example".
    for target, expected in {"http:/evil.example": "/evil.example", "/orga\r\nniser/": "/organiser/",
                             "\x00/events/1\t": "/events/1"}.items():
        response = client.post("/language", data={"lang": "da", "next": target})
        assert response.headers["Location"] == expected, target


# --- Chromium as the oracle -------------------------------------------------------------------

def resolve_in_chromium(*batches: tuple[list[str], str]) -> list[list[tuple[str, str] | None]]:
    """``new URL(target, base)`` in Debian's Chromium, per batch of targets and base URL.

    Each result is (origin, path + query), or None where the browser finds no valid URL. Runs
    in a thread of its own: Playwright's sync API refuses a thread where the browser tests'
    Playwright is already running.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    def run():
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page()
            results = [page.evaluate(
                """([targets, base]) => targets.map(t => {
                       try { const u = new URL(t, base); return [u.origin, u.pathname + u.search]; }
                       catch (e) { return null; }
                   })""", [targets, base]) for targets, base in batches]
            browser.close()
        return [[tuple(r) if r else None for r in batch] for batch in results]

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result(timeout=120)


def disagreements_with_chromium(targets: list[str]) -> list[str]:
    """The targets on which our decision and the browser's differ, with the reason.

    Every accepted target must lead, as our normalised path, where the browser takes the raw
    target, on our site. A refused target must leave the site in the browser, except the kinds
    refused on purpose: a blank target (no target), a path that is ours but starts with "//",
    and our host spelled unusually ("//@localhost", "//LOCALHOST:").
    """
    ours = [is_safe_redirect(t, BASE) for t in targets]
    theirs, elsewhere, followed = resolve_in_chromium(
        (targets, BASE), (targets, OTHER_BASE), ([o for o in ours if o is not None], BASE))
    followed = iter(followed)
    disagreements = []
    for target, mine, browser, named in zip(targets, ours, theirs, elsewhere, strict=True):
        local = browser is not None and browser[0] == ORIGIN
        if mine is None:
            names_our_host = named is not None and named[0] == ORIGIN
            blank = not target.strip("".join(map(chr, range(0x21)))).strip("\t\n\r")
            if local and not browser[1].startswith("//") and not names_our_host and not blank:
                disagreements.append(f"{target!r}: refused, but the browser stays on the site")
            continue
        lands = next(followed)
        if not mine.startswith("/") or mine.startswith(("//", "/\\")):
            disagreements.append(f"{target!r}: {mine!r} is not a local path")
        elif not local:
            disagreements.append(f"{target!r}: accepted as {mine!r}, the browser goes to {browser}")
        elif lands is None or lands[0] != ORIGIN or unquote(lands[1]) != unquote(browser[1]):
            disagreements.append(f"{target!r}: {mine!r} leads to {lands}, not {browser}")
    return disagreements


def test_corpus_agrees_with_chromium():
    assert disagreements_with_chromium(
        LEAVES_THE_SITE + LOCAL_BUT_UNWRITABLE + list(STAYS_ON_THE_SITE)) == []
    # The corpus really is made of off-site targets, as the browser sees them.
    (resolved,) = resolve_in_chromium((LEAVES_THE_SITE, BASE))
    assert [t for t, r in zip(LEAVES_THE_SITE, resolved, strict=True)
            if r is not None and r[0] == ORIGIN] == []


TRICKY_PIECES = ["/", "\\", "//", "\t", "\n", "\r", " ", "\x00", "\x0b", "\x7f", "\u3000", ":",
                 "http:", "https:", "HTTP:", "javascript:", "ws:", "localhost", "LOCALHOST",
                 "evil.example", "@", ".", "..", "%2F", "%5C", "%2e", "%2E%2e", "?", "#", "%",
                 "ø", "／", "a", ":80", ":8080", "[::1]"]


def test_generated_targets_agree_with_chromium():
    """5,000 strings made of the pieces open redirects are made of, one browser round trip."""
    pick = random.Random(2027)
    targets = ["".join(pick.choices(TRICKY_PIECES, k=pick.randint(1, 9))) for _ in range(5000)]
    assert disagreements_with_chromium(targets)[:10] == []


@given(st.text(max_size=40))
def test_any_accepted_target_is_a_plain_local_path(target):
    result = is_safe_redirect(target, BASE)
    if result is not None:
        assert result.startswith("/") and not result.startswith(("//", "/\\"))
        assert result.isascii() and result.isprintable() and " " not in result
        assert urlsplit(result).netloc == ""
