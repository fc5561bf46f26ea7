"""The audience's Q&A pages: the join page of an event's code, a session's questions with the ask
form and the vote buttons, their live fragments, and the big screen.

Two blueprints share the pages: ``qa`` (/q/<code>/…) for anyone, whose identity is the voting
cookie (identity.py), and ``qa_link`` (/r/<token>/questions/…) for registrants through their
personal link, whose identity is the registration. A registrants-only session refuses the first.
"""

from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from confapp.blueprints.qa import identity
from confapp.blueprints.qa.forms import ORDERS, AskForm
from confapp.blueprints.qa.live_cache import Rendered, live_cache
from confapp.blueprints.site import current_site, public_url
from confapp.extensions import db, limiter
from confapp.models import (
    AgendaItem,
    Category,
    Event,
    QAAudience,
    QASession,
    Question,
    QuestionStatus,
    Registration,
    RegistrationStatus,
)
from confapp.models.base import utcnow
from confapp.services import qa
from confapp.services import registration as registrations
from confapp.services.qa.sessions import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    closes_at,
    session_state,
)
from confapp.templating import CATEGORY_LABELS

bp = Blueprint("qa", __name__, url_prefix="/q")
link_bp = Blueprint("qa_link", __name__)

S = QuestionStatus
SCREEN_TOP = 8  # questions on the big screen below the pinned one
# A typed code with any other character is unknown without asking the database.
_CODE_CHARACTERS = set(JOIN_CODE_ALPHABET)


@dataclass(frozen=True)
class Viewer:
    """Who looks at a session's page: a cookie participant or a registrant (``token`` set)."""

    participant_key: str | None  # None: no identity yet (a poll without a cookie)
    registration: Registration | None = None
    token: str | None = None

    def may_take_part(self, qa_session: QASession) -> bool:
        """Whether this viewer may ask and vote in ``qa_session`` (registrants-only sessions
        take the personal link only)."""
        return self.registration is not None or qa_session.audience == QAAudience.ANYONE


# --- Rate limits (config.py) -------------------------------------------------------------------


def _ask_limit() -> str:
    return current_app.config["QA_ASK_RATE_LIMIT"]


