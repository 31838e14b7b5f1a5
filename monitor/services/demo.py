"""Deterministic demo data, fast enough for 100,000 deals (bulk inserts with explicit ids), in English or Russian.

Besides the records, a few notes and tasks (open, overdue, done) on the newest deals show a newcomer
the card feed and the tasks page; they are a fixed handful, so a large demo costs no more for them.
"""
import random
from datetime import datetime, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select, text

from monitor.activity.settings import get_settings
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import Company, Contact, Customer, Deal, Pipeline, Tag, User
from monitor.models.crm import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    company_tags,
    contact_tags,
    customer_contacts,
    customer_tags,
    deal_contacts,
    lead_tags,
)
from monitor.services import feed, pipelines, tasks, users
from monitor.services.demo_words import LANGUAGES

DEFAULT_DEALS = 500
ADMIN_EMAIL = "admin@tally.example"
ADMIN_PASSWORD = "tally-demo"  # noqa: S105 (published demo credentials)
DEMO_PASSWORD = "tally-demo"  # noqa: S105
CHUNK = 5000
# A fixed anchor keeps the data identical from run to run.
ANCHOR = datetime(2026, 11, 1, 12, 0, 0)
SPAN_SECONDS = 2 * 365 * 24 * 3600

DEFAULT_LANGUAGE = "en"
# E-mail, administrator, export right; the names are each language's (demo_words).
DEMO_USERS = (
    ("Demo Administrator", ADMIN_EMAIL, True, True),
    ("Anna Petrova", "anna@tally.example", False, False),
    ("Boris Ivanov", "boris@tally.example", False, False),
    ("Clara Smith", "clara@tally.example", False, True),
    ("Dmitry Sokolov", "dmitry@tally.example", True, False),
)
ADMIN, ANNA, BORIS = 0, 1, 2  # positions in DEMO_USERS
# The feed and tasks of the newest open deals (0 = the newest), in the order they happen.
# Notes: (words.notes index, deal, hours ago), written by the deal's responsible user.
NOTES = ((0, 0, 50), (1, 0, 26), (2, 1, 22), (4, 2, 8), (3, 1, 5), (5, 3, 2))
# Tasks: (words.tasks index, responsible user, deal or None, due: days from now or "today", done).
TASKS = (
    (0, ANNA, 0, -2, False),
    (1, ANNA, 1, "today", False),
    (2, ANNA, 2, 3, False),
    (3, ANNA, 0, -4, True),
    (4, ADMIN, 3, -1, False),
    (5, ADMIN, 1, "today", False),
    (6, ADMIN, None, 7, False),
    (7, BORIS, 2, 1, False),
)


def database_is_empty():
    """True when the database has no users yet (a fresh install)."""
    return db.session.scalar(select(func.count(User.id))) == 0


def load(deal_count, progress=print, language=DEFAULT_LANGUAGE):
    """Create the demo users, a second pipeline and exactly deal_count deals with their records,
    in `language` (a key of demo_words.LANGUAGES): its names, pipelines, statuses and tags, and its
    interface language for the demo users. The amounts, dates and links are the same in every language.

    One write transaction (BEGIN IMMEDIATE on SQLite) from the first check to the last row:
    a server running meanwhile waits for it rather than seeing half of it.
    """
    words = LANGUAGES[language]
    pipelines.ensure_account()
    with db.immediate() as session:
        if users.find_user(ADMIN_EMAIL) is not None:
            raise click.ClickException(f"Demo data is already loaded ({ADMIN_EMAIL} exists).")
        _load(session, deal_count, progress, words)


