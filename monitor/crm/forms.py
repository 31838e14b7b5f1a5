"""Card forms of the four entities, the delete confirmation and the save-preset form.

Fields are text as typed (the records service parses and validates them), so a
refused value comes back exactly as the user entered it.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from monitor.crm.display import status_name
from monitor.services import pipelines, records, users

PLAIN_FIELDS = ("name", "price", "next_price", "phone", "email", "position", "web", "address")


class RecordForm(FlaskForm):
    """Fields every record has."""

    name = StringField(_l("Name"))
    responsible = SelectField(_l("Responsible"), validate_choice=False)
    tags = StringField(_l("Tags"), description=_l("Separated by commas"))

    def record_data(self):
        """The typed values, keyed as the records service expects."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


def _company_field():
    return StringField(_l("Company"), description=_l("Start typing a name, or enter the company's id"),
                       render_kw={"data-picker": "companies", "autocomplete": "off"})


def _contacts_field():
    return StringField(_l("Contacts"), description=_l("Start typing a name, or enter ids separated by commas"),
                       render_kw={"data-picker": "contacts", "data-multiple": "true", "autocomplete": "off"})


class DealForm(RecordForm):
    """A deal: price, pipeline and status, company, contacts."""

    price = StringField(_l("Price"), render_kw={"inputmode": "numeric"})
    pipeline = SelectField(_l("Pipeline"), validate_choice=False, render_kw={"data-pipeline-select": "true"})
    status = SelectField(_l("Status"), validate_choice=False, render_kw={"data-status-select": "true"})
    company = _company_field()
    contacts = _contacts_field()


class ContactForm(RecordForm):
    """A person: phone, e-mail, position, company."""

    phone = StringField(_l("Phone"), render_kw={"type": "tel"})
    email = StringField(_l("E-mail"), render_kw={"type": "email"})
    position = StringField(_l("Position"))
    company = _company_field()


class CompanyForm(RecordForm):
    """A company: phone, e-mail, website, address."""

    phone = StringField(_l("Phone"), render_kw={"type": "tel"})
    email = StringField(_l("E-mail"), render_kw={"type": "email"})
    web = StringField(_l("Website"))
    address = StringField(_l("Address"))


class CustomerForm(RecordForm):
    """A periodic buyer: next purchase amount and date, company, contacts."""

    next_price = StringField(_l("Next purchase"), render_kw={"inputmode": "numeric"})
    next_date = StringField(_l("Next purchase date"), render_kw={"type": "date", "placeholder": "YYYY-MM-DD"})
    company = _company_field()
    contacts = _contacts_field()


class DeleteForm(FlaskForm):
    """The confirmation of a delete: only the CSRF token."""


class PresetForm(FlaskForm):
    """Save the current filter under a name."""

    name = StringField(_l("Preset name"))
    query = HiddenField()


def record_values(record, user=None):
    """A record's current values as the card form shows them.

    With `user`, a linked company or contact they may not view is left out (never named, not even by id);
    a save keeps it (services.records.values.with_hidden_links).
    """
    values = {name: getattr(record, name) for name in PLAIN_FIELDS if hasattr(record, name)}
    values["responsible"] = str(record.responsible_user_id or "")
    values["tags"] = ", ".join(tag.name for tag in record.tags)
    if hasattr(record, "next_date"):
        values["next_date"] = record.next_date.isoformat() if record.next_date else ""
    if hasattr(record, "company_id"):
        shown = record.company is not None and (user is None or records.may_view(user, "companies", record.company))
        values["company"] = str(record.company_id) if shown else ""
    if hasattr(record, "contacts"):
        values["contacts"] = ", ".join(str(contact.id) for contact in record.contacts
                                       if user is None or records.may_view(user, "contacts", contact))
    if hasattr(record, "pipeline_id"):
        values["pipeline"], values["status"] = str(record.pipeline_id), str(record.status_id)
    return values


def record_form(entity, record=None, responsible_id=None, user=None):
    """The card form of `entity`: the record's values (as `user` may see them), or a new record's defaults."""
    values = record_values(record, user) if record is not None else {"responsible": str(responsible_id or "")}
    form = entity.form(data=values)
    form.responsible.choices = [("", _l("Nobody"))] + [(str(user.id), user.name) for user in users.list_users()]
    if hasattr(form, "pipeline"):
        every = pipelines.list_pipelines()
        form.pipeline.choices = [(str(pipeline.id), pipeline.name) for pipeline in every]
        form.status.choices = {
            pipeline.name: [(str(status.id), status_name(status)) for status in pipeline.statuses]
            for pipeline in every
        }
    return form


class NoteForm(FlaskForm):
    """A note for a card's feed. The feed service trims and checks the text; no `maxlength`, which would
    cut a pasted note short without a word."""

    # Its own id: the card holds other forms (the record's, a task's) that may have a "text" too.
    text = TextAreaField(_l("Note"), id="note-text", render_kw={"rows": 3})
