"""The base form: CSRF from Flask-WTF, the control-character rule (``text_rules``) on every
text field, and WTForms' own messages in our catalogue.

WTForms ships no Danish translation, so its built-in messages are looked up in
confapp's catalogue instead (they are listed below so that extraction finds them).
"""

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import Email, ValidationError

from confapp.text_rules import clean_line, clean_text


class _BabelTranslations:
    """WTForms' translations interface on top of our catalogue.

    WTForms formats the message itself (``message % dict(min=…, max=…)``), so the string is
    looked up without Flask-Babel's formatting: its ``ngettext`` would format with ``num`` only
    and fail on ``%(max)d``.
    """

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()

        def bind_field(self, form, unbound_field, options):
            # Every text field of every form gets the control-character rule before validation.
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                rule = clean_text if issubclass(field_class, TextAreaField) else clean_line
                options["filters"] = (rule, *(unbound_field.kwargs.get("filters") or ()),
                                      *(options.get("filters") or ()))
            return unbound_field.bind(form=form, **options)


class DeliverableEmail:
    """An address our mail can reach, with the reason in words when it cannot.

    International domains (``blåvand.dk``) are fine: Flask-Mail sends them as IDNA. A local part
    outside ASCII (``søren@…``) needs SMTPUTF8 at every server on the way, which many Danish
    public-sector servers do not offer, so the form refuses it instead of a mail failing later.
    """

    def __init__(self, message=None):
        self.email = Email(message=message or _l("Enter a valid e-mail address, like "
                                                 "name@example.dk."),
                           check_deliverability=False, allow_smtputf8=False)

    def __call__(self, form, field) -> None:
        local_part = (field.data or "").rpartition("@")[0]
        if not local_part.isascii():
            raise ValidationError(_l("The part before the @ can only use the letters a–z, digits "
                                     "and signs such as . - _ (not æ, ø or å). Please use "
                                     "another address."))
        self.email(form, field)


# WTForms' built-in messages that our fields can show.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Not a valid choice."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid input."),
    # Listed for extraction only; WTForms fills in min and max itself.
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.",
                  "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
)
