"""Fixtures for the rights-per-entity tests: rights dicts built from all rights, and setting a user's."""
import copy

from monitor.db import db
from monitor.models import User
from monitor.services.records import rights


def rights_with(**changes):
    """Every right, except `changes`: {entity: {right: scope}}."""
    given = copy.deepcopy(rights.ALL)
    for entity, scopes in changes.items():
        given[entity].update(scopes)
    return given


# A user who may view, edit and delete only their own deals; one who may do nothing with companies.
OWN_DEALS = rights_with(leads={"view": "own", "edit": "own", "delete": "own"})
NO_COMPANIES = rights_with(companies={"view": "none", "edit": "none", "delete": "none"})


def set_rights(app, user_id, given):
    """Store `given` as the user's rights."""
    with app.app_context():
        db.session.get(User, user_id).rights = rights.dump(given)
        db.session.commit()
