"""Bodies of POST and PATCH /leads: amoCRM JSON in, the records service's field values out.

Types are checked here (a string name, whole-number ids and prices); the rules of the
values themselves (a status of that pipeline, an existing user) are the records
service's. A batch is checked whole before any of it is saved, so a 400 saves nothing.

Rights per entity (SPEC §10): a lead the user may not view is, in a batch, as unknown as a
lead that is not there; one they may view but not edit is refused by its request_id; a
company or contact they may not view cannot be linked anew: it is an unknown record, with
the very words of one (so the answer tells nothing of what is hidden).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from monitor.api import bodies
from monitor.api.responses import ApiValidationError
from monitor.db import db
from monitor.inputs import is_id
from monitor.services import catalog, records
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records import values as record_values
from monitor.services.tags import MAX_TAGS

MAX_BATCH = 250
# amoCRM field -> records service field.
LEAD_FIELDS = {
    "name": "name", "price": "price", "status_id": "status", "pipeline_id": "pipeline",
    "responsible_user_id": "responsible",
}
# records service field -> path of the amoCRM field, for validation-errors.
ERROR_PATHS = {
    **{service: api for api, service in LEAD_FIELDS.items()},
    "tags": "_embedded.tags", "contacts": "_embedded.contacts", "company": "_embedded.companies",
}


class ItemErrors(Exception):
    """Errors of one item of a batch: [(code, path, detail)]."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def json_body(shape):
    """The request's JSON (bodies.read_json): a list (`shape` list) or an object (`shape` dict); 400 otherwise."""
    body = bodies.read_json()
    if not isinstance(body, shape):
        expected = "an array of objects" if shape is list else "an object"
        raise ApiValidationError.one("body", f"The body must be JSON: {expected}", code="InvalidType")
    if shape is list and not 1 <= len(body) <= MAX_BATCH:
        raise ApiValidationError.one("body", f"Send 1 to {MAX_BATCH} items", code="OutOfRange")
    return body


def _plain_fields(item, errors):
    data = {}
    for api_name, field in LEAD_FIELDS.items():
        if api_name not in item:
            continue
        value = item[api_name]
        valid = isinstance(value, str) if api_name == "name" else (value is None or is_id(value))
        if valid:
            data[field] = value
        else:
            errors.append(("InvalidType", api_name, "Expected a string" if api_name == "name" else
                           "Expected a whole number"))
    return data


def _tag_names(tags, errors):
    if len(tags) > MAX_TAGS:  # refused before looking any of them up
        errors.append(("OutOfRange", "_embedded.tags", f"A lead has at most {MAX_TAGS} tags"))
        return []
    entries = [entry if isinstance(entry, dict) else {} for entry in tags]
    known = catalog.tag_names_by_id("leads", [entry["id"] for entry in entries if is_id(entry.get("id"))])
    names = []
    for position, entry in enumerate(entries):
        name, tag_id = entry.get("name"), entry.get("id")
        if isinstance(name, str) and name.strip():
            names.append(name)
        elif is_id(tag_id) and tag_id in known:
            names.append(known[tag_id])
        elif is_id(tag_id):
            errors.append(("NotFound", f"_embedded.tags.{position}", "There is no lead tag with this id"))
        else:
            errors.append(("InvalidType", f"_embedded.tags.{position}", "Give a tag's name or id"))
    return names


def _linked_ids(entries, path, errors):
    ids = []
    for position, entry in enumerate(entries):
        if isinstance(entry, dict) and is_id(entry.get("id")):
            ids.append(entry["id"])
        else:
            errors.append(("InvalidType", f"{path}.{position}", "Give the record's id"))
    return ids


def _embedded_fields(item, errors):
    embedded = item.get("_embedded") or {}
    if not isinstance(embedded, dict) or not all(isinstance(embedded.get(key, []), list)
                                                 for key in ("tags", "contacts", "companies")):
        errors.append(("InvalidType", "_embedded", "Expected an object of arrays"))
        return {}
    data = {}
    if "tags" in embedded:
        data["tags"] = _tag_names(embedded["tags"], errors)
    if "contacts" in embedded:
        data["contacts"] = _linked_ids(embedded["contacts"], "_embedded.contacts", errors)
    if "companies" in embedded:
        companies = _linked_ids(embedded["companies"], "_embedded.companies", errors)
        data["company"] = companies[0] if companies else None
    return data


def lead_data(item):
    """One lead object as the records service's field values; ItemErrors when its types are wrong."""
    if not isinstance(item, dict):
        raise ItemErrors([("InvalidType", "", "Expected an object")])
    errors = []
    data = {**_plain_fields(item, errors), **_embedded_fields(item, errors)}
    if errors:
        raise ItemErrors(errors)
    return data


def request_id(item, position):
    """The item's own request_id, else its position in the batch (as amoCRM numbers them)."""
    own = item.get("request_id") if isinstance(item, dict) else None
    return str(own) if isinstance(own, (str, int)) and not isinstance(own, bool) else str(position)


