"""How CRM values read on pages and in exports: money, status names, card links, plain-text cells.

A linked record (a row's company, its contacts) the reader may not view is never named: pages show
it as hidden, exports write "hidden" (rights per entity, SPEC §10; records.may_view decides).
"""
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from monitor.clock import utcnow
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
def money(amount, locale=None):
    """15000 -> "15,000 ₽" (grouping in the user's language, or `locale`'s)."""
    return f"{MONEY_PATTERN.apply(amount or 0, locale or get_locale())}\u00a0{CURRENCY_SYMBOL}"


@bp.app_template_filter("day")
def day(moment, locale=None):
    """A date (or a datetime's date) in the user's language (or `locale`'s): "Nov 27, 2026", "27 нояб. 2026 г."."""
    locale = locale or get_locale()
    if isinstance(moment, datetime):
        moment = moment.date()
    return _day_pattern(str(locale)).apply(moment, locale)


def local_today():
    """Today's date in the account's time zone (as the tasks page counts days)."""
    from monitor.activity import account_timezone

    return utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo(account_timezone())).date()


def _overdue(text):
    """A date's text marked overdue in colour and in words, as overdue tasks are (tasks/_task.html `due`)."""
    return f'<span class="date-overdue">{text}</span> <strong class="overdue-label">{escape(_("Overdue"))}</strong>'


@bp.app_template_filter("due_day")
def due_day(moment):
    """A customer's next purchase date as `day` writes it, marked overdue once it is before today
    (in the account's time zone): the card's fact; CellWriter.due_day marks the list's cells alike."""
    moment = moment.date() if isinstance(moment, datetime) else moment
    text = escape(day(moment))
    return Markup(_overdue(text) if moment < local_today() else text)  # noqa: S704 (escaped)


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


@bp.app_template_global("cell_writer")
def cell_writer(cards):
    """The page's CellWriter (`cards`: its CardUrls)."""
    return CellWriter(current_user._get_current_object(), cards)


@bp.app_template_global("hidden_mark")
def hidden_mark():
    """A list cell or card fact standing for a linked record the reader may not view (crm/_cells.html `hidden`)."""
    return Markup(_hidden())  # noqa: S704 (escaped)


@bp.app_template_global("tag_badges")
def tag_badges(record_tags):
    """A record's tags as badges (crm/_cells.html `tags`)."""
    return Markup(_tags(record_tags))  # noqa: S704 (escaped)


@bp.app_template_global("stage_badge")
def stage_badge(status):
    """A status as a coloured badge, nothing for None (crm/_cells.html `stage`)."""
    return Markup(_stage(status) if status else "")  # noqa: S704 (escaped)


def _hidden():
    word = escape(_("hidden"))
    return f'<span class="muted linked-hidden" title="{word}">—<span class="visually-hidden">{word}</span></span>'


def _tags(record_tags):
    return "".join(f'<span class="tag">{escape(tag.name)}</span>' for tag in record_tags)


def _stage(status):
    color = escape(status.color or "").replace("#", "")
    return f'<span class="stage stage-{color}">{escape(status_name(status))}</span>'


def _phone(value):
    return f'<a href="tel:{escape(value).replace(" ", "")}" class="nowrap">{escape(value)}</a>'


def _web(value):
    href = value if value.startswith(("http://", "https://")) else "https://" + value
    return f'<a href="{escape(href)}" rel="noopener noreferrer" target="_blank">{escape(value.split("://")[-1])}</a>'


EMPTY = '<span class="muted">—</span>'
CELL_FORMATS = {  # a format -> its cell's inner HTML from the (not None, not empty) value and locale
    "money": lambda value, locale: escape(money(value, locale)),
    "datetime": lambda value, locale: escape(format_datetime(value, "short")),
    "tags": lambda value, locale: _tags(value),
    "user": lambda user, locale: escape(user.name),
    "status": lambda value, locale: _stage(value),
    "phone": lambda value, locale: _phone(value),
    "email": lambda value, locale: f'<a href="mailto:{escape(value)}">{escape(value)}</a>',
    "web": lambda value, locale: _web(value),
}


class CellWriter:
    """A list's rows for one reader, in each column's format (see entities.Column): a page draws ~450 cells,
    and formatting them here costs a fraction of a template macro call per cell.

    A linked company or contact the reader may not view is drawn as hidden (SPEC §10).
    """

    def __init__(self, user, cards):
        self.user, self.cards, self.locale = user, cards, get_locale()
        self.hidden = _hidden()
        self.tick_label = escape(_("Tick %(name)s"))
        self.days = {}  # a list's dates repeat (created and updated on the same day): each is formatted once
        self.today = None  # the account's today, for due dates (read at the first one)

    def row(self, entity_name, record, columns, tick=False):
        """A row's `<td>` cells; `tick`: first the box ticking it for the bulk form."""
        html = "".join(f'<td class="col-{column.format}">{self.cell(entity_name, record, column)}</td>'
                       for column in columns)
        if tick:
            label = self.tick_label % {"name": record.name}
            html = (f'<td class="col-select"><input type="checkbox" name="ids" value="{record.id}" form="bulk-form"'
                    f' aria-label="{label}"></td>\n      {html}')
        return Markup(html)  # noqa: S704 (every value in it went through escape())

    def cell(self, entity_name, record, column):
        """One cell's inner HTML."""
        form = column.format
        if form == "link":
            return f'<a href="{escape(self.cards[entity_name])}{record.id}">{escape(record.name)}</a>'
        if form == "entity":
            kind = _("Contact") if entity_name == "contacts" else _("Company")
            return f'<span class="kind kind-{escape(entity_name)}">{escape(kind)}</span>'
        value = getattr(record, column.key, None)
        if value is None or value == "":
            return EMPTY
        if form == "company":
            return self.company(value)
        if form == "contacts":
            return self.contacts(value)
        if form == "date":
            return self.due_day(value) if column.key == "next_date" else self.day(value)
        formatter = CELL_FORMATS.get(form)
        return formatter(value, self.locale) if formatter else escape(value)

    def day(self, moment):
        """A date cell's text."""
        moment = moment.date() if isinstance(moment, datetime) else moment
        text = self.days.get(moment)
        if text is None:
            text = self.days[moment] = escape(day(moment, self.locale))
        return text

    def due_day(self, moment):
        """A due date's cell (a customer's next purchase): its text, marked overdue once it has passed."""
        if self.today is None:
            self.today = local_today()
        text = self.day(moment)
        moment = moment.date() if isinstance(moment, datetime) else moment
        return _overdue(text) if moment < self.today else text

    def company(self, company):
        """A row's company as a card link, or hidden."""
        if records.may_view(self.user, "companies", company):
            return f'<a href="{escape(self.cards["companies"])}{company.id}">{escape(company.name)}</a>'
        return self.hidden

    def contacts(self, contacts):
        """A row's first contact the reader may view as a card link, "+N" for the others they may view."""
        shown = [contact for contact in contacts if records.may_view(self.user, "contacts", contact)]
        if shown:
            more = f' <span class="muted">+{len(shown) - 1}</span>' if len(shown) > 1 else ""
            html = f'<a href="{escape(self.cards["contacts"])}{shown[0].id}">{escape(shown[0].name)}</a>{more}'
        else:
            html = self.hidden if contacts else EMPTY
        return f"\n    {html}"  # the whitespace the template's cell always had before a contacts cell's content


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
