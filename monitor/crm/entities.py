"""Entity descriptions: what the one list/card machinery shows for each kind of record.

Every CRM page is drawn by the same views and templates from one of these
descriptions: its list columns, filter panel inputs, card form, linked records
and export columns. `contacts-companies` is the combined list of two entities.
"""
from dataclasses import dataclass
from typing import Optional

from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from monitor.crm import bp, forms
from monitor.services import presets, records

# A filtered list's count stops past this many ("More than 1,000 records found"): counting every match of
# a broad filter would cost more than showing the page, and grow with the base (SPEC §12).
COUNT_LIMIT = 1000
# The list column that would only repeat the card a related panel sits on.
BACK_COLUMN = {"companies": "company"}
RELATED_COLUMNS = 3
# Column formats that show a relationship of the record (loaded with the rows, not row by row).
RELATION_FORMATS = ("user", "company", "contacts", "status", "pipeline", "tags")


@dataclass(frozen=True)
class Column:
    """A list or export column: the record attribute `key`, shown in the column's `format`.

    Formats: link (the record's name as a card link), entity (contact or company badge),
    text, phone, email, web, money, date, datetime, tags, user, company, contacts,
    status, pipeline. `sort`: the list's `sort` value its header link orders by (SPEC §10),
    None for a column the lists cannot be sorted by.
    """

    key: str
    label: object
    format: str = "text"
    sort: Optional[str] = None


@dataclass(frozen=True)
class Related:
    """Records linked to a card, listed on it (part of the card view)."""

    relation: str
    entity: str
    label: object


@dataclass(frozen=True)
class RelatedPanel:
    """A card's panel of linked records: the newest `rows` (at most one list page) of `count`."""

    link: Related
    target: "Entity"
    columns: tuple[Column, ...]
    rows: list
    count: int
    more_url: str


@dataclass(frozen=True)
class Entity:
    """One kind of list and card."""

    name: str
    title: object
    one: object
    new_label: Optional[object]
    columns: tuple[Column, ...]
    panel: tuple[str, ...]
    form: Optional[type] = None
    related: tuple[Related, ...] = ()
    export_columns: tuple[Column, ...] = ()
    price_label: object = _l("Price")

    @property
    def record_entities(self):
        """The entities whose records this list shows."""
        return records.COMBINED_KINDS if self.name == records.COMBINED else (self.name,)

    @property
    def tabs(self):
        """The lists of the combined list's records, as tabs above each of them: contacts, companies, both."""
        lists = (*records.COMBINED_KINDS, records.COMBINED)
        return [ENTITIES[name] for name in lists] if self.name in lists else []

    @property
    def fields(self):
        """The card form's fields, in order."""
        return records.KINDS[self.name].fields

    @property
    def presets(self):
        return presets.built_in(self.name)

    def page(self, filters, page):
        """One list page: ([(entity name, record), ...], has_more), with the relationships its columns show."""
        if self.name == records.COMBINED:
            return records.query_combined(filters, page)
        rows, has_more = records.query_list(self.name, filters, page, relations=shown_relations(self.columns))
        return [(self.name, record) for record in rows], has_more

    def related_panels(self, record, user=None):
        """The card's panels of linked records, each capped at one list page; "and N more" opens the list.

        With `user`, only the linked records they may view are shown and counted (their Viewer narrows the query).
        """
        viewer = records.Viewer.of(user) if user is not None else None
        panels = []
        for link in self.related:
            target = ENTITIES[link.entity]
            columns = tuple(column for column in target.columns if column.format != BACK_COLUMN.get(self.name))
            columns = columns[:RELATED_COLUMNS]
            relations = shown_relations(columns)
            rows, count = records.linked(record, link.relation, relations=relations, viewer=viewer)
            # The list parameter naming a record of this kind is its singular (crm.filters.link_params).
            link_param = {records.KINDS[self.name].singular: record.id}
            more_url = url_for("crm.record_list", entity_name=target.name, **link_param)
            panels.append(RelatedPanel(link, target, columns, rows, count, more_url))
        return panels

    def count(self, filters):
        """(how many records the list has, whether that is only "more than COUNT_LIMIT").

        The whole list (in any order, within the user's rights) and a list narrowed only by responsible
        user, pipeline, status or state count exactly from the totals the database keeps; any other
        filter stops counting past COUNT_LIMIT.
        """
        limit = None if records.counts_exactly(self.name, filters) else COUNT_LIMIT
        if self.name == records.COMBINED:
            total = records.count_combined(filters, limit)
        else:
            total = records.count_list(self.name, filters, limit)
        return total, limit is not None and total > limit


def shown_relations(columns):
    """The relationships these columns show, to load with the rows (not row by row)."""
    return tuple(column.key for column in columns if column.format in RELATION_FORMATS)


