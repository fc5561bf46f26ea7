"""Shared by the staff and attendee views: where mail links point, and event-scoped lookups."""

from flask import abort, current_app, request

from confapp.extensions import db
from confapp.models import Registration
from confapp.services.registration import Site, use_site


def current_site() -> Site:
    """The Site for this request, also bound to the session for mails queued deeper down."""
    base_url = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    site = Site(base_url=base_url.rstrip("/"), secret_key=current_app.secret_key)
    use_site(db.session, site)
    return site


def registration_of_event(event_id: int, registration_id: int) -> Registration:
    """The registration, or 404 when it is unknown or belongs to another event than the URL's."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event_id:
        abort(404)
    return registration
