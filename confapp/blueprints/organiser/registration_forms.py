"""Forms of the organiser's registration pages: search, announcements, privacy requests."""

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from confapp.forms import Form
from confapp.models import Category, Event, MailStatus, RegistrationStatus
from confapp.services.registration_queries import MailFilter, RegistrationFilter
from confapp.templating import CATEGORY_LABELS, MAIL_STATUS_LABELS, STATUS_LABELS

REQUIRED = _l("This field is required.")
TOO_LONG = _l("At most %(max)d characters.")
ALL = ""

RECIPIENT_STATUSES = {
    "confirmed": (RegistrationStatus.CONFIRMED,),
    "waitlisted": (RegistrationStatus.WAITLISTED,),
    "both": (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED),
}


def _valid_value(field) -> str:
    """A search field's value when it is valid, else "" (the error is shown beside the field)."""
    value = "" if field.errors else (field.data or "").strip()
    # Optional() lets a blank value (" ") past the choice check: only real choices count.
    if isinstance(field, SelectField) and value not in {str(k) for k, _ in field.choices}:
        return ""
    return value


def _category_choices(first_label) -> list[tuple[str, str]]:
    return [(ALL, first_label)] + [(c.value, label) for c, label in CATEGORY_LABELS.items()]


class RegistrationFilterForm(Form):
    """The GET search above the registration list; a bad value is an error, never a crash."""

    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search name, e-mail or organisation"),
                    validators=[Optional(), Length(max=200, message=TOO_LONG)])
    status = SelectField(_l("Status"), validators=[Optional()], choices=[(ALL, _l("All"))] + [
        (s.value, label) for s, label in STATUS_LABELS.items()])
    category = SelectField(_l("Group"), validators=[Optional()],
                           choices=_category_choices(_l("All groups")))
    workshop = SelectField(_l("Workshop"), validators=[Optional()], choices=[(ALL, _l("All"))])

    def to_filter(self) -> RegistrationFilter:
        """The filter from the fields that are valid; invalid ones are left out (and shown)."""
        self.validate()
        workshop = _valid_value(self.workshop)
        return RegistrationFilter(
            q=_valid_value(self.q),
            status=RegistrationStatus(status) if (status := _valid_value(self.status)) else None,
            category=Category(group) if (group := _valid_value(self.category)) else None,
            workshop_id=int(workshop) if workshop.isdigit() else None,
        )

    def query_args(self) -> dict[str, str]:
        """The valid, non-empty filters, for links (pages, exports) that keep them."""
        return {f.name: f.data for f in (self.q, self.status, self.category, self.workshop)
                if f.data and not f.errors}


class OutboxFilterForm(Form):
    """The GET search above an event's outbox."""

    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search recipient or subject"),
                    validators=[Optional(), Length(max=200, message=TOO_LONG)])
    status = SelectField(_l("Status"), validators=[Optional()], choices=[(ALL, _l("All"))] + [
        (s.value, label) for s, label in MAIL_STATUS_LABELS.items()])

    def to_filter(self) -> MailFilter:
        self.validate()
        status = _valid_value(self.status)
        return MailFilter(q=_valid_value(self.q), status=MailStatus(status) if status else None)

    def query_args(self) -> dict[str, str]:
        """The valid, non-empty filters, for the page links."""
        return {f.name: f.data for f in (self.q, self.status) if f.data and not f.errors}


def filter_form(event: Event, args) -> RegistrationFilterForm:
    form = RegistrationFilterForm(formdata=args)
    form.workshop.choices = [(ALL, _l("All"))] + [(str(i.id), i.title) for i in event.workshops]
    return form


class CancelRegistrationForm(Form):
    submit = SubmitField(_l("Yes, cancel the registration"))


class MailLanguageForm(Form):
    """The registrant's language for mails, beside the public registration form."""

    class Meta:
        csrf = False  # posted with the registration form, which carries the token

    locale = SelectField(_l("Language of mails to the person"),
                         choices=[("da", "Dansk"), ("en", "English")], default="da",
                         validators=[DataRequired(REQUIRED)])


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class AnnouncementForm(Form):
    subject = StringField(_l("Subject"), validators=[
        DataRequired(REQUIRED), Length(max=300, message=TOO_LONG)])
    message = TextAreaField(_l("Message"), validators=[
        DataRequired(REQUIRED), Length(max=10000, message=TOO_LONG)])
    recipients = SelectField(_l("Send to"), default="confirmed", validators=[DataRequired(REQUIRED)],
                             choices=[("confirmed", _l("Confirmed participants")),
                                      ("waitlisted", _l("People on the waiting list")),
                                      ("both", _l("Both confirmed and waiting list"))])
    category = SelectField(_l("Only this group (optional)"), validators=[Optional()],
                           choices=_category_choices(_l("All groups")))
    # Made on GET and posted back: it is the announcement's key, so a double submit queues once.
    nonce = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    count = SubmitField(_l("Count recipients"))
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send the message"))

    def body(self) -> str:
        """The message with the browser's line breaks made plain, so paragraphs survive."""
        return self.message.data.replace("\r\n", "\n").strip()

    def statuses(self) -> tuple[RegistrationStatus, ...]:
        return RECIPIENT_STATUSES.get(self.recipients.data, RECIPIENT_STATUSES["confirmed"])

    def chosen_category(self) -> Category | None:
        """The group to send to; None for all groups (also for a value that is not a group)."""
        try:
            return Category(self.category.data) if self.category.data else None
        except ValueError:
            return None


class PersonForm(Form):
    """An organiser acts on a data subject's request by e-mail address."""

    email = EmailField(_l("The person's e-mail address"), validators=[
        DataRequired(REQUIRED),
        Email(message=_l("Enter a valid e-mail address, like name@example.dk."),
              check_deliverability=False),
        Length(max=254, message=TOO_LONG)])
    export = SubmitField(_l("Download the data (JSON)"))
    erase = SubmitField(_l("Erase the data…"))


class EraseForm(Form):
    email = HiddenField(validators=[DataRequired(REQUIRED), Length(max=254)])
    submit = SubmitField(_l("Yes, erase all data about this address"))
