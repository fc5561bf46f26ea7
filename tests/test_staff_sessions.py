"""Staff sessions end when they should: logout, new password or roles, inactivity, deactivation.

A session cookie and a remember-me cookie hold "<user id>:<session token>"; a new token (logout,
users.set_password, users.set_roles) makes every copy of them worthless, on every device.
"""

import time

import pytest
from flask_login import encode_cookie

from confapp.auth import LAST_SEEN
from confapp.models import Role
from confapp.services import users
from tests.conftest import PASSWORD

EMAIL = "organiser@example.org"


def log_in(client, remember=False):
    data = {"email": EMAIL, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.text
    return response


@pytest.fixture
def new_browser(app, client):
    """Another browser; like ``client``, each of its requests runs in an app context of its own."""
    return app.test_client


def copy_of(new_browser, client, *names):
    """A new browser holding only copies of ``client``'s cookies ``names``."""
    other = new_browser()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        other.set_cookie(name, cookie.value)
    return other


def can_open_organiser_pages(client) -> bool:
    response = client.get("/organiser/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_copied_session_cookie_is_refused_after_logout(new_browser, client, make_user):
    make_user()
    log_in(client)
    thief = copy_of(new_browser, client, "session")
    assert can_open_organiser_pages(thief)
    client.post("/auth/logout")
    assert not can_open_organiser_pages(client)
    assert not can_open_organiser_pages(thief)


def test_logout_ends_the_sessions_on_other_devices_too(new_browser, make_user):
    make_user()
    laptop, phone = new_browser(), new_browser()
    log_in(laptop)
    log_in(phone, remember=True)
    laptop.post("/auth/logout")
    assert not can_open_organiser_pages(phone)
    assert not can_open_organiser_pages(copy_of(new_browser, phone, "remember_token"))


@pytest.mark.parametrize("change", [
    lambda session: users.set_password(session, EMAIL, "a-brand-new-password"),
    lambda session: users.set_roles(session, EMAIL, {Role.ORGANISER, Role.ADMINISTRATOR}),
], ids=["set_password", "set_roles"])
def test_password_or_role_change_ends_sessions_and_remember_me(new_browser, client, session,
                                                                make_user, change):
    make_user()
    log_in(client, remember=True)
    old_session = copy_of(new_browser, client, "session")
    old_remember = copy_of(new_browser, client, "remember_token")
    assert can_open_organiser_pages(old_session)
    assert can_open_organiser_pages(old_remember)  # the remember-me cookie alone logs in

    change(session)
    session.commit()

    assert not can_open_organiser_pages(client)
    assert not can_open_organiser_pages(old_session)
    assert not can_open_organiser_pages(old_remember)


def test_unchanged_roles_keep_the_session(client, session, make_user):
    make_user()
    log_in(client)
    users.set_roles(session, EMAIL, {Role.ORGANISER})
    session.commit()
    assert can_open_organiser_pages(client)


def test_users_cli_set_password_ends_sessions(app, client, make_user):
    make_user()
    log_in(client)
    result = app.test_cli_runner().invoke(args=["users", "set-password", EMAIL],
                                          input="another-long-password\n")
    assert result.exit_code == 0, result.output
    assert not can_open_organiser_pages(client)
    log_in_again = client.post("/auth/login", data={"email": EMAIL,
                                                    "password": "another-long-password"})
    assert log_in_again.headers["Location"] == "/organiser/"


def test_deactivated_account_loses_its_sessions(client, session, make_user):
    user = make_user()
    log_in(client, remember=True)
    user.active = False
    session.commit()
    assert not can_open_organiser_pages(client)


def test_cookies_holding_only_the_user_id_are_refused(new_browser, client, make_user):
    """Sessions and remember-me cookies from before session tokens name the bare id."""
    user = make_user()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user.id)
        flask_session["_fresh"] = True
    assert not can_open_organiser_pages(client)
    old_remember = new_browser()
    old_remember.set_cookie("remember_token", encode_cookie(str(user.id)))
    assert not can_open_organiser_pages(old_remember)


class TestIdleTimeout:
    @pytest.fixture
    def app_config(self):
        return {"STAFF_IDLE_MINUTES": 30}

    @pytest.fixture
    def logged_in(self, client, make_user):
        make_user()
        log_in(client)
        assert can_open_organiser_pages(client)  # the first request after login sets the clock

    def idle_for(self, client, minutes: float) -> None:
        with client.session_transaction() as flask_session:
            flask_session[LAST_SEEN] = int(time.time() - minutes * 60)

    def test_session_ends_after_the_idle_time(self, client, logged_in):
        self.idle_for(client, 31)
        response = client.get("/organiser/events?kind=theme")
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/login?next=/organiser/events?kind%3Dtheme"
        assert not can_open_organiser_pages(client)

    def test_activity_keeps_the_session(self, client, logged_in):
        self.idle_for(client, 29)
        assert can_open_organiser_pages(client)  # and counts as activity:
        with client.session_transaction() as flask_session:
            assert time.time() - flask_session[LAST_SEEN] < 5
        self.idle_for(client, 29)
        assert can_open_organiser_pages(client)

    def test_idle_expiry_also_drops_remember_me_and_says_why(self, client, make_user):
        make_user()
        client.post("/language", data={"lang": "en"})
        log_in(client, remember=True)
        assert can_open_organiser_pages(client)
        self.idle_for(client, 45)
        response = client.get("/organiser/", follow_redirects=True)
        assert "You were logged out after 30 minutes without activity." in response.text
        assert client.get_cookie("remember_token") is None
        assert not can_open_organiser_pages(client)

    def test_logging_in_again_starts_a_fresh_idle_clock(self, client, logged_in):
        self.idle_for(client, 31)
        assert not can_open_organiser_pages(client)
        log_in(client)
        assert can_open_organiser_pages(client)


def test_remember_me_cookie_is_httponly_and_lax(client, make_user):
    make_user()
    response = log_in(client, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http, as in development and these tests


class TestSecureCookies:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_COOKIE_SECURE": True}

    def test_remember_me_cookie_is_secure_like_the_session_cookie(self, app, client, make_user):
        make_user()
        response = client.post("/auth/login", base_url="https://localhost",
                               data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
        cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
        assert "Secure" in cookies["session"]
        assert "Secure" in cookies["remember_token"]
        assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_an_explicit_remember_cookie_setting_wins(database_url):
    from confapp import create_app
    from tests.conftest import base_config

    app = create_app({**base_config(database_url), "SESSION_COOKIE_SECURE": True,
                      "REMEMBER_COOKIE_SECURE": False})
    assert app.config["REMEMBER_COOKIE_SECURE"] is False


def test_a_visitors_session_is_not_rewritten_on_every_request(client, make_event):
    # Flask-Login's strong protection took a visitor's CSRF-only session for a stolen one: every
    # response re-signed the session and deleted a remember-me cookie the visitor never had.
    event = make_event()
    client.get(f"/events/{event.id}/register")  # the form: a CSRF token goes into the session
    for url in ("/", f"/events/{event.id}", f"/events/{event.id}/register"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == [], url