def _vote_limit() -> str:
    return current_app.config["QA_VOTE_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["QA_ADDRESS_RATE_LIMIT"]


def _live_limit() -> str:
    return current_app.config["QA_LIVE_RATE_LIMIT"]


ask_limit = limiter.shared_limit(_ask_limit, scope="qa-ask", key_func=identity.limit_key,
                                 methods=["POST"])
vote_limit = limiter.shared_limit(_vote_limit, scope="qa-vote", key_func=identity.limit_key)
address_limit = limiter.shared_limit(_address_limit, scope="qa-address", methods=["POST"])
live_limit = limiter.shared_limit(_live_limit, scope="qa-live", key_func=identity.limit_key)


# --- Looking things up ------------------------------------------------------------------------


def _normal_code(code: str) -> str | None:
    """The join code as stored (typed in any case, with spaces or a dash), or None when it
    cannot be one (nothing else reaches the database)."""
    code = "".join(code.split()).replace("-", "").upper()
    return code if len(code) == JOIN_CODE_LENGTH and set(code) <= _CODE_CHARACTERS else None


def _published_event(code: str) -> Event | None:
    if (normal := _normal_code(code)) is None:
        return None
    return db.session.scalar(select(Event).where(Event.qa_code == normal, Event.published))


def _event_by_code(code: str) -> Event:
    event = _published_event(code)
    if event is None:
        abort(404)
    return event


def _session_query(session_id: int):
    # One query: the session with its item and event (the live poll's 304 needs no other).
    return (select(QASession).join(QASession.agenda_item).join(AgendaItem.event)
            .where(QASession.id == session_id, Event.published)
            .options(contains_eager(QASession.agenda_item).contains_eager(AgendaItem.event)))


def _session_by_code(code: str, session_id: int) -> QASession:
    normal = _normal_code(code)
    qa_session = normal and db.session.scalar(
        _session_query(session_id).where(Event.qa_code == normal))
    if qa_session is None:
        abort(404)
    return qa_session


def _registrant(token: str) -> Registration:
    """The registration behind a personal link; 404 for a bad, cancelled or anonymised one."""
    registration = registrations.find_by_token(db.session, current_site(), token)
    if (registration is None or registration.anonymised_at
            or registration.status == RegistrationStatus.CANCELLED):
        abort(404)
    return registration


def _session_of_registrant(registration: Registration, session_id: int) -> QASession:
    qa_session = db.session.scalar(
        _session_query(session_id).where(AgendaItem.event_id == registration.event_id))
    if qa_session is None:
        abort(404)
    return qa_session


def _cookie_viewer(issue: bool = True) -> Viewer:
    cookie_id = identity.participant_cookie_id() if issue else identity.cookie_id()
    return Viewer(qa.cookie_key(cookie_id) if cookie_id else None)


def _link_viewer(registration: Registration, token: str) -> Viewer:
    return Viewer(qa.registration_key(registration), registration, token)


def _order() -> str:
    order = request.args.get("order")
    return order if order in ORDERS else ORDERS[0]


def _url(endpoint: str, qa_session: QASession, viewer: Viewer, **values) -> str:
    """A link to one of a session's pages, through the personal link when the viewer has one."""
    if viewer.token:
        return url_for(f"qa_link.{endpoint}", token=viewer.token, session_id=qa_session.id,
                       **values)
    return url_for(f"qa.{endpoint}", code=qa_session.agenda_item.event.qa_code,
                   session_id=qa_session.id, **values)


# --- The list, as the page and the live fragment show it --------------------------------------


def _list_key(where: str, session_id: int, order: str, has_identity: bool) -> tuple:
    """What the shared live list depends on besides the session's revision: where it is seen
    (the join code, or the personal link: its vote forms point there), the order, the language
    and whether the viewer has a voting identity (only then are there vote buttons)."""
    return ("list", where, session_id, order, str(get_locale()), has_identity)


def _list_etag(key: tuple, revision: int) -> str:
    return qa.live_etag(key[2], revision, *map(str, key))


def _viewer_key(qa_session: QASession, viewer: Viewer, order: str) -> tuple:
    where = f"r:{viewer.token}" if viewer.token else qa_session.agenda_item.event.qa_code
    return _list_key(where, qa_session.id, order, viewer.participant_key is not None)


def _etag(qa_session: QASession, viewer: Viewer, order: str) -> str:
    return _list_etag(_viewer_key(qa_session, viewer, order), qa_session.revision)


def _not_modified(etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, etag.removeprefix("W/")) for tag in sent.split(","))


class Labels:
    """The texts each question of a list repeats, translated once per list, not once per
    question (a list of 200 is rendered for every changed poll)."""

    def __init__(self):
        self.anonymous = _("Anonymous")
        self.answered = _("Answered")
        self.categories = {category: str(label) for category, label in CATEGORY_LABELS.items()}
        self._counts: dict[tuple[str, int], str] = {}

    def _count(self, kind: str, n: int) -> str:
        if (kind, n) not in self._counts:
            self._counts[kind, n] = (
                _("Vote (%(n)d)", n=n) if kind == "vote" else
                _("Remove my vote (%(n)d)", n=n) if kind == "unvote" else
                ngettext("%(num)d vote", "%(num)d votes", n))
        return self._counts[kind, n]

    def vote(self, n: int) -> str:
        return self._count("vote", n)

    def unvote(self, n: int) -> str:
        return self._count("unvote", n)

    def votes(self, n: int) -> str:
        return self._count("votes", n)


def _vote_urls(qa_session: QASession, viewer: Viewer, order: str):
    """question -> its vote form's address; url_for once, not once per question."""
    sentinel = f"/{2**31 - 1}/vote"
    before, _sentinel, after = _url("vote", qa_session, viewer, question_id=2**31 - 1,
                                    order=order).rpartition(sentinel)
    return lambda question: f"{before}/{question.id}/vote{after}"


def _can_vote(qa_session: QASession, viewer: Viewer) -> bool:
    return viewer.participant_key is not None and viewer.may_take_part(qa_session)


