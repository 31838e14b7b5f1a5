"""How CRM values read on pages and in exports: money, status names, card links, plain-text cells.

A linked record (a row's company, its contacts) the reader may not view is never named: pages show
it as hidden, exports write "hidden" (rights per entity, SPEC §10; records.may_view decides).
"""
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, dates, numbers
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from monitor.crm import bp
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID
from monitor.services import records

CURRENCY_SYMBOL = "\u20bd"  # the demo account works in roubles, as amoCRM accounts in Russia do
DEFAULT_CLOSED_NAMES = {WON_STATUS_ID: "Closed - won", LOST_STATUS_ID: "Closed - lost"}


# Patterns parsed once: a board shows hundreds of amounts and dates.
MONEY_PATTERN = numbers.parse_pattern("#,##0")


@lru_cache(maxsize=16)
def _day_pattern(locale_name):
    return dates.parse_pattern(Locale.parse(locale_name).date_formats["medium"])


@bp.app_template_filter("money")
def money(amount):
    """15000 -> "15,000 ₽" (grouping in the user's language)."""
    return f"{MONEY_PATTERN.apply(amount or 0, get_locale())}\u00a0{CURRENCY_SYMBOL}"


@bp.app_template_filter("day")
def day(moment):
    """A date (or a datetime's date) in the user's language: "Nov 27, 2026", "27 нояб. 2026 г."."""
    locale = get_locale()
    if isinstance(moment, datetime):
        moment = moment.date()
    return _day_pattern(str(locale)).apply(moment, locale)


@bp.app_template_filter("status_name")
def status_name(status):
    """A status's name; the built-in closed statuses in the user's language."""
    if status is None:
        return ""
    if DEFAULT_CLOSED_NAMES.get(status.id) == status.name:
        return _("Closed - won") if status.id == WON_STATUS_ID else _("Closed - lost")
    return status.name


class CardUrls(dict):
    """Each kind's card URL up to its id, as url_for("crm.record_card", ...) builds it: `cards[kind] ~ id`.

    A list or a board links hundreds of cards, and url_for costs ~10 µs a call (1.8 ms of a
    17 ms list page): here it runs once a kind and page, for record 0, and drops that 0.
    """

    def __missing__(self, entity_name):
        self[entity_name] = url_for("crm.record_card", entity_name=entity_name, record_id=0)[:-1]
        return self[entity_name]


@bp.app_template_global("card_urls")
def card_urls():
    """A page's CardUrls, filled as its links need them."""
    return CardUrls()


@bp.app_template_global("value_of")
def value_of(record, key):
    """A record's attribute, or None when this kind of record has no such attribute."""
    return getattr(record, key, None)


@bp.app_template_global("may_view")
def may_view(entity_name, record):
    """Whether the signed-in user may view this linked record (else it is shown as hidden)."""
    return records.may_view(current_user._get_current_object(), entity_name, record)


@bp.app_template_global("viewable")
def viewable(entity_name, linked):
    """The linked records (a row's contacts) the signed-in user may view, in order."""
    user = current_user._get_current_object()
    return [record for record in linked if records.may_view(user, entity_name, record)]


@bp.app_template_global("may")
def may(entity_name, right, record=None):
    """Whether the signed-in user's `right` reaches this record (None: any record of the kind): what a page
    offers (Save, Delete, New) follows it; the views check it again."""
    return records.allowed(current_user._get_current_object(), entity_name, right, record)


def plain(record, column, user=None):
    """A cell as plain text (CSV export): ids and amounts as numbers, times in ISO form.

    With `user`, a linked company or contacts they may not view read "hidden" (visible contacts only are named).
    """
    value = value_of(record, column.key)
    if value is None:
        return ""
    if user is not None and column.format in LINKED:
        value = [item for item in (value if column.format == "contacts" else [value])
                 if records.may_view(user, LINKED[column.format], item)]
        if not value:
            return _("hidden") if value_of(record, column.key) else ""
        value = value if column.format == "contacts" else value[0]
    formatter = PLAIN.get(column.format)
    return formatter(value) if formatter else str(value)


def _when(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


LINKED = {"company": "companies", "contacts": "contacts"}  # formats naming linked records -> their kind
PLAIN = {
    "money": str,
    "date": _when,
    "datetime": _when,
    "user": lambda user: user.name,
    "company": lambda company: company.name,
    "pipeline": lambda pipeline: pipeline.name,
    "status": status_name,
    "tags": lambda tags: ", ".join(tag.name for tag in tags),
    "contacts": lambda contacts: "; ".join(contact.name for contact in contacts),
}
