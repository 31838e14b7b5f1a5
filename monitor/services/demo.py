"""Deterministic demo data, fast enough for 1,000,000 deals (bulk inserts with explicit ids, demo_load),
in English or Russian.

Besides the records, a few notes and tasks (open, overdue, done) on the newest deals show a newcomer
the card feed and the tasks page; they are a fixed handful, so a large demo costs no more for them.
"""
import random
from datetime import datetime, timedelta

import click
from flask import current_app
from sqlalchemy import func, select, text

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
from monitor.services import demo_load, feed, pipelines, tasks, users
from monitor.services.demo_words import LANGUAGES

DEFAULT_DEALS = 500
ADMIN_EMAIL = "admin@tally.example"
ADMIN_PASSWORD = "tally-demo"  # noqa: S105 (published demo credentials)
DEMO_PASSWORD = "tally-demo"  # noqa: S105
CHUNK = demo_load.CHUNK
RECORD_TABLES = ("companies", "contacts", "customers", "deals")
LINK_TABLES = ("deal_contacts", "customer_contacts", "lead_tags", "contact_tags", "company_tags", "customer_tags")
COLUMNS = {
    "companies": ("name", "phone", "email", "web", "address", "responsible_user_id", "created_at", "updated_at"),
    "contacts": ("name", "phone", "email", "position", "company_id", "responsible_user_id", "created_at",
                 "updated_at"),
    "customers": ("name", "next_price", "next_date", "company_id", "responsible_user_id", "created_at",
                  "updated_at"),
    "deals": ("name", "price", "pipeline_id", "status_id", "company_id", "closed_at", "responsible_user_id",
              "created_at", "updated_at"),
}
# A fixed anchor keeps the data identical from run to run: the demo's "now". Records are created in the
# SPAN before it, deals close within CLOSE_DAYS of their creation but not after it; customers' next purchases
# fall in the 90 days after it (so, with the real clock, some of them have passed and show as overdue).
ANCHOR = datetime(2026, 11, 1, 12, 0, 0)
SPAN_SECONDS = 2 * 365 * 24 * 3600
CLOSE_DAYS = 60

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


def load(deal_count, progress=print, language=DEFAULT_LANGUAGE, bar=None):
    """Create the demo users, a second pipeline and exactly deal_count deals with their records,
    in `language` (a key of demo_words.LANGUAGES): its names, pipelines, statuses and tags, and its
    interface language for the demo users. The amounts, dates and links are the same in every language.

    One write transaction (BEGIN IMMEDIATE on SQLite) from the first check to the last row:
    a server running meanwhile waits for it rather than seeing half of it. `progress` gets a few plain
    lines; with `bar` (a factory like click.progressbar taking length=) the rows move a bar instead.
    """
    words = LANGUAGES[language]
    pipelines.ensure_account()
    report = demo_load.Progress(progress, bar)
    try:
        with db.immediate(serial="records") as session:
            if users.find_user(ADMIN_EMAIL) is not None:
                raise click.ClickException(f"Demo data is already loaded ({ADMIN_EMAIL} exists).")
            sqlite = demo_load.SqliteLoad(session, RECORD_TABLES, LINK_TABLES) if demo_load.is_sqlite() else None
            counts = _load(session, deal_count, report, words, sqlite)
    finally:
        report.close()
    progress(f"Loaded {deal_count} deals, {counts['contacts']} contacts, "
             f"{counts['companies']} companies, {counts['customers']} customers.")


def _load(session, deal_count, progress, words, sqlite):
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
    records = sum(counts.values()) + deal_count
    # Each record once, then the links: a contact per deal and customer, and a look at every record for tags.
    progress.start(2 * records + deal_count + counts["customers"])
    bulk, stamp = _Bulk(progress, sqlite), demo_load.value_maker()
    company_ids = bulk(Company, counts["companies"], lambda i: _company_row(rng, i, user_ids, words, stamp))
    contact_ids = bulk(Contact, counts["contacts"],
                       lambda i: _contact_row(rng, i, user_ids, company_ids, words, stamp))
    bulk(Customer, counts["customers"], lambda i: _customer_row(rng, i, user_ids, company_ids, words, stamp))
    stages = _stages()
    deal_ids = bulk(Deal, deal_count, lambda i: _deal_row(rng, i, user_ids, company_ids, stages, words, stamp))
    _link(rng, deal_ids, contact_ids, company_ids, tag_ids, progress)
    if sqlite is not None:
        sqlite.restore()
    _advance_sequences()
    _add_work(session, user_ids, words)
    return counts