def _public_context(qa_session: QASession, viewer: Viewer, order: str,
                    questions: list[Question]) -> dict:
    """What _public_list.html needs, the same for everyone with the viewer's voting right."""
    pinned = next((q for q in questions if q.id == qa_session.pinned_question_id), None)
    return {
        "qa_session": qa_session,
        "order": order,
        "pinned": pinned,
        "questions": [q for q in questions if q is not pinned],
        "answered_count": sum(1 for q in questions if q.status == S.ANSWERED),
        "can_vote": _can_vote(qa_session, viewer),
        "vote_url": _vote_urls(qa_session, viewer, order),
        "labels": Labels(),
    }


def _list_context(qa_session: QASession, viewer: Viewer, order: str) -> dict:
    """The whole list for one viewer (the page; without JavaScript it is all there is): the
    shared part with their votes marked, and their own questions the list does not show."""
    questions = qa.public_questions(db.session, qa_session, order)
    key = viewer.participant_key
    return {**_public_context(qa_session, viewer, order, questions),
            "viewer": viewer,
            "own": qa.own_unpublished(db.session, qa_session, key) if key else [],
            "voted": qa.has_voted(db.session, [q.id for q in questions], key) if key else set()}


def _live(etag: str, render) -> Response:
    """The fragment behind a live page; 304 before any question is read when nothing changed."""
    response = Response(status=304) if _not_modified(etag) else make_response(render())
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _kept_or_rendered(key: tuple, load, render) -> Response:
    """A live fragment: the worker's kept rendering of ``key`` (live_cache.py), which needs no
    database at all, or else ``load()`` (the session and viewer, or a 404) and ``render``. The
    ETag names the revision the fragment shows."""
    cache = live_cache()
    kept = cache.kept(key)
    if kept is not None:
        return _live(_list_etag(key, kept.revision), lambda: kept.html)
    qa_session, viewer = load()
    revision = qa_session.revision

    def render_and_keep() -> str:
        rendered = Rendered(revision, render(qa_session, viewer))
        cache.keep(key, rendered)
        return rendered.html

    return _live(_list_etag(key, revision), render_and_keep)


def _render_shared_list(qa_session: QASession, viewer: Viewer) -> str:
    """The list as everyone with this viewer's key sees it: no one's votes, no CSRF token
    (qa_live.js adds both from the page), no one's own questions (they stay on the page)."""
    order = _order()
    questions = qa.public_questions(db.session, qa_session, order)
    return render_template("qa/_public_list.html", voted=set(), csrf="",
                           **_public_context(qa_session, viewer, order, questions))


def _screen_key(code: str, session_id: int) -> tuple:
    return ("screen", code, session_id, str(get_locale()))


def _screen_etag(qa_session: QASession) -> str:
    return _list_etag(_screen_key(qa_session.agenda_item.event.qa_code, qa_session.id),
                      qa_session.revision)


def _screen_context(qa_session: QASession) -> dict:
    questions = qa.public_questions(db.session, qa_session, "votes")
    pinned = next((q for q in questions if q.id == qa_session.pinned_question_id), None)
    return {"qa_session": qa_session, "pinned": pinned, "total": len(questions),
            "answered_count": sum(1 for q in questions if q.status == S.ANSWERED),
            "top": [q for q in questions if q.status == S.APPROVED and q is not pinned]
            [:SCREEN_TOP]}


# --- The participants' page ---------------------------------------------------------------------


def _ask_form(qa_session: QASession, viewer: Viewer) -> AskForm:
    data = {}
    if viewer.registration is not None:
        person = viewer.registration
        data = {"name": person.name, "organisation": person.organisation,
                "category": person.category.value if person.category else ""}
    form = AskForm(data=data)
    form.anonymous_offered = qa_session.anonymous_allowed
    return form


def _asker(form: AskForm, viewer: Viewer) -> qa.Asker:
    def text(field) -> str | None:
        return (field.data or "").strip() or None

    return qa.Asker(
        participant_key=viewer.participant_key, name=text(form.name),
        organisation=text(form.organisation),
        category=Category(form.category.data) if form.category.data else None,
        anonymous=bool(form.anonymous.data), email=text(form.email),
        registration_id=viewer.registration.id if viewer.registration else None,
        locale=str(get_locale()))


