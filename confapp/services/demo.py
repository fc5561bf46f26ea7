"""The realistic demo: the council's year of conferences and meetings.

Loading is idempotent: events are found by title and accounts by e-mail, so a
second run adds nothing.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from confapp.models import AgendaItemKind as K
from confapp.models import (
    Category,
    Event,
    EventKind,
    OutboxMail,
    Registration,
    RegistrationSource,
    Role,
)
from confapp.models.base import utcnow
from confapp.services import demo_questions, users
from confapp.services import events as event_service
from confapp.services import registration as registrations
from confapp.services.events import AgendaItemInput, EventInput
from confapp.services.registration import RegistrationInput, Site, use_site
from confapp.timezones import local_to_utc

DEMO_PASSWORD = "demo-password-2027"

DEMO_ACCOUNTS = [
    ("organiser@example.dk", "Mette Kjær", {Role.ORGANISER}),
    ("formand@example.dk", "Hans Brix", {Role.CHAIR}),
    ("naestformand@example.dk", "Lone Dahl", {Role.VICE_CHAIR}),
    ("admin@example.dk", "Søren Vad", {Role.ADMINISTRATOR, Role.ORGANISER}),
]


def _t(text: str) -> datetime:
    """'2027-05-12 09:00' in Copenhagen time → aware UTC."""
    return local_to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


@dataclass
class DemoEvent:
    data: EventInput
    agenda: list[AgendaItemInput]
    published: bool = True


def _item(kind, title, start, end, room="", speakers="", description="",
          capacity=None) -> AgendaItemInput:
    return AgendaItemInput(kind=kind, title=title, starts_at=_t(start), ends_at=_t(end), room=room,
                           speakers=speakers, description=description, capacity=capacity)


def demo_events() -> list[DemoEvent]:
    day = "2027-05-12"
    conference = DemoEvent(
        EventInput(
            kind=EventKind.CONFERENCE,
            title="Beskæftigelseskonferencen 2027",
            description=(
                "Den årlige beskæftigelseskonference for jobcentre, kommuner, LBR, a-kasser, "
                "uddannelsesinstitutioner og faglige organisationer. Temaet er rekruttering og "
                "opkvalificering i et stramt arbejdsmarked – med god tid til spørgsmål og debat."
            ),
            venue="Aarhus Kongrescenter",
            address="Thomas Jensens Allé 1, 8000 Aarhus C",
            starts_at=_t(f"{day} 09:00"),
            ends_at=_t(f"{day} 16:00"),
            capacity=300,
            registration_opens_at=_t("2026-11-01 09:00"),
            registration_closes_at=_t("2027-05-01 23:59"),
            contact_name="Mette Kjær",
            contact_email="konference@example.dk",
        ),
        [
            _item(K.MEAL, "Registrering og morgenmad", f"{day} 09:00", f"{day} 09:30", "Foyer"),
            _item(K.TALK, "Velkomst og åbningstale", f"{day} 09:30", f"{day} 09:50", "Store Sal",
                  "Hans Brix, formand for Det Regionale Beskæftigelsesråd"),
            _item(K.TALK, "Arbejdsmarkedet i Midtjylland frem mod 2030", f"{day} 09:50",
                  f"{day} 10:30", "Store Sal", "Anne Thorsen, direktør, Beskæftigelsesregionen"),
            _item(K.QA, "Spørgsmål og debat", f"{day} 10:30", f"{day} 11:00", "Store Sal",
                  "Anne Thorsen, Hans Brix"),
            _item(K.BREAK, "Pause", f"{day} 11:00", f"{day} 11:15"),
            _item(K.WORKSHOP, "Workshop A: Virksomhedsrettet indsats", f"{day} 11:15",
                  f"{day} 12:30", "Lokale 1", "Jobcenter Aarhus", capacity=100),
            _item(K.WORKSHOP, "Workshop B: Unge uden uddannelse", f"{day} 11:15", f"{day} 12:30",
                  "Lokale 2", "UU Djursland, VIA University College", capacity=80),
            _item(K.WORKSHOP, "Workshop C: Opkvalificering af ledige", f"{day} 11:15",
                  f"{day} 12:30", "Lokale 3", "3F Midtjylland, FOA", capacity=60),
            _item(K.MEAL, "Frokost", f"{day} 12:30", f"{day} 13:30", "Restauranten"),
            _item(K.DEBATE, "Paneldebat: Hvem skal løse rekrutteringsudfordringen?", f"{day} 13:30",
                  f"{day} 14:30", "Store Sal",
                  "Dansk Arbejdsgiverforening, 3F Midtjylland, LBR Syddjurs, STAR"),
            _item(K.QA, "Spørgsmål fra salen", f"{day} 14:30", f"{day} 15:15", "Store Sal"),
            _item(K.TALK, "Opsamling og afslutning", f"{day} 15:15", f"{day} 16:00", "Store Sal",
                  "Lone Dahl, næstformand"),
        ],
    )
    regional = DemoEvent(
        EventInput(
            kind=EventKind.REGIONAL_MEETING,
            title="Regionalt møde for jobcenterchefer",
            description="Status på beskæftigelsesindsatsen og drøftelse af de regionale mål for 2027.",
            venue="Jobcenter Herning, mødesal 2",
            address="Fredhøjvej 4, 7400 Herning",
            starts_at=_t("2027-01-20 10:00"),
            ends_at=_t("2027-01-20 14:00"),
            capacity=40,
            registration_opens_at=_t("2026-11-15 09:00"),
            registration_closes_at=_t("2027-01-13 12:00"),
            contact_name="Mette Kjær",
            contact_email="konference@example.dk",
        ),
        [
            _item(K.TALK, "Status på målopfyldelsen", "2027-01-20 10:00", "2027-01-20 11:00",
                  speakers="Beskæftigelsesregionen"),
            _item(K.QA, "Spørgsmål og debat", "2027-01-20 11:00", "2027-01-20 11:45"),
            _item(K.MEAL, "Frokost", "2027-01-20 11:45", "2027-01-20 12:30"),
            _item(K.DEBATE, "De regionale mål for 2027", "2027-01-20 12:30", "2027-01-20 14:00"),
        ],
    )
    theme = DemoEvent(
        EventInput(
            kind=EventKind.THEME_MEETING,
            title="Temamøde: Rekruttering i et stramt arbejdsmarked",
            description="Hvordan hjælper jobcentre og a-kasser virksomheder med at finde arbejdskraft?",
            venue="VIA University College, Campus Viborg",
            address="Prinsens Allé 2, 8800 Viborg",
            starts_at=_t("2027-02-25 13:00"),
            ends_at=_t("2027-02-25 16:30"),
            capacity=80,
            registration_opens_at=_t("2026-11-20 09:00"),
            registration_closes_at=_t("2027-02-18 12:00"),
            contact_name="Jonas Lund",
            contact_email="temamoede@example.dk",
        ),
        [
            _item(K.TALK, "Virksomhedernes behov", "2027-02-25 13:00", "2027-02-25 13:45",
                  speakers="Dansk Arbejdsgiverforening"),
            _item(K.TALK, "Erfaringer fra Jobcenter Herning", "2027-02-25 13:45", "2027-02-25 14:30",
                  speakers="Jobcenter Herning"),
            _item(K.BREAK, "Kaffepause", "2027-02-25 14:30", "2027-02-25 14:45"),
            _item(K.QA, "Spørgsmål og debat", "2027-02-25 14:45", "2027-02-25 16:30"),
        ],
    )
    council = DemoEvent(
        EventInput(
            kind=EventKind.COUNCIL_MEETING,
            title="Rådsmøde december 2026",
            description="Ordinært møde i Det Regionale Beskæftigelsesråd. Mødet er åbent for offentligheden.",
            venue="Beskæftigelsesregionen, Aarhus",
            address="Søren Frichs Vej 38, 8230 Åbyhøj",
            starts_at=_t("2026-12-10 13:00"),
            ends_at=_t("2026-12-10 15:30"),
            capacity=25,
            registration_opens_at=_t("2026-11-01 09:00"),
            registration_closes_at=_t("2026-12-08 12:00"),
            contact_name="Søren Vad",
            contact_email="raadet@example.dk",
        ),
        [
            _item(K.TALK, "1. Godkendelse af dagsorden", "2026-12-10 13:00", "2026-12-10 13:10"),
            _item(K.TALK, "2. Beskæftigelsesplan 2027", "2026-12-10 13:10", "2026-12-10 14:10"),
            _item(K.TALK, "3. Kommunikationsstrategi og evaluering", "2026-12-10 14:10",
                  "2026-12-10 14:50"),
            _item(K.QA, "4. Spørgsmål fra offentligheden", "2026-12-10 14:50", "2026-12-10 15:30"),
        ],
    )
    past = DemoEvent(
        EventInput(
            kind=EventKind.LOCAL_MEETING,
            title="Lokalt møde: LBR Syddjurs og jobcentret",
            description="Dialogmøde om samarbejdet mellem LBR og jobcentret.",
            venue="Syddjurs Rådhus",
            address="Lundbergsvej 2, 8400 Ebeltoft",
            starts_at=_t("2026-10-08 14:00"),
            ends_at=_t("2026-10-08 16:00"),
            capacity=30,
            registration_opens_at=_t("2026-09-01 09:00"),
            registration_closes_at=_t("2026-10-06 12:00"),
            contact_name="Jonas Lund",
            contact_email="temamoede@example.dk",
        ),
        [
            _item(K.TALK, "Samarbejdet i dag", "2026-10-08 14:00", "2026-10-08 14:45",
                  speakers="LBR Syddjurs"),
            _item(K.QA, "Spørgsmål og debat", "2026-10-08 14:45", "2026-10-08 16:00"),
        ],
    )
    return [conference, regional, theme, council, past]


FIRST_NAMES = [
    "Anne", "Mette", "Lars", "Søren", "Jens", "Hanne", "Pia", "Henrik", "Kirsten", "Morten",
    "Louise", "Rasmus", "Camilla", "Jesper", "Line", "Thomas", "Birgitte", "Niels", "Signe",
    "Ole", "Ida", "Mads", "Karen", "Anders", "Maja", "Frederik", "Lene", "Peter", "Sofie", "Bo",
    "Trine", "Kasper", "Jette", "Martin", "Helle", "Mikkel", "Gitte", "Jakob", "Dorthe", "Emil",
]
LAST_NAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Østergaard", "Kjær", "Dahl",
    "Bøgh", "Lauridsen", "Vestergaard", "Bach", "Frandsen", "Holm", "Skov",
]
ORGANISATIONS = [
    ("Jobcenter Aarhus", Category.JOBCENTRE, "Jobkonsulent"),
    ("Jobcenter Herning", Category.JOBCENTRE, "Afdelingsleder"),
    ("Jobcenter Randers", Category.JOBCENTRE, "Virksomhedskonsulent"),
    ("Jobcenter Viborg", Category.JOBCENTRE, "Jobcenterchef"),
    ("Silkeborg Kommune", Category.MUNICIPALITY_ADMINISTRATION, "Chefkonsulent"),
    ("Horsens Kommune", Category.MUNICIPALITY_POLITICIAN, "Formand for beskæftigelsesudvalget"),
    ("LBR Syddjurs", Category.LBR_RAR, "Formand"),
    ("LBR Skive", Category.LBR_RAR, "Sekretær"),
    ("3F Midtjylland", Category.UNION, "Faglig sekretær"),
    ("FOA", Category.UNION, "Konsulent"),
    ("HK Midt", Category.A_KASSE, "A-kasserådgiver"),
    ("VIA University College", Category.EDUCATION, "Lektor"),
    ("UU Djursland", Category.EDUCATION, "UU-vejleder"),
    ("Dansk Arbejdsgiverforening", Category.EMPLOYER_ORG, "Arbejdsmarkedspolitisk konsulent"),
    ("STAR", Category.AGENCY, "Fuldmægtig"),
    ("Grundfos", Category.COMPANY, "HR-partner"),
    ("Jyllands-Posten", Category.PRESS, "Journalist"),
]
# Event title → how many demo registrants it gets (more than the seats means a waiting list).
DEMO_REGISTRANTS = {
    "Beskæftigelseskonferencen 2027": 240,
    "Regionalt møde for jobcenterchefer": 44,
    "Temamøde: Rekruttering i et stramt arbejdsmarked": 55,
    "Rådsmøde december 2026": 12,
    "Lokalt møde: LBR Syddjurs og jobcentret": 26,
}


def _people(rng: random.Random, count: int, event_id: int):
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        organisation, category, title = rng.choice(ORGANISATIONS)
        domain = rng.choice(["example.org", "example.dk"])
        yield RegistrationInput(
            first_name=first, last_name=last,
            email=f"{first}.{last}.{event_id}.{n}@{domain}".lower().replace("ø", "oe")
            .replace("æ", "ae").replace("å", "aa"),
            organisation=organisation, category=category, job_title=title,
            dietary_needs=rng.choice(["", "", "", "", "Vegetar", "Glutenfri"]),
            accessibility_needs=rng.choice([""] * 15 + ["Kørestol"]),
            consent_participant_list=rng.random() < 0.7,
            consent_photos=rng.random() < 0.5,
            locale="da" if rng.random() < 0.9 else "en",
        )


def _load_registrants(session: Session, event: Event, count: int) -> int:
    """Demo registrants through the real rules; their confirmation mails are not kept."""
    rng = random.Random(f"{event.title}-2027")
    workshops = event.workshops
    created = []
    for data in _people(rng, count, event.id):
        if workshops:
            data.workshop_ids = [rng.choice(workshops).id] if rng.random() < 0.85 else []
        try:
            with session.begin_nested():  # a full workshop undoes only this registration
                reg = registrations.register(session, event, data, actor="demo",
                                             source=RegistrationSource.ORGANISER,
                                             check_window=False)
        except registrations.WorkshopProblem:
            data.workshop_ids = []
            reg = registrations.register(session, event, data, source=RegistrationSource.ORGANISER,
                                         actor="demo", check_window=False)
        created.append(reg)
    if event.ends_at < utcnow():  # the finished meeting: most people came
        for reg in created:
            if reg.status == "confirmed" and rng.random() < 0.85:
                reg.checked_in_at = event.starts_at - timedelta(minutes=rng.randint(0, 25))
    session.execute(delete(OutboxMail).where(OutboxMail.event_id == event.id))
    session.flush()
    return len(created)


def load_demo(session: Session, site: Site | None = None) -> dict:
    """Create the demo accounts, events and registrants that are missing; return what was created."""
    use_site(session, site or Site(base_url="http://127.0.0.1:5000", secret_key="demo"))
    created_accounts = []
    for email, name, roles in DEMO_ACCOUNTS:
        if users.find_user(session, email) is None:
            users.create_user(session, email, DEMO_PASSWORD, roles, name=name)
            created_accounts.append(email)
    created_events = []
    for demo in demo_events():
        if session.scalar(select(Event.id).where(Event.title == demo.data.title)):
            continue
        event = event_service.create_event(session, demo.data)
        for item in demo.agenda:
            event_service.add_agenda_item(session, event, item)
        event_service.set_published(session, event, demo.published)
        created_events.append(event.title)
    created_registrants = 0
    for title, count in DEMO_REGISTRANTS.items():
        event = session.scalar(select(Event).where(Event.title == title))
        has_any = session.scalar(select(func.count(Registration.id))
                                 .where(Registration.event_id == event.id))
        if event is not None and not has_any:
            created_registrants += _load_registrants(session, event, count)
    session.flush()
    questions = demo_questions.load_questions(
        session, "Beskæftigelseskonferencen 2027", "Lokalt møde: LBR Syddjurs og jobcentret")
    box_messages = demo_questions.load_box(session, (site.base_url if site else
                                                     "http://127.0.0.1:5000"))
    return {"accounts": created_accounts, "events": created_events,
            "registrants": created_registrants, "questions": questions,
            "box_messages": box_messages}
