"""The administration area: accounts and roles, set-password links, site settings, audit log.

Services are called directly for the rules; pages through the test client. The last-administrator
rule is also tested with two threads removing each other at the same moment (both databases).
"""

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from confapp import create_app
from confapp.extensions import db
from confapp.models import AuditAction, AuditEntry, OutboxMail, PasswordLink, Role, User
from confapp.models.base import utcnow
from confapp.services import delivery, users
from confapp.services import settings as site_settings
from confapp.services.audit import CLI, Actor
from tests.conftest import PASSWORD, base_config

ADMIN = "admin@example.org"
LINK = re.compile(r"http://127\.0\.0\.1:5000/auth/set-password/([A-Za-z0-9_-]+)")
TIMEOUT = 60


@pytest.fixture
def admin(make_user, login):
    user = make_user(ADMIN, roles=(Role.ADMINISTRATOR,), name="Ada Admin")
    assert login(ADMIN).status_code == 302
    return user


def audit_entries(session) -> list[AuditEntry]:
    session.rollback()  # see what requests committed
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def mailed_link(session, email: str) -> str:
    session.rollback()
    mail = session.scalars(select(OutboxMail).where(OutboxMail.to_address == email)
                           .order_by(OutboxMail.id.desc())).first()
    assert mail is not None, f"no mail to {email}"
    return LINK.search(mail.body_text).group(1)


def set_password_through(client, token: str, password: str = "a-brand-new-password", **extra):
    return client.post(f"/auth/set-password/{token}",
                       data={"password": password, "confirm": password, **extra})


# --- Site settings ------------------------------------------------------------------------------


def test_settings_default_to_the_configuration_and_saved_values_win(app, session, make_user):
    defaults = site_settings.defaults(app.config)
    assert site_settings.current(session, app.config) == defaults
    assert defaults.council_name == app.config["COUNCIL_NAME"]
    assert defaults.mail_sender == tuple(app.config["MAIL_DEFAULT_SENDER"])
    assert defaults.retention_days == app.config["RETENTION_DAYS"]

    actor = Actor.of(make_user(ADMIN, roles=(Role.ADMINISTRATOR,), name="Ada Admin"))
    changed = site_settings.update(session, app.config, actor, {
        "council_name": "  Beskæftigelsesrådet Nord ", "retention_days": 365,
        "privacy_contact": defaults.privacy_contact})
    session.commit()
    assert changed == ["council_name", "retention_days"]
    site_settings.forget(session)
    now = site_settings.current(session, app.config)
    assert now.council_name == "Beskæftigelsesrådet Nord" and now.retention_days == 365
    assert now.mail_sender == defaults.mail_sender  # not saved: still the default

    entries = audit_entries(session)
    assert [(e.action, e.subject, e.old_value, e.new_value, e.actor) for e in entries[-2:]] == [
        (AuditAction.SETTING_CHANGED, "council_name", defaults.council_name,
         "Beskæftigelsesrådet Nord", "Ada Admin <admin@example.org>"),
        (AuditAction.SETTING_CHANGED, "retention_days", "180", "365",
         "Ada Admin <admin@example.org>")]

    # Saving the same values again changes nothing and records nothing.
    count = len(entries)
    assert site_settings.update(session, app.config, actor, {"retention_days": 365}) == []
    session.commit()
    assert len(audit_entries(session)) == count


@pytest.mark.parametrize(("values", "field"), [
    ({"council_name": "   "}, "council_name"),
    ({"needs_retention_days": 200, "retention_days": 100}, "needs_retention_days"),
    ({"retention_days": 0}, "retention_days"),
    ({"retention_days": 10**6}, "retention_days"),
    ({"mail_sender_address": "x" * 300}, "mail_sender_address"),
])
def test_settings_rules_save_nothing(app, session, values, field):
    with pytest.raises(site_settings.InvalidSettings) as refused:
        site_settings.update(session, app.config, CLI, values)
    assert field in refused.value.errors
    session.rollback()
    assert site_settings.current(session, app.config) == site_settings.defaults(app.config)
    assert audit_entries(session) == []


