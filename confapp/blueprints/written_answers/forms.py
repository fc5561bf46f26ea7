"""The written-answers form: one answer box per question, with the version it was shown in."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from confapp.forms import Form, plausible_version

MAX_ANSWER = 5000


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
            validators=[InputRequired(_l("This field is required.")), plausible_version]))
    return WrittenAnswersForm()
