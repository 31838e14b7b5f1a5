"""CRM records: pipelines and statuses, deals, contacts, companies, customers, tags."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from monitor.clock import utcnow
from monitor.db import Base

WON_STATUS_ID = 142
LOST_STATUS_ID = 143


class Pipeline(Base):
    """A sales pipeline: ordered statuses, the last two closed won (142) and lost (143)."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sort: Mapped[int] = mapped_column(default=0)
    is_main: Mapped[bool] = mapped_column(default=False)
    is_archive: Mapped[bool] = mapped_column(default=False)
    statuses: Mapped[list["Status"]] = relationship(
        back_populates="pipeline", order_by="Status.sort", cascade="all, delete-orphan"
    )


class Status(Base):
    """A stage of one pipeline. Ids are account-wide except 142 and 143, shared by all."""

    __tablename__ = "statuses"
    __table_args__ = (UniqueConstraint("pipeline_id", "id", name="uq_statuses_pipeline_status"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(index=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    sort: Mapped[int] = mapped_column(default=0)
    color: Mapped[str] = mapped_column(String(16), default="#99ccff")
    pipeline: Mapped[Pipeline] = relationship(back_populates="statuses")

    @property
    def is_closed(self):
        return self.id in (WON_STATUS_ID, LOST_STATUS_ID)


MAX_TAG_NAME = 100


def tag_key(name):
    """What tag names are compared by: the name stripped and casefolded in Python.

    SQLite's lower() folds ASCII only, so "ВИП" and "вип" are compared here, by this key.
    """
    return name.strip().casefold()


class Tag(Base):
    """A tag; each entity kind has its own tags, as in amoCRM. Unique per entity by `key`."""

    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("entity", "name", name="uq_tags_entity_name"),
        Index("uq_tags_entity_key", "entity", "key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(MAX_TAG_NAME))
    # tag_key(name); casefolding may lengthen a name (up to three times).
    key: Mapped[str] = mapped_column(String(3 * MAX_TAG_NAME), server_default="")
    color: Mapped[Optional[str]] = mapped_column(String(16))

    @validates("name")
    def _set_key(self, _attribute, name):
        self.key = tag_key(name)
        return name


def _tag_table(entity, record_table):
    return Table(
        f"{entity}_tags",
        Base.metadata,
        Column(f"{entity}_id", ForeignKey(f"{record_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


lead_tags = _tag_table("lead", "deals")
contact_tags = _tag_table("contact", "contacts")
company_tags = _tag_table("company", "companies")
customer_tags = _tag_table("customer", "customers")

deal_contacts = Table(
    "deal_contacts",
    Base.metadata,
    Column("deal_id", ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True),
)
customer_contacts = Table(
    "customer_contacts",
    Base.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class RecordMixin:
    """Columns every CRM record has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed for short searches: names starting with "iv" are an index range (services/search.py).
    name: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Indexed for sorting by the last change (SPEC §10).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    responsible_user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class Company(RecordMixin, Base):
    """A company."""

    __tablename__ = "companies"

    phone: Mapped[Optional[str]] = mapped_column(String(50), index=True)
    email: Mapped[Optional[str]] = mapped_column(String(254), index=True)
    web: Mapped[Optional[str]] = mapped_column(String(255))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    responsible_user = relationship("User")
    tags: Mapped[list[Tag]] = relationship(secondary=company_tags, order_by=Tag.name)
    contacts: Mapped[list["Contact"]] = relationship(back_populates="company")
    deals: Mapped[list["Deal"]] = relationship(back_populates="company")
    customers: Mapped[list["Customer"]] = relationship(back_populates="company")


class Contact(RecordMixin, Base):
    """A person."""

    __tablename__ = "contacts"

    phone: Mapped[Optional[str]] = mapped_column(String(50), index=True)
    email: Mapped[Optional[str]] = mapped_column(String(254), index=True)
    position: Mapped[Optional[str]] = mapped_column(String(200))
    company_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    company: Mapped[Optional[Company]] = relationship(back_populates="contacts")
    responsible_user = relationship("User")
    tags: Mapped[list[Tag]] = relationship(secondary=contact_tags, order_by=Tag.name)
    deals: Mapped[list["Deal"]] = relationship(secondary=deal_contacts, back_populates="contacts")
    customers: Mapped[list["Customer"]] = relationship(
        secondary=customer_contacts, back_populates="contacts"
    )


class Deal(RecordMixin, Base):
    """A deal (amoCRM "lead") in a pipeline status."""

    __tablename__ = "deals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["pipeline_id", "status_id"], ["statuses.pipeline_id", "statuses.id"],
            name="fk_deals_status",
        ),
        Index("ix_deals_pipeline_status_created", "pipeline_id", "status_id", "created_at"),
        # Covers the board's per-status count and sum of prices.
        Index("ix_deals_pipeline_status_price", "pipeline_id", "status_id", "price"),
        # A view-own user's deals list (rights per entity) walks this in list order, no sort.
        Index("ix_deals_responsible_created", "responsible_user_id", "created_at"),
    )

    price: Mapped[int] = mapped_column(default=0, index=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"))
    status_id: Mapped[int]
    company_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    closed_at: Mapped[Optional[datetime]]
    pipeline: Mapped[Pipeline] = relationship()
    status: Mapped[Status] = relationship(viewonly=True)
    company: Mapped[Optional[Company]] = relationship(back_populates="deals")
    responsible_user = relationship("User")
    tags: Mapped[list[Tag]] = relationship(secondary=lead_tags, order_by=Tag.name)
    contacts: Mapped[list[Contact]] = relationship(secondary=deal_contacts, back_populates="deals")


class Customer(RecordMixin, Base):
    """A periodic buyer."""

    __tablename__ = "customers"

    next_price: Mapped[int] = mapped_column(default=0, index=True)
    next_date: Mapped[Optional[date]] = mapped_column(index=True)
    company_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    company: Mapped[Optional[Company]] = relationship(back_populates="customers")
    responsible_user = relationship("User")
    tags: Mapped[list[Tag]] = relationship(secondary=customer_tags, order_by=Tag.name)
    contacts: Mapped[list[Contact]] = relationship(
        secondary=customer_contacts, back_populates="customers"
    )


class SavedFilter(Base):
    """A user's named filter (preset): an entity and the list's query string."""

    __tablename__ = "saved_filters"
    __table_args__ = (Index("ix_saved_filters_user_entity", "user_id", "entity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordTotal(Base):
    """How many records of a kind (and the sum of deals' prices) one responsible user has in one stage.

    Kept exact by database triggers (migration 0012) in every writing transaction; read by
    services/records/totals.py. A missing responsible user, and a non-deal's stage, are 0.
    """

    __tablename__ = "record_totals"

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    responsible_user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    pipeline_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    records: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(BigInteger)