NAME = Column("name", _l("Name"), "link", sort="name")
RESPONSIBLE = Column("responsible_user", _l("Responsible"), "user")
TAGS = Column("tags", _l("Tags"), "tags")
CREATED = Column("created_at", _l("Created"), "date", sort="created")
UPDATED = Column("updated_at", _l("Updated"), "date", sort="updated")
COMPANY = Column("company", _l("Company"), "company")
PHONE = Column("phone", _l("Phone"), "phone")
EMAIL = Column("email", _l("E-mail"), "email")
EXPORT_HEAD = (Column("id", _l("ID")), Column("name", _l("Name")))
EXPORT_TAIL = (
    RESPONSIBLE, TAGS,
    Column("created_at", _l("Created"), "datetime"),
    Column("updated_at", _l("Updated"), "datetime"),
)
PANEL = ("responsible", "created", "tags")

DESCRIPTIONS = {
    "leads": Entity(
        "leads", _l("Deals"), _l("Deal"), _l("New deal"),
        columns=(NAME, Column("status", _l("Status"), "status", sort="status"),
                 Column("price", _l("Price"), "money", sort="price"),
                 COMPANY, Column("contacts", _l("Contacts"), "contacts"), RESPONSIBLE, TAGS, CREATED, UPDATED),
        panel=("responsible", "pipeline", "status", "price", "created", "tags"),
        form=forms.DealForm,
        related=(Related("contacts", "contacts", _l("Contacts")),),
        export_columns=(
            *EXPORT_HEAD, Column("price", _l("Price"), "money"), Column("pipeline", _l("Pipeline"), "pipeline"),
            Column("status", _l("Status"), "status"), COMPANY, Column("contacts", _l("Contacts"), "contacts"),
            Column("closed_at", _l("Closed"), "datetime"), *EXPORT_TAIL,
        ),
    ),
    "contacts": Entity(
        "contacts", _l("Contacts"), _l("Contact"), _l("New contact"),
        columns=(NAME, COMPANY, PHONE, EMAIL, Column("position", _l("Position")), RESPONSIBLE, TAGS, CREATED,
                 UPDATED),
        panel=PANEL,
        form=forms.ContactForm,
        related=(Related("deals", "leads", _l("Deals")), Related("customers", "customers", _l("Customers"))),
        export_columns=(*EXPORT_HEAD, PHONE, EMAIL, Column("position", _l("Position")), COMPANY, *EXPORT_TAIL),
    ),
    "companies": Entity(
        "companies", _l("Companies"), _l("Company"), _l("New company"),
        columns=(NAME, PHONE, EMAIL, Column("web", _l("Website"), "web"), RESPONSIBLE, TAGS, CREATED, UPDATED),
        panel=PANEL,
        form=forms.CompanyForm,
        related=(
            Related("contacts", "contacts", _l("Contacts")),
            Related("deals", "leads", _l("Deals")),
            Related("customers", "customers", _l("Customers")),
        ),
        export_columns=(
            *EXPORT_HEAD, PHONE, EMAIL, Column("web", _l("Website")), Column("address", _l("Address")),
            *EXPORT_TAIL,
        ),
    ),
    "customers": Entity(
        "customers", _l("Customers"), _l("Customer"), _l("New customer"),
        columns=(NAME, Column("next_price", _l("Next purchase"), "money", sort="price"),
                 Column("next_date", _l("Next purchase date"), "date", sort="next_date"), COMPANY, RESPONSIBLE, TAGS,
                 CREATED, UPDATED),
        panel=("responsible", "price", "created", "tags"),
        form=forms.CustomerForm,
        related=(Related("contacts", "contacts", _l("Contacts")),),
        export_columns=(
            *EXPORT_HEAD, Column("next_price", _l("Next purchase"), "money"),
            Column("next_date", _l("Next purchase date"), "date"), COMPANY,
            Column("contacts", _l("Contacts"), "contacts"), *EXPORT_TAIL,
        ),
        price_label=_l("Next purchase"),
    ),
    records.COMBINED: Entity(
        records.COMBINED, _l("Contacts and companies"), _l("Contact or company"), None,
        columns=(Column("entity", _l("Type"), "entity"), NAME, COMPANY, PHONE, EMAIL, RESPONSIBLE, TAGS, CREATED,
                 UPDATED),
        panel=PANEL,
    ),
}


# One description per list of the registry (records.LISTS), in its order; a kind without one fails here.
ENTITIES = {name: DESCRIPTIONS[name] for name in records.LISTS}


@bp.app_template_global()
def record_lists():
    """The lists the navigation offers: one per record kind, in the registry's order."""
    return [ENTITIES[name] for name in records.KINDS]


def get(name):
    """The description of an entity (or the combined list); 404 for anything else."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise NotFound() from None
