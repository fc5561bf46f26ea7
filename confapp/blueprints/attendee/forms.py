from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from confapp.forms import DeliverableEmail, Form
from confapp.models import Category, Event
from confapp.services.registration import RegistrationInput
from confapp.templating import CATEGORY_LABELS

REQUIRED = _l("This field is required.")
NO_WORKSHOP = ""


def _text(label, max_length, required=True):
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    validators.append(Length(max=max_length, message=_l("At most %(max)d characters.")))
    return StringField(label, validators=validators)


class RegistrationForm(Form):
    first_name = _text(_l("First name"), 100)
    last_name = _text(_l("Last name"), 100)
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(REQUIRED),
        DeliverableEmail(),
        Length(max=254, message=_l("At most %(max)d characters."))])
    organisation = _text(_l("Organisation"), 200)
    category = SelectField(_l("Which group do you belong to?"), validators=[DataRequired(REQUIRED)],
                           choices=[("", _l("Choose…"))] + [(c.value, label) for c, label
                                                             in CATEGORY_LABELS.items()])
    job_title = _text(_l("Job title"), 200)
    dietary_needs = TextAreaField(_l("Dietary needs (optional)"), validators=[Length(max=500)])
    accessibility_needs = TextAreaField(_l("Accessibility needs (optional)"),
                                        validators=[Length(max=500)])
    consent_participant_list = BooleanField(_l("Show my name, organisation and group on the "
                                               "participant list handed out at the event"))
    consent_photos = BooleanField(_l("I agree that photos in which I appear may be published"))
    access_code = _text(_l("Access code"), 100, required=False)
    submit = SubmitField(_l("Register"))

    workshop_slots: ClassVar[list[dict]] = []  # set per event by registration_form()

    @property
    def workshop_fields(self):
        return [self[slot["name"]] for slot in self.workshop_slots]

    def chosen_workshop_ids(self) -> list[int]:
        return [int(f.data) for f in self.workshop_fields if f.data and f.data.isdigit()]

    def to_input(self, locale: str) -> RegistrationInput:
        return RegistrationInput(
            first_name=self.first_name.data.strip(),
            last_name=self.last_name.data.strip(),
            email=self.email.data.strip(),
            organisation=self.organisation.data.strip(),
            category=Category(self.category.data),
            job_title=self.job_title.data.strip(),
            dietary_needs=(self.dietary_needs.data or "").strip(),
            accessibility_needs=(self.accessibility_needs.data or "").strip(),
            consent_participant_list=bool(self.consent_participant_list.data),
            consent_photos=bool(self.consent_photos.data),
            workshop_ids=self.chosen_workshop_ids(),
            locale=locale,
            access_code=(self.access_code.data or "") if "access_code" in self else "",
        )


def registration_form(event: Event, registration=None, **kwargs) -> RegistrationForm:
    """The registration form for one event: its workshops, and an access code if invite-only."""
    slots = _workshop_slots(event)
    attributes = {"workshop_slots": slots}
    if not event.invite_only or registration is not None:
        attributes["access_code"] = None  # WTForms drops a field set to None
    chosen = {c.agenda_item_id for c in registration.workshop_choices} if registration else set()
    for index, slot in enumerate(slots):
        slot["name"] = f"workshop_{index}"
        slot["held"] = {i.id for i in slot["items"] if i.id in chosen}  # kept even when full
        attributes[slot["name"]] = RadioField(
            _l("Workshop"),
            choices=[(NO_WORKSHOP, _l("No workshop"))] + [(str(i.id), i.title) for i in slot["items"]],
            default=NO_WORKSHOP, validators=[Optional()])
        picked = [str(i.id) for i in slot["items"] if i.id in chosen]
        kwargs.setdefault(slot["name"], picked[0] if picked else NO_WORKSHOP)
    form_class = type("EventRegistrationForm", (RegistrationForm,), attributes)
    return form_class(obj=registration, **kwargs)


def _workshop_slots(event: Event) -> list[dict]:
    """Workshops grouped into time slots: overlapping workshops are one choice."""
    slots: list[dict] = []
    for item in sorted(event.workshops, key=lambda i: (i.starts_at, i.position)):
        for slot in slots:
            if any(item.overlaps(other) for other in slot["items"]):
                slot["items"].append(item)
                break
        else:
            slots.append({"items": [item]})
    for slot in slots:
        start = min(i.starts_at for i in slot["items"])
        end = max(i.ends_at for i in slot["items"])
        slot["start"], slot["end"] = start, end
    return slots


class CancelForm(Form):
    submit = SubmitField(_l("Yes, cancel my registration"))