def service_errors(invalid, paths=ERROR_PATHS):
    """A service's ValidationError as [(code, path, detail)], its fields named by `paths` (service -> API)."""
    return [("InvalidValue", paths.get(field, field), str(message)) for field, message in invalid.errors.items()]


def validation_error(problems):
    """The 400 listing every bad item of a batch: problems are [(request_id, [(code, path, detail)])]."""
    return ApiValidationError([
        {"request_id": rid, "errors": [{"code": code, "path": path, "detail": detail}
                                       for code, path, detail in errors]}
        for rid, errors in problems
    ])


def check_items(items, check, paths=ERROR_PATHS):
    """`check(item)` for every item of a batch: [(request_id, result)], or the 400 listing every bad item.

    `check` raises ItemErrors, or a service's ValidationError whose fields `paths` names.
    """
    checked, problems = [], []
    for position, item in enumerate(items):
        try:
            result = check(item)
        except ItemErrors as invalid:
            problems.append((request_id(item, position), invalid.errors))
        except ValidationError as invalid:
            problems.append((request_id(item, position), service_errors(invalid, paths)))
        else:
            checked.append((request_id(item, position), result))
    if problems:
        raise validation_error(problems)
    return checked


def check_batch(items, find_record=None, user=None):
    """Every item's field values (and record, for updates), or ApiValidationError listing every bad item.

    With `user`, their rights hold (see the module's docstring); without, nobody's (the service's own checks).
    """

    def check(item):
        record = find_record(item) if find_record else None
        if user is not None and record is not None:
            check_edit(user, record)
        data = lead_data(item)
        records.check_record("leads", data, record)
        if user is not None:
            check_links(user, data, record)
            if record is None:  # a new lead: with an edit right of "own" it must be the user's (as on the web)
                record_values.check_owner(user, "leads", {"responsible": user.id, **data})
        return record, data

    return [(rid, record, data) for rid, (record, data) in check_items(items, check)]


def save_batch(checked, save, paths=ERROR_PATHS, missing="There is no lead with this id"):
    """Run `save()` over a batch check_batch passed; what changed meanwhile is a 400 too, and saves nothing.

    Between the check and the save another request may have deleted a linked record or the
    lead itself; the save runs in one transaction, so then none of the batch is saved.
    `checked`: (request_id, record or None, data) triples; `missing`: the detail when a record is gone.
    """
    request_ids = {record.id: rid for rid, record, _data in checked if record is not None}
    try:
        return save()
    except ValidationError as invalid:
        raise validation_error([(checked[invalid.position or 0][0], service_errors(invalid, paths))]) from None
    except NotFound as gone:
        raise ApiValidationError.one("id", missing, code="NotFound",
                                     request_id=request_ids.get(gone.args[0], "0")) from None


def check_edit(user, lead):
    """ItemErrors unless `user` may view and edit this lead; one they may not view is "no such lead"."""
    if not records.may_view(user, "leads", lead):
        raise ItemErrors([("NotFound", "id", "There is no lead with this id")])
    if not records.allowed(user, "leads", "edit", lead):
        raise ItemErrors([("Forbidden", "id", "Your rights do not let you edit this lead")])


def _hidden(entity, ids, user):
    """The ids among `ids` of records of `entity` that are there but `user` may not view, in order."""
    if not ids or records.rights_of(user)[entity]["view"] == "all":
        return []
    model = records.KINDS[entity].model
    there = db.session.scalars(select(model).where(model.id.in_(set(ids)))).all()
    hidden = {record.id for record in there if not records.may_view(user, entity, record)}
    return [record_id for record_id in ids if record_id in hidden]


def check_links(user, data, lead=None):
    """ItemErrors when `data` links anew a company or contact `user` may not view, worded as an unknown one."""
    errors = []
    company = data.get("company")
    if company is not None and (lead is None or lead.company_id != company) and _hidden("companies", [company], user):
        errors.append(("InvalidValue", ERROR_PATHS["company"],
                       str(_l("There is no company with id %(id)d.", id=company))))
    already = {contact.id for contact in lead.contacts} if lead is not None else set()
    contacts = _hidden("contacts", [item for item in data.get("contacts") or () if item not in already], user)
    if contacts:
        errors.append(("InvalidValue", ERROR_PATHS["contacts"],
                       str(_l("There is no contact with id %(ids)s.", ids=", ".join(map(str, contacts))))))
    if errors:
        raise ItemErrors(errors)


def existing_lead(item):
    """The lead a PATCH item names by its `id`; ItemErrors when there is none."""
    lead_id = item.get("id") if isinstance(item, dict) else None
    if not is_id(lead_id):
        raise ItemErrors([("InvalidType", "id", "Give the lead's id")])
    try:
        return records.get_record("leads", lead_id)
    except NotFound:
        raise ItemErrors([("NotFound", "id", "There is no lead with this id")]) from None
