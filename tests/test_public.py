"""Public pages, language switch, error pages and the demo."""

from confapp.extensions import db
from confapp.models import Event, User
from confapp.services import demo


def test_index_lists_upcoming_and_past_published_events(client, make_event):
    make_event(title="Kommende temamøde", days=10)
    make_event(title="Gammelt møde", days=-10)
    make_event(title="Hemmelig kladde", published=False)
    html = client.get("/").text
    assert "Kommende temamøde" in html and "Gammelt møde" in html
    assert "Hemmelig kladde" not in html
    assert html.index("Kommende temamøde") < html.index("Gammelt møde")


def test_event_page_shows_agenda_with_danish_kinds(client, make_event, make_item):
    from confapp.models import AgendaItemKind

    event = make_event()
    make_item(event, title="Paneldebat om rekruttering", kind=AgendaItemKind.DEBATE)
    make_item(event, title="Spørgsmål fra salen", kind=AgendaItemKind.QA, offset_minutes=60)
    html = client.get(f"/events/{event.id}").text
    assert "Paneldebat om rekruttering" in html and "Spørgsmål og debat" in html
    assert html.count("<h1") == 1


def test_language_switch_to_english_and_back(client, make_event):
    make_event()
    assert 'lang="da"' in client.get("/").text
    response = client.post("/language", data={"lang": "en", "next": "/privacy"})
    assert response.headers["Location"] == "/privacy"
    html = client.get("/").text
    assert 'lang="en"' in html and "Upcoming events" in html
    client.post("/language", data={"lang": "da", "next": "https://evil.example.com"})
    assert "Kommende arrangementer" in client.get("/").text


def test_unknown_event_is_404_page_in_both_languages(client):
    response = client.get("/events/424242")
    assert response.status_code == 404 and "Siden blev ikke fundet" in response.text
    client.post("/language", data={"lang": "en"})
    assert "Page not found" in client.get("/events/424242").text


def test_user_text_is_escaped(client, make_event):
    event = make_event(title="<script>alert(1)</script>")
    html = client.get(f"/events/{event.id}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_500_is_a_friendly_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.testing = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Noget gik galt" in response.text


def test_demo_load_is_idempotent(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "organiser@example.dk" in first.output
    counts = (session.query(Event).count(), session.query(User).count())
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    db.session.rollback()  # end the read snapshot
    assert (session.query(Event).count(), session.query(User).count()) == counts
    conference = session.query(Event).filter_by(title="Beskæftigelseskonferencen 2027").one()
    assert conference.capacity == 300
    assert sum(1 for i in conference.agenda_items if i.kind == "qa") == 2
    assert sum(1 for i in conference.agenda_items if i.kind == "workshop") == 3
    assert demo.DEMO_PASSWORD in first.output
    # Plain names: the header adds the translated role itself.
    assert session.query(User).filter_by(email="organiser@example.dk").one().name == "Mette Kjær"
    assert not [u.name for u in session.query(User) if "(" in u.name]


def test_demo_questions_show_every_state(app, session):
    """The demo's two conference Q&A slots and the finished meeting carry questions in every
    state a moderator meets, one pinned; the question box has published and open messages;
    no mail from loading the demo is left in the outbox."""
    from confapp.models import BoxMessage, OutboxMail, QASession, Question

    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    statuses = {q.status.value for q in session.query(Question)}
    assert statuses == {"pending", "approved", "rejected", "answered", "merged"}
    conference = session.query(Event).filter_by(title="Beskæftigelseskonferencen 2027").one()
    slots = [s for s in session.query(QASession) if s.agenda_item.event_id == conference.id]
    assert len(slots) == 2 and all(session.query(Question).filter_by(session_id=s.id).count()
                                   for s in slots)
    assert sum(1 for s in slots if s.pinned_question_id) == 1
    assert conference.qa_code
    assert session.query(Question).filter(Question.answer_published_at.isnot(None)).count() == 2
    assert max(q.vote_count for q in session.query(Question)) >= 2
    box = {m.status.value for m in session.query(BoxMessage)}
    assert {"published", "new", "in_progress"} <= box
    assert session.query(OutboxMail).count() == 0


def test_agenda_shows_each_items_date_only_when_the_event_spans_days(client, make_event,
                                                                     make_item):
    one_day = make_event(title="Temamøde", hours=4)
    make_item(one_day, title="Velkomst")
    two_days = make_event(title="Konference", hours=30)
    make_item(two_days, title="Dag to", offset_minutes=26 * 60)
    assert 'class="muted"' not in client.get(f"/events/{one_day.id}").text.split("agenda")[-1]
    html = client.get(f"/events/{two_days.id}").text
    assert html.count('<span class="muted">') >= 1