def _session_page(qa_session: QASession, viewer: Viewer):
    now = utcnow()
    state = session_state(qa_session, now)
    may_take_part = viewer.may_take_part(qa_session)
    form = _ask_form(qa_session, viewer)
    order = _order()
    refusal, status = None, 200
    if request.method == "POST":
        if not may_take_part:
            refusal, status = qa.RegistrantsOnly.message, 403
        elif state != "open":
            closed = qa.QuestionsNotYetOpen if state == "not_yet_open" else qa.QuestionsClosed
            refusal, status = closed.message, 409
        elif form.validate_on_submit():
            try:
                question = qa.ask(db.session, qa_session, _asker(form, viewer), form.text.data,
                                  now)
            except qa.QAError as error:
                db.session.rollback()
                field = getattr(error, "field", None)
                if field and field in form:
                    form[field].errors.append(error.message)
                else:
                    refusal, status = error.message, 409
                    state = session_state(qa_session, now)
            else:
                shown = question.status != S.PENDING
                location = _url("session", qa_session, viewer, order=order,
                                _anchor=f"{'q' if shown else 'own'}-{question.id}")
                db.session.commit()
                flash(_("Thank you. Your question is in the list.") if shown else
                      _("Thank you. Your question is shown when a moderator has approved it."),
                      "success")
                return redirect(location)
    context = _list_context(qa_session, viewer, order)
    return render_template(
        "qa/session.html", form=form, state=state, refusal=refusal,
        may_take_part=may_take_part, event=qa_session.agenda_item.event,
        item=qa_session.agenda_item, closes_at=closes_at(qa_session),
        etag=_etag(qa_session, viewer, order),
        live_url=_url("live", qa_session, viewer, order=order),
        page_url=lambda **values: _url("session", qa_session, viewer, **values),
        **context), status


def _vote(qa_session: QASession, viewer: Viewer, question_id: int):
    question = db.get_or_404(Question, question_id)
    order = request.args.get("order") if request.args.get("order") in ORDERS else None
    location = _url("session", qa_session, viewer, order=order, _anchor=f"q-{question_id}")
    if question.session_id != qa_session.id:
        flash(str(qa.NotVotable.message), "error")
        return redirect(location)
    if not viewer.may_take_part(qa_session):
        flash(str(qa.RegistrantsOnly.message), "error")
        return redirect(location)
    taking_back = request.form.get("action") == "unvote"
    try:
        if taking_back:
            qa.unvote(db.session, question, viewer.participant_key)
        else:
            qa.vote(db.session, question, viewer.participant_key, qa_session.agenda_item.event)
    except qa.QAError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Your vote is taken back.") if taking_back else _("Your vote is counted."),
              "success")
    return redirect(location)


@bp.after_request
def _identity_and_caching(response):
    identity.set_cookie(response)
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@link_bp.after_request
def _private(response):
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


# --- Routes: anyone with the code --------------------------------------------------------------
# merge_slashes=False: an empty code ("/q//5") is a 404, not a redirect to "/q/5" (a code "5").


@bp.get("")
def find():
    """The form to type a join code; with ?code= it leads to that event's join page."""
    code = request.args.get("code")
    if code is None or not code.strip():
        return render_template("qa/find.html", code="", unknown=False)
    event = _published_event(code)
    if event is None:
        return render_template("qa/find.html", code=code[:20], unknown=True), 404
    return redirect(url_for("qa.join", code=event.qa_code))


@bp.get("/<code>", merge_slashes=False)
def join(code: str):
    event = _event_by_code(code)
    if code != event.qa_code:
        return redirect(url_for("qa.join", code=event.qa_code))
    return render_template("qa/join.html", event=event, sessions=_sessions_by_state(event))


@bp.get("/<code>/qr.png", merge_slashes=False)
def qr_png(code: str):
    from confapp.qrcodes import qr_png as make_png  # qrcode and PIL: only for this image

    event = _event_by_code(code)
    png = make_png(public_url("qa.join", code=event.qa_code), box_size=10)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "public, max-age=3600"})


@bp.route("/<code>/<int:session_id>", methods=["GET", "POST"], endpoint="session",
          merge_slashes=False)
@address_limit
@ask_limit
def session_page(code: str, session_id: int):
    qa_session = _session_by_code(code, session_id)
    return _session_page(qa_session, _cookie_viewer())


