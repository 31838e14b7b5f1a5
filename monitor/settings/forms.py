"""Forms of the administrators' console."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField

from monitor.models.users import RIGHT_NAMES

# The rights matrix on a user's page (SPEC §10): a row per kind of record, a column per right.
RIGHT_ROWS = (("leads", _l("Deals")), ("contacts", _l("Contacts")), ("companies", _l("Companies")),
              ("customers", _l("Customers")))
RIGHT_COLUMNS = tuple(zip(RIGHT_NAMES, (_l("View"), _l("Edit"), _l("Delete")), strict=True))
RIGHT_CHOICES = [("all", _l("All")), ("own", _l("Own")), ("none", _l("None"))]


def rights_field(entity, right):
    """The form field of one cell of the rights matrix, e.g. "rights-leads-view"."""
    return f"rights-{entity}-{right}"


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

    @classmethod
    def for_rights(cls, rights, **kwargs):
        """The form with the rights matrix holding `rights` where the request sends no cell.

        A cell absent from the request (a tool that posts only SPEC §6's fields, a disabled
        matrix) keeps `rights`' value; one sent is taken as it is and checked by the users service.
        """
        cells = {rights_field(entity, right): rights[entity][right]
                 for entity, _label in RIGHT_ROWS for right, _name in RIGHT_COLUMNS}
        return cls(**cells, **kwargs)

    def rights(self):
        """The matrix as sent: {entity: {right: value}}."""
        return {entity: {right: self[rights_field(entity, right)].data for right, _name in RIGHT_COLUMNS}
                for entity, _label in RIGHT_ROWS}

    def rights_errors(self):
        """Whether a cell of the matrix has an error (the page then answers 400)."""
        return any(self[rights_field(entity, right)].errors for entity, _label in RIGHT_ROWS
                   for right, _name in RIGHT_COLUMNS)


for _entity, _entity_label in RIGHT_ROWS:
    for _right, _right_label in RIGHT_COLUMNS:
        # Checked by the users service, which names a wrong value by its cell.
        setattr(UserForm, rights_field(_entity, _right),
                SelectField(_l("%(kind)s: %(right)s", kind=_entity_label, right=_right_label),
                            choices=RIGHT_CHOICES, validate_choice=False))


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