def _load(session, deal_count, progress, words):
    rng = random.Random(2026)
    user_ids = _create_users(words)
    _name_main_pipeline(session, words)
    if len(pipelines.list_pipelines()) < 2:
        _name_closed(pipelines.add_pipeline(session, *words.second_pipeline), words)
    tag_ids = _create_tags(words)
    counts = {
        "companies": max(20, deal_count // 10),
        "contacts": max(60, deal_count // 2),
        "customers": max(60, deal_count // 20),
    }
    company_ids = _bulk(Company, counts["companies"], lambda i: _company_row(rng, i, user_ids, words), progress)
    contact_ids = _bulk(Contact, counts["contacts"],
                        lambda i: _contact_row(rng, i, user_ids, company_ids, words), progress)
    _bulk(Customer, counts["customers"], lambda i: _customer_row(rng, i, user_ids, company_ids, words), progress)
    stages = _stages()
    deal_ids = _bulk(Deal, deal_count, lambda i: _deal_row(rng, i, user_ids, company_ids, stages, words), progress)
    _link(rng, deal_ids, contact_ids, company_ids, tag_ids)
    _advance_sequences()
    _add_work(session, user_ids, words)
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


def _create_users(words):
    method = current_app.config["PASSWORD_HASH_METHOD"]
    ids = []
    for (_name, email, is_admin, can_export), name in zip(DEMO_USERS, words.users, strict=True):
        user = users.find_user(email)
        if user is None:
            user = User(name=name, email=email, is_admin=is_admin, can_export=can_export, language=words.language)
            user.set_password(ADMIN_PASSWORD if email == ADMIN_EMAIL else DEMO_PASSWORD, method)
            db.session.add(user)
            db.session.flush()
        ids.append(user.id)
    return ids


def _name_main_pipeline(session, words):
    """Rename the main pipeline init-db made (when it still has its built-in stages) into the demo's language."""
    if words.main_pipeline is None:
        return
    main = session.get(Pipeline, pipelines.main_pipeline_id())
    open_stages = [status for status in main.statuses if not status.is_closed]
    if tuple(status.name for status in open_stages) != pipelines.DEFAULT_STAGES:
        return
    main.name, names = words.main_pipeline
    for status, name in zip(open_stages, names, strict=True):
        status.name = name
    _name_closed(main, words)


def _name_closed(pipeline, words):
    """Name a pipeline's won and lost statuses as the demo's language does (else they keep the built-in names,
    which pages show in the reader's language)."""
    if words.closed is None:
        return
    for status in pipeline.statuses:
        if status.is_closed:
            status.name = words.closed[0] if status.id == WON_STATUS_ID else words.closed[1]
    db.session.flush()


def _create_tags(words):
    tag_ids = {}
    for entity in ("lead", "contact", "company", "customer"):
        for name in words.tags:
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


def _person(rng, words):
    """(full name, Latin first name for the e-mail address)."""
    first = rng.choice(words.first_names)
    return words.person(first, rng.choice(words.last_names)), first.slug


def _phone(rng):
    return f"+7 {rng.randrange(900, 1000)} {rng.randrange(100, 1000)}-{rng.randrange(10, 100)}-{rng.randrange(10, 100)}"


def _company_row(rng, i, user_ids, words):
    created = _moment(rng)
    word = rng.choice(words.company_words)
    name = words.company_name.format(word=word.name, kind=rng.choice(words.company_kinds), number=i)
    slug = word.slug
    return {"name": name, "phone": _phone(rng), "email": f"info{i}@{slug}.example",
            "web": f"https://{slug}{i}.example", "address": words.address.format(number=rng.randrange(1, 200)),
            "responsible_user_id": rng.choice(user_ids), "created_at": created, "updated_at": created}


def _contact_row(rng, i, user_ids, company_ids, words):
    created = _moment(rng)
    name, slug = _person(rng, words)
    return {"name": name, "phone": _phone(rng),
            "email": f"{slug}.{i}@mail.example",
            "position": rng.choice(words.positions), "company_id": rng.choice(company_ids),
            "responsible_user_id": rng.choice(user_ids), "created_at": created, "updated_at": created}


def _customer_row(rng, i, user_ids, company_ids, words):
    created = _moment(rng)
    return {"name": words.customer_name.format(word=rng.choice(words.company_words).name, number=i),
            "next_price": rng.randrange(10, 500) * 100,
            "next_date": (ANCHOR + timedelta(days=rng.randrange(1, 90))).date(),
            "company_id": rng.choice(company_ids), "responsible_user_id": rng.choice(user_ids),
            "created_at": created, "updated_at": created}


def _deal_row(rng, i, user_ids, company_ids, stages, words):
    created = _moment(rng)
    pipeline_id, status_id = rng.choice(stages)
    closed = created + timedelta(days=rng.randrange(1, 60)) if status_id in (WON_STATUS_ID, LOST_STATUS_ID) else None
    return {"name": words.deal_name.format(word=rng.choice(words.deal_words), number=i),
            "price": rng.randrange(1, 1000) * 500,
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


def _add_work(session, user_ids, words):
    """NOTES and TASKS on the newest open deals, through the feed and tasks services (no per-deal cost)."""
    now, zone = utcnow(), get_settings().timezone
    newest = session.execute(
        select(Deal.id, Deal.responsible_user_id, Deal.created_at)
        .where(Deal.status_id.notin_((WON_STATUS_ID, LOST_STATUS_ID)))
        .order_by(Deal.created_at.desc(), Deal.id.desc()).limit(4)
    ).all()
    people = {user_id: session.get(User, user_id) for user_id in user_ids}
    for deal_id, responsible_id, created_at in newest:
        feed.add_entry(session, "leads", deal_id, "created", responsible_id).created_at = created_at
    for note_index, deal, hours_ago in NOTES:
        if deal < len(newest):
            note = feed.add_entry(session, "leads", newest[deal].id, "note", newest[deal].responsible_user_id,
                                  text=feed.parse_note(words.notes[note_index]))
            note.created_at = now - timedelta(hours=hours_ago)
    today_end = tasks.due_bounds("today", zone, now)[1] - timedelta(minutes=1)
    for task_index, person, deal, due, done in TASKS:
        if deal is not None and deal >= len(newest):
            continue
        data = {"text": words.tasks[task_index], "responsible": user_ids[person],
                "due_at": today_end if due == "today" else now + timedelta(days=due)}
        if deal is not None:
            data |= {"entity": "leads", "record_id": newest[deal].id}
        tasks.add_task(session, data, people[user_ids[person]], zone, done=done)
