"""The check-in desk: tickets, name search, undo, walk-ins, and two desks at once."""

import threading

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from confapp.models import Registration, RegistrationHistory, RegistrationStatus, Role
from confapp.services import checkin, tokens
from confapp.services import registration as registrations
from confapp.services.checkin import Outcome


def _payload(app, reg):
    return tokens.ticket_payload(app.secret_key, reg.event_id, reg.id)


def test_scan_checks_in_once_then_says_already(app, client, organiser, session, make_event,
                                               make_registration):
    event = make_event()
    reg = make_registration(event, first_name="Søren", last_name="Østergaard")
    response = client.post(f"/checkin/{event.id}/scan", data={"payload": _payload(app, reg)})
    assert "Tjekket ind" in response.text and "Søren Østergaard" in response.text
    again = client.post(f"/checkin/{event.id}/scan", data={"payload": _payload(app, reg)})
    assert "Allerede tjekket ind" in again.text
    session.rollback()
    assert reg.checked_in_at is not None
    assert session.query(RegistrationHistory).filter_by(action="checked_in").count() == 1


@pytest.mark.parametrize("case", ["forged", "garbled", "other_event", "waitlisted", "cancelled"])
def test_scan_rejections(app, client, organiser, session, site, make_event, make_registration,
                         case):
    event = make_event(capacity=1)
    holder = make_registration(event)
    payload = _payload(app, holder)
    expected = {"forged": "Ugyldig billet", "garbled": "Ugyldig billet",
                "other_event": "Billet til et andet arrangement",
                "waitlisted": "På ventelisten", "cancelled": "Tilmelding afmeldt"}[case]
    if case == "forged":
        payload = payload[:-3] + ("abc" if not payload.endswith("abc") else "xyz")
    elif case == "garbled":
        payload = "https://example.org/?q=<script>"
    elif case == "other_event":
        other = make_event(title="Andet møde")
        payload = _payload(app, make_registration(other))
    elif case == "waitlisted":
        payload = _payload(app, make_registration(event))
    elif case == "cancelled":
        registrations.cancel(session, holder)
        session.commit()
    response = client.post(f"/checkin/{event.id}/scan", data={"payload": payload})
    assert response.status_code == 200
    assert expected in response.text
    assert "<script>" not in response.text
    session.rollback()
    assert session.query(Registration).filter(Registration.checked_in_at.isnot(None)).count() == 0


def test_json_scan_for_the_live_page(app, client, organiser, make_event, make_registration):
    event = make_event()
    reg = make_registration(event, workshop_ids=[])
    response = client.post(f"/checkin/{event.id}/scan", data={"payload": _payload(app, reg)},
                           headers={"Accept": "application/json"})
    data = response.get_json()
    assert data["outcome"] == "checked_in" and data["checked_in"] == 1 and data["confirmed"] == 1
    assert client.get(f"/checkin/{event.id}/counts.json").get_json() == {"checked_in": 1,
                                                                        "confirmed": 1}


def test_undo_next_to_the_scan_result_with_and_without_javascript(app, client, organiser,
                                                                  session, make_event,
                                                                  make_registration):
    event = make_event()
    reg = make_registration(event, first_name="Åse", last_name="Ærenlund")
    undo_url = f"/checkin/{event.id}/registrations/{reg.id}/undo"
    json = {"Accept": "application/json"}
    # Before a scan the desk has no result, so no undo button (only the script's template).
    desk = client.get(f"/checkin/{event.id}").text
    assert 'class="result-actions"></div>' in desk and f'action="{undo_url}"' not in desk

    scanned = client.post(f"/checkin/{event.id}/scan", data={"payload": _payload(app, reg)},
                          headers=json).get_json()
    assert scanned["undo_url"] == undo_url
    undone = client.post(undo_url, headers=json)
    assert undone.status_code == 200
    assert undone.get_json() == {"outcome": "undone", "checked_in": 0, "confirmed": 1,
                                 "headline": "Indtjekningen af Åse Ærenlund blev fortrudt."}
    again = client.post(undo_url, headers=json)
    assert again.status_code == 409 and again.get_json()["outcome"] == "not_checked_in"
    session.rollback()
    assert reg.checked_in_at is None

    # Without JavaScript: the page shows the same button; its form posts and comes back.
    page = client.post(f"/checkin/{event.id}/scan", data={"payload": _payload(app, reg)}).text
    assert f'action="{undo_url}"' in page.split('id="undo-template"')[0]
    response = client.post(undo_url)
    assert response.status_code == 302
    assert "Indtjekningen af Åse Ærenlund blev fortrudt." in client.get(response.location).text
    rejected = client.post(f"/checkin/{event.id}/scan", data={"payload": "x" * 20}, headers=json)
    assert "undo_url" not in rejected.get_json()