@bp.post("/<code>/<int:session_id>/questions/<int:question_id>/vote", merge_slashes=False)
@address_limit
@vote_limit
def vote(code: str, session_id: int, question_id: int):
    qa_session = _session_by_code(code, session_id)
    return _vote(qa_session, _cookie_viewer(), question_id)


@bp.get("/<code>/<int:session_id>/live", merge_slashes=False)
@live_limit
def live(code: str, session_id: int):
    # No cookie yet: the list as anyone sees it (no identity is issued to a poll).
    viewer = _cookie_viewer(issue=False)
    return _kept_or_rendered(
        _list_key(code, session_id, _order(), viewer.participant_key is not None),
        lambda: (_session_by_code(code, session_id), viewer), _render_shared_list)


@bp.get("/<code>/<int:session_id>/screen", merge_slashes=False)
def screen(code: str, session_id: int):
    qa_session = _session_by_code(code, session_id)
    event = qa_session.agenda_item.event
    return render_template(
        "qa/screen.html", event=event, item=qa_session.agenda_item,
        join_url=public_url("qa.join", code=event.qa_code),
        etag=_screen_etag(qa_session),
        live_url=url_for("qa.screen_live", code=event.qa_code, session_id=qa_session.id),
        **_screen_context(qa_session))


@bp.get("/<code>/<int:session_id>/screen/live", merge_slashes=False)
@live_limit
def screen_live(code: str, session_id: int):
    return _kept_or_rendered(
        _screen_key(code, session_id), lambda: (_session_by_code(code, session_id), None),
        lambda qa_session, _viewer: render_template("qa/_screen_list.html",
                                                    **_screen_context(qa_session)))


# --- Routes: registrants through their personal link ------------------------------------------


@link_bp.route("/r/<token>/questions/<int:session_id>", methods=["GET", "POST"],
               endpoint="session")
@address_limit
@ask_limit
def link_session_page(token: str, session_id: int):
    registration = _registrant(token)
    qa_session = _session_of_registrant(registration, session_id)
    return _session_page(qa_session, _link_viewer(registration, token))


@link_bp.post("/r/<token>/questions/<int:session_id>/<int:question_id>/vote",
              endpoint="vote")
@address_limit
@vote_limit
def link_vote(token: str, session_id: int, question_id: int):
    registration = _registrant(token)
    qa_session = _session_of_registrant(registration, session_id)
    return _vote(qa_session, _link_viewer(registration, token), question_id)


@link_bp.get("/r/<token>/questions/<int:session_id>/live", endpoint="live")
@live_limit
def link_live(token: str, session_id: int):
    def load():
        registration = _registrant(token)
        return (_session_of_registrant(registration, session_id),
                _link_viewer(registration, token))

    return _kept_or_rendered(_list_key(f"r:{token}", session_id, _order(), True), load,
                             _render_shared_list)


# --- What other pages show of an event's Q&A (template globals) --------------------------------


def _sessions_by_state(event: Event) -> dict[str, list[QASession]]:
    now = utcnow()
    groups: dict[str, list[QASession]] = {"open": [], "not_yet_open": [], "closed": []}
    for qa_session in qa.event_sessions(db.session, event.id):
        state = session_state(qa_session, now)
        groups["closed" if state == "stopped" else state].append(qa_session)
    return groups


bp.add_app_template_global(closes_at, "qa_closes_at")


@bp.app_template_global("qa_askable")
def askable(event: Event) -> list[tuple[QASession, str]]:
    """The event's sessions that take questions now or will: (session, state), for the
    personal page's "Ask a question"."""
    groups = _sessions_by_state(event)
    return [(s, "open") for s in groups["open"]] + [
        (s, "not_yet_open") for s in groups["not_yet_open"]]


@bp.app_template_global("qa_event_summary")
def event_summary(event: Event) -> list[dict]:
    """Per Q&A session of ``event``: its state, and after the event its public ledger and the
    published written answers."""
    now = utcnow()
    ended = now >= event.ends_at
    return [{
        "session": qa_session,
        "state": session_state(qa_session, now),
        "closes_at": closes_at(qa_session),
        "ledger": qa.ledger(db.session, qa_session) if ended else None,
        "answers": qa.written_answers(db.session, qa_session),
    } for qa_session in qa.event_sessions(db.session, event.id)]
