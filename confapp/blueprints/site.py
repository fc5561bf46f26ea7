"""Where links in mails point: PUBLIC_BASE_URL if configured, else the request's own root."""

from flask import current_app, request

from confapp.extensions import db
from confapp.services.registration import Site, use_site


def current_site() -> Site:
    """The Site for this request, also bound to the session for mails queued deeper down."""
    base_url = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    site = Site(base_url=base_url.rstrip("/"), secret_key=current_app.secret_key)
    use_site(db.session, site)
    return site
