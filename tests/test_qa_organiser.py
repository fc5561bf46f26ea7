"""The organiser's Q&A pages: turning questions on, the moderation queue, written answers, the
poster and the exports, through the test client."""

import csv
import io
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from confapp.models import (
    AgendaItem,
    AgendaItemKind,
    Category,
    OutboxMail,
    QAAudience,
    QASession,
    Question,
    QuestionStatus,
)
from confapp.models.base import utcnow
from confapp.services import qa
from confapp.timezones import to_form_value

S = QuestionStatus


@pytest.fixture
def event(make_event):
    return make_event(title="Temamøde om rekruttering")


@pytest.fixture
def item(event, make_item):
    return make_item(event, title="Spørgsmål til ministeren", kind=AgendaItemKind.QA, minutes=60)


@pytest.fixture
def qa_session(session, item):
    qa_ = qa.enable_qa(session, item)  # pre-moderated, as by default
    session.commit()
    return qa_


def ask(session, qa_session, text="Hvordan får vi flere ledige i praktik?", n=1, **extra):
    data = {"name": f"Deltager {n}", "organisation": "Jobcenter Viborg",
            "category": Category.JOBCENTRE, **extra}
    question = qa.ask(session, qa_session, qa.Asker(participant_key=f"c:cookie-{n}", **data),
                      text, utcnow())
    session.commit()
    return question


def queue_url(event, item, **rest) -> str:
    query = "".join(f"&{k}={v}" for k, v in rest.items()).replace("&", "?", 1)
    return f"/organiser/events/{event.id}/qa/{item.id}{query}"


def moderate(client, event, item, question, action, seen=None, **data):
    return client.post(f"/organiser/events/{event.id}/qa/{item.id}/questions/{question.id}",
                       data={"action": action, "seen_version": str(
                           question.version if seen is None else seen), **data})


def fresh(session, question) -> Question:
    session.rollback()  # a new read: what the requests committed
    return session.get(Question, question.id)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def form_time(moment) -> str:
    return to_form_value(moment).strftime("%Y-%m-%dT%H:%M")


# --- turning questions on ---------------------------------------------------------------------

def test_turning_questions_on_with_settings(client, organiser, session, event, make_item):
    talk = make_item(event, title="Oplæg om unge", kind=AgendaItemKind.TALK)
    url = f"/organiser/events/{event.id}/qa/{talk.id}/settings"
    page = client.get(url)
    html = page_text(page)
    assert page.status_code == 200
    # The defaults: pre-moderated and anonymous allowed, anyone with the link.
    assert re.search(r'id="premoderated"[^>]*checked|checked[^>]*id="premoderated"', html)
    assert re.search(r'id="anonymous_allowed"[^>]*checked|checked[^>]*id="anonymous_allowed"',
                     html)
    opens, closes = event.starts_at, event.starts_at.replace(hour=event.starts_at.hour - 1)
    refused = client.post(url, data={"opens_at": form_time(opens), "closes_at": form_time(closes),
                                     "premoderated": "y", "audience": "registrants"})
    html = page_text(refused)
    assert refused.status_code == 200 and 'id="closes_at-error"' in html
    assert "Spørgsmål skal lukke, efter de åbner" in html or "close after they open" in html
    assert f'value="{form_time(closes)}"' in html  # the input is kept
    assert session.scalar(select(func.count()).select_from(QASession)) == 0

    saved = client.post(url, data={"opens_at": "", "closes_at": form_time(event.starts_at),
                                   "premoderated": "", "audience": "registrants"})
    assert saved.status_code == 302
    session.rollback()
    qa_ = session.scalar(select(QASession).where(QASession.agenda_item_id == talk.id))
    assert (qa_.premoderated, qa_.anonymous_allowed, qa_.audience) == (
        False, False, QAAudience.REGISTRANTS)
    assert qa_.opens_at is None and qa_.closes_at == event.starts_at
    session.refresh(event)
    queue = page_text(client.get(saved.headers["Location"]))
    assert event.qa_code and event.qa_code in queue and f"/q/{event.qa_code}" in queue