def test_saved_settings_are_used_by_pages_mails_and_the_purge(app, client, session, site,
                                                               make_event, make_registration):
    site_settings.update(session, app.config, CLI, {
        "council_name": "Rådet for Test", "mail_sender_name": "Mødeteamet",
        "mail_sender_address": "moeder@example.dk", "privacy_contact": "DPO Ida, dpo@example.dk",
        "needs_retention_days": 3, "retention_days": 90})
    session.commit()
    event_ = make_event()
    page = client.get("/").text
    assert page.count("Rådet for Test") >= 3  # title, header and footer
    assert "DPO Ida, dpo@example.dk" in client.get("/privacy").text
    assert "Slettes 3 dage efter arrangementet" in client.get(f"/events/{event_.id}/register").text

    registration = make_registration(event_)
    mail = session.scalars(select(OutboxMail).where(
        OutboxMail.registration_id == registration.id)).one()
    assert "Rådet for Test" in mail.body_text
    message = delivery.build_message(session, mail)
    assert message.sender == "Mødeteamet <moeder@example.dk>"

    # The purge runs with the saved periods: notes go 3 days after the event.
    event_.starts_at = utcnow() - timedelta(days=6)
    event_.ends_at = utcnow() - timedelta(days=5)
    session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "anonymised 0" in result.output and "needs from 1" in result.output


def test_settings_are_read_once_per_request(app, client, session, make_event):
    event_ = make_event()
    statements = []

    def count(conn, cursor, statement, *args):
        if "site_settings" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/")
        assert len(statements) == 1
        statements.clear()
        # The registration renders two mails and follows the redirect to a page: two requests.
        client.post(f"/events/{event_.id}/register", data={
            "first_name": "Anne", "last_name": "Holm", "email": "anne@example.org",
            "organisation": "Jobcenter Aarhus", "category": "jobcentre",
            "job_title": "Konsulent"}, follow_redirects=True)
        assert len(statements) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- Accounts and set-password links -----------------------------------------------------------


def test_an_account_made_without_a_password_cannot_log_in(session, login):
    user = users.create_user(session, "ny@example.org", None, {Role.ORGANISER}, "Ny Person")
    session.commit()
    assert not user.has_password
    assert users.authenticate(session, "ny@example.org", "!") is None
    assert login("ny@example.org", "!").status_code == 200  # the form again, with its error


def test_password_link_is_mailed_with_a_long_token_stored_only_as_a_hash(app, session):
    user = users.create_user(session, "ny@example.org", None, {Role.CHAIR}, "Ny Person",
                             locale="en")
    before = utcnow()
    link = users.send_password_link(session, user, base_url="http://127.0.0.1:5000",
                                    council_name="Rådet", hours=48, actor=CLI)
    session.commit()
    token = mailed_link(session, "ny@example.org")
    assert len(token) >= 43  # 32 random bytes: 256 bits
    rows = session.scalars(select(PasswordLink)).all()
    assert [r.id for r in rows] == [link.id]
    assert token not in repr([(r.token_hash, r.user_id) for r in rows])
    assert timedelta(hours=47, minutes=59) < rows[0].expires_at - before <= timedelta(hours=48,
                                                                                      minutes=1)
    mail = session.scalars(select(OutboxMail)).one()
    assert mail.subject == "Choose your password for Rådet"  # the account's language
    assert mail.kind == "password_link" and "(Danish time)" in mail.body_text
    assert users.password_link_user(session, token) == user
    assert users.password_link_user(session, token, now=utcnow() + timedelta(hours=49)) is None
    assert users.password_link_user(session, token[:-1]) is None

    # A second link ends the first.
    users.send_password_link(session, user, base_url="http://127.0.0.1:5000", council_name="R")
    session.commit()
    assert users.password_link_user(session, token) is None
    assert users.password_link_user(session, mailed_link(session, "ny@example.org")) == user


