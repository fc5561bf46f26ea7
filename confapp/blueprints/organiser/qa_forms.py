"""Forms of the organiser's Q&A pages: a session's settings, moderation, merging, written answers."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from confapp.blueprints.organiser.forms import _utc, _when
from confapp.forms import Form
from confapp.models import QAAudience, QuestionStatus
from confapp.services import qa

# What each status is called on the organiser's pages and in the exports.
QA_STATUS_LABELS = {
    QuestionStatus.PENDING: _l("Awaiting moderation"),
    QuestionStatus.APPROVED: _l("Approved"),
    QuestionStatus.REJECTED: _l("Rejected"),
    QuestionStatus.ANSWERED: _l("Answered"),
    QuestionStatus.MERGED: _l("Merged"),
}
AUDIENCE_LABELS = {
    QAAudience.ANYONE: _l("Anyone with the event's Q&A link or join code"),
    QAAudience.REGISTRANTS: _l("Registered participants only, through their personal link"),
}
# The moderation buttons of the queue; merging has a page of its own (it needs a choice).
MODERATION_ACTIONS = ("approve", "reject", "answer", "pin", "unpin", "edit")
MAX_REASON = 1000
MAX_ANSWER = 5000
REQUIRED = _l("This field is required.")


def _plausible_version(form, field) -> None:
    """A version number as posted back, kept inside the database's integer (not NumberRange:
    it turns the number into a float, which fails for a tampered 100-digit one)."""
    if field.data is not None and not 1 <= field.data <= 2**31 - 1:
        raise ValidationError(_l("This page is out of date. Reload it and try again."))


class QASettingsForm(Form):
    """Turning questions on for an agenda item, or changing when and how it takes them."""

    opens_at = _when(_l("Questions open"), required=False)
    closes_at = _when(_l("Questions close"), required=False)
    premoderated = BooleanField(_l("Pre-moderate questions (a moderator approves each one "
                                   "before it is shown)"))
    anonymous_allowed = BooleanField(_l("Allow anonymous questions"))
    audience = RadioField(_l("Who may ask and vote"), default=QAAudience.ANYONE.value,
                          choices=[(a.value, label) for a, label in AUDIENCE_LABELS.items()],
                          validators=[InputRequired(REQUIRED)])

    def validate_closes_at(self, field) -> None:
        # Against an opening time that was posted and valid; the service checks again.
        if self.opens_at.data and not self.opens_at.errors and field.data \
                and field.data <= self.opens_at.data:
            raise ValidationError(qa.InvalidWindow.message)

    def to_settings(self) -> qa.QASettings:
        return qa.QASettings(
            opens_at=_utc(self.opens_at.data), closes_at=_utc(self.closes_at.data),
            premoderated=bool(self.premoderated.data),
            anonymous_allowed=bool(self.anonymous_allowed.data),
            audience=QAAudience(self.audience.data))


class ModerationForm(Form):
    """One moderator's action on one question, with the version of it they saw."""

    action = SelectField(choices=[(a, a) for a in MODERATION_ACTIONS],
                         validators=[InputRequired(REQUIRED)])
    seen_version = IntegerField(widget=HiddenInput(),
                                validators=[InputRequired(REQUIRED), _plausible_version])
    reason = TextAreaField(_l("Reason (never shown publicly; mailed to the asker if they left "
                              "an e-mail address)"),
                           validators=[Length(max=MAX_REASON,
                                              message=_l("At most %(max)d characters."))])
    text = TextAreaField(_l("Question text"), validators=[
        Length(max=qa.asking.MAX_LENGTH, message=_l("At most %(max)d characters."))])

    def validate_text(self, field) -> None:
        if self.action.data == "edit" and not (field.data or "").strip():
            raise ValidationError(REQUIRED)

    def validate(self, extra_validators=None) -> bool:
        """Only the box of the button pressed counts: the reason for "reject", the text for
        "edit" (the others are not part of the action, whatever was posted in them)."""
        if super().validate(extra_validators):
            return True
        for name, action in (("reason", "reject"), ("text", "edit")):
            if self.action.data != action:
                self[name].errors = []
        self._errors = None  # recomputed from the fields
        return not any(field.errors for field in self)


class MergeForm(Form):
    """Fold a duplicate into another question of the same session."""

    into = SelectField(_l("Merge into"), choices=[], validators=[InputRequired(REQUIRED)],
                       validate_choice=False)
    seen_version = IntegerField(_l("The question as you saw it"), widget=HiddenInput(),
                                validators=[InputRequired(REQUIRED), _plausible_version])

    def validate_into(self, field) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a question of this session."))


def written_answers_form(questions) -> Form:
    """One answer box per question awaiting a written answer, with the version it was shown in."""

    class WrittenAnswersForm(Form):
        pass

    for question in questions:
        setattr(WrittenAnswersForm, f"answer_{question.id}", TextAreaField(
            _l("Written answer"), validators=[
                Length(max=MAX_ANSWER, message=_l("At most %(max)d characters."))]))
        setattr(WrittenAnswersForm, f"version_{question.id}", IntegerField(
            widget=HiddenInput(), default=question.version,
            validators=[InputRequired(REQUIRED), _plausible_version]))
    return WrittenAnswersForm()
