"""List presets: the built-in ones (All, Mine, Open, Won, Lost) and each user's saved filters."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from monitor.db import db
from monitor.inputs import is_id, without_control_characters
from monitor.models import SavedFilter
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records import COMBINED, COMBINED_KINDS, KINDS, STATES


def _offered(entities):
    """All and Mine everywhere; Open, Won and Lost where every kind shown has a state (Kind.by_state)."""
    return ("all", "mine", *(STATES if all(KINDS[entity].by_state for entity in entities) else ()))


BUILT_IN = {**{entity: _offered((entity,)) for entity in KINDS}, COMBINED: _offered(COMBINED_KINDS)}
MAX_NAME_LENGTH = 100
MAX_QUERY_LENGTH = 2000


def built_in(entity):
    """The built-in preset ids offered for `entity`."""
    return BUILT_IN[entity]


def saved_presets(user_id, entity):
    """The user's saved filters for `entity`, in the order they were saved."""
    return db.session.scalars(
        select(SavedFilter)
        .where(SavedFilter.user_id == user_id, SavedFilter.entity == entity)
        .order_by(SavedFilter.id)
    ).all()


def get_saved(user_id, entity, preset_id):
    """The user's own saved filter with this id for `entity`; NotFound otherwise."""
    preset = db.session.get(SavedFilter, preset_id) if is_id(preset_id) else None
    if preset is None or preset.user_id != user_id or preset.entity != entity:
        raise NotFound(preset_id)
    return preset


def save_preset(user_id, entity, name, query):
    """Save `query` (a list's query string, already checked) under `name` for this user."""
    name = without_control_characters(name or "").strip()
    if not name:
        raise ValidationError({"name": _l("This field is required.")})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": _l("At most %(n)d characters.", n=MAX_NAME_LENGTH)})
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationError({"name": _l("This filter is too long to save.")})
    with db.immediate() as session:
        preset = SavedFilter(user_id=user_id, entity=entity, name=name, query=query)
        session.add(preset)
    return preset


def delete_preset(user_id, entity, preset_id):
    """Delete the user's own saved filter; NotFound for anyone else's."""
    with db.immediate() as session:
        preset = get_saved(user_id, entity, preset_id)
        session.delete(preset)
    return preset
