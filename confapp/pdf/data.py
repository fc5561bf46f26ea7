"""What the PDF renderers take: plain data, without reportlab.

Services build these and views pass them on; only the renderers (badges, participants,
programme, ticket) import reportlab, and they are imported where a PDF is made, so a worker
does not load reportlab at start.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class BadgeData:
    """One person's badge; every string is already translated/formatted by the caller."""

    first_name: str
    last_name: str
    organisation: str
    category_key: str
    category_label: str
    event_title: str
    event_date: str
    qr_payload: str


class Layout(str, Enum):
    """Page layouts: 8 badges per A4 portrait sheet, or one badge per A6 landscape page."""

    A4_8UP = "a4-8up"
    A6 = "a6"


@dataclass(frozen=True)
class ParticipantRow:
    """One participant; ``group`` is an optional heading (e.g. category or first letter)."""

    name: str
    organisation: str
    category_label: str
    group: str = ""


@dataclass(frozen=True)
class ListLabels:
    """Translated texts; ``page`` contains ``{page}`` and ``{pages}``."""

    title: str
    name: str
    organisation: str
    category: str
    signature: str
    page: str
    empty: str
    count: str = ""


@dataclass(frozen=True)
class ProgrammeItem:
    """One agenda slot; times and labels are preformatted by the caller."""

    starts: str
    ends: str
    title: str
    kind: str  # "talk" | "workshop" | "debate" | "qa" | "break" | "meal"
    kind_label: str
    room: str = ""
    speakers: str = ""
    description: str = ""
    day: str = ""


@dataclass(frozen=True)
class ProgrammeLabels:
    """Translated fixed texts; ``page`` contains ``{page}`` and ``{pages}``."""

    title: str
    page: str
    room: str
    speakers: str
    empty: str
    parallel: str


@dataclass(frozen=True)
class ProgrammeData:
    """The whole programme document."""

    event_title: str
    event_date: str
    venue: str
    description: str
    items: Sequence[ProgrammeItem]
    labels: ProgrammeLabels
