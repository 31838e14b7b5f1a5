"""Deterministic demo data, fast enough for 100,000 deals (bulk inserts with explicit ids)."""
import random
from datetime import datetime, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select, text

from monitor.db import db
from monitor.models import Company, Contact, Customer, Deal, Pipeline, Tag, User
from monitor.models.crm import (
    company_tags,
    contact_tags,
    customer_contacts,
    customer_tags,
    deal_contacts,
    lead_tags,
)
from monitor.services import pipelines, users

DEFAULT_DEALS = 500
ADMIN_EMAIL = "admin@tally.example"
ADMIN_PASSWORD = "tally-demo"  # noqa: S105 (published demo credentials)
DEMO_PASSWORD = "tally-demo"  # noqa: S105
CHUNK = 5000
# A fixed anchor keeps the data identical from run to run.
ANCHOR = datetime(2026, 11, 1, 12, 0, 0)
SPAN_SECONDS = 2 * 365 * 24 * 3600

DEMO_USERS = (
    ("Demo Administrator", ADMIN_EMAIL, True, True),
    ("Anna Petrova", "anna@tally.example", False, False),
    ("Boris Ivanov", "boris@tally.example", False, False),
    ("Clara Smith", "clara@tally.example", False, True),
    ("Dmitry Sokolov", "dmitry@tally.example", True, False),
)
FIRST_NAMES = ("Alexey", "Maria", "Ivan", "Olga", "Sergey", "Elena", "John", "Emma", "Pavel",
               "Irina", "Nikolai", "Sofia", "Peter", "Anna", "Mikhail", "Laura", "Viktor", "Daria")
LAST_NAMES = ("Smirnov", "Kuznetsova", "Popov", "Vasileva", "Novikov", "Morozova", "Brown",
              "Taylor", "Volkov", "Lebedeva", "Kozlov", "Miller", "Orlov", "Fedorova", "Wilson")
COMPANY_WORDS = ("Nord", "Volga", "Alpha", "Delta", "Ural", "Baltic", "Sigma", "Vector", "Orbit",
                 "Granite", "Cedar", "Polar", "Aurora", "Atlas", "Neva", "Zenith")
COMPANY_KINDS = ("Trading", "Logistics", "Systems", "Foods", "Motors", "Media", "Build", "Pharma")
POSITIONS = ("CEO", "Buyer", "Accountant", "Sales manager", "CTO", "Office manager", None)
DEAL_WORDS = ("Supply", "Installation", "Licence", "Consulting", "Maintenance", "Upgrade", "Pilot")
TAGS = ("vip", "web", "partner", "wholesale", "repeat", "cold", "moscow", "export")


def database_is_empty():
    """True when the database has no users yet (a fresh install)."""
    return db.session.scalar(select(func.count(User.id))) == 0


def load(deal_count, progress=print):
    """Create the demo users, a second pipeline and exactly deal_count deals with their records.

    One write transaction (BEGIN IMMEDIATE on SQLite) from the first check to the last row:
    a server running meanwhile waits for it rather than seeing half of it.
    """
    pipelines.ensure_account()
    with db.immediate() as session:
        if users.find_user(ADMIN_EMAIL) is not None:
            raise click.ClickException(f"Demo data is already loaded ({ADMIN_EMAIL} exists).")
        _load(session, deal_count, progress)


