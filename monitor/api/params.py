"""Query parameters of list calls, read strictly: bad values are a 400 with validation-errors, never a 500."""
from datetime import UTC, datetime, timedelta

from monitor.api.responses import ApiValidationError
from monitor.inputs import MAX_PAGE, is_digits
from monitor.services import records

DEFAULT_LIMIT = 50
MAX_LIMIT = 250


def _whole_number(args, name, default, highest):
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not is_digits(raw):
        raise ApiValidationError.one(name, f"{name} must be a whole number", code="InvalidType")
    value = int(raw)
    if not 1 <= value <= highest:
        raise ApiValidationError.one(name, f"{name} must be from 1 to {highest}", code="OutOfRange")
    return value


def page_and_limit(args):
    """`page` (from 1) and `limit` (1..250, default 50)."""
    return _whole_number(args, "page", 1, MAX_PAGE), _whole_number(args, "limit", DEFAULT_LIMIT, MAX_LIMIT)


def _bracket_parts(key, root):
    """`filter[id][0]` → ["id", "0"] for root "filter"; None for other parameters."""
    if key != root and not key.startswith(root + "["):
        return None
    parts = key[len(root) + 1:-1].split("][")
    if not key.endswith("]") or any("[" in part or "]" in part for part in parts) or parts[0] == "":
        raise ApiValidationError.one(key, "Malformed parameter name", code="InvalidType")
    return parts


def _insert(tree, parts, value, key):
    node = tree
    for depth, part in enumerate(parts):
        if part == "":
            part = str(len(node))  # `[]` appends, as PHP does
        last = depth == len(parts) - 1
        existing = node.get(part)
        if last and existing is None:
            node[part] = value
        elif last or isinstance(existing, str):
            raise ApiValidationError.one(key, "Conflicting values for this parameter", code="InvalidType")
        else:
            node = node.setdefault(part, {})


def bracket_tree(args, root):
    """Every `root[...]` parameter as a nested dict, whichever encoding the client used.

    `filter[id]=1` gives {"id": "1"}; `filter[id][]=1&filter[id][]=2` and
    `filter[id][0]=1&filter[id][1]=2` both give {"id": {"0": "1", "1": "2"}}.
    """
    tree = {}
    for key, value in args.items(multi=True):
        parts = _bracket_parts(key, root)
        if parts is not None:
            _insert(tree, parts, value, key)
    return tree


def values_of(node, path):
    """A leaf or an indexed group of leaves as a list of strings."""
    if isinstance(node, str):
        return [node]
    if all(is_digits(key) and isinstance(value, str) for key, value in node.items()):
        return [node[key] for key in sorted(node, key=int)]
    raise ApiValidationError.one(path, "Expected a value or a list of values", code="InvalidType")


def whole_numbers(node, path):
    """Ids and the like: one or several non-negative integers."""
    values = values_of(node, path)
    if not all(is_digits(value) for value in values):
        raise ApiValidationError.one(path, "Expected whole numbers", code="InvalidType")
    return [int(value) for value in values]


def whole_number_range(node, path):
    """`[from]` and `[to]` whole numbers (either may be missing), or one exact value for both."""
    if isinstance(node, str):
        low = high = whole_numbers(node, path)[0]
        return low, high
    unknown = set(node) - {"from", "to"}
    if unknown:
        raise ApiValidationError.one(f"{path}[{sorted(unknown)[0]}]", "Expected [from] and [to]", code="InvalidType")
    low = whole_numbers(node["from"], f"{path}[from]")[0] if "from" in node else None
    high = whole_numbers(node["to"], f"{path}[to]")[0] if "to" in node else None
    return low, high


# -- List calls of records ------------------------------------------------------------------------

LATEST_UNIX = 253402300799  # 9999-12-31 23:59:59 UTC


def embeds(entity, args):
    """The `with=a,b` values this entity supports; unknown ones are ignored, as amoCRM does."""
    asked = {part.strip() for part in args.get("with", "").split(",")}
    return records.KINDS[entity].embeds & asked