def test_set_password_page_sets_it_once_and_ends_other_sessions(app, client, session, make_user,
                                                                login):
    user = make_user("mette@example.org", roles=(Role.ORGANISER,), name="Mette")
    other_device = app.test_client()
    assert other_device.post("/auth/login", data={"email": "mette@example.org",
                                                  "password": PASSWORD}).status_code == 302
    users.send_password_link(session, user, base_url="http://127.0.0.1:5000", council_name="R")
    session.commit()
    token = mailed_link(session, "mette@example.org")

    page = client.get(f"/auth/set-password/{token}")
    assert page.status_code == 200 and "mette@example.org" in page.text
    assert 'autocomplete="new-password"' in page.text
    short = set_password_through(client, token, "kort")
    assert 'id="password-error"' in short.text and "mindst 10 tegn" in short.text
    differ = set_password_through(client, token, confirm="something-else-entirely")
    assert 'id="confirm-error"' in differ.text
    done = set_password_through(client, token)
    assert done.status_code == 302 and done.headers["Location"] == "/auth/login"

    assert other_device.get("/organiser/").status_code == 302  # its session has ended
    assert login("mette@example.org", PASSWORD).status_code == 200  # old password: refused
    assert login("mette@example.org", "a-brand-new-password").status_code == 302
    assert client.get(f"/auth/set-password/{token}").status_code == 404  # used once
    assert set_password_through(client, token, "yet-another-password").status_code == 404
    assert [e.action for e in audit_entries(session)][-2:] == [
        AuditAction.PASSWORD_LINK_SENT, AuditAction.PASSWORD_SET]
    assert audit_entries(session)[-1].actor == "Mette <mette@example.org>"


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "ø" * 50, "a" * 5000])
def test_unknown_set_password_links_are_404(client, token):
    response = client.get(f"/auth/set-password/{token}")
    assert response.status_code == 404
    if token:
        assert "ikke gyldigt" in response.text


def test_expired_link_is_refused(client, session, make_user):
    user = make_user("mette@example.org", name="Mette")
    users.send_password_link(session, user, base_url="http://127.0.0.1:5000", council_name="R")
    session.commit()
    token = mailed_link(session, "mette@example.org")
    session.execute(PasswordLink.__table__.update().values(
        expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert client.get(f"/auth/set-password/{token}").status_code == 404
    assert set_password_through(client, token).status_code == 404


def test_deactivation_ends_sessions_links_and_logins(client, session, make_user, login):
    user = make_user("mette@example.org", name="Mette")
    assert login("mette@example.org").status_code == 302
    users.send_password_link(session, user, base_url="http://127.0.0.1:5000", council_name="R")
    session.commit()
    token = mailed_link(session, "mette@example.org")

    users.deactivate(session, user, actor=CLI)
    session.commit()
    assert client.get("/organiser/").status_code == 302
    assert login("mette@example.org").status_code == 200
    assert client.get(f"/auth/set-password/{token}").status_code == 404
    assert session.scalars(select(PasswordLink)).all() == []
    with pytest.raises(users.InvalidPasswordLink):
        users.send_password_link(session, user, base_url="http://x", council_name="R")

    users.reactivate(session, user, actor=CLI)
    session.commit()
    assert login("mette@example.org").status_code == 302
    assert [(e.action, e.old_value, e.new_value) for e in audit_entries(session)][-2:] == [
        (AuditAction.USER_DEACTIVATED, "active", "inactive"),
        (AuditAction.USER_REACTIVATED, "inactive", "active")]


# --- The last administrator ---------------------------------------------------------------------


def test_the_last_active_administrator_cannot_be_removed(session, make_user):
    ada = make_user(ADMIN, roles=(Role.ADMINISTRATOR, Role.ORGANISER), name="Ada")
    with pytest.raises(users.LastAdministrator):
        users.set_user_roles(session, ada, {Role.ORGANISER})
    session.rollback()
    with pytest.raises(users.LastAdministrator):
        users.deactivate(session, ada)
    session.rollback()
    # An inactive administrator does not count.
    bo = make_user("bo@example.org", roles=(Role.ADMINISTRATOR,), name="Bo")
    users.deactivate(session, bo)
    session.commit()
    with pytest.raises(users.LastAdministrator):
        users.set_user_roles(session, ada, {Role.ORGANISER})
    session.rollback()
    # With another active administrator, either may go.
    users.reactivate(session, bo)
    users.set_user_roles(session, ada, {Role.ORGANISER})
    session.commit()
    assert ada.roles == {Role.ORGANISER}
    with pytest.raises(users.LastAdministrator):
        users.deactivate(session, bo)


def test_the_cli_keeps_the_last_administrator_and_is_audited(app, session, make_user):
    make_user(ADMIN, roles=(Role.ADMINISTRATOR,), name="Ada")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "set-roles", ADMIN, "--role", "organiser"])
    assert refused.exit_code != 0 and "LastAdministrator" in refused.output
    refused = runner.invoke(args=["users", "deactivate", ADMIN])
    assert refused.exit_code != 0 and "LastAdministrator" in refused.output
    created = runner.invoke(args=["users", "create", "bo@example.org", "--role", "administrator",
                                  "--name", "Bo"], input="a-long-password\n")
    assert created.exit_code == 0, created.output
    assert runner.invoke(args=["users", "deactivate", ADMIN]).exit_code == 0
    assert runner.invoke(args=["users", "reactivate", ADMIN]).exit_code == 0
    listed = runner.invoke(args=["users", "list"]).output
    assert "bo@example.org" in listed and "inactive" not in listed
    entries = [(e.actor, e.action, e.subject) for e in audit_entries(session)]
    assert entries[-3:] == [("cli", AuditAction.USER_CREATED, "bo@example.org"),
                            ("cli", AuditAction.USER_DEACTIVATED, ADMIN),
                            ("cli", AuditAction.USER_REACTIVATED, ADMIN)]


