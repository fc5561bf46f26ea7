from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from confapp.forms import Form
from confapp.services.users import MIN_PASSWORD_LENGTH, WeakPassword


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


def _long_enough(form, field) -> None:
    if len(field.data or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(WeakPassword.message)


class SetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password.")), _long_enough, Length(max=1000)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The same password again"), validators=[
        DataRequired(_l("Enter the password again.")),
        EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Save password"))