def order(args):
    """`order[created_at|updated_at|id]=asc|desc`, in the order given; newest first by default."""
    pairs = []
    for field, node in bracket_tree(args, "order").items():
        path = f"order[{field}]"
        if field not in records.ORDER_FIELDS:
            raise ApiValidationError.one(path, "Order by created_at, updated_at or id", code="NotSupportedChoice")
        direction = values_of(node, path)[0].lower()
        if direction not in ("asc", "desc"):
            raise ApiValidationError.one(path, "Order asc or desc", code="NotSupportedChoice")
        pairs.append((field, direction))
    return tuple(pairs) or (("created_at", "desc"),)


def _moment(seconds, path, end_of_second=False):
    if seconds is None:
        return None
    if seconds > LATEST_UNIX:
        raise ApiValidationError.one(path, "Not a Unix time", code="OutOfRange")
    moment = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    # Times are shown in whole seconds, so `to` takes in the whole of its second.
    return moment + timedelta(microseconds=999_999) if end_of_second else moment


def _dates(prefix):
    def parse(node, path):
        low, high = whole_number_range(node, path)
        return {f"{prefix}_from": _moment(low, f"{path}[from]"),
                f"{prefix}_to": _moment(high, f"{path}[to]", end_of_second=True)}

    return parse


def _amounts(node, path):
    low, high = whole_number_range(node, path)
    return {"price_from": low, "price_to": high}


def _stages(node, path):
    if isinstance(node, str):
        raise ApiValidationError.one(path, "Expected [0][pipeline_id] and [0][status_id]", code="InvalidType")
    stages = []
    for index, entry in node.items():
        if isinstance(entry, str) or set(entry) != {"pipeline_id", "status_id"}:
            raise ApiValidationError.one(f"{path}[{index}]", "Give pipeline_id and status_id", code="InvalidType")
        pipeline_id = whole_numbers(entry["pipeline_id"], f"{path}[{index}][pipeline_id]")[0]
        stages.append((pipeline_id, whole_numbers(entry["status_id"], f"{path}[{index}][status_id]")[0]))
    return {"stages": tuple(stages)}


def _numbers(field):
    return lambda node, path: {field: tuple(whole_numbers(node, path))}


FILTERS = {
    "id": _numbers("ids"),
    "responsible_user_id": _numbers("responsible"),
    "created_at": _dates("created"),
    "updated_at": _dates("updated"),
}
LEAD_FILTERS = {
    "pipeline_id": _numbers("pipelines"),
    "statuses": _stages,
    "price": _amounts,
}


def list_filters(entity, args, user):
    """The ListFilters of a list call: `query`, `order[...]` and `filter[...]` in any encoding,
    limited to the records `user` may view (records.Viewer: the query leaves the others out).

    An unsupported filter is a 400 rather than ignored: ignoring it would return (and
    count against the user's limit) far more records than the client asked for.
    """
    supported = {**FILTERS, **LEAD_FILTERS} if entity == "leads" else FILTERS
    return records.ListFilters(q=args.get("query", "").strip(), order=order(args),
                               viewer=records.Viewer.of(user), **filter_values(args, supported))


def filter_values(args, supported):
    """Every `filter[field]` parsed by `supported[field](node, path)` (each gives a dict), merged.

    A filter not in `supported` is a 400 (see list_filters for why).
    """
    values = {}
    for field, node in bracket_tree(args, "filter").items():
        if field not in supported:
            raise ApiValidationError.one(f"filter[{field}]", "This filter is not supported", code="NotSupportedChoice")
        values.update(supported[field](node, f"filter[{field}]"))
    return values


def one_value(node, path):
    """A parameter that takes a single value (in any encoding): that value; a 400 for several."""
    values = values_of(node, path)
    if len(values) != 1:
        raise ApiValidationError.one(path, "Give one value", code="InvalidType")
    return values[0]
