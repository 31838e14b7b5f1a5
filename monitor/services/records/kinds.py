"""The record kinds: the one list of deals, customers, contacts and companies.

Kinds are named as in the URLs: "leads" (deals), "customers", "contacts", "companies",
in the order the navigation shows them. Everything that needs every kind (routes,
tags, search, link filters, card views, presets, the API's `with=`, the navigation)
reads it from here, so a kind is described once.
"""
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Table

from monitor.models import Company, Contact, Customer, Deal
from monitor.models.crm import company_tags, contact_tags, customer_contacts, customer_tags, deal_contacts, lead_tags


@dataclass(frozen=True)
class Kind:
    """What the services know about one kind of record."""

    name: str
    # One such record: its tags are kept under this name (Tag.entity), and it names the
    # list parameter that selects the records linked to one of them (`?company=5`).
    singular: str
    model: type
    tag_table: Table
    search_columns: tuple[str, ...]
    fields: tuple[str, ...]
    eager: tuple[str, ...]
    price_column: Optional[str] = None
    # A table linking records to contacts: (table, record column, contact column).
    contacts_link: Optional[tuple[Table, str, str]] = None
    # Deals and customers are also found by the name, phone or e-mail of their contacts and company.
    search_linked: bool = False
    # Lists filtered by a linked record: linked kind -> this model's relationship to it.
    links: tuple[tuple[str, str], ...] = ()
    # The Open, Won and Lost presets apply: deals by their state, others by their deals'.
    by_state: bool = False
    # The linked kinds the API embeds when asked (`with=`, API.md).
    embeds: frozenset[str] = frozenset()

    @property
    def tag_column(self):
        return self.tag_table.c[f"{self.singular}_id"]


KINDS = {
    "leads": Kind(
        "leads", "lead", Deal, lead_tags, ("name",),
        fields=("name", "price", "pipeline", "status", "responsible", "company", "contacts", "tags"),
        eager=("tags", "responsible_user", "company", "contacts", "status", "pipeline"),
        price_column="price", contacts_link=(deal_contacts, "deal_id", "contact_id"), search_linked=True,
        links=(("companies", "company"), ("contacts", "contacts")), by_state=True,
        embeds=frozenset({"contacts"}),
    ),
    "customers": Kind(
        "customers", "customer", Customer, customer_tags, ("name",),
        fields=("name", "next_price", "next_date", "company", "contacts", "responsible", "tags"),
        eager=("tags", "responsible_user", "company", "contacts"),
        price_column="next_price", contacts_link=(customer_contacts, "customer_id", "contact_id"),
        search_linked=True, links=(("companies", "company"), ("contacts", "contacts")),
        embeds=frozenset({"contacts", "companies"}),
    ),
    "contacts": Kind(
        "contacts", "contact", Contact, contact_tags, ("name", "phone", "email"),
        fields=("name", "phone", "email", "position", "company", "responsible", "tags"),
        eager=("tags", "responsible_user", "company"),
        links=(("companies", "company"), ("leads", "deals"), ("customers", "customers")), by_state=True,
        embeds=frozenset({"leads", "customers"}),
    ),
    "companies": Kind(
        "companies", "company", Company, company_tags, ("name", "phone", "email"),
        fields=("name", "phone", "email", "web", "address", "responsible", "tags"),
        eager=("tags", "responsible_user"), by_state=True,
        embeds=frozenset({"leads", "customers", "contacts"}),
    ),
}
ENTITY_OF_MODEL = {kind.model: name for name, kind in KINDS.items()}
# The combined list shows two kinds as one (SPEC: contacts and companies, newest first).
COMBINED = "contacts-companies"
COMBINED_KINDS = ("contacts", "companies")
# Every list page: one per kind, and the combined one.
LISTS = (*KINDS, COMBINED)


def kind_of(entity):
    """The Kind of an entity name; ValueError for an unknown one."""
    try:
        return KINDS[entity]
    except KeyError:
        raise ValueError(f"unknown entity {entity!r}") from None
