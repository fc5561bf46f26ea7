"""Hypothesis strategies for fuzzing confapp's forms (tests/test_fuzz.py).

Each kind of field gets the values a careless client, a broken scanner or a hostile person may
send: any Unicode text (no lone surrogates: those cannot travel in UTF-8), control characters
and NUL, empty and 100 000-character values, values one past a length limit in wide
characters, numbers beyond 32 and 64 bits, dates from year 1 to 9999 and garbage, and select,
radio and hidden values that the page never offered.
"""

from datetime import datetime, timedelta

from hypothesis import strategies as st

HUGE = 100_000

# Text that has broken web apps before; each is tried as it is.
NASTY_TEXT = (
    "", " ", "\t", "\r\n", "\n\n\n", "\x00", "a\x00b", "\x00" * 40, "\x1b[31m", "\x7f", "\x85",
    "\u00a0", "\u2028", "\u2029", "\ufeff", "\u200b", "\u202eevil", "\ufffd", "\uffff",
    "𝕳𝖊𝖑𝖑𝖔", "👩‍👩‍👧‍👦", "🇩🇰", "Ærø Østergaard Ågesen", "ÆØÅ æøå", "İstanbul", "ǅ", "ß" * 60,
    "e\u0301" * 30, "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% raw %}",
    "%s%s%s", "%(max)d", "%(name)s", "{0}", "' OR 1=1 --", "'; DROP TABLE registrations; --",
    "\\", "%", "_", "%_\\", "=cmd|' /C calc'!A0", "@SUM(1)", "null", "None", "undefined",
    "../../etc/passwd", "/\\evil.example", "javascript:alert(1)", "0", "-1", "1e309",
)

# Characters that are not text: C0/C1 controls, format characters, line and paragraph separators.
CONTROL_CHARACTERS = st.characters(categories=["Cc", "Cf", "Zl", "Zp"])


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def huge_text(max_length: int = HUGE) -> st.SearchStrategy[str]:
    """A long value built cheaply: a short unit repeated up to ``max_length`` characters."""
    return st.builds(_repeat, st.text(min_size=1, max_size=4), st.integers(1, max_length))


def around_limit(limit: int) -> st.SearchStrategy[str]:
    """Exactly at, and one past, a length limit, in ASCII, wide and astral characters."""
    return st.builds(_repeat, st.sampled_from(["a", "ø", "€", "𝕏", "İ", "ß", " "]),
                     st.sampled_from([limit - 1, limit, limit + 1]).filter(lambda n: n > 0))


def any_text(limit: int | None = None) -> st.SearchStrategy[str]:
    """Arbitrary text for a text field whose limit (if any) is ``limit``."""
    options = [
        st.text(),
        st.text(alphabet=CONTROL_CHARACTERS, max_size=20),
        st.text(alphabet=st.one_of(st.characters(codec="utf-8"), CONTROL_CHARACTERS,
                                   st.just("\x00"))),
        st.sampled_from(NASTY_TEXT),
        huge_text(),
    ]
    if limit:
        options.append(around_limit(limit))
    return st.one_of(options)


