"""Shared by the staff and attendee views: where mail links point, and event-scoped lookups."""

from flask import abort, current_app, url_for

from confapp.extensions import db
from confapp.models import Registration
from confapp.services.registration import Site, use_site


def current_site() -> Site:
    """The Site for this request, also bound to the session for mails queued deeper down."""
    # Only from configuration: the request's Host header is whatever the sender wrote.
    site = Site(base_url=current_app.config["PUBLIC_BASE_URL"], secret_key=current_app.secret_key)
    use_site(db.session, site)
    return site


def public_url(endpoint: str, **values) -> str:
    """An absolute link to one of our pages, on the configured public address."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def registration_of_event(event_id: int, registration_id: int) -> Registration:
    """The registration, or 404 when it is unknown or belongs to another event than the URL's."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event_id:
        abort(404)
    return registration
