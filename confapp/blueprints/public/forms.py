"""Forms of the public pages: the question box (Spørg Rådet) and the answers archive's search."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from confapp.forms import DeliverableEmail, Form
from confapp.models import BoxKind
from confapp.models.question_box import NAME_MAX, SUBJECT_MAX, TEXT_MAX
from confapp.services.question_box import EMAIL_MAX, TEXT_MIN, BoxInput
from confapp.templating import BOX_KIND_LABELS

REQUIRED = _l("This field is required.")
TOO_LONG = _l("At most %(max)d characters.")
ALL = ""


class BoxForm(Form):
    """Spørg Rådet: the form checks the shape, the service checks it again and stores it."""

    kind = RadioField(_l("What would you like to send?"), default=BoxKind.QUESTION.value,
                      choices=[(k.value, label) for k, label in BOX_KIND_LABELS.items()],
                      validators=[DataRequired(REQUIRED)])
    subject = StringField(_l("Subject"), validators=[
        DataRequired(REQUIRED), Length(max=SUBJECT_MAX, message=TOO_LONG)])
    text = TextAreaField(_l("Your message"), validators=[
        DataRequired(REQUIRED),
        Length(min=TEXT_MIN, message=_l("At least %(min)d characters.")),
        Length(max=TEXT_MAX, message=TOO_LONG)])
    name = StringField(_l("Name (optional)"), validators=[
        Optional(), Length(max=NAME_MAX, message=TOO_LONG)])
    email = EmailField(_l("E-mail (optional)"), validators=[
        Optional(), DeliverableEmail(), Length(max=EMAIL_MAX, message=TOO_LONG)])
    consent_publish = BooleanField(_l("You may publish my message and your answer on the "
                                      "council's »Questions and answers« page (never my e-mail "
                                      "address)"))
    show_name = BooleanField(_l("Also show my name with it"))

    def to_input(self, locale: str) -> BoxInput:
        return BoxInput(kind=self.kind.data, subject=self.subject.data or "",
                        text=self.text.data or "", name=self.name.data, email=self.email.data,
                        consent_publish=bool(self.consent_publish.data),
                        show_name=bool(self.show_name.data), locale=locale)


class ArchiveSearchForm(Form):
    """The GET search above the published answers; a bad value is left out, never a crash."""

    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search the questions and answers"),
                    validators=[Optional(), Length(max=200, message=TOO_LONG)])
    year = SelectField(_l("Year"), validators=[Optional()], choices=[(ALL, _l("All years"))])
    topic = SelectField(_l("Topic"), validators=[Optional()], choices=[(ALL, _l("All topics"))])

    def fill(self, years: list[int], topics: list[str]) -> "ArchiveSearchForm":
        self.year.choices = [(ALL, _l("All years"))] + [(str(y), str(y)) for y in years]
        self.topic.choices = [(ALL, _l("All topics"))] + [
            (t, t) for t in topics]
        self.validate()
        return self

    def _valid(self, field) -> str:
        value = "" if field.errors else (field.data or "").strip()
        if isinstance(field, SelectField) and value not in {str(k) for k, _ in field.choices}:
            return ""
        return value

    @property
    def search(self) -> dict:
        """The valid filters, as the service takes them."""
        year = self._valid(self.year)
        return {"q": self._valid(self.q), "year": int(year) if year.isdigit() else None,
                "topic": self._valid(self.topic) or None}

    def query_args(self) -> dict[str, str]:
        """The valid, non-empty filters, for the page links that keep them."""
        return {f.name: f.data for f in (self.q, self.year, self.topic)
                if f.data and not f.errors and self._valid(f)}