REMOVALS = {
    "demote": lambda session, user, actor: users.set_user_roles(session, user, {Role.ORGANISER},
                                                                actor=actor),
    "deactivate": lambda session, user, actor: users.deactivate(session, user, actor=actor),
}


@pytest.mark.parametrize(("first", "second"), [("demote", "demote"),
                                               ("deactivate", "deactivate"),
                                               ("demote", "deactivate")])
def test_two_administrators_removing_each_other_at_once_leave_one(database_url, session,
                                                                  make_user, first, second):
    """Both check "is another administrator left?" at the same moment; without the row locks
    (PostgreSQL) or serialised writers (SQLite) both would see yes, and none would be left."""
    ada = make_user(ADMIN, roles=(Role.ADMINISTRATOR,), name="Ada")
    bo = make_user("bo@example.org", roles=(Role.ADMINISTRATOR,), name="Bo")
    # Writers as in production: on SQLite each transaction starts with BEGIN IMMEDIATE.
    app = create_app({**base_config(database_url), "SQLALCHEMY_ENGINE_OPTIONS": {}})
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def remove(index: int, how: str, actor_id: int, target_id: int) -> None:
        try:
            with app.app_context():
                barrier.wait(TIMEOUT)
                actor = Actor.of(db.session.get(User, actor_id))
                target = db.session.get(User, target_id)
                try:
                    REMOVALS[how](db.session, target, actor)
                    # Keep the transaction open: the other one checks now, before this commits.
                    time.sleep(0.5)
                    db.session.commit()
                    outcomes[index] = "removed"
                except users.LastAdministrator:
                    db.session.rollback()
                    outcomes[index] = "refused"
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            barrier.abort()
            outcomes[index] = error

    threads = [threading.Thread(target=remove, args=(0, first, ada.id, bo.id)),
               threading.Thread(target=remove, args=(1, second, bo.id, ada.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    with app.app_context():
        db.engine.dispose()

    assert sorted(map(str, outcomes)) == ["refused", "removed"], outcomes
    session.rollback()
    administrators = [u for u in session.scalars(select(User))
                      if u.active and Role.ADMINISTRATOR in u.roles]
    assert len(administrators) == 1


# --- Pages --------------------------------------------------------------------------------------


def test_only_administrators_see_the_pages_and_the_header_link(client, make_user, login):
    make_user()  # an organiser
    login()
    assert "Administration" not in client.get("/").text
    assert client.get("/admin/").status_code == 403
    client.post("/auth/logout")
    make_user(ADMIN, roles=(Role.ADMINISTRATOR,))
    login(ADMIN)
    page = client.get("/")
    assert 'href="/admin/"' in page.text and ">Administration<" in page.text
    for url in ("/admin/", "/admin/users/new", "/admin/settings", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store"


def test_create_an_account_send_a_link_and_set_roles(client, session, admin):
    page = client.post("/admin/users/new", data={"email": "not-an-address", "name": "",
                                                 "locale": "da"})
    assert 'id="email-error"' in page.text and 'id="name-error"' in page.text
    assert 'id="roles-error"' in page.text and "Vælg mindst én rolle." in page.text
    assert 'value="not-an-address"' in page.text  # the input is kept

    created = client.post("/admin/users/new", data={
        "email": "Mette@Example.org", "name": "Mette Kjær", "roles": ["organiser", "chair"],
        "locale": "en", "send_link": "y"}, follow_redirects=True)
    assert "Kontoen er oprettet." in created.text and "mette@example.org" in created.text
    mette = users.find_user(session, "mette@example.org")
    assert mette.roles == {Role.ORGANISER, Role.CHAIR} and mette.locale == "en"
    token = mailed_link(session, "mette@example.org")

    again = client.post("/admin/users/new", data={"email": "mette@example.org", "name": "M",
                                                  "roles": ["chair"], "locale": "da"})
    assert "Der findes allerede en konto med denne e-mailadresse." in again.text

    saved = client.post(f"/admin/users/{mette.id}", data={
        "name": "Mette K. Kjær", "roles": ["organiser"], "locale": "en"}, follow_redirects=True)
    assert "Kontoen er gemt." in saved.text
    session.rollback()
    assert mette.roles == {Role.ORGANISER} and mette.name == "Mette K. Kjær"

    assert set_password_through(client, token).status_code == 302
    actions = [(e.action, e.subject) for e in audit_entries(session)]
    assert actions[-5:] == [
        (AuditAction.USER_CREATED, "mette@example.org"),
        (AuditAction.PASSWORD_LINK_SENT, "mette@example.org"),
        (AuditAction.ROLES_CHANGED, "mette@example.org"),
        (AuditAction.USER_RENAMED, "mette@example.org"),
        (AuditAction.PASSWORD_SET, "mette@example.org")]


def test_the_last_administrator_is_refused_next_to_the_field(client, session, admin):
    page = client.post(f"/admin/users/{admin.id}", data={"name": "Ada", "roles": ["organiser"],
                                                         "locale": "da"})
    assert page.status_code == 200
    assert re.search(r'id="roles-error">.*?sidste aktive administrator', page.text, re.DOTALL)
    refused = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "sidste aktive administrator" in refused.text
    session.rollback()
    assert admin.active and Role.ADMINISTRATOR in admin.roles


def test_deactivate_reactivate_and_resend_through_the_pages(client, session, admin, make_user):
    mette = make_user("mette@example.org", name="Mette")
    response = client.post(f"/admin/users/{mette.id}/password-link", follow_redirects=True)
    assert "Linket virker én gang, i 48 timer." in response.text
    assert "Link til at vælge adgangskode" in response.text  # shown with its expiry
    response = client.post(f"/admin/users/{mette.id}/deactivate", follow_redirects=True)
    assert "Kontoen er deaktiveret" in response.text
    session.rollback()
    assert not mette.active
    assert "Deaktiveret" in client.get("/admin/").text
    client.post(f"/admin/users/{mette.id}/reactivate")
    session.rollback()
    assert mette.active
    assert client.get("/admin/users/99999").status_code == 404


def test_settings_page_saves_and_the_audit_log_shows_it(client, session, admin):
    page = client.get("/admin/settings")
    assert 'value="Det Regionale Beskæftigelsesråd"' in page.text
    form = {"council_name": "Rådet Midt", "mail_sender_name": "Rådet Midt",
            "mail_sender_address": "noreply@example.dk", "privacy_contact": "",
            "retention_days": "180", "needs_retention_days": "200"}
    refused = client.post("/admin/settings", data=form)
    assert 'id="needs_retention_days-error"' in refused.text
    assert 'value="Rådet Midt"' in refused.text  # the input is kept
    bad = client.post("/admin/settings", data={**form, "retention_days": "abc",
                                               "mail_sender_address": "søren@example.dk"})
    assert 'id="retention_days-error"' in bad.text and 'id="mail_sender_address-error"' in bad.text

    saved = client.post("/admin/settings", data={**form, "needs_retention_days": "10"},
                        follow_redirects=True)
    assert "3 indstillinger blev ændret." in saved.text  # name, sender name, needs days
    assert "Rådet Midt" in client.get("/").text

    log = client.get("/admin/audit").text
    assert "Ada Admin &lt;admin@example.org&gt;" in log
    assert "Rådets navn som vist" in log and "Det Regionale Beskæftigelsesråd" in log
    assert re.search(r"\d{4} kl\. \d{2}\.\d{2}</td>", log)  # Danish time, no seconds
    assert not re.search(r"\d{2}\.\d{2}\.\d{2}</td>", log)
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get("/admin/audit").text
    assert "Council name as shown" in english and "Setting changed" in english
    assert re.search(r"\d{4}, \d{2}:\d{2}</td>", english)


def test_audit_log_pages_newest_first(client, session, admin):
    for n in range(60):
        site_settings.update(session, {**client.application.config}, CLI,
                             {"retention_days": 100 + n})
    session.commit()
    first = client.get("/admin/audit").text
    assert ">159<" in first and "side 1 af 2" in first
    second = client.get("/admin/audit?page=2").text
    assert ">100<" in second and ">159<" not in second
    assert client.get("/admin/audit?page=999999999999999999999").status_code == 200
