"""Forms of the administration pages: accounts and site settings."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from confapp.forms import DeliverableEmail, Form
from confapp.models import Role
from confapp.services.settings import MAX_DAYS, MAX_LENGTHS, SETTING_NAMES
from confapp.templating import ROLE_LABELS

REQUIRED = _l("This field is required.")
LOCALE_CHOICES = [("da", "Dansk"), ("en", "English")]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; a value the page never offered gets our own message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        offered = {str(value) for value, _label in self.choices}
        if any(str(value) not in offered for value in self.data or ()):
            raise ValidationError(_l("Not a valid choice."))


def _at_least_one(form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose at least one role."))


def _roles_field():
    return CheckboxesField(_l("Roles"), choices=[(r.value, ROLE_LABELS[r]) for r in Role],
                           validators=[_at_least_one])


class AccountForm(Form):
    """An account's name, roles and mail language (the page for one account)."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    roles = _roles_field()
    locale = SelectField(_l("Language of mails"), choices=LOCALE_CHOICES, default="da")
    submit = SubmitField(_l("Save"))

    @property
    def role_set(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or ()}


class NewAccountForm(AccountForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254),
                                                 DeliverableEmail()])
    send_link = BooleanField(_l("Send a mail with a link to choose a password"), default=True)
    submit = SubmitField(_l("Create account"))


# The settings' names as shown, on the settings page and in the audit log.
SETTING_LABELS = {
    "council_name": _l("Council name as shown"),
    "mail_sender_name": _l("Sender name of mails"),
    "mail_sender_address": _l("Sender address of mails"),
    "privacy_contact": _l("Contact about personal data"),
    "retention_days": _l("Keep personal data for (days after the event)"),
    "needs_retention_days": _l("Keep dietary and accessibility needs for (days after the event)"),
}


def _text_setting(name: str, *validators):
    return StringField(SETTING_LABELS[name], validators=[
        *validators, Length(max=MAX_LENGTHS[name])])


def _days_in_range(form, field) -> None:
    # Not NumberRange: it compares through float, which a 400-digit number overflows.
    if field.data is not None and not 1 <= field.data <= MAX_DAYS:
        raise ValidationError(_l("Enter a number of days from 1 to %(max)d.", max=MAX_DAYS))


def _days_setting(name: str):
    return IntegerField(SETTING_LABELS[name], validators=[InputRequired(REQUIRED),
                                                          _days_in_range])


class SettingsForm(Form):
    council_name = _text_setting("council_name", DataRequired(REQUIRED))
    mail_sender_name = _text_setting("mail_sender_name", DataRequired(REQUIRED))
    mail_sender_address = EmailField(SETTING_LABELS["mail_sender_address"], validators=[
        DataRequired(REQUIRED), Length(max=MAX_LENGTHS["mail_sender_address"]),
        DeliverableEmail()])
    privacy_contact = _text_setting("privacy_contact", Optional())
    retention_days = _days_setting("retention_days")
    needs_retention_days = _days_setting("needs_retention_days")
    submit = SubmitField(_l("Save settings"))

    def values(self) -> dict:
        """The posted settings, by name, for ``settings.update``."""
        values = {name: self[name].data for name in SETTING_NAMES}
        values["privacy_contact"] = values["privacy_contact"] or ""
        return values
