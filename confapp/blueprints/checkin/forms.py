from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from confapp.forms import Form


class ScanForm(Form):
    payload = StringField(_l("Scan or type the ticket code"),
                          validators=[DataRequired(_l("Scan a ticket first.")), Length(max=300)])
    submit = SubmitField(_l("Check in"))
