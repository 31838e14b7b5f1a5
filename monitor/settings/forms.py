"""Forms of the administrators' console."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField


class UserForm(FlaskForm):
    """A user's name, e-mail, password, rights and the Activity flag."""

    name = StringField(_l("Name"))
    email = EmailField(_l("E-mail"))
    password = PasswordField(_l("Password"))
    is_admin = BooleanField(_l("Administrator"))
    can_export = BooleanField(_l("Export"))
    is_active = BooleanField(_l("Activity"), default=True)