def plain_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Ordinary, acceptable text for a field that is not being attacked in this example."""
    return st.text(st.characters(categories=["L", "N", "Zs"], exclude_characters="\x00"),
                   min_size=1, max_size=max_size).filter(lambda s: s.strip())


INTEGER_EDGES = (0, 1, -1, 2**15, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32, 2**53 + 1,
                 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30, 10**400)


def integer_text() -> st.SearchStrategy[str]:
    """What an integer field may receive: numbers of any size and things that only look like one."""
    return st.one_of(
        st.integers().map(str),
        st.sampled_from(INTEGER_EDGES).map(str),
        st.sampled_from(["", " ", "1.5", "1e3", "0x10", "+5", " 7 ", "1_000", "٣", "５", "Ⅻ",
                         "NaN", "inf", "-0", "00000000000000000000001", "9" * 5000, "\x00",
                         "1\x00"]),
        any_text(),
    )


def id_text(known: list[int] | tuple[int, ...] = ()) -> st.SearchStrategy[str]:
    """A hidden or select value that should hold an id: known ids, others, and garbage."""
    options = [integer_text()]
    if known:
        options.insert(0, st.sampled_from([str(i) for i in known]))
    return st.one_of(options)


def _format(moment: datetime) -> str:
    # Not strftime: it pads years below 1000 differently per platform; the form wants four digits.
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
            f"T{moment.hour:02d}:{moment.minute:02d}")


def datetime_text(near: datetime | None = None) -> st.SearchStrategy[str]:
    """A datetime-local value: any moment from year 1 to 9999, near ``near``, or garbage."""
    options = [
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))
        .map(_format),
        st.sampled_from([
            "0001-01-01T00:00", "0001-01-01T00:59", "9999-12-31T23:59", "0000-01-01T00:00",
            "2027-02-30T10:00", "2027-13-01T10:00", "2027-01-01T24:00", "2027-03-28T02:30",
            "2027-10-31T02:30", "2027-05-12 09:00", "2027-05-12T09:00:00", "2027-05-12",
            "12-05-2027 09:00", "10000-01-01T00:00", "-001-01-01T00:00", "", " ", "now",
            "2027-05-12T09:00\x00", "２０２７-05-12T09:00"]),
        any_text(),
    ]
    if near is not None:
        options.insert(0, st.integers(-3 * 24 * 60, 3 * 24 * 60).map(
            lambda minutes: _format(near + timedelta(minutes=minutes))))
    return st.one_of(options)


def choice_text(offered: list[str] | tuple[str, ...]) -> st.SearchStrategy[str]:
    """A select or radio value: one the page offered, or one it never did."""
    return st.one_of(st.sampled_from(list(offered)), any_text(),
                     st.sampled_from([v.upper() for v in offered if v] or ["X"]),
                     st.sampled_from([f" {v}" for v in offered] or [" "]))


def checkbox_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["y", "on", "1", "true", "false", "0", "", "off", "n"]),
                     any_text())


def email_text() -> st.SearchStrategy[str]:
    """Addresses that should work, addresses that should be refused, and anything at all."""
    local = st.text(st.characters(categories=["Ll", "Nd"], max_codepoint=0x7A), min_size=1,
                    max_size=20)
    return st.one_of(
        st.builds("{}@example.org".format, local),
        st.builds("{}@EXAMPLE.dk ".format, local),
        st.emails(),
        st.sampled_from(["søren@example.dk", "a@blåvand.dk", "a@b", "@example.dk", "a@",
                         "a@@example.dk", "a@example..dk", "a b@example.dk", "a@example.dk\x00",
                         "a@example.dk\r\nBcc: victim@example.org", "A@EXAMPLE.ORG",
                         "x" * 250 + "@example.dk", "İ" * 120 + "@example.dk",
                         "anonymised-1@anonymised.invalid"]),
        any_text(254),
    )


def url_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["https://example.dk/meeting", "http://x", "javascript:alert(1)",
                         "https://", "ftp://example.dk", "https://exa mple.dk",
                         "https://blåvand.dk/møde", "https://example.dk/" + "a" * 600]),
        any_text(500))


@st.composite
def form_posts(draw, valid: dict[str, st.SearchStrategy], attacks: dict[str, st.SearchStrategy],
               extra_fields: tuple[str, ...] = ()):
    """A form post: acceptable values, some replaced by attacks, some left out or doubled.

    About a third of the posts leave every field acceptable, so that the accepting path (and
    what it stores) is fuzzed as well as the refusing one.
    """
    data = {name: draw(strategy) for name, strategy in valid.items()}
    names = sorted(set(valid) | set(attacks))

    def attack(name):
        return draw(attacks[name] if name in attacks else any_text())

    if draw(st.integers(0, 2)):
        for name in draw(st.sets(st.sampled_from(names), min_size=1, max_size=4)):
            data[name] = attack(name)
        for name in draw(st.sets(st.sampled_from(names), max_size=2)):
            data.pop(name, None)
        for name in draw(st.sets(st.sampled_from(names), max_size=1)):
            if name in data:  # the same field twice, as a crafted post can send it
                data[name] = [data[name], attack(name)]
        if extra_fields and draw(st.booleans()):
            data[draw(st.sampled_from(extra_fields))] = draw(any_text())
    return data


LANGUAGES = st.sampled_from(["da", "en", None])  # None: never chose, so Danish
