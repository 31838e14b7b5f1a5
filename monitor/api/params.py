"""Query parameters of list calls, read strictly: bad values are a 400 with validation-errors, never a 500."""
from monitor.api.responses import ApiValidationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
MAX_PAGE = 1_000_000


def _whole_number(args, name, default, highest):
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
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
    if all(key.isdigit() and isinstance(value, str) for key, value in node.items()):
        return [node[key] for key in sorted(node, key=int)]
    raise ApiValidationError.one(path, "Expected a value or a list of values", code="InvalidType")


def whole_numbers(node, path):
    """Ids and the like: one or several non-negative integers."""
    values = values_of(node, path)
    if not all(value.isascii() and value.isdigit() and len(value) <= 18 for value in values):
        raise ApiValidationError.one(path, "Expected whole numbers", code="InvalidType")
    return [int(value) for value in values]


def unix_range(node, path):
    """`[from]` and `[to]` Unix seconds (either may be missing), or one exact second."""
    if isinstance(node, str):
        low = high = whole_numbers(node, path)[0]
        return low, high
    unknown = set(node) - {"from", "to"}
    if unknown:
        raise ApiValidationError.one(f"{path}[{sorted(unknown)[0]}]", "Expected [from] and [to]", code="InvalidType")
    low = whole_numbers(node["from"], f"{path}[from]")[0] if "from" in node else None
    high = whole_numbers(node["to"], f"{path}[to]")[0] if "to" in node else None
    return low, high
