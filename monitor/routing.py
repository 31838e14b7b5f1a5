"""URL converters for the CRM pages, the API and the console alike.

`<kind:entity_name>` matches a record kind's name ("leads", "customers", "contacts",
"companies"); `<list:entity_name>` also the combined list ("contacts-companies"), both from
the record kinds registry. `<id:record_id>` is an id: ASCII digits only (werkzeug's `int`
also takes "١٢" and opens record 12).
A blueprint whose rules use them calls `bp.record_once(routing.register_converters)`
before its views are imported, so the app knows them when the rules are added.
"""
from werkzeug.routing import AnyConverter, BaseConverter, ValidationError

from monitor.inputs import is_digits
from monitor.services.records import KINDS, LISTS

# More digits than any id has, so that a number past MAX_ID still reaches the view, which
# says what an unknown id is (404, or 204 in the API); past this many it names no page at all.
ID_DIGITS = 20


class KindConverter(AnyConverter):
    """One of the record kinds' names."""

    def __init__(self, url_map):
        super().__init__(url_map, *KINDS)


class ListConverter(AnyConverter):
    """A record kind's name or the combined list's."""

    def __init__(self, url_map):
        super().__init__(url_map, *LISTS)


class IdConverter(BaseConverter):
    """An id: 1 to ID_DIGITS of the ASCII digits 0-9, as an int (no bound: the view decides)."""

    # ASCII digits, unlike werkzeug's \d. The length is in the pattern too: a value a pattern
    # matches but to_python refuses would make the other methods' rules answer 405, not 404.
    regex = f"[0-9]{{1,{ID_DIGITS}}}"
    weight = 50  # as werkzeug's `int`, so rules sort as they did with it

    def to_python(self, value):
        if not is_digits(value, ID_DIGITS):  # the one digit check (monitor.inputs), whatever the pattern lets by
            raise ValidationError()
        return int(value)

    def to_url(self, value):
        return str(int(value))


def register_converters(state):
    """Blueprint setup: make `kind`, `list` and `id` known to the app (once, whichever blueprint comes first)."""
    state.app.url_map.converters.setdefault("kind", KindConverter)
    state.app.url_map.converters.setdefault("list", ListConverter)
    state.app.url_map.converters.setdefault("id", IdConverter)
