"""Reading a list's query parameters (SPEC §3) into records.ListFilters, with a message per bad value.

`page`, `q`, `tag` (repeatable), `preset`, `responsible`, `pipeline`, `status`,
`price_from`, `price_to`, `created_from`, `created_to` (YYYY-MM-DD). A preset is a
built-in id (all, mine, open, won, lost) or the id of one of the user's saved
filters, whose parameters the request's own parameters override.

Lists of records that link to others also take `company`, `contact`, `lead` and
`customer` (a record id): the records linked to it, where a card's "and N more" leads.

`sort` (SPEC §10: created, updated, name, price, status, next_date, where the list has
it) and `dir` (asc | desc) order the list, newest first by default; a sort without `dir`
takes its DEFAULT_DIRECTIONS. A saved preset keeps its sort as it keeps its filters.
"""
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Optional
from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from monitor import inputs
from monitor.inputs import InvalidValue
from monitor.services import presets, records, search
from monitor.services.errors import NotFound
from monitor.services.records import ordering

FILTER_PARAMS = (
    "q", "tag", "responsible", "pipeline", "status", "price_from", "price_to", "created_from", "created_to",
)
DEFAULT_SORT = "created"
# A sort's first direction (`dir` absent, or a header clicked the first time): the newest, the
# largest amount first; names A to Z, stages in pipeline order, the soonest next purchase first.
DEFAULT_DIRECTIONS = {
    "created": "desc", "updated": "desc", "price": "desc", "name": "asc", "status": "asc", "next_date": "asc",
}
ARIA_SORT = {"asc": "ascending", "desc": "descending"}
# What the page calls each parameter, so a message names the field as the filter panel labels it (a range's
# ends as the panel's own "Price, to"); the price label is the list's (Listing.error_items).
FIELD_LABELS = {
    "q": _l("Search"), "tag": _l("Tags"), "responsible": _l("Responsible"), "pipeline": _l("Pipeline"),
    "status": _l("Status"), "preset": _l("Presets"), "page": _l("Page"), "sort": _l("Sort"),
    "dir": _l("Sort direction"), "company": _l("Company"), "contact": _l("Contact"), "lead": _l("Deal"),
    "customer": _l("Customer"),
}
RANGE_ENDS = {"from": _l("from"), "to": _l("to")}


@dataclass
class Listing:
    """A list request understood: what to select, which page, and what was wrong with it."""

    entity: str
    args: MultiDict
    params: MultiDict
    preset: str = ""
    page: int = 1
    filters: Optional[records.ListFilters] = None
    errors: dict = field(default_factory=dict)
    sort: str = DEFAULT_SORT
    direction: str = DEFAULT_DIRECTIONS[DEFAULT_SORT]

    @property
    def sorts(self):
        """The sorts this list offers (its sortable columns)."""
        return ordering.sorts(self.entity)

    def next_direction(self, sort):
        """The direction a click on `sort`'s header gives: the other one when the list is sorted by it."""
        if sort == self.sort:
            return "asc" if self.direction == "desc" else "desc"
        return DEFAULT_DIRECTIONS[sort]

    def sort_query(self, sort):
        """The query string of this list sorted by `sort` (next_direction), from page 1, the rest kept."""
        return self.query(page=None, sort=sort, dir=self.next_direction(sort))

    def sort_state(self, sort):
        """aria-sort of `sort`'s header: "ascending" or "descending" when the list is sorted by it, else None."""
        return ARIA_SORT[self.direction] if sort == self.sort else None

    def query(self, **changes):
        """The request's query string (preset kept), with `changes` applied; "" when empty."""
        args = MultiDict(self.args)
        for name, value in changes.items():
            args.setlist(name, [] if value in (None, "") else [value])
        pairs = [(name, value) for name, value in args.items(multi=True) if value != ""]
        return "?" + urlencode(pairs) if pairs else ""

    def saved_query(self):
        """The effective filter as a query string, for saving as a preset."""
        return urlencode([(name, value) for name, value in self.params.items(multi=True) if value != ""])

    def value(self, name):
        return self.params.get(name, "")

    def error_items(self, price_label):
        """(the field as the panel labels it, message) of each error, e.g. ("Price, from", "Enter a whole …")."""
        return [(field_label(name, price_label), message) for name, message in self.errors.items()]

    @property
    def built_in(self):
        """The built-in preset in effect (from the request or inside a saved preset), or ""."""
        return self.params.get("preset", "")

    @property
    def links(self):
        """(parameter, id as given) of the link filters in effect, e.g. [("company", "5")]."""
        return [(name, self.params[name]) for name in link_params(self.entity) if self.params.get(name)]

    @property
    def chosen_tags(self):
        """The tags the list is filtered by, as given, each once (the panel shows them ticked)."""
        return list(dict.fromkeys(tag for tag in self.params.getlist("tag") if tag.strip()))

    @property
    def active_filters(self):
        """How many panel inputs are set (for the panel's badge)."""
        return sum(1 for name in FILTER_PARAMS if name != "q" and any(self.params.getlist(name)))


def field_label(name, price_label):
    """A parameter's name on the page: "Pipeline", "Created, to"; the parameter itself when the page has none."""
    field, _underscore, end = name.rpartition("_")
    if field in ("price", "created") and end in RANGE_ENDS:
        return f"{price_label if field == 'price' else _l('Created')}, {RANGE_ENDS[end]}"
    return FIELD_LABELS.get(name, name)


