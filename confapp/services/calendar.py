"""Calendar files (.ics) for events, written by the icalendar library."""

from datetime import UTC, datetime

from confapp.models import Event


def event_ics(event: Event, url: str = "", uid_domain: str = "confapp.local") -> bytes:
    """One VEVENT for the event, in UTC so every calendar shows the right local time."""
    from icalendar import Calendar  # here, not at import: only downloads and the worker need it
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Det Regionale Beskaeftigelsesraad//confapp//DA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}@{uid_domain}")
    entry.add("dtstamp", datetime.now(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    location = ", ".join(part for part in (event.venue, event.address) if part)
    if location:
        entry.add("location", location)
    description = event.description
    if url:
        entry.add("url", url)
        description = f"{description}\n\n{url}".strip()
    if description:
        entry.add("description", description)
    calendar.add_component(entry)
    return calendar.to_ical()
