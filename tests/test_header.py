"""The header on every page: a menu that opens without JavaScript, the language switch outside
it, and who is logged in with their roles in the page's language."""

import re

from confapp.models import Role


def test_menu_works_without_javascript_and_keeps_the_language_switch_outside(client):
    page = client.get("/").text
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    menu = re.search(r'<details class="site-menu">\s*<summary>Menu</summary>(.*?)</details>',
                     header, re.DOTALL)
    assert menu, header
    assert '<nav class="site-nav"' in menu.group(1) and 'href="/auth/login"' in menu.group(1)
    assert 'class="language-switch"' in header and 'class="language-switch"' not in menu.group(1)
    assert "<script" not in header


def test_logged_in_header_names_the_person_and_translated_roles(client, make_user, login):
    make_user(email="mette@example.org", roles=(Role.ORGANISER, Role.ADMINISTRATOR),
              name="Mette Kjær")
    login("mette@example.org")
    page = client.get("/").text
    assert "Mette Kjær · Administrator, Arrangør" in page
    assert ">Log ud</button>" in page
    assert "organiser)" not in page

    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get("/").text
    assert "Mette Kjær · Administrator, Organiser" in page
    assert ">Log out</button>" in page


def test_chair_sees_their_own_role(client, make_user, login):
    make_user(email="formand@example.org", roles=(Role.CHAIR,), name="Hans Brix")
    login("formand@example.org")
    assert "Hans Brix · Formand" in client.get("/").text
