"""The account's monitoring settings: reading, validating, saving."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import lazy_gettext as _l

from monitor.activity import preview, recount
from monitor.activity.counting import Limits
from monitor.activity.windows import PERIODS
from monitor.clock import utcnow
from monitor.db import db
from monitor.inputs import is_digits
from monitor.models import ActivitySettings
from monitor.services.errors import ValidationError

ACTIONS = ("deactivate", "notify")
MAX_LIMIT = 1_000_000
LIMIT_DIGITS = len(str(MAX_LIMIT))
SETTINGS_ID = 1


def get_settings():
    """The settings row (made with defaults on first use: no limits, UTC)."""
    settings = db.session.get(ActivitySettings, SETTINGS_ID)
    return settings if settings is not None else ActivitySettings(
        id=SETTINGS_ID, card_limit=None, card_period="day", list_limit=None, list_period="day",
        action="deactivate", timezone="UTC",
    )


def plan_allows_monitoring():
    """Activity monitoring is a Professional plan feature."""
    return current_app.config["PLAN"] == "professional"


def monitoring_enabled(settings=None):
    """True when the plan has the feature and at least one limit is set."""
    settings = settings or get_settings()
    return plan_allows_monitoring() and (settings.card_limit is not None or settings.list_limit is not None)


def _parse_limit(raw, field, errors):
    raw = (raw or "").strip()
    if not raw:
        return None
    if not is_digits(raw, LIMIT_DIGITS) or not 1 <= int(raw) <= MAX_LIMIT:
        errors[field] = _l("Enter a whole number from 1 to 1,000,000, or leave empty for no limit.")
        return None
    return int(raw)


def _check_choice(value, choices, field, errors):
    if value not in choices:
        errors[field] = _l("Choose one of the offered values.")


def _check_timezone(value, errors):
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors["timezone"] = _l("Enter a time zone name such as Europe/Moscow or UTC.")


def parse_limits(card_limit, card_period, list_limit, list_period, action, timezone):
    """The raw form values as Limits; ValidationError names each field that is wrong."""
    errors = {}
    limits = _parse(card_limit, card_period, list_limit, list_period, action, timezone, errors)
    if errors:
        raise ValidationError(errors)
    return limits


def parse_preview(card_limit, card_period, list_limit, list_period, action, timezone, days):
    """The preview's limits and its number of days (1..90), or a ValidationError with all the errors."""
    errors = {}
    limits = _parse(card_limit, card_period, list_limit, list_period, action, timezone, errors)
    days = (days or "").strip() or str(preview.DEFAULT_DAYS)
    if not is_digits(days, 2) or not preview.MIN_DAYS <= int(days) <= preview.MAX_DAYS:
        errors["preview_days"] = _l("Enter a whole number of days from 1 to 90.")
    if errors:
        raise ValidationError(errors)
    return limits, int(days)


def _parse(card_limit, card_period, list_limit, list_period, action, timezone, errors):
    parsed_card = _parse_limit(card_limit, "card_limit", errors)
    parsed_list = _parse_limit(list_limit, "list_limit", errors)
    _check_choice(card_period, PERIODS, "card_period", errors)
    _check_choice(list_period, PERIODS, "list_period", errors)
    _check_choice(action, ACTIONS, "action", errors)
    timezone = (timezone or "").strip()
    _check_timezone(timezone, errors)
    return Limits(parsed_card, card_period, parsed_list, list_period, action, timezone)


def save_settings(card_limit, card_period, list_limit, list_period, action, timezone):
    """Validate the raw form values and save them; ValidationError leaves the saved ones unchanged."""
    limits = parse_limits(card_limit, card_period, list_limit, list_period, action, timezone)
    with db.immediate() as session:
        settings = session.get(ActivitySettings, SETTINGS_ID)
        before = settings or get_settings()
        changed = recount.changed_counters(before, limits)
        settings = settings or ActivitySettings(id=SETTINGS_ID)
        settings.card_limit, settings.list_limit = limits.card_limit, limits.list_limit
        settings.card_period, settings.list_period = limits.card_period, limits.list_period
        settings.action, settings.timezone = limits.action, limits.timezone
        session.add(settings)
        if changed and plan_allows_monitoring():
            recount.recount(session, settings, changed, utcnow())
    return settings
