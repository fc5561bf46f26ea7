from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from confapp.forms import Form
from confapp.models import AgendaItemKind, EventKind
from confapp.services.events import AgendaItemInput, EventInput
from confapp.templating import AGENDA_KIND_LABELS, EVENT_KIND_LABELS
from confapp.timezones import local_to_utc

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
REQUIRED = _l("This field is required.")
BAD_DATETIME = _l("Enter a date and time, e.g. 2027-05-12 09:00.")


# Far outside these years a date is a typing error, and year 1 cannot even be shifted to UTC.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# More seats than any venue has; also keeps the number inside the database's integer.
MAX_CAPACITY = 100_000


def _plausible_year(form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date between the years %(first)d and %(last)d.",
                                 first=FIRST_YEAR, last=LAST_YEAR))


def _when(label, required: bool = True):
    validators = [InputRequired(REQUIRED)] if required else [Optional()]
    return DateTimeLocalField(label, format=DATETIME_FORMAT,
                              validators=[*validators, _plausible_year])


def _ends_after_starts(form, field) -> None:
    # Checked here too so that every error shows at once, not one round-trip at a time. Only
    # against a start that was posted and valid: otherwise it is the stored, UTC value.
    if form.starts_at.raw_data and not form.starts_at.errors and form.starts_at.data \
            and field.data and field.data <= form.starts_at.data:
        raise ValidationError(_l("The end must be after the start."))


def _seat_count(form, field) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError(_l("The capacity cannot be negative."))
    if field.data is not None and field.data > MAX_CAPACITY:
        raise ValidationError(_l("At most %(max)d seats.", max=MAX_CAPACITY))


def _utc(value):
    return local_to_utc(value) if value else None


class EventForm(Form):
    kind = SelectField(_l("Kind of event"), choices=[(k.value, v) for k, v in EVENT_KIND_LABELS.items()],
                       validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Title"), validators=[
        DataRequired(REQUIRED), Length(max=200, message=_l("At most %(max)d characters."))])
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    online_url = URLField(_l("Online link"), validators=[
        Optional(), URL(message=_l("Enter a full web address, starting with https://.")),
        Length(max=500)])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[
        InputRequired(REQUIRED), _seat_count])
    registration_opens_at = _when(_l("Registration opens"), required=False)
    registration_closes_at = _when(_l("Registration closes"), required=False)
    invite_only = BooleanField(_l("By invitation only (registrants must give an access code)"))
    access_code = StringField(_l("Access code"), validators=[Length(max=100)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[
        Optional(), Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        Length(max=254)])
    submit = SubmitField(_l("Save"))

    validate_ends_at = _ends_after_starts

    def to_input(self) -> EventInput:
        return EventInput(
            kind=EventKind(self.kind.data),
            title=self.title.data.strip(),
            description=self.description.data or "",
            starts_at=_utc(self.starts_at.data),
            ends_at=_utc(self.ends_at.data),
            venue=self.venue.data or "",
            address=self.address.data or "",
            online_url=self.online_url.data or "",
            capacity=self.capacity.data,
            registration_opens_at=_utc(self.registration_opens_at.data),
            registration_closes_at=_utc(self.registration_closes_at.data),
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            invite_only=bool(self.invite_only.data),
            access_code=(self.access_code.data or "").strip(),
        )


class AgendaItemForm(Form):
    kind = SelectField(_l("Kind"), choices=[(k.value, v) for k, v in AGENDA_KIND_LABELS.items()],
                       validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Title"), validators=[
        DataRequired(REQUIRED), Length(max=200, message=_l("At most %(max)d characters."))])
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    room = StringField(_l("Room"), validators=[Length(max=120)])
    speakers = StringField(_l("Speakers"), validators=[Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    capacity = IntegerField(_l("Seats in this workshop"), validators=[Optional(), _seat_count])
    submit = SubmitField(_l("Save item"))

    validate_ends_at = _ends_after_starts

    def to_input(self) -> AgendaItemInput:
        return AgendaItemInput(
            kind=AgendaItemKind(self.kind.data),
            title=self.title.data.strip(),
            starts_at=_utc(self.starts_at.data),
            ends_at=_utc(self.ends_at.data),
            room=self.room.data or "",
            speakers=self.speakers.data or "",
            description=self.description.data or "",
            capacity=self.capacity.data if self.kind.data == AgendaItemKind.WORKSHOP else None,
        )


class CopyEventForm(Form):
    """Copy an event to a new date: the agenda and registration dates move with it."""

    starts_on = DateField(_l("New start date"), validators=[InputRequired(REQUIRED),
                                                            _plausible_year])
    title = StringField(_l("Title of the copy"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Copy the event"))
