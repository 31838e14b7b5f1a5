"""The account's monitoring settings: reading, validating, saving."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import lazy_gettext as _l

from monitor.activity import audit, preview, recount
from monitor.activity.counting import Limits
from monitor.activity.windows import PERIODS
from monitor.clock import utcnow
from monitor.db import db
from monitor.inputs import is_digits
from monitor.models import ActivityEvent, ActivitySettings
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
        action="deactivate", timezone="UTC", warn_percent=80, warn_admins=False,
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


KEEP = object()  # save_settings: leave the warning as it is saved
FIELDS = ("card_limit", "card_period", "list_limit", "list_period", "action", "timezone", "warn_percent",
          "warn_admins")


def parse_warning(raw, errors):
    """warn_percent: empty for no warning, else a whole number 1..99."""
    raw = "" if raw is None else str(raw).strip()
    if not raw:
        return None
    if not is_digits(raw, 2) or not 1 <= int(raw) <= 99:
        errors["warn_percent"] = _l("Enter a whole number from 1 to 99, or leave empty for no warning.")
        return None
    return int(raw)


def save_settings(card_limit, card_period, list_limit, list_period, action, timezone, warn_percent=KEEP,
                  warn_admins=KEEP, by=None):
    """Validate the raw form values and save them; ValidationError leaves the saved ones unchanged.

    The change is audited (who, old → new) when `by`, the administrator making it, is given.
    """
    errors = {}
    limits = _parse(card_limit, card_period, list_limit, list_period, action, timezone, errors)
    warn = None if warn_percent is KEEP else parse_warning(warn_percent, errors)
    if errors:
        raise ValidationError(errors)
    with db.immediate() as session:
        settings = session.get(ActivitySettings, SETTINGS_ID)
        before = settings or get_settings()
        old = {name: getattr(before, name) for name in FIELDS}
        changed = recount.changed_counters(before, limits)
        settings = settings or ActivitySettings(id=SETTINGS_ID, warn_percent=before.warn_percent,
                                                warn_admins=before.warn_admins)
        settings.card_limit, settings.list_limit = limits.card_limit, limits.list_limit
        settings.card_period, settings.list_period = limits.card_period, limits.list_period
        settings.action, settings.timezone = limits.action, limits.timezone
        if warn_percent is not KEEP:
            settings.warn_percent = warn
        if warn_admins is not KEEP:
            settings.warn_admins = bool(warn_admins)
        session.add(settings)
        if changed and plan_allows_monitoring():
            recount.recount(session, settings, changed, utcnow())
        if by is not None:
            audit.record_change(session, ActivityEvent.SETTINGS_CHANGED, by.id, by,
                                [(name, old[name], getattr(settings, name)) for name in FIELDS])
    return settings