def _advance_sequences():
    """Explicit ids leave PostgreSQL's id sequences behind; move them past the new rows. And PostgreSQL's
    planner knows nothing of rows loaded in bulk until autovacuum comes by: analyze the tables now, or the
    first minutes' plans walk a whole table where an index finds a few rows (a contact's card took 128 ms)."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Company, Contact, Customer, Deal):
        table = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.execute(text("ANALYZE"))


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


class _Bulk:
    """Inserts a record table's rows with explicit ids, reporting progress; on SQLite then does the work
    of the insert triggers set aside for the load, for those rows at once."""

    def __init__(self, progress, sqlite):
        self.progress, self.sqlite = progress, sqlite

    def __call__(self, model, count, make_row):
        """Insert `count` rows made by make_row(id) (tuples in COLUMNS order) in chunks; give the new ids."""
        first = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        ids = range(first, first + count)
        table = model.__table__
        columns = (*COLUMNS[table.name], "id")
        for start in range(0, count, CHUNK):
            chunk = ids[start:start + CHUNK]
            demo_load.insert_rows(table, columns, [(*make_row(i), i) for i in chunk])
            self.progress.advance(len(chunk))
        if self.sqlite is not None and count:
            self.sqlite.copied(table.name, first, first + count - 1)
        if count > CHUNK:
            self.progress.finished(f"  {table.name}: {count}")
        return list(ids)


def _moment(rng):
    return ANCHOR - timedelta(seconds=rng.randrange(SPAN_SECONDS))


def _person(rng, words):
    """(full name, Latin first name for the e-mail address)."""
    first = rng.choice(words.first_names)
    return words.person(first, rng.choice(words.last_names)), first.slug


def _phone(rng):
    return f"+7 {rng.randrange(900, 1000)} {rng.randrange(100, 1000)}-{rng.randrange(10, 100)}-{rng.randrange(10, 100)}"


def _company_row(rng, i, user_ids, words, stamp):
    created = stamp(_moment(rng))
    word = rng.choice(words.company_words)
    name = words.company_name.format(word=word.name, kind=rng.choice(words.company_kinds), number=i)
    slug = word.slug
    return (name, _phone(rng), f"info{i}@{slug}.example", f"https://{slug}{i}.example",
            words.address.format(number=rng.randrange(1, 200)), rng.choice(user_ids), created, created)


def _contact_row(rng, i, user_ids, company_ids, words, stamp):
    created = stamp(_moment(rng))
    name, slug = _person(rng, words)
    return (name, _phone(rng), f"{slug}.{i}@mail.example", rng.choice(words.positions), rng.choice(company_ids),
            rng.choice(user_ids), created, created)


def _customer_row(rng, i, user_ids, company_ids, words, stamp):
    created = stamp(_moment(rng))
    return (words.customer_name.format(word=rng.choice(words.company_words).name, number=i),
            rng.randrange(10, 500) * 100, stamp((ANCHOR + timedelta(days=rng.randrange(1, 90))).date()),
            rng.choice(company_ids), rng.choice(user_ids), created, created)


def _closed(created, days):
    """When a deal created at `created` closed, `days` (1..CLOSE_DAYS) days later as a rule, never after the
    ANCHOR (the demo's "now"): a deal created fewer days before it closed that share of the way to it."""
    closed = created + timedelta(days=days)
    return closed if closed <= ANCHOR else created + (ANCHOR - created) * days / CLOSE_DAYS


def _deal_row(rng, i, user_ids, company_ids, stages, words, stamp):
    created = _moment(rng)
    pipeline_id, status_id = rng.choice(stages)
    if status_id in (WON_STATUS_ID, LOST_STATUS_ID):
        # Closing was the deal's last change: it was updated then.
        closed = updated = stamp(_closed(created, rng.randrange(1, CLOSE_DAYS)))
        created = stamp(created)
    else:
        closed, created = None, stamp(created)
        updated = created
    return (words.deal_name.format(word=rng.choice(words.deal_words), number=i), rng.randrange(1, 1000) * 500,
            pipeline_id, status_id, rng.choice(company_ids), closed, rng.choice(user_ids), created, updated)


def _link(rng, deal_ids, contact_ids, company_ids, tag_ids, progress):
    """Contacts of deals and customers, and tags on about a third of the records."""
    # The order SQLite read them in before this was explicit (its plan: the next-date index), kept so that the
    # same --deals gives the same links; PostgreSQL read them in id order before.
    customer_ids = db.session.scalars(select(Customer.id).order_by(Customer.next_date, Customer.id)).all()
    choice, random_number = rng.choice, rng.random
    for table, columns, ids, rows_of in (
        (deal_contacts, ("deal_id", "contact_id"), deal_ids,
         lambda chunk: [(deal_id, choice(contact_ids)) for deal_id in chunk]),
        (customer_contacts, ("customer_id", "contact_id"), customer_ids,
         lambda chunk: [(customer_id, choice(contact_ids)) for customer_id in chunk]),
        *((table, (column, "tag_id"), ids,
           lambda chunk, tags=tag_ids[entity]: [(record_id, choice(tags))
                                                for record_id in chunk if random_number() < 0.35])
          for table, column, entity, ids in (
              (lead_tags, "lead_id", "lead", deal_ids),
              (contact_tags, "contact_id", "contact", contact_ids),
              (company_tags, "company_id", "company", company_ids),
              (customer_tags, "customer_id", "customer", customer_ids))),
    ):
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            demo_load.insert_rows(table, columns, rows_of(chunk))
            progress.advance(len(chunk))


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
