"""Event and agenda rules (services) and the organiser pages that use them."""

from datetime import timedelta

import pytest

from confapp.models import AgendaItemKind, Event, EventKind
from confapp.services import events as event_service
from confapp.services.events import AgendaItemInput, EventInput, InvalidInput
from confapp.timezones import to_form_value
from tests.conftest import future


def _form(starts, ends, **extra):
    data = {
        "kind": "conference", "title": "Beskæftigelseskonferencen 2027", "description": "",
        "starts_at": starts, "ends_at": ends, "venue": "Aarhus", "address": "", "online_url": "",
        "capacity": "300", "registration_opens_at": "", "registration_closes_at": "",
        "contact_name": "", "contact_email": "",
    }
    data.update(extra)
    return data


def test_create_event_through_form_stores_copenhagen_time_as_utc(client, organiser, session):
    response = client.post("/organiser/events/new",
                           data=_form("2027-05-12T09:00", "2027-05-12T16:00"))
    assert response.status_code == 302
    event = session.scalars(event_service.select(Event)).one()
    assert event.starts_at.isoformat() == "2027-05-12T07:00:00+00:00"  # CEST is UTC+2
    assert not event.published


def test_winter_time_is_utc_plus_one(client, organiser, session):
    client.post("/organiser/events/new", data=_form("2027-01-20T10:00", "2027-01-20T14:00"))
    event = session.scalars(event_service.select(Event)).one()
    assert event.starts_at.hour == 9
    page = client.get(f"/organiser/events/{event.id}").text
    assert "10.00" in page or "10:00" in page


def test_bad_event_input_shows_errors_next_to_fields_and_keeps_input(client, organiser, session):
    long_title = "Konference " * 25
    response = client.post("/organiser/events/new", data=_form(
        "2027-05-12T16:00", "2027-05-12T09:00", capacity="-5", title=long_title))
    assert response.status_code == 200
    html = response.text
    assert "Højst 200 tegn." in html
    assert "Sluttidspunktet skal ligge efter starttidspunktet." in html
    assert "Kapaciteten kan ikke være negativ." in html
    assert long_title.strip() in html
    assert 'value="-5"' in html
    assert 'aria-invalid="true"' in html
    assert session.scalars(event_service.select(Event)).all() == []


def test_malformed_values_never_give_500(client, organiser):
    response = client.post("/organiser/events/new", data=_form("garbage", "", capacity="abc",
                                                               kind="nonsense"))
    assert response.status_code == 200
    assert "Ikke en gyldig dato og tid." in response.text
    assert "Ikke et gyldigt heltal." in response.text
    assert "Ikke et gyldigt valg." in response.text


def test_errors_in_english(client, organiser):
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.post("/organiser/events/new", data=_form("2027-05-12T16:00",
                                                               "2027-05-12T09:00"))
    assert "The end must be after the start." in response.text


def test_edit_event_shows_local_time(client, organiser, make_event):
    event = make_event()
    html = client.get(f"/organiser/events/{event.id}/edit").text
    assert to_form_value(event.starts_at).strftime("%Y-%m-%dT%H:%M") in html


def test_publish_and_unpublish(client, organiser, make_event):
    event = make_event(published=False)
    assert client.get(f"/events/{event.id}").status_code == 404
    client.post(f"/organiser/events/{event.id}/publish")
    assert client.get(f"/events/{event.id}").status_code == 200
    client.post(f"/organiser/events/{event.id}/publish")
    assert client.get(f"/events/{event.id}").status_code == 404


def test_agenda_item_must_lie_inside_the_event(session, make_event):
    event = make_event(hours=3)
    outside = AgendaItemInput(kind=AgendaItemKind.TALK, title="For sent",
                              starts_at=event.ends_at + timedelta(hours=1),
                              ends_at=event.ends_at + timedelta(hours=2))
    with pytest.raises(InvalidInput) as error:
        event_service.add_agenda_item(session, event, outside)
    assert set(error.value.errors) == {"starts_at", "ends_at"}


def test_agenda_add_edit_reorder_delete_through_pages(client, organiser, make_event, session):
    event = make_event()
    local = to_form_value(event.starts_at)
    for n, title in enumerate(["Velkomst", "Spørgsmål og debat", "Frokost"]):
        start = (local + timedelta(minutes=30 * n)).strftime("%Y-%m-%dT%H:%M")
        end = (local + timedelta(minutes=30 * n + 30)).strftime("%Y-%m-%dT%H:%M")
        response = client.post(f"/organiser/events/{event.id}/agenda/new", data={
            "kind": "qa" if n == 1 else "talk", "title": title, "starts_at": start,
            "ends_at": end, "room": "Store Sal", "speakers": "", "description": ""})
        assert response.status_code == 302
    session.rollback()  # end the read snapshot
    items = event.agenda_items
    assert [i.title for i in items] == ["Velkomst", "Spørgsmål og debat", "Frokost"]

    client.post(f"/organiser/events/{event.id}/agenda/{items[2].id}/move/up")
    session.rollback()  # end the read snapshot
    assert [i.title for i in event.agenda_items] == ["Velkomst", "Frokost", "Spørgsmål og debat"]

    client.post(f"/organiser/events/{event.id}/agenda/sort")
    session.rollback()  # end the read snapshot
    assert [i.title for i in event.agenda_items] == ["Velkomst", "Spørgsmål og debat", "Frokost"]

    item = event.agenda_items[0]
    response = client.post(f"/organiser/events/{event.id}/agenda/{item.id}/edit", data={
        "kind": "talk", "title": "Velkomst ved formanden",
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "room": "", "speakers": "", "description": ""})
    assert "Sluttidspunktet skal ligge efter starttidspunktet." in response.text
    assert 'value="Velkomst ved formanden"' in response.text

    client.post(f"/organiser/events/{event.id}/agenda/{item.id}/delete")
    session.rollback()  # end the read snapshot
    assert [i.title for i in event.agenda_items] == ["Spørgsmål og debat", "Frokost"]
    assert [i.position for i in event.agenda_items] == [1, 2]


def test_item_of_another_event_is_404(client, organiser, make_event, make_item):
    first, second = make_event(title="Første"), make_event(title="Anden")
    item = make_item(first)
    assert client.get(f"/organiser/events/{second.id}/agenda/{item.id}/edit").status_code == 404


def test_update_event_refuses_dates_that_strand_agenda_items(session, make_event, make_item):
    event = make_event(hours=6)
    make_item(event, offset_minutes=300)
    data = EventInput(kind=EventKind.THEME_MEETING, title=event.title, starts_at=event.starts_at,
                      ends_at=event.starts_at + timedelta(hours=2), capacity=10)
    with pytest.raises(InvalidInput):
        event_service.update_event(session, event, data)


def test_database_refuses_negative_capacity(session):
    from sqlalchemy.exc import IntegrityError

    starts = future()
    session.add(Event(kind=EventKind.LOCAL_MEETING, title="x", starts_at=starts,
                      ends_at=starts + timedelta(hours=1), capacity=-1))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
