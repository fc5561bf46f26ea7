"""One rule for control characters in user text, used by every form, search and export.

Control characters carry no meaning in a name, an organisation or a message, and they break
things downstream: PostgreSQL refuses NUL in text, openpyxl refuses most of them in a cell, and
mail headers break on CR and LF. So they are removed where text comes in (the base form's
filters, search parameters) and again where stored text goes out to a format that refuses them.
"""

import re

# C0 controls but tab and line feed, DEL, the C1 controls, and the two noncharacters XML
# refuses (an XLSX is XML: one U+FFFF in a name made the whole export unreadable).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
# In a one-line field a tab or line break can only come from a crafted post: it becomes a space.
_LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029\x85]+")


def clean_text(value: str | None) -> str | None:
    """Multi-line user text without control characters; CRLF and CR become LF."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(value: str | None) -> str | None:
    """One-line user text: no control characters; line breaks and tabs become one space."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", _LINE_BREAK.sub(" ", value))
