"""Validating a record's field values: each field's parser, and a deal's pipeline and status together."""
from datetime import date
from types import SimpleNamespace

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from monitor.db import db
from monitor.inputs import InvalidValue, is_digits, parse_id, without_control_characters
from monitor.models import Company, Contact, Deal, Pipeline, User
from monitor.services import pipelines, tags
from monitor.services.errors import ValidationError
from monitor.services.records.rights import allowed, may_view

MAX_AMOUNT = 2_000_000_000  # fits a 32-bit INTEGER column on PostgreSQL too


def _text(limit, required=False):
    def parse(value):
        text = without_control_characters(str(value or "")).strip()
        if required and not text:
            raise InvalidValue(_l("This field is required."))
        if len(text) > limit:
            raise InvalidValue(_l("At most %(n)d characters.", n=limit))
        return text or None

    return parse


def parse_amount(value):
    """A whole, non-negative amount: 15000, "15000", "15 000"; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidValue(_l("Enter a whole number, e.g. 15000."))
    text = str(value).replace(" ", "").replace("\u00a0", "")
    if not is_digits(text):
        raise InvalidValue(_l("Enter a whole number, e.g. 15000."))
    amount = int(text)
    if amount > MAX_AMOUNT:
        raise InvalidValue(_l("At most %(n)d.", n=MAX_AMOUNT))
    return amount


def parse_date(value):
    """A date: a date object or "YYYY-MM-DD"; None when empty."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(_l("Enter a date as YYYY-MM-DD.")) from None


def _email(value):
    text = _text(254)(value)
    if text is None:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidValue(_l("Enter a valid e-mail address.")) from None


def _phone(value):
    text = _text(50)(value)
    if text is not None and sum(is_digits(char) for char in text) < 3:
        raise InvalidValue(_l("Enter a phone number, e.g. +7 916 123-45-67."))
    return text


def _record_id(value):
    """A linked record's id from a form or JSON: 12, "12", " #12 "; None when empty (0 is JSON's "none")."""
    return parse_id(str(value or "").strip().lstrip("#"))


def _responsible(value):
    user_id = _record_id(value)
    if user_id is not None and db.session.get(User, user_id) is None:
        raise InvalidValue(_l("There is no such user."))
    return user_id


def _company(value):
    company_id = _record_id(value)
    if company_id is None:
        return None
    company = db.session.get(Company, company_id)
    if company is None:
        raise InvalidValue(_l("There is no company with id %(id)d.", id=company_id))
    return company


def _id_list(value):
    if isinstance(value, (list, tuple)):
        parts = value
    else:
        parts = str(value or "").replace(";", ",").replace(" ", ",").split(",")
    ids = []
    for part in parts:
        record_id = _record_id(part)
        if record_id is not None and record_id not in ids:
            ids.append(record_id)
    return ids


def _contacts(value):
    ids = _id_list(value)
    found = db.session.scalars(select(Contact).where(Contact.id.in_(ids))).all() if ids else []
    missing = sorted(set(ids) - {contact.id for contact in found})
    if missing:
        raise InvalidValue(_l("There is no contact with id %(ids)s.", ids=", ".join(map(str, missing))))
    by_id = {contact.id: contact for contact in found}
    return [by_id[record_id] for record_id in ids]


def parse_tag_names(value):
    """Tag names from "vip, web" or a list; trimmed, without repeats (by tags.tag_key), at most tags.MAX_TAGS."""
    parts = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    names, seen = [], set()
    for part in parts:
        name = without_control_characters(str(part)).strip()
        if len(name) > tags.MAX_TAG_NAME:
            raise InvalidValue(_l("A tag has at most %(n)d characters.", n=tags.MAX_TAG_NAME))
        if name and tags.tag_key(name) not in seen:
            if len(names) == tags.MAX_TAGS:
                raise InvalidValue(_l("A record has at most %(n)d tags.", n=tags.MAX_TAGS))
            seen.add(tags.tag_key(name))
            names.append(name)
    return names


