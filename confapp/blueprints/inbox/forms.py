"""Forms of the question box's inbox. Each carries the version of the message the person saw,
so that the service can tell them when someone else changed it in the meantime."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from confapp.forms import Form
from confapp.models import BoxMessage
from confapp.models.question_box import TOPIC_MAX
from confapp.services.question_box import ANSWER_MAX

REQUIRED = _l("This field is required.")
TOO_LONG = _l("At most %(max)d characters.")
NOBODY = ""


def _plausible_version(form, field) -> None:
    # Not NumberRange: it compares through float, which a tampered 400-digit number overflows.
    if field.data is not None and not 1 <= field.data <= 2**31 - 1:
        raise ValidationError(_l("Not a valid integer value."))


class VersionedForm(Form):
    version = IntegerField(_l("Version of the message"), widget=HiddenInput(), validators=[
        InputRequired(), _plausible_version])

    def seen(self, message: BoxMessage) -> "VersionedForm":
        """Before the form is shown: the version the person is looking at."""
        if not self.is_submitted():
            self.version.data = message.version
        return self


class AnswerForm(VersionedForm):
    answer = TextAreaField(_l("Answer"), validators=[
        DataRequired(REQUIRED), Length(max=ANSWER_MAX, message=TOO_LONG)])
    reply_privately = BooleanField(_l("Reply privately by mail"))
    publish = BooleanField(_l("Publish the question and the answer on the public page"))
    topic = StringField(_l("Topic (optional)"), validators=[
        Optional(), Length(max=TOPIC_MAX, message=TOO_LONG)])


class AssignForm(VersionedForm):
    assignee = SelectField(_l("Assigned to"), choices=[(NOBODY, _l("Nobody"))],
                           validators=[Optional()])

    def with_staff(self, staff) -> "AssignForm":
        self.assignee.choices = [(NOBODY, _l("Nobody"))] + [
            (str(user.id), user.name or user.email) for user in staff]
        return self


class TopicForm(VersionedForm):
    topic = StringField(_l("Topic"), validators=[
        Optional(), Length(max=TOPIC_MAX, message=TOO_LONG)])


class ActionForm(VersionedForm):
    """Publish, take off the public page, or close without an answer: only the version."""
