"""An administrator creates an account and mails a set-password link; the person sets a password
and logs in. The administrator changes a setting and finds the change in the audit log."""

import re

import pytest
from playwright.sync_api import expect

from confapp.models import Role
from confapp.services import delivery
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, email: str, password: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


def test_create_account_set_password_change_setting(live_server, page, session, sink, make_user,
                                                    assert_accessible):
    make_user("ada@example.org", roles=(Role.ADMINISTRATOR,), name="Ada Admin")
    page.goto(live_server + "/auth/login")
    log_in(page, "ada@example.org", PASSWORD)
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=2, name="Brugere")).to_be_visible()
    assert_accessible(page)

    # A new account: first with a mistake, then right.
    page.get_by_role("link", name="Opret konto").click()
    page.get_by_label("E-mail").fill("mette@example.org")
    page.get_by_label("Navn").fill("Mette Kjær")
    page.get_by_role("button", name="Opret konto").click()
    expect(page.locator("#roles-error")).to_contain_text("Vælg mindst én rolle.")
    expect(page.get_by_label("Navn")).to_have_value("Mette Kjær")
    assert_accessible(page)
    page.get_by_label("Arrangør").check()
    page.get_by_label("Sprog i mails").select_option("da")
    expect(page.get_by_label("Send en mail med et link til at vælge adgangskode")).to_be_checked()
    page.get_by_role("button", name="Opret konto").click()
    expect(page.get_by_text("Kontoen er oprettet.")).to_be_visible()
    expect(page.get_by_text("Linket virker én gang, i 48 timer.")).to_be_visible()
    assert_accessible(page)

    # The mail arrives with the link.
    session.rollback()
    assert delivery.deliver_once(session).sent == 1
    (message,) = sink.handler.messages
    assert message["To"] == "mette@example.org"
    assert message["Subject"] == "Vælg din adgangskode til Det Regionale Beskæftigelsesråd"
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:5000(/auth/set-password/\S+)", text).group(1)

    # Mette opens it (here, in the same browser after Ada logs out) and sets a password.
    page.get_by_role("button", name=re.compile("Log ud")).click()
    page.goto(live_server + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg din adgangskode")
    assert_accessible(page)
    page.get_by_label("Ny adgangskode").fill("kort")
    page.get_by_label("Den samme adgangskode igen").fill("kort")
    page.get_by_role("button", name="Gem adgangskode").click()
    expect(page.locator("#password-error")).to_contain_text("mindst 10 tegn")
    assert_accessible(page)
    page.get_by_label("Ny adgangskode").fill("mettes-egen-adgangskode")
    page.get_by_label("Den samme adgangskode igen").fill("mettes-egen-adgangskode")
    page.get_by_role("button", name="Gem adgangskode").click()
    expect(page.get_by_text("Din adgangskode er gemt.")).to_be_visible()
    log_in(page, "mette@example.org", "mettes-egen-adgangskode")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administrér arrangementer")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    page.goto(live_server + link)  # used once
    expect(page.get_by_text("Dette link er ikke gyldigt.")).to_be_visible()
    page.get_by_role("button", name=re.compile("Log ud")).click()

    # Ada changes the council's name; it shows at once, and in the audit log.
    page.goto(live_server + "/auth/login")
    log_in(page, "ada@example.org", PASSWORD)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Indstillinger").click()
    assert_accessible(page)
    page.get_by_label("Rådets navn som vist").fill("Beskæftigelsesrådet Midt")
    page.get_by_role("button", name="Gem indstillinger").click()
    expect(page.get_by_text("1 indstilling blev ændret.")).to_be_visible()
    expect(page.locator(".brand")).to_have_text("Beskæftigelsesrådet Midt")
    page.get_by_role("link", name="Ændringslog").click()
    row = page.get_by_role("row").filter(has_text="Rådets navn som vist")
    expect(row).to_contain_text("Det Regionale Beskæftigelsesråd")
    expect(row).to_contain_text("Beskæftigelsesrådet Midt")
    expect(row).to_contain_text("Ada Admin <ada@example.org>")
    when = re.compile(r"^\d+\. \w+ \d{4} kl\. \d\d\.\d\d$")  # Danish time, no seconds
    expect(row.get_by_role("cell").first).to_have_text(when)
    # Created, link sent, password set (by Mette herself).
    expect(page.get_by_role("row").filter(has_text="mette@example.org")).to_have_count(3)
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=2, name="Audit log")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Council name as shown")).to_be_visible()
    assert_accessible(page)
