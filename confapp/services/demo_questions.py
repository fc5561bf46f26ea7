"""The demo's questions: Q&A on the conference and the finished meeting, and the question box.

Everything goes through the real rules (asking, voting, moderating, answering), at the moments
it would have happened, so the demo shows each state a moderator meets: waiting, flagged,
approved with votes, pinned "on stage now", answered on stage, merged, declined, and written
answers published after a finished meeting. Mails the rules queue are not kept.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from confapp.models import (
    AgendaItem,
    BoxMessage,
    Category,
    Event,
    OutboxMail,
    QASession,
    Registration,
    RegistrationStatus,
    User,
)
from confapp.models.base import utcnow
from confapp.services import qa
from confapp.services import question_box as box

MODERATOR = "organiser@example.dk"

# (text, organisation, category, what happens): the conference's first Q&A slot.
CONFERENCE_OPENING = [
    ("Hvordan sikrer vi, at de ledige over 55 ikke bliver glemt i rekrutteringsindsatsen?",
     "Jobcenter Herning", Category.JOBCENTRE, "pinned"),
    ("Hvilke brancher mangler flest hænder i Midtjylland de næste fem år?",
     "Silkeborg Kommune", Category.MUNICIPALITY_ADMINISTRATION, "approved"),
    ("Kan regionen samle virksomhedskonsulenterne på tværs af kommunegrænser?",
     "Dansk Arbejdsgiverforening", Category.EMPLOYER_ORG, "approved"),
    ("Hvad gør vi for de unge, der hverken er i job eller uddannelse efter 9. klasse?",
     "UU Djursland", Category.EDUCATION, "approved"),
    ("Hvorfor tager det stadig så lang tid at få godkendt en opkvalificering?",
     "3F Midtjylland", Category.UNION, "answered"),
    ("Hvorfor går godkendelsen af opkvalificering så langsomt?",
     "FOA", Category.UNION, "merged"),
    ("Hvordan måler I, om de regionale mål faktisk bliver nået?",
     None, Category.LBR_RAR, "pending"),
    ("Hvad koster det at ansætte en ledig på løntilskud i dag?",
     "Grundfos", Category.COMPANY, "pending"),
    ("I er nogle idioter, der spilder vores tid.",
     None, None, "rejected"),
]
# The afternoon slot: questions sent in before the conference, for the speakers to prepare.
CONFERENCE_AFTERNOON = [
    ("Hvordan kan a-kasserne og jobcentrene dele oplysninger hurtigere om de nyledige?",
     "HK Midt", Category.A_KASSE, "approved"),
    ("Hvilken rolle skal LBR have, når kommunerne overtager flere opgaver?",
     "LBR Skive", Category.LBR_RAR, "approved"),
    ("Hvordan får vi flere praktikpladser i de små virksomheder?",
     "VIA University College", Category.EDUCATION, "pending"),
]
# The finished local meeting: asked during the meeting, then answered on stage or in writing.
PAST_MEETING = [
    ("Hvor mange borgere har LBR's projektmidler hjulpet i job i år?",
     "LBR Syddjurs", Category.LBR_RAR, "answered"),
    ("Hvordan bliver de lokale virksomheder inddraget i næste års plan?",
     "Syddjurs Kommune", Category.MUNICIPALITY_ADMINISTRATION, "written"),
    ("Kan jobcentret tilbyde mentorordninger til ledige med angst?",
     None, Category.JOBCENTRE, "written"),
    ("Hvornår kommer evalueringen af sommerens jobmesse?",
     "3F Midtjylland", Category.UNION, "approved"),
]
WRITTEN_ANSWERS = {
    "Hvordan bliver de lokale virksomheder inddraget i næste års plan?": (
        "LBR inviterer virksomhederne til et dialogmøde i februar, og udkastet til planen "
        "sendes i høring hos erhvervsrådet, før LBR vedtager den."),
    "Kan jobcentret tilbyde mentorordninger til ledige med angst?": (
        "Ja. Jobcentret har en mentorordning, som også omfatter ledige med angst. "
        "Tal med din sagsbehandler, eller ring til jobcentrets hovednummer."),
}

# (kind, subject, text, name, consent to publish, show name, what happens, topic, answer)
BOX_MESSAGES = [
    ("question", "Åbne rådsmøder",
     "Kan man som borger overvære rådets møder, og hvor finder jeg dagsordenen?",
     "Bente Holm", True, True, "published", "Rådets møder",
     ("Ja. Rådsmøderne er åbne for offentligheden. Dagsorden og referat offentliggøres på "
     "hjemmesiden, og du kan tilmelde dig som tilhører under det enkelte møde.")),
    ("question", "Ledige over 60",
     "Hvad gør rådet for at hjælpe ledige over 60 år tilbage i job?",
     None, True, False, "published", "Seniorer",
     ("Rådet har gjort seniorer til et fokusområde i beskæftigelsesplanen for 2027 og følger "
     "jobcentrenes resultater for gruppen hvert kvartal.")),
    ("suggestion", "Konference om grøn omstilling",
     "Jeg foreslår, at næste års konference får et spor om grøn omstilling og nye job.",
     "Kasper Lund", True, False, "published", "Konferencen",
     "Tak for forslaget. Programudvalget tager det med i planlægningen af konferencen 2028."),
    ("question", "Praktik for flygtninge",
     "Hvordan kan en lille virksomhed tage en flygtning i praktik, og hvem hjælper med papirerne?",
     "Mads Bach", True, True, "in_progress", None, None),
    ("comment", "Tak for mødet i Ebeltoft",
     "Det var et godt og konkret møde. Mere af den slags, tak.",
     "Jette Frandsen", False, False, "new", None, None),
    ("question", "Data om ungeledighed",
     "Findes der tal for ungeledigheden fordelt på kommuner, som jeg må bruge i en opgave?",
     None, True, False, "new", None, None),
]


def _item(session: Session, event_title: str, item_title: str) -> AgendaItem | None:
    return session.scalar(select(AgendaItem).join(Event).where(
        Event.title == event_title, AgendaItem.title == item_title))


def _people(session: Session, event: Event) -> list[Registration]:
    return list(session.scalars(select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED).order_by(Registration.id)))


def _ask_all(session: Session, qa_session: QASession, questions, people: list[Registration],
             rng: random.Random, start: datetime) -> int:
    """Ask each question as a registrant of the event, moderate it as planned, add votes."""
    asked: dict[str, object] = {}
    for n, (text, organisation, category, fate) in enumerate(questions):
        person = people[n]
        anonymous = organisation is None
        asker = qa.Asker(
            participant_key=qa.registration_key(person), registration_id=person.id,
            name=f"{person.first_name} {person.last_name}", organisation=organisation,
            category=category, anonymous=anonymous, email=None if anonymous else person.email)
        question = qa.ask(session, qa_session, asker, text, start + timedelta(minutes=n))
        asked[fate + str(n)] = question
        if fate in ("pending",):
            continue
        if fate == "rejected":
            qa.reject(session, question, "Uden indhold – personangreb.", MODERATOR)
            continue
        if question.status == "pending":
            qa.approve(session, question, MODERATOR)
        for voter in rng.sample(people, rng.randint(2, min(25, len(people)))):
            qa.vote(session, question, qa.registration_key(voter), qa_session.agenda_item.event)
    questions_by_fate = list(asked.items())
    target = next((q for key, q in questions_by_fate if key.startswith("answered")), None)
    for key, question in questions_by_fate:
        if key.startswith("merged") and target is not None:
            qa.merge(session, question, target, MODERATOR)
    for key, question in questions_by_fate:
        if key.startswith("answered"):
            qa.mark_answered(session, question, MODERATOR)
        elif key.startswith("pinned"):
            qa.pin(session, question, MODERATOR)
    return len(asked)


def load_questions(session: Session, conference: str, past_meeting: str) -> int:
    """Q&A on every Q&A slot; questions on the conference's two slots and the finished meeting."""
    if session.scalar(select(QASession.id).limit(1)) is not None:
        return 0
    for item in session.scalars(select(AgendaItem)):
        if qa.default_enabled(item):
            qa.enable_qa(session, item)
    rng = random.Random("demo-questions")
    count = 0
    plan = [(conference, "Spørgsmål og debat", CONFERENCE_OPENING),
            (conference, "Spørgsmål fra salen", CONFERENCE_AFTERNOON),
            (past_meeting, "Spørgsmål og debat", PAST_MEETING)]
    for event_title, item_title, questions in plan:
        item = _item(session, event_title, item_title)
        if item is None:
            continue
        qa_session = qa.enable_qa(session, item)
        people = _people(session, item.event)
        if len(people) < len(questions):
            continue
        finished = item.ends_at < utcnow()
        # The finished meeting's questions came in during it; the conference's come in now.
        start = item.starts_at + timedelta(minutes=2) if finished else utcnow() - timedelta(
            hours=len(questions))
        count += _ask_all(session, qa_session, questions, people, rng, start)
        if finished:
            for question in qa.awaiting_written_answer(session, qa_session):
                answer = WRITTEN_ANSWERS.get(question.text)
                if answer:
                    qa.publish_written_answer(session, question, answer, "Mette Kjær",
                                              item.ends_at + timedelta(days=6))
        session.execute(delete(OutboxMail).where(OutboxMail.event_id == item.event_id))
    session.flush()
    return count


def load_box(session: Session, base_url: str) -> int:
    """A few published answers and a few open messages in the question box."""
    if session.scalar(select(BoxMessage.id).limit(1)) is not None:
        return 0
    chair = session.scalar(select(User).where(User.email == "formand@example.dk"))
    organiser = session.scalar(select(User).where(User.email == MODERATOR))
    for n, (kind, subject, text, name, consent, show_name, fate, topic, answer) in enumerate(
            BOX_MESSAGES):
        message = box.submit(session, box.BoxInput(
            kind=kind, subject=subject, text=text, name=name, consent_publish=consent,
            show_name=show_name))
        message.created_at = utcnow() - timedelta(days=40 - 6 * n)
        if fate == "published":
            box.answer(session, message, answer, chair or organiser, reply_privately=False,
                       publish=True, base_url=base_url, topic=topic,
                       now=message.created_at + timedelta(days=3))
        elif fate == "in_progress":
            box.assign(session, message, chair or organiser)
    session.execute(delete(OutboxMail).where(OutboxMail.kind == "box_answer"))
    session.flush()
    return len(BOX_MESSAGES)
