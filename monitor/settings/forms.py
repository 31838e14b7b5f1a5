"""Forms of the administrators' console."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField


class UserForm(FlaskForm):
    """A user's name, e-mail, password, rights, the Activity flag and the exemption from monitoring.

    The reason is checked by the users service (required when the exemption is ticked).
    """

    name = StringField(_l("Name"))
    email = EmailField(_l("E-mail"))
    password = PasswordField(_l("Password"))
    is_admin = BooleanField(_l("Administrator"))
    can_export = BooleanField(_l("Export"))
    is_active = BooleanField(_l("Activity"), default=True)
    monitoring_exempt = BooleanField(_l("Exempt from monitoring"))
    exempt_reason = StringField(_l("Reason for the exemption"))


class ActivityForm(FlaskForm):
    """Activity monitoring limits. Values are checked by the activity service."""

    card_limit = StringField(_l("Card views limit"))
    card_period = SelectField(_l("per"), choices=[("hour", _l("hour")), ("day", _l("day"))], validate_choice=False)
    list_limit = StringField(_l("List elements limit"))
    list_period = SelectField(_l("per"), choices=[("hour", _l("hour")), ("day", _l("day"))], validate_choice=False)
    action = SelectField(
        _l("When a user reaches a limit"),
        choices=[("deactivate", _l("Deactivate the user and notify administrators")),
                 ("notify", _l("Only notify administrators (nothing is refused)"))],
        validate_choice=False,
    )
    timezone = StringField(_l("Time zone"))
    warn_percent = StringField(_l("Warn users from this share of a limit (%)"), default="80")
    warn_admins = BooleanField(_l("Also notify administrators when a user's warning starts"))
    preview_days = StringField(_l("Preview over the last (days)"), default="30")


class ApiTokenForm(FlaskForm):
    """A new API token: whose, a name to recognise it by, and how many days it lasts."""

    user_id = SelectField(_l("User"), coerce=int)
    name = StringField(_l("Name"))
    days = IntegerField(_l("Valid for (days)"), default=365)