def test_a_qa_slot_added_to_the_agenda_takes_questions(client, organiser, session, event):
    start = form_time(event.starts_at)
    response = client.post(f"/organiser/events/{event.id}/agenda/new", data={
        "kind": "qa", "title": "Spørg panelet", "starts_at": start, "ends_at": form_time(
            event.ends_at)})
    assert response.status_code == 302
    session.rollback()
    qa_ = session.scalar(select(QASession))
    assert qa_ is not None and qa_.premoderated and qa_.agenda_item.title == "Spørg panelet"
    overview = page_text(client.get(f"/organiser/events/{event.id}/qa"))
    assert "Spørg panelet" in overview and "Åben for spørgsmål" in overview
    # A talk made into a Q&A slot later takes questions too; other kinds do not.
    talk = client.post(f"/organiser/events/{event.id}/agenda/new", data={
        "kind": "talk", "title": "Oplæg", "starts_at": start, "ends_at": form_time(
            event.ends_at)})
    assert talk.status_code == 302
    session.rollback()
    assert session.scalar(select(func.count()).select_from(QASession)) == 1
    talk_id = session.scalar(select(AgendaItem.id).where(AgendaItem.title == "Oplæg"))
    client.post(f"/organiser/events/{event.id}/agenda/{talk_id}/edit", data={
        "kind": "qa", "title": "Oplæg med spørgsmål", "starts_at": start,
        "ends_at": form_time(event.ends_at)})
    session.rollback()
    assert session.scalar(select(func.count()).select_from(QASession)) == 2


def test_the_overview_lists_items_with_counts(client, organiser, session, event, item,
                                              qa_session, make_item):
    make_item(event, title="Velkomst", kind=AgendaItemKind.TALK)
    ask(session, qa_session)
    approved = ask(session, qa_session, "Et andet spørgsmål", n=2)
    qa.approve(session, approved, "m")
    session.commit()
    html = page_text(client.get(f"/organiser/events/{event.id}/qa"))
    assert "Velkomst" in html and f"/qa/{item.id}/settings" in html
    row = html[html.index("Spørgsmål til ministeren"):]
    assert re.search(r'<td class="num">1</td>\s*<td class="num">1</td>\s*'
                     r'<td class="num">0</td>\s*<td class="num">2</td>', row)
    assert 'aria-current="page"' in html and "/qa/poster.pdf" in html


def test_stop_and_reopen(client, organiser, session, event, item, qa_session):
    base = f"/organiser/events/{event.id}/qa/{item.id}"
    assert client.post(f"{base}/stop").status_code == 302
    session.rollback()
    assert not qa_session.accepting and not qa.is_open(qa_session, utcnow())
    with pytest.raises(qa.QuestionsClosed):
        ask(session, qa_session)
    session.rollback()
    assert "Genåbn for spørgsmål" in page_text(client.get(base)) or "Reopen" in page_text(
        client.get(base))
    assert client.post(f"{base}/reopen").status_code == 302
    session.rollback()
    assert qa_session.accepting and qa.is_open(qa_session, utcnow())


# --- moderation -------------------------------------------------------------------------------