def test_search_by_name_check_in_and_undo(client, organiser, session, make_event,
                                          make_registration):
    event = make_event()
    reg = make_registration(event, first_name="Åse", last_name="Ærenlund",
                            organisation="UU Djursland")
    make_registration(event, first_name="Peter", last_name="Hansen")
    page = client.get(f"/checkin/{event.id}?q=ærenl").text
    assert "Åse Ærenlund" in page and "Peter Hansen" not in page
    assert "Åse Ærenlund" in client.get(f"/checkin/{event.id}?q=åse djursland").text
    client.post(f"/checkin/{event.id}/registrations/{reg.id}/check-in")
    session.rollback()
    assert reg.checked_in_at is not None
    client.post(f"/checkin/{event.id}/registrations/{reg.id}/undo")
    session.rollback()
    assert reg.checked_in_at is None


def test_walk_in_takes_a_seat_and_is_checked_in(client, organiser, session, make_event):
    event = make_event(capacity=1)
    data = {"first_name": "Ib", "last_name": "Lund", "email": "ib@example.org",
            "organisation": "FOA", "category": "union", "job_title": "Tillidsrepræsentant"}
    response = client.post(f"/checkin/{event.id}/walk-in", data=data)
    assert "Tjekket ind" in response.text
    session.rollback()
    reg = session.query(Registration).one()
    assert reg.source == "walk_in" and reg.checked_in_at is not None
    full = client.post(f"/checkin/{event.id}/walk-in", data={**data, "email": "b@example.org"})
    assert "ingen ledige pladser" in full.text.lower()
    session.rollback()
    assert session.query(Registration).count() == 1


def test_desk_needs_organiser_role(client, make_user, login, make_event):
    event = make_event()
    assert client.get(f"/checkin/{event.id}").status_code == 302
    make_user(email="chair@example.org", roles=(Role.CHAIR,))
    login(email="chair@example.org")
    assert client.get(f"/checkin/{event.id}").status_code == 403
    assert client.post(f"/checkin/{event.id}/scan", data={"payload": "x"}).status_code == 403


def test_two_desks_at_the_same_moment_record_one_check_in(app, database_url, session,
                                                          make_event, make_registration):
    event = make_event()
    reg = make_registration(event)
    payload, event_id, event_class = _payload(app, reg), event.id, type(event)
    session.rollback()
    outcomes = []
    barrier = threading.Barrier(4)

    engine = create_engine(database_url)

    errors = []

    def desk():
        try:
            run_desk()
        except Exception as error:  # noqa: BLE001 — surfaced by the assertion below
            errors.append(error)

    def run_desk():
        # Each desk is its own connection and transaction, as two app servers would be.
        with app.app_context(), Session(engine) as desk_session:
            barrier.wait()
            event_row = desk_session.get(event_class, event_id)
            result = checkin.check_in_by_ticket(desk_session, event_row, payload, app.secret_key,
                                                actor="desk")
            desk_session.commit()
            outcomes.append(result.outcome)

    threads = [threading.Thread(target=desk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    engine.dispose()
    assert errors == []
    assert sorted(outcomes) == [Outcome.ALREADY] * 3 + [Outcome.CHECKED_IN]
    session.rollback()
    assert session.query(RegistrationHistory).filter_by(action="checked_in").count() == 1
    assert reg.status == RegistrationStatus.CONFIRMED
