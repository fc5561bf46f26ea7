"""The question box in a real browser: a message sent from a phone, answered and published by an
organiser, its mail read from the SMTP sink, and every page of it axe-clean in both languages."""

import pytest
from playwright.sync_api import expect

from confapp.models import AgendaItemKind, Role
from confapp.models.base import utcnow
from confapp.services import delivery, qa
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_box_message_sent_answered_published_and_mailed(live_server, page, session, sink,
                                                        make_user, make_event, make_item,
                                                        assert_accessible):
    make_user(email="mette@example.org", roles=(Role.ORGANISER,), name="Mette Kjær")
    event = make_event(title="Beskæftigelseskonferencen 2027")
    item = make_item(event, title="Spørg ministeren", kind=AgendaItemKind.QA, minutes=60)
    qa_session = qa.enable_qa(session, item, qa.QASettings(premoderated=False))
    question = qa.ask(session, qa_session, qa.Asker(participant_key="c:b1", name="Birgit"),
                      "Hvad gør I for de ledige over 50?", utcnow())
    qa.publish_written_answer(session, question, "Et særligt forløb.", "Mette", utcnow())
    session.commit()
    event_id, question_id = event.id, question.id

    # A citizen on a phone: a refused post keeps the text, then the message is sent.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Send en besked til rådet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spørg Rådet")
    assert_accessible(page)
    page.get_by_label("Forslag").check()
    page.get_by_label("Din besked").fill("Lav en pulje til <b>praktik</b> for unge.")
    page.get_by_role("button", name="Send beskeden").click()
    expect(page.locator("#subject-error")).to_be_visible()
    expect(page.get_by_label("Din besked")).to_have_value("Lav en pulje til <b>praktik</b> for unge.")
    assert_accessible(page)
    page.get_by_label("Emne").fill("Praktik for unge")
    page.get_by_label("Navn (valgfrit)").fill("Karen Holm")
    page.get_by_label("E-mail (valgfrit)").fill("karen@example.org")
    page.get_by_label("I må offentliggøre").check()
    page.get_by_role("button", name="Send beskeden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak for din besked")
    assert_accessible(page)

    # The organiser answers and publishes it.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("E-mail").fill("mette@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_role("link", name="Spørg Rådet – indbakke (1 ny)").click()
    assert_accessible(page)
    page.get_by_role("link", name="Praktik for unge").click()
    assert_accessible(page)
    page.get_by_label("Tildelt").select_option(label="Mette Kjær")
    page.get_by_role("button", name="Gem tildelingen").click()
    expect(page.locator(".flash-success")).to_contain_text("Tildelingen er gemt.")
    page.get_by_label("Svar", exact=True).fill("Tak, vi tager det op i rådet.")
    page.get_by_label("Offentliggør spørgsmålet").check()
    page.get_by_label("Emneord (valgfrit)").fill("Unge")
    page.get_by_role("button", name="Send svaret").click()
    expect(page.locator(".flash-success")).to_contain_text("Svaret er offentliggjort.")
    assert_accessible(page)
    page.goto(f"{live_server}/organiser/box?status=published")
    assert_accessible(page)

    # The asker's mail arrives, with the link to the published answer.
    session.rollback()  # a fresh transaction: the test's old one cannot write on SQLite
    assert delivery.deliver_once(session).sent == 1
    (mail,) = sink.handler.messages
    assert mail["To"] == "karen@example.org"
    body = mail.get_body(("plain",)).get_content()
    link = next(line for line in body.splitlines() if "/answers/" in line).strip()
    assert "Tak, vi tager det op i rådet." in body

    # The public pages, in both languages, on a phone too.
    for language in ("da", "en"):
        if language == "en":
            page.goto(f"{live_server}/")
            page.get_by_role("button", name="English").click()
        page.goto(link.replace("http://127.0.0.1:5000", live_server))
        expect(page.get_by_role("heading", level=1)).to_have_text("Praktik for unge")
        assert "karen@example.org" not in page.content()
        assert_accessible(page)
        page.goto(f"{live_server}/answers?q=pulje")
        expect(page.get_by_role("link", name="Praktik for unge")).to_be_visible()
        assert_accessible(page)
        page.goto(f"{live_server}/answers/qa-{question_id}")
        expect(page.locator(f'main a[href="/events/{event_id}"]')).to_be_visible()
        assert_accessible(page)
        page.goto(f"{live_server}/ask")
        assert_accessible(page)
        page.goto(f"{live_server}/organiser/box")
        assert_accessible(page)