def test_approve_reject_answer_and_pin_through_the_queue(client, organiser, session, event, item,
                                                         qa_session):
    first = ask(session, qa_session, email="asker@example.org")
    second = ask(session, qa_session, "Hvad gør vi for de unge?", n=2)
    html = page_text(client.get(queue_url(event, item)))
    assert f'id="question-{first.id}"' in html and html.index(
        f'id="question-{second.id}"') < html.index(f'id="question-{first.id}"')  # newest first

    assert moderate(client, event, item, first, "approve").status_code == 302
    assert moderate(client, event, item, fresh(session, second), "approve").status_code == 302
    assert fresh(session, first).status == S.APPROVED

    assert moderate(client, event, item, fresh(session, first), "pin").status_code == 302
    session.rollback()
    assert qa_session.pinned_question_id == first.id
    # Pinning another moves the stage to it.
    assert moderate(client, event, item, fresh(session, second), "pin").status_code == 302
    session.rollback()
    assert qa_session.pinned_question_id == second.id
    assert moderate(client, event, item, fresh(session, second), "unpin").status_code == 302
    session.rollback()
    assert qa_session.pinned_question_id is None

    assert moderate(client, event, item, fresh(session, second), "answer").status_code == 302
    assert fresh(session, second).status == S.ANSWERED

    response = moderate(client, event, item, fresh(session, first), "reject",
                        reason="Uden for emnet <b>nu</b>")
    assert response.status_code == 302
    rejected = fresh(session, first)
    assert (rejected.status, rejected.reject_reason) == (S.REJECTED, "Uden for emnet <b>nu</b>")
    mail = session.scalar(select(OutboxMail).where(OutboxMail.kind == "qa_rejected"))
    assert mail.to_address == "asker@example.org" and "Uden for emnet" in mail.body_text
    html = page_text(client.get(queue_url(event, item, status="rejected")))
    assert "Uden for emnet &lt;b&gt;nu&lt;/b&gt;" in html and "<b>nu</b>" not in html
    assert f'id="question-{second.id}"' not in html  # the filter shows rejected ones only


def test_a_stale_click_shows_what_happened_and_changes_nothing(client, organiser, session, event,
                                                              item, qa_session):
    question = ask(session, qa_session)
    seen = question.version
    assert moderate(client, event, item, question, "approve", seen).status_code == 302
    approved = fresh(session, question)
    # The second moderator clicked "reject" on the version they saw before the approval.
    late = moderate(client, event, item, approved, "reject", seen, reason="Dublet")
    html = page_text(late)
    assert late.status_code == 200 and "Dit klik ændrede ikke noget" in html
    assert ("Godkendt" in html or "Approved" in html) and "qa-conflict" in html
    after = fresh(session, question)
    assert (after.status, after.version, after.reject_reason) == (
        S.APPROVED, approved.version, None)
    # A second "approve" on the old version is not counted twice either.
    again = moderate(client, event, item, after, "approve", seen)
    assert "qa-conflict" in page_text(again) and fresh(session, question).version == approved.version
    assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_an_incomplete_moderation_post_is_refused(client, organiser, session, event, item,
                                                  qa_session):
    question = ask(session, qa_session)
    response = client.post(f"/organiser/events/{event.id}/qa/{item.id}/questions/{question.id}",
                           data={"action": "approve"})
    assert response.status_code == 200 and "Formularen var ufuldstændig" in page_text(response)
    assert fresh(session, question).status == S.PENDING
    bogus = moderate(client, event, item, question, "delete")
    assert "Formularen var ufuldstændig" in page_text(bogus) and fresh(session, question).status == S.PENDING


def test_editing_keeps_the_original_in_the_log(client, organiser, session, event, item,
                                               qa_session):
    question = ask(session, qa_session, "Hvordan får vi flere ledige i pratik?")
    response = moderate(client, event, item, question, "edit",
                        text="Hvordan får vi flere ledige i praktik?")
    assert response.status_code == 302
    html = page_text(client.get(queue_url(event, item)))
    assert "pratik" in html and "<del>Hvordan får vi flere ledige i pratik?</del>" in html
    assert "<ins>Hvordan får vi flere ledige i praktik?</ins>" in html
    # Too short: the error stands next to the box, the text typed is kept.
    short = moderate(client, event, item, fresh(session, question), "edit", text="Hm")
    html = page_text(short)
    assert short.status_code == 200 and f'id="text-{question.id}-error"' in html
    assert ">Hm</textarea>" in html and fresh(session, question).text.endswith("praktik?")


