from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from confapp.forms import DeliverableEmail, Form
from confapp.services import qa
from confapp.templating import CATEGORY_LABELS

ORDERS = ("votes", "newest")


def _question_text(form, field) -> None:
    """The service's own length rule, so the message next to the field is the same."""
    try:
        qa.clean_text(field.data or "")
    except qa.QAError as error:
        raise ValidationError(str(error.message)) from None


class AskForm(Form):
    text = TextAreaField(_l("Your question"), validators=[_question_text])
    name = StringField(_l("Name"), validators=[
        Length(max=200, message=_l("At most %(max)d characters."))])
    organisation = StringField(_l("Organisation (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    category = SelectField(
        # No Optional(): it would clear the "Not a valid choice" of a value never offered.
        _l("Which group do you belong to? (optional)"),
        choices=[("", _l("Prefer not to say"))] + [(c.value, label) for c, label
                                                    in CATEGORY_LABELS.items()])
    anonymous = BooleanField(_l("Ask anonymously (your name, organisation and e-mail are not "
                                "stored)"))
    email = EmailField(_l("E-mail (optional)"), validators=[
        Optional(), DeliverableEmail(),
        Length(max=254, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Send question"))

    def validate_name(self, field) -> None:
        if not self.anonymous.data and not (field.data or "").strip():
            raise ValidationError(_l("Write your name, or ask anonymously.")
                                  if self.anonymous_offered else _l("Write your name."))

    anonymous_offered = True  # set per session by the view
