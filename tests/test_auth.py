"""Login, logout, roles, rate limiting, CSRF and the users CLI."""

import re

import pytest

from confapp.extensions import db
from confapp.models import Role
from confapp.services import users
from tests.conftest import PASSWORD


def test_login_and_logout(client, make_user, login):
    make_user()
    response = login(follow=True)
    assert "Du er logget ind" in response.text
    assert client.get("/organiser/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/organiser/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user, login):
    make_user()
    wrong = login(password="not-the-password").text
    unknown = login(email="nobody@example.org").text
    assert "Forkert e-mail eller adgangskode." in wrong
    assert "Forkert e-mail eller adgangskode." in unknown
    # The pages may differ only in the typed address and the (time-stamped) CSRF tokens.
    def normalise(html):
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"|value="[^"]*\.[^"]*\.[^"]*"',
                      "TOKEN", html).replace("nobody@example.org", "organiser@example.org")

    assert normalise(unknown) == normalise(wrong)


def test_login_keeps_typed_email(client, login):
    response = login(email="someone@example.org", password="x")
    assert 'value="someone@example.org"' in response.text


def test_no_login_redirects_to_login_page(client):
    response = client.get("/organiser/events/new")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.CHAIR, Role.VICE_CHAIR])
def test_wrong_role_gets_403(client, make_user, login, role):
    make_user(email="chair@example.org", roles=(role,))
    login(email="chair@example.org")
    response = client.get("/organiser/")
    assert response.status_code == 403
    assert "Adgang nægtet" in response.text


def test_next_must_be_a_local_path(client, make_user):
    make_user()
    response = client.post("/auth/login?next=https://evil.example.com/",
                           data={"email": "organiser@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/organiser/"
    response = client.post("/auth/login?next=//evil.example.com/",
                           data={"email": "organiser@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/organiser/"


def test_login_is_rate_limited(client, make_user, login):
    make_user()
    codes = [login(password="wrong").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    assert "For mange forespørgsler" in login(password="wrong").text


def test_passwords_are_hashed(session, make_user):
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_users_cli(app, runner_env=None):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "chef@example.org", "--role", "organiser",
                                 "--role", "chair", "--name", "Chef"], input="long-enough-pw\n")
    assert result.exit_code == 0, result.output
    assert "chair, organiser" in result.output
    result = runner.invoke(args=["users", "list"])
    assert "chef@example.org" in result.output
    result = runner.invoke(args=["users", "set-roles", "chef@example.org", "--role", "vice_chair"])
    assert result.exit_code == 0
    db.session.rollback()  # end the read snapshot
    assert users.find_user(db.session, "chef@example.org").roles == {Role.VICE_CHAIR}
    result = runner.invoke(args=["users", "set-password", "chef@example.org"],
                           input="another-long-pw\n")
    assert result.exit_code == 0
    assert users.authenticate(db.session, "chef@example.org", "another-long-pw")
    result = runner.invoke(args=["users", "create", "chef@example.org", "--role", "chair"],
                           input="long-enough-pw\n")
    assert result.exit_code != 0 and "UserExists" in result.output
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "chair"],
                           input="short\n")
    assert result.exit_code != 0 and "WeakPassword" in result.output


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_missing_csrf_token_gives_400_page(self, client):
        response = client.post("/auth/login", data={"email": "a@example.org", "password": "x"})
        assert response.status_code == 400
        assert "Ugyldig forespørgsel" in response.text

    def test_wrong_csrf_token_gives_400_page(self, client):
        response = client.post("/language", data={"lang": "en", "csrf_token": "forged"})
        assert response.status_code == 400
