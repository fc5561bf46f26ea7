"""The organiser's Q&A pages pass axe-core in both languages, fit a 360 px phone (checked by the
``page`` fixture on every load), and moderation works by clicking."""

import pytest
from playwright.sync_api import expect

from confapp.models import AgendaItemKind, Category, Role
from confapp.models.base import utcnow
from confapp.services import qa
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _ask(session, qa_session, n, text, **extra):
    asker = qa.Asker(participant_key=f"c:browser-{n}", name=f"Deltager {n}",
                     organisation="Jobcenter Aarhus, Afdeling for unge og voksne uden job",
                     category=Category.JOBCENTRE, **extra)
    return qa.ask(session, qa_session, asker, text, utcnow())


def test_qa_organiser_pages(live_server, page, session, make_user, make_event, make_item,
                            assert_accessible):
    make_user(email="mette@example.org", roles=(Role.ORGANISER,))
    event = make_event(title="Beskæftigelseskonferencen 2027", hours=6)
    item = make_item(event, "Spørgsmål til ministeren", AgendaItemKind.QA, 0, 60)
    make_item(event, "Velkomst", AgendaItemKind.TALK, 60, 30)
    closed_item = make_item(event, "Debat om ledighed", AgendaItemKind.DEBATE, 120, 60)
    live = qa.enable_qa(session, item)
    first = _ask(session, live, 1, "Hvordan får vi flere ledige i praktik hos de små virksomheder "
                 "i kommunen, når beskæftigelsesindsatsen omlægges? " + "x" * 80)
    second = _ask(session, live, 2, "Hvad med langtidsledige over 50?", anonymous=True)
    third = _ask(session, live, 3, "Hvad koster det?")
    qa.approve(session, third, "m")
    qa.edit(session, third, "Hvad koster det for kommunerne?", "m")
    closed = qa.enable_qa(session, closed_item)
    waiting = _ask(session, closed, 4, "Hvem betaler for mentorerne?")
    qa.approve(session, waiting, "m")
    qa.stop(session, closed)
    session.commit()

    page.goto(f"{live_server}/auth/login")
    page.get_by_label("E-mail").fill("mette@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()

    base = f"{live_server}/organiser/events/{event.id}/qa"
    for language in ("da", "en"):
        page.goto(base)
        if language == "en":
            page.get_by_role("button", name="English").click()
        for path in ("", f"/{item.id}", f"/{item.id}/settings", f"/{item.id}/settings".replace(
                str(item.id), str(event.agenda_items[1].id)),
                f"/{item.id}/questions/{first.id}/merge", f"/{closed_item.id}/answers"):
            response = page.goto(base + path)
            assert response.status == 200, path
            assert page.locator("h1").count() == 1, path
            assert_accessible(page)

    # Approve and pin by clicking; the queue says so.
    page.goto(f"{base}/{item.id}")
    page.locator(f"#question-{first.id}").get_by_role("button", name="Approve").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.locator(f"#question-{first.id}").get_by_role("button", name="Put on stage now").click()
    expect(page.locator(f"#question-{first.id}")).to_contain_text("On stage now")
    page.locator(f"#question-{first.id}").get_by_role("button", name="Mark as answered").click()
    expect(page.locator(f"#question-{first.id}")).to_contain_text("Answered")
    expect(page.locator(f"#question-{first.id}")).not_to_contain_text("On stage now")
    page.locator(f"#question-{second.id}").get_by_role("button", name="Approve").click()
    assert_accessible(page)
