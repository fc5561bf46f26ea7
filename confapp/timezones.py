"""Conversions between the council's local time and stored UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")


def local_to_utc(naive_local: datetime) -> datetime:
    """A wall-clock time in Copenhagen (as typed into a form) → aware UTC."""
    return naive_local.replace(tzinfo=LOCAL_ZONE).astimezone(UTC)


def utc_to_local(moment: datetime) -> datetime:
    """An aware moment → aware Copenhagen time."""
    return moment.astimezone(LOCAL_ZONE)


def to_form_value(moment: datetime | None) -> datetime | None:
    """An aware moment → the naive Copenhagen wall-clock time a datetime-local field shows."""
    return utc_to_local(moment).replace(tzinfo=None) if moment else None
