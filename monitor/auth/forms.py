"""Sign-in and profile forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from monitor.services.users import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH

# The app's one wording for an empty required field (the records service says it too), from the app's own
# catalog: WTForms' default is the same English but its own Russian ("Обязательное поле.").
REQUIRED = _l("This field is required.")


def at_most(limit):
    """A validator: at most `limit` characters. An over-long value is not shown back either."""

    def check(_form, field):
        if field.data is not None and len(field.data) > limit:
            field.data = ""
            raise ValidationError(_l("At most %(n)d characters.", n=limit))

    return check


class LoginForm(FlaskForm):
    """E-mail, password, remember me."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), at_most(MAX_EMAIL_LENGTH)])
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED), at_most(MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Remember me"))


class PasswordForm(FlaskForm):
    """A user's own password change."""

    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(REQUIRED), at_most(MAX_PASSWORD_LENGTH)])
    new_password = PasswordField(_l("New password"), validators=[InputRequired(REQUIRED)])


class LanguageForm(FlaskForm):
    """A user's interface language."""

    language = SelectField(
        _l("Interface language"),
        choices=[("", _l("As in the browser")), ("en", "English"), ("ru", "Русский")],
    )
