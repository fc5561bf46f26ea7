"""Error pages in the visitor's language, for HTML and for the rare JSON caller."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from confapp.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. If you sent a form, "
                               "go back, reload the page and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been removed.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too much data"), _l("What you sent is larger than this site accepts. Shorten the "
                                 "text, go back and try again.")),
    429: (_l("Too many requests"), _l("You have made too many attempts. Please wait a minute "
                                     "and try again.")),
    503: (_l("Temporarily unavailable"), _l("This cannot be done right now. Please try again in "
                                            "a few minutes.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened on our side. "
                                        "Please try again later.")),
}


def render_error(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code) or MESSAGES[400 if code < 500 else 500]
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, str(_l("The form had expired or was sent from another page. "
                                         "Go back, reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, SecurityError):
            # A Host outside TRUSTED_HOSTS: no URLs can be built for it, so no page either.
            return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_error(500)