def _load(session, deal_count, progress):
    rng = random.Random(2026)
    user_ids = _create_users()
    if len(pipelines.list_pipelines()) < 2:
        pipelines.add_pipeline(session, "Partners", ["Application", "Onboarding", "Trial"])
    tag_ids = _create_tags()
    counts = {
        "companies": max(20, deal_count // 10),
        "contacts": max(60, deal_count // 2),
        "customers": max(60, deal_count // 20),
    }
    company_ids = _bulk(Company, counts["companies"], lambda i: _company_row(rng, i, user_ids), progress)
    contact_ids = _bulk(Contact, counts["contacts"], lambda i: _contact_row(rng, i, user_ids, company_ids), progress)
    _bulk(Customer, counts["customers"], lambda i: _customer_row(rng, i, user_ids, company_ids), progress)
    stages = _stages()
    deal_ids = _bulk(Deal, deal_count, lambda i: _deal_row(rng, i, user_ids, company_ids, stages), progress)
    _link(rng, deal_ids, contact_ids, company_ids, tag_ids)
    _advance_sequences()
    progress(f"Loaded {deal_count} deals, {counts['contacts']} contacts, "
             f"{counts['companies']} companies, {counts['customers']} customers.")


def _advance_sequences():
    """Explicit ids leave PostgreSQL's id sequences behind; move them past the new rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Company, Contact, Customer, Deal):
        table = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def _create_users():
    method = current_app.config["PASSWORD_HASH_METHOD"]
    ids = []
    for name, email, is_admin, can_export in DEMO_USERS:
        user = users.find_user(email)
        if user is None:
            user = User(name=name, email=email, is_admin=is_admin, can_export=can_export)
            user.set_password(ADMIN_PASSWORD if email == ADMIN_EMAIL else DEMO_PASSWORD, method)
            db.session.add(user)
            db.session.flush()
        ids.append(user.id)
    return ids


def _create_tags():
    tag_ids = {}
    for entity in ("lead", "contact", "company", "customer"):
        for name in TAGS:
            tag = db.session.scalar(select(Tag).where(Tag.entity == entity, Tag.name == name))
            if tag is None:
                tag = Tag(entity=entity, name=name)
                db.session.add(tag)
                db.session.flush()
            tag_ids.setdefault(entity, []).append(tag.id)
    return tag_ids


def _stages():
    """(pipeline_id, status_id) pairs, weighted toward open stages."""
    pairs = []
    for pipeline in db.session.scalars(select(Pipeline)):
        for status in pipeline.statuses:
            pairs.append((pipeline.id, status.id))
    return pairs


def _bulk(model, count, make_row, progress):
    """Insert `count` rows with explicit ids in chunks; return the new ids."""
    first = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    ids = range(first, first + count)
    table = model.__table__
    for start in range(0, count, CHUNK):
        rows = [make_row(i) | {"id": i} for i in ids[start:start + CHUNK]]
        db.session.execute(insert(table), rows)
        if count > CHUNK:
            progress(f"  {table.name}: {min(start + CHUNK, count)}/{count}")
    return list(ids)


def _moment(rng):
    return ANCHOR - timedelta(seconds=rng.randrange(SPAN_SECONDS))


def _person(rng):
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _phone(rng):
    return f"+7 {rng.randrange(900, 1000)} {rng.randrange(100, 1000)}-{rng.randrange(10, 100)}-{rng.randrange(10, 100)}"


def _company_row(rng, i, user_ids):
    created = _moment(rng)
    name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {i}"
    slug = name.split()[0].lower()
    return {"name": name, "phone": _phone(rng), "email": f"info{i}@{slug}.example",
            "web": f"https://{slug}{i}.example", "address": f"{rng.randrange(1, 200)} Lenina st.",
            "responsible_user_id": rng.choice(user_ids), "created_at": created, "updated_at": created}


def _contact_row(rng, i, user_ids, company_ids):
    created = _moment(rng)
    name = _person(rng)
    return {"name": name, "phone": _phone(rng),
            "email": f"{name.split()[0].lower()}.{i}@mail.example",
            "position": rng.choice(POSITIONS), "company_id": rng.choice(company_ids),
            "responsible_user_id": rng.choice(user_ids), "created_at": created, "updated_at": created}


def _customer_row(rng, i, user_ids, company_ids):
    created = _moment(rng)
    return {"name": f"{rng.choice(COMPANY_WORDS)} subscription {i}",
            "next_price": rng.randrange(10, 500) * 100,
            "next_date": (ANCHOR + timedelta(days=rng.randrange(1, 90))).date(),
            "company_id": rng.choice(company_ids), "responsible_user_id": rng.choice(user_ids),
            "created_at": created, "updated_at": created}


def _deal_row(rng, i, user_ids, company_ids, stages):
    created = _moment(rng)
    pipeline_id, status_id = rng.choice(stages)
    closed = created + timedelta(days=rng.randrange(1, 60)) if status_id in (142, 143) else None
    return {"name": f"{rng.choice(DEAL_WORDS)} #{i}", "price": rng.randrange(1, 1000) * 500,
            "pipeline_id": pipeline_id, "status_id": status_id,
            "company_id": rng.choice(company_ids), "closed_at": closed,
            "responsible_user_id": rng.choice(user_ids), "created_at": created, "updated_at": created}


def _link(rng, deal_ids, contact_ids, company_ids, tag_ids):
    """Contacts of deals and customers, and tags on about a third of the records."""
    session = db.session
    rows = [{"deal_id": deal_id, "contact_id": rng.choice(contact_ids)} for deal_id in deal_ids]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(deal_contacts), rows[start:start + CHUNK])
    customer_ids = session.scalars(select(Customer.id)).all()
    session.execute(insert(customer_contacts), [
        {"customer_id": customer_id, "contact_id": rng.choice(contact_ids)} for customer_id in customer_ids
    ])
    for table, column, entity, ids in (
        (lead_tags, "lead_id", "lead", deal_ids),
        (contact_tags, "contact_id", "contact", contact_ids),
        (company_tags, "company_id", "company", company_ids),
        (customer_tags, "customer_id", "customer", customer_ids),
    ):
        rows = [{column: record_id, "tag_id": rng.choice(tag_ids[entity])}
                for record_id in ids if rng.random() < 0.35]
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(table), rows[start:start + CHUNK])