def read_listing(entity, args, user):
    """Understand a list's query parameters for `user`; errors are collected, never raised."""
    errors = {}
    preset = (args.get("preset") or "").strip()
    params = _expand_preset(entity, preset, args, user, errors)
    page = _parse(inputs.parse_page, args.get("page"), "page", errors)
    values = {name: _parse(parser, params.get(name), name, errors) for name, parser in PARSERS.items()}
    tags = (inputs.without_control_characters(tag).strip() for tag in params.getlist("tag"))
    values["tag"] = [tag for tag in tags if tag]
    values["links"] = _links(entity, params, errors)
    _check_ranges(values, errors)
    sort, direction = _sort(entity, params, errors)
    listing = Listing(entity, MultiDict((k, v) for k, v in args.items(multi=True) if k != "page"), params,
                      preset=preset, page=page or 1, errors=errors, sort=sort, direction=direction)
    if not errors:
        listing.filters = _filters(values, params.get("preset"), ordering.sort_order(entity, sort, direction),
                                   records.Viewer.of(user))
    return listing


def _sort(entity, params, errors):
    """(sort, direction) from `sort` and `dir`; the default order, with a message, for a bad one."""
    sort = (params.get("sort") or "").strip().lower() or DEFAULT_SORT
    direction = (params.get("dir") or "").strip().lower()
    offered = ordering.sorts(entity)
    if sort not in offered:
        errors["sort"] = _l("This list can be sorted by: %(sorts)s.", sorts=", ".join(offered))
        sort = DEFAULT_SORT
    if direction and direction not in ordering.DIRECTIONS:
        errors["dir"] = _l("Sort asc (ascending) or desc (descending).")
        direction = ""
    return sort, direction or DEFAULT_DIRECTIONS[sort]


def link_params(entity):
    """The link filters the list of `entity` takes: parameter (the linked kind's singular) -> linked entity."""
    kind = records.KINDS.get(entity)
    links = kind.links if kind is not None else ()
    return {records.KINDS[other].singular: other for other, _relation in links}


def _links(entity, params, errors):
    links = []
    for name, other in link_params(entity).items():
        record_id = _parse(_identifier, params.get(name), name, errors)
        if record_id is not None:
            links.append((other, record_id))
    return tuple(links)


def _expand_preset(entity, preset, args, user, errors):
    """The effective parameters: the request's, over a saved preset's; "mine" fills `responsible`."""
    params = MultiDict((k, v) for k, v in args.items(multi=True) if k not in ("page", "preset"))
    saved_id = _saved_preset_id(preset)
    if saved_id is not None:
        try:
            saved = presets.get_saved(user.id, entity, saved_id)
        except NotFound:
            errors["preset"] = _l("There is no such preset. Choose one from the list.")
            return params
        base = MultiDict(parse_qsl(saved.query))
        for name in params:
            base.setlist(name, params.getlist(name))
        params = base
    elif preset and preset != "all":
        if preset not in presets.built_in(entity):
            errors["preset"] = _l("There is no such preset. Choose one from the list.")
            return params
        params["preset"] = preset
    if params.get("preset") not in presets.built_in(entity) or params.get("preset") == "all":
        params.poplist("preset")
    if params.get("preset") == "mine" and not params.get("responsible"):
        params["responsible"] = str(user.id)
    return params


def _saved_preset_id(preset):
    """The id of a saved preset when `preset` is one ("12"), else None (a built-in one's name)."""
    try:
        return inputs.parse_id(preset)
    except InvalidValue:
        return None


def _parse(parser, value, name, errors):
    try:
        return parser((value or "").strip())
    except InvalidValue as invalid:
        errors[name] = invalid.args[0]
        return None


def _identifier(text):
    return inputs.parse_id(text, _l("Choose a value from the list."))


def _amount(text):
    try:
        return records.parse_amount(text)
    except InvalidValue:
        raise InvalidValue(_l("Enter a whole number, e.g. 15000.")) from None


def _date(text):
    try:
        return records.parse_date(text)
    except InvalidValue:
        raise InvalidValue(_l("Enter a date as YYYY-MM-DD.")) from None


def _search(text):
    return text[:search.MAX_QUERY_LENGTH]


PARSERS = {
    "q": _search,
    "responsible": _identifier,
    "pipeline": _identifier,
    "status": _identifier,
    "price_from": _amount,
    "price_to": _amount,
    "created_from": _date,
    "created_to": _date,
}


def _check_ranges(values, errors):
    for start, end in (("price_from", "price_to"), ("created_from", "created_to")):
        if values.get(start) is not None and values.get(end) is not None and values[start] > values[end]:
            errors[end] = _l("The end of the range is before its start.")


def _filters(values, built_in, order, viewer):
    created_from, created_to = values["created_from"], values["created_to"]
    return records.ListFilters(
        viewer=viewer,
        order=order,
        q=values["q"] or "",
        tags=tuple(values["tag"]),
        links=values["links"],
        responsible=(values["responsible"],) if values["responsible"] else (),
        pipelines=(values["pipeline"],) if values["pipeline"] else (),
        statuses=(values["status"],) if values["status"] else (),
        state=built_in if built_in in records.STATES else None,
        price_from=values["price_from"],
        price_to=values["price_to"],
        created_from=datetime.combine(created_from, time.min) if created_from else None,
        created_to=datetime.combine(created_to, time.max) if created_to else None,
    )