def check_links(user, data, record=None):
    """ValidationError when `data` links anew a company or contacts `user` may not view (rights per entity).

    Such a record is, to them, no record at all: the field gets the very words an unknown id gets, so the
    answer tells nothing of what is hidden. Links `record` already has are no concern here; values that do
    not parse are left to `validated`, which words their errors.
    """
    errors = {}
    try:
        company = _company(data.get("company")) if "company" in data else None
    except InvalidValue:
        company = None
    if company is not None and getattr(record, "company_id", None) != company.id \
            and not may_view(user, "companies", company):
        errors["company"] = _l("There is no company with id %(id)d.", id=company.id)
    try:
        ids = _id_list(data.get("contacts")) if "contacts" in data else []
    except InvalidValue:
        ids = []
    already = {contact.id for contact in getattr(record, "contacts", None) or ()}
    found = db.session.scalars(select(Contact).where(Contact.id.in_(ids))).all() if ids else []
    seen = {contact.id for contact in found if contact.id in already or may_view(user, "contacts", contact)}
    unknown = sorted(set(ids) - seen)  # hidden and missing alike, in one message
    if len(unknown) > len(set(ids) - {contact.id for contact in found}):
        errors["contacts"] = _l("There is no contact with id %(ids)s.", ids=", ".join(map(str, unknown)))
    if errors:
        raise ValidationError(errors)


def check_owner(user, entity, data):
    """ValidationError when `user` may not create this record: with an edit right of "own" a new record
    must be their own (they are responsible for it). A right of none is the caller's 403 before this."""
    try:
        responsible = _record_id(data.get("responsible"))
    except InvalidValue:
        return  # `validated` words it
    if not allowed(user, entity, "edit", SimpleNamespace(id=None, responsible_user_id=responsible)):
        raise ValidationError({"responsible": _l("Your rights let you create only records you are responsible for.")})


def with_hidden_links(user, record, data):
    """`data` with the links of `record` that `user` may not view put back.

    The card form shows no linked record its reader may not view, so it cannot send them back; a save
    keeps them (a link they cannot see is not theirs to drop). A company chosen instead replaces it.
    """
    data = dict(data)
    company = getattr(record, "company", None)
    if "company" in data and company is not None and not may_view(user, "companies", company) \
            and not str(data["company"] or "").strip():
        data["company"] = str(company.id)
    hidden = [str(contact.id) for contact in getattr(record, "contacts", None) or ()
              if not may_view(user, "contacts", contact)]
    if "contacts" in data and hidden:
        sent = data["contacts"]
        sent = list(sent) if isinstance(sent, (list, tuple)) else [str(sent or "")]
        data["contacts"] = ", ".join(part for part in map(str, [*sent, *hidden]) if part.strip())
    return data


PARSERS = {
    "name": _text(255, required=True),
    "price": parse_amount,
    "next_price": parse_amount,
    "next_date": parse_date,
    "phone": _phone,
    "email": _email,
    "position": _text(200),
    "web": _text(255),
    "address": _text(500),
    "responsible": _responsible,
    "company": _company,
    "contacts": _contacts,
    "tags": parse_tag_names,
}


def validated(kind, record, data):
    """Parse every field of `data` this kind has; ValidationError with all the errors at once."""
    values, errors = {}, {}
    for field in kind.fields:
        if field in data and field in PARSERS:
            try:
                values[field] = PARSERS[field](data[field])
            except InvalidValue as invalid:
                errors[field] = invalid.args[0]
    if kind.model is Deal and ("pipeline" in data or "status" in data or record.pipeline_id is None):
        _validate_stage(record, data, values, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _validate_stage(deal, data, values, errors):
    """Pipeline and status together: the status must belong to the pipeline."""
    try:
        pipeline_id = _record_id(data.get("pipeline")) or deal.pipeline_id or pipelines.main_pipeline_id()
    except InvalidValue:
        errors["pipeline"] = _l("There is no such pipeline.")
        return
    pipeline = db.session.get(Pipeline, pipeline_id)
    if pipeline is None:
        errors["pipeline"] = _l("There is no such pipeline.")
        return
    try:
        status_id = _record_id(data.get("status"))
    except InvalidValue:
        status_id = -1
    if status_id is None:
        status_id = deal.status_id if deal.pipeline_id == pipeline.id else pipeline.statuses[0].id
    if status_id not in {status.id for status in pipeline.statuses}:
        errors["status"] = _l("This status is not in the pipeline %(name)s.", name=pipeline.name)
        return
    values["stage"] = (pipeline.id, status_id)
