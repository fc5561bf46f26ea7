"""What happened to a registration, for the organiser's detail view."""

from sqlalchemy.orm import Session

from confapp.models import Registration, RegistrationHistory


def record(session: Session, registration: Registration, action: str, actor: str = "",
           detail: str = "") -> None:
    session.add(RegistrationHistory(registration=registration, action=action, actor=actor,
                                    detail=detail))
