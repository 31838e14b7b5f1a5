"""Rights per entity (SPEC §10, as amoCRM's Rights & users): who may view, edit and delete which records.

For each kind ("leads", "contacts", "companies", "customers") and each right ("view", "edit",
"delete") a user has a scope: "all" records, only their "own" (the user is responsible), or
"none". Administrators have every right. A user's rights are kept on the user (`users.rights`,
JSON) and read here, the one place that decides:

- `Viewer.of(user)` is what a query needs to know; every list, count, search, board, export,
  picker, panel and API list passes it in `ListFilters.viewer`, and `conditions.where_clauses`
  turns it into one WHERE clause per kind (`visible_clause`) — nothing is filtered after the query;
- `allowed(user, entity, right, record)` / `require(...)` decide for one loaded record (a card,
  a save, a delete, a note, a move, a bulk action): `require` raises services.errors.Forbidden;
- `may_view(user, entity, record)` decides whether a linked record already loaded with a row (a
  deal's company, its contacts) may be named; one it may not is shown as hidden.
"""
import json
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import false

from monitor.models.users import RIGHT_KINDS, RIGHT_NAMES
from monitor.services.errors import Forbidden
from monitor.services.records.kinds import KINDS

assert set(RIGHT_KINDS) == set(KINDS), "users.rights names every record kind"
RIGHTS = RIGHT_NAMES
SCOPES = ("all", "own", "none")
ALL = {entity: {right: "all" for right in RIGHTS} for entity in KINDS}
# What a new user starts with (SPEC §10): view all, edit all, delete own.
NEW_USER = {entity: {"view": "all", "edit": "all", "delete": "own"} for entity in KINDS}


def dump(rights):
    """Rights as users.rights keeps them: compact JSON, every kind and right present."""
    return json.dumps({entity: {right: rights[entity][right] for right in RIGHTS} for entity in KINDS},
                      separators=(",", ":"), sort_keys=True)


def load(text):
    """users.rights as a dict; a kind or right missing or unreadable is "none" (never more than was given)."""
    try:
        kept = json.loads(text or "{}")
    except ValueError:
        kept = {}
    kept = kept if isinstance(kept, dict) else {}
    rights = {}
    for entity in KINDS:
        given = kept.get(entity) if isinstance(kept.get(entity), dict) else {}
        rights[entity] = {right: given.get(right) if given.get(right) in SCOPES else "none" for right in RIGHTS}
    return rights


def rights_of(user):
    """Every right of `user`: {entity: {right: scope}}; an administrator has all of them."""
    if user is None:
        return {entity: {right: "none" for right in RIGHTS} for entity in KINDS}
    if getattr(user, "is_admin", False):
        return ALL
    return load(getattr(user, "rights", None))


def scope(user, entity, right):
    """"all" | "own" | "none": how far `user`'s `right` on records of `entity` reaches."""
    return rights_of(user)[entity][right]


@dataclass(frozen=True)
class Viewer:
    """What a query needs of the user it reads for: their id and their view scope per kind."""

    user_id: Optional[int]
    views: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, user):
        rights = rights_of(user)
        return cls(getattr(user, "id", None), tuple((entity, rights[entity]["view"]) for entity in KINDS))

    def view(self, entity):
        return dict(self.views)[entity]

    @property
    def sees_everything(self):
        return all(scope_ == "all" for _entity, scope_ in self.views)


def visible_clause(kind, viewer):
    """The WHERE clause limiting `kind`'s records to those `viewer` may view; None when they see all."""
    if viewer is None:
        return None
    reach = viewer.view(kind.name)
    if reach == "all":
        return None
    if reach == "own" and viewer.user_id is not None:
        return kind.model.responsible_user_id == viewer.user_id
    return false()


def _reaches(reach, user, record):
    if reach == "all":
        return True
    return reach == "own" and user is not None and record.responsible_user_id == user.id


def allowed(user, entity, right, record=None):
    """Whether `user` may `right` this record of `entity` (record None: any record of it at all)."""
    reach = scope(user, entity, right)
    if record is None:
        return reach != "none"
    return _reaches(reach, user, record)


def require(user, entity, right, record=None):
    """`allowed`, or Forbidden (the app answers 403 and counts nothing)."""
    if not allowed(user, entity, right, record):
        raise Forbidden((entity, right, getattr(record, "id", None)))


def may_view(user, entity, record):
    """Whether a record already loaded (a row's company or contacts) may be named to `user`."""
    return record is not None and _reaches(scope(user, entity, "view"), user, record)
