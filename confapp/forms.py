"""The base form: CSRF from Flask-WTF and WTForms' own messages in our catalogue.

WTForms ships no Danish translation, so its built-in messages are looked up in
confapp's catalogue instead (they are listed below so that extraction finds them).
"""

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm


class _BabelTranslations:
    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()


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
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
)
