"""Sign-in and profile forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, InputRequired


class LoginForm(FlaskForm):
    """E-mail, password, remember me."""

    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    remember = BooleanField(_l("Remember me"))


class PasswordForm(FlaskForm):
    """A user's own password change."""

    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(_l("New password"), validators=[InputRequired()])


class LanguageForm(FlaskForm):
    """A user's interface language."""

    language = SelectField(
        _l("Interface language"),
        choices=[("", _l("As in the browser")), ("en", "English"), ("ru", "Русский")],
    )
