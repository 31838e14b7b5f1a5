"""URL converters built from the record kinds registry, for the CRM pages and the API alike.

`<kind:entity_name>` matches a record kind's name ("leads", "customers", "contacts",
"companies"); `<list:entity_name>` also the combined list ("contacts-companies").
A blueprint whose rules use them calls `bp.record_once(routing.register_converters)`
before its views are imported, so the app knows them when the rules are added.
"""
from werkzeug.routing import AnyConverter

from monitor.services.records import KINDS, LISTS


class KindConverter(AnyConverter):
    """One of the record kinds' names."""

    def __init__(self, url_map):
        super().__init__(url_map, *KINDS)


class ListConverter(AnyConverter):
    """A record kind's name or the combined list's."""

    def __init__(self, url_map):
        super().__init__(url_map, *LISTS)


def register_converters(state):
    """Blueprint setup: make `kind` and `list` known to the app (once, whichever blueprint comes first)."""
    state.app.url_map.converters.setdefault("kind", KindConverter)
    state.app.url_map.converters.setdefault("list", ListConverter)