def test_merging_carries_the_votes(client, organiser, session, event, item, qa_session):
    target = ask(session, qa_session, "Hvad med praktik?", n=1)
    dup = ask(session, qa_session, "Hvad med praktikpladser?", n=2)
    for question in (target, dup):
        qa.approve(session, question, "m")
    for key in ("c:both", "c:target-only"):
        qa.vote(session, target, key, event)
    for key in ("c:both", "c:dup-only"):
        qa.vote(session, dup, key, event)
    session.commit()
    url = f"/organiser/events/{event.id}/qa/{item.id}/questions/{dup.id}/merge"
    page = page_text(client.get(url))
    assert f'<option value="{target.id}">' in page and f'<option value="{dup.id}">' not in page
    refused = client.post(url, data={"into": "", "seen_version": str(dup.version)})
    assert refused.status_code == 200 and 'id="into-error"' in page_text(refused)
    response = client.post(url, data={"into": str(target.id), "seen_version": str(dup.version)})
    assert response.status_code == 302
    assert fresh(session, dup).status == S.MERGED
    assert fresh(session, target).vote_count == 3  # "both" is counted once
    # Merging it again (a stale page) says what happened.
    again = client.post(url, data={"into": str(target.id), "seen_version": str(dup.version)})
    assert fresh(session, target).vote_count == 3 and "Kun spørgsmål, der afventer" in page_text(
        again)


def test_who_is_asking_breakdown(client, organiser, session, event, item, qa_session):
    ask(session, qa_session, "Første spørgsmål", n=1)
    ask(session, qa_session, "Andet spørgsmål", n=2)
    ask(session, qa_session, "Tredje spørgsmål", n=3, category=Category.UNION)
    ask(session, qa_session, "Fjerde spørgsmål", n=4, category=None)
    html = page_text(client.get(queue_url(event, item)))
    section = html[html.index('id="who-asks"'):html.index('id="queue"')]
    assert re.search(r"Jobcenter</th>\s*<td class=\"num\">2</td>", section)
    assert "50 %" in section and "25 %" in section
    assert '<meter min="0" max="4" value="2"' in section
    assert "style=" not in section


# --- written answers --------------------------------------------------------------------------

def test_written_answers_one_and_all_at_once(client, organiser, session, event, item, qa_session):
    questions = [ask(session, qa_session, f"Spørgsmål nummer {n}", n=n,
                     email=f"asker{n}@example.org") for n in range(1, 4)]
    for question in questions:
        qa.approve(session, question, "m")
    session.commit()
    url = f"/organiser/events/{event.id}/qa/{item.id}/answers"
    versions = {f"version_{q.id}": str(q.version) for q in questions}
    # While the session takes questions, nothing is published.
    refused = client.post(url, data={**versions, f"answer_{questions[0].id}": "Svar",
                                     "publish": "all"})
    assert "Der kan stadig stilles spørgsmål" in page_text(refused)
    assert fresh(session, questions[0]).status == S.APPROVED

    qa.stop(session, qa_session)
    session.commit()
    page = page_text(client.get(url))
    assert all(f'name="answer_{q.id}"' in page for q in questions)
    one = client.post(url, data={**versions, f"answer_{questions[0].id}": "Svar <i>et</i>",
                                 "publish": str(questions[0].id)})
    assert one.status_code == 302
    first = fresh(session, questions[0])
    assert (first.status, first.answer_text) == (S.ANSWERED, "Svar <i>et</i>")
    assert fresh(session, questions[1]).status == S.APPROVED

    all_at_once = client.post(url, data={**versions, f"answer_{questions[1].id}": "Svar to",
                                         f"answer_{questions[2].id}": "Svar tre",
                                         "publish": "all"})
    assert all_at_once.status_code == 302
    assert [fresh(session, q).answer_text for q in questions] == [
        "Svar <i>et</i>", "Svar to", "Svar tre"]
    mails = session.scalars(select(OutboxMail).where(OutboxMail.kind == "qa_answered")).all()
    assert sorted(m.to_address for m in mails) == [f"asker{n}@example.org" for n in range(1, 4)]
    html = page_text(client.get(url))
    assert "Svar &lt;i&gt;et&lt;/i&gt;" in html and "<i>et</i>" not in html


def test_publishing_nothing_or_a_stale_answer_says_why(client, organiser, session, event, item,
                                                       qa_session):
    question = ask(session, qa_session)
    qa.approve(session, question, "m")
    qa.stop(session, qa_session)
    session.commit()
    url = f"/organiser/events/{event.id}/qa/{item.id}/answers"
    empty = client.post(url, data={f"version_{question.id}": str(question.version),
                                   "publish": "all"})
    assert "Skriv mindst ét svar" in page_text(empty)
    stale = client.post(url, data={f"version_{question.id}": str(question.version - 1),
                                   f"answer_{question.id}": "Svar", "publish": "all"})
    assert "Dit klik ændrede ikke noget" in page_text(stale) and fresh(session, question).status == S.APPROVED


# --- poster and exports -----------------------------------------------------------------------

def test_the_poster_shows_the_code_and_a_qr_code_to_the_join_page(client, organiser, session,
                                                                  app, event, qa_session):
    response = client.get(f"/organiser/events/{event.id}/qa/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    join = f"{app.config['PUBLIC_BASE_URL']}/q/{event.qa_code}"
    assert event.qa_code in text and join in text and "Stil dine spørgsmål" in text
    image = pdfium.PdfDocument(response.data)[0].render(scale=1.5).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [join]


def test_no_poster_before_questions_are_on(client, organiser, event):
    response = client.get(f"/organiser/events/{event.id}/qa/poster.pdf", follow_redirects=True)
    assert response.status_code == 200 and 'flash-error' in page_text(response)


def _session_with_questions(session, qa_session):
    formula = ask(session, qa_session, "=cmd|' /C calc'!A0", n=1)
    html = ask(session, qa_session, "<script>alert(1)</script> Hvad nu?", n=2, anonymous=True,
               name=None, organisation=None)
    qa.approve(session, formula, "m")
    qa.approve(session, html, "m")
    qa.vote(session, html, "c:voter", qa_session.agenda_item.event)
    session.commit()
    return formula, html


def test_exports_have_the_rows_and_neutralise_formulas(client, organiser, session, event, item,
                                                       qa_session):
    _session_with_questions(session, qa_session)
    for url in (f"/organiser/events/{event.id}/qa/{item.id}/questions.csv",
                f"/organiser/events/{event.id}/qa/questions.csv"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["Session", "Spørgsmål", "Spørger", "Målgruppe", "Status", "Stemmer",
                           "Stillet", "Svar"]
        assert len(rows) == 3
        assert rows[1][1] == "<script>alert(1)</script> Hvad nu?" and rows[1][2] == "Anonym"
        assert rows[1][5] == "1" and rows[1][0] == "Spørgsmål til ministeren"
        assert rows[2][1] == "'=cmd|' /C calc'!A0" and rows[2][3] == "Jobcenter"
    xlsx = client.get(f"/organiser/events/{event.id}/qa/{item.id}/questions.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 3 and values[2][1] == "=cmd|' /C calc'!A0"
    assert sheet.cell(row=3, column=2).data_type == "s"  # text, never a formula


def test_pdf_export_prints_html_as_text(client, organiser, session, event, item, qa_session):
    _session_with_questions(session, qa_session)
    for url in (f"/organiser/events/{event.id}/qa/{item.id}/questions.pdf",
                f"/organiser/events/{event.id}/qa/questions.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
        assert "<script>alert(1)</script>" in text and "Spørgsmål til ministeren" in text
        assert "Anonym" in text and "Jobcenter Viborg" in text


def test_html_in_questions_is_text_in_the_queue(client, organiser, session, event, item,
                                                qa_session):
    _session_with_questions(session, qa_session)
    html = page_text(client.get(queue_url(event, item)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hvad nu?" in html
    assert "<script>alert(1)</script>" not in html


def test_other_events_items_and_questions_are_not_found(client, organiser, session, event, item,
                                                        qa_session, make_event, make_item):
    other_event = make_event(title="Andet møde")
    other_item = make_item(other_event, kind=AgendaItemKind.QA)
    other_qa = qa.enable_qa(session, other_item)
    session.commit()
    other_question = ask(session, other_qa)
    assert client.get(f"/organiser/events/{event.id}/qa/{other_item.id}").status_code == 404
    assert moderate(client, event, item, other_question, "approve").status_code == 404
    talk = make_item(event, title="Uden Q&A", kind=AgendaItemKind.TALK)
    assert client.get(f"/organiser/events/{event.id}/qa/{talk.id}").status_code == 404
    assert fresh(session, other_question).status == S.PENDING
