"""`flask demo-data --lang`: the Russian demo speaks Russian everywhere, the English one stays as it was,
and both give a newcomer notes and tasks to look at; the bulk load leaves the search index and the
triggers as row-by-row inserts would, and shows a bar on a terminal, a few lines in a log."""
import html
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import DateTime, func, select, text

from monitor import create_app, schema
from monitor.db import db
from monitor.models import Deal, FeedEntry, Pipeline, Tag, Task, User
from monitor.services import demo, feed, pipelines, tasks
from monitor.services.records.kinds import KINDS
from tests.conftest import both_backends, make_config, sign_in

DEALS = 60
RUSSIAN_MAIN = ("Воронка продаж", ["Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора",
                                   "Успешно реализовано", "Закрыто и не реализовано"])
RUSSIAN_DEAL_WORDS = ("Поставка", "Монтаж", "Лицензия", "Консалтинг", "Обслуживание", "Модернизация", "Пилотный")
RUSSIAN_TAGS = {"ВИП", "Сайт", "Партнёр", "Опт", "Повторный", "Холодный", "Москва", "Экспорт"}
ENGLISH_MAIN = ("Sales", ["First contact", "Negotiation", "Decision making", "Contract discussion",
                          "Closed - won", "Closed - lost"])
ENGLISH_TAGS = {"vip", "web", "partner", "wholesale", "repeat", "cold", "moscow", "export"}


def load_demo(app, *args):
    result = app.test_cli_runner().invoke(args=["demo-data", "--deals", str(DEALS), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture
def russian_demo(app):
    load_demo(app, "--lang", "ru")


def pipelines_by_name(app):
    """[(pipeline name, [status names in order])], main first."""
    with app.app_context():
        return [(pipeline.name, [status.name for status in pipeline.statuses])
                for pipeline in pipelines.list_pipelines()]


def deal_facts(app):
    """Every deal's amount, stage position, dates and links: what must not depend on the language."""
    with app.app_context():
        return db.session.execute(select(
            Deal.id, Deal.price, Deal.status_id, Deal.pipeline_id, Deal.company_id, Deal.responsible_user_id,
            Deal.created_at, Deal.closed_at).order_by(Deal.id)).all()


@both_backends
def test_russian_demo_names_pipelines_statuses_tags_and_users_in_russian(app, russian_demo):
    assert pipelines_by_name(app) == [
        RUSSIAN_MAIN, ("Партнёры", ["Заявка", "Подключение", "Пробный период", "Успешно реализовано",
                                    "Закрыто и не реализовано"])]
    with app.app_context():
        assert set(db.session.scalars(select(Tag.name).where(Tag.entity == "lead"))) == RUSSIAN_TAGS
        people = db.session.execute(select(User.email, User.name, User.language)).all()
        assert {language for _email, _name, language in people} == {"ru"}
        assert ("anna@tally.example", "Анна Петрова", "ru") in people
        assert db.session.scalar(select(func.count(Deal.id))) == DEALS
        names = db.session.scalars(select(Deal.name)).all()
        assert all("№" in name for name in names)
        assert any(name.startswith("Поставка") for name in names)


def test_russian_demo_has_the_english_amounts_and_structure(app, russian_demo, tmp_path):
    english = create_app(make_config(tmp_path / "english.sqlite3"))
    with english.app_context():
        schema.upgrade()
    load_demo(english)
    assert deal_facts(app) == deal_facts(english)
    with english.app_context():
        db.engine.dispose()


def newest_names(app):
    """{list path: the name of the record it shows first (newest first)}."""
    with app.app_context():
        return {f"/{name}": db.session.scalar(select(kind.model.name).order_by(kind.model.created_at.desc(),
                                                                               kind.model.id.desc()))
                for name, kind in KINDS.items()}


def test_russian_lists_and_board_render_with_the_russian_names(app, client, russian_demo):
    assert sign_in(client, "anna@tally.example", demo.DEMO_PASSWORD).status_code == 302
    with app.app_context():
        main_id = pipelines.main_pipeline_id()
    board = client.get(f"/leads/pipeline/{main_id}")
    assert board.status_code == 200
    page = html.unescape(board.get_data(as_text=True))
    assert "Воронка продаж" in page
    for status in RUSSIAN_MAIN[1]:
        assert status in page
    newest = newest_names(app)
    assert newest["/leads"].startswith(tuple(RUSSIAN_DEAL_WORDS))
    assert newest["/companies"].startswith(("ООО «", "АО «", "ПАО «", "ЗАО «", "ТД «", "ГК «", "НПО «", "ТК «"))
    assert newest["/customers"].startswith("Абонемент «")
    for path, name in newest.items():
        listing = client.get(path)
        assert listing.status_code == 200, path
        assert name in html.unescape(listing.get_data(as_text=True)), path
    deals = html.unescape(client.get("/leads").get_data(as_text=True))
    assert "Сделки" in deals  # the interface speaks Russian: Anna's language is ru
    assert any(tag in deals for tag in RUSSIAN_TAGS)
    assert any(status in deals for status in RUSSIAN_MAIN[1])
    mixed = client.get("/contacts-companies")
    assert mixed.status_code == 200
    assert newest["/contacts"] in html.unescape(mixed.get_data(as_text=True))


def test_english_demo_is_unchanged(app):
    load_demo(app)
    assert pipelines_by_name(app) == [
        ENGLISH_MAIN, ("Partners", ["Application", "Onboarding", "Trial", "Closed - won", "Closed - lost"])]
    with app.app_context():
        assert set(db.session.scalars(select(Tag.name).where(Tag.entity == "lead"))) == ENGLISH_TAGS
        people = db.session.execute(select(User.name, User.language).order_by(User.id)).all()
        assert people == [(name, None) for name, *_rest in demo.DEMO_USERS]
        first = db.session.scalars(select(Deal.name).order_by(Deal.id).limit(3)).all()
        assert all(name.isascii() and "#" in name for name in first)


def test_the_default_language_is_english(app):
    load_demo(app, "--lang", "en")
    assert pipelines_by_name(app)[0] == ENGLISH_MAIN


@pytest.mark.parametrize("language", ["de", "russian", ""])
def test_an_unknown_language_is_refused_with_the_choices_and_loads_nothing(app, language):
    result = app.test_cli_runner().invoke(args=["demo-data", "--deals", "5", "--lang", language])
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.output
    assert "'en'" in result.output and "'ru'" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
        assert db.session.scalar(select(func.count(Deal.id))) == 0


@pytest.mark.parametrize("language", ["en", "ru"])
def test_demo_has_open_overdue_and_done_tasks_and_notes_on_the_newest_deals(app, language):
    load_demo(app, "--lang", language)
    with app.app_context():
        anna = db.session.scalar(select(User.id).where(User.email == "anna@tally.example"))

        def anna_has(**filters):
            return tasks.count_tasks(tasks.TaskFilters(responsible=(anna,), **filters), "UTC")

        assert anna_has(due="overdue") >= 1
        assert anna_has(due="today") >= 1
        assert anna_has() > anna_has(due="overdue")  # some open ones are not yet due
        assert anna_has(done=True) >= 1
        assert db.session.scalar(select(func.count(Task.id)).where(Task.entity.is_(None))) >= 1
        newest = db.session.scalar(select(Deal.id).where(Deal.status_id.notin_((142, 143)))
                                   .order_by(Deal.created_at.desc(), Deal.id.desc()))
        notes, _more = feed.entries("leads", newest, kinds=("note",))
        assert len(notes) >= 2 and all(note.author is not None for note in notes)
        # A fixed handful, not a cost per deal.
        assert db.session.scalar(select(func.count(FeedEntry.id))) < 20
        assert db.session.scalar(select(func.count(Task.id))) < 10
        texts = [note.text for note in notes]
        assert all(text.isascii() == (language == "en") for text in texts)


def test_demo_without_deals_still_loads_with_only_the_task_about_no_record(app):
    load_demo_zero = app.test_cli_runner().invoke(args=["demo-data", "--deals", "0", "--lang", "ru"])
    assert load_demo_zero.exit_code == 0, load_demo_zero.output
    with app.app_context():
        assert db.session.scalar(select(func.count(FeedEntry.id))) == 0
        assert db.session.scalars(select(Task.entity)).all() == [None]
        assert db.session.scalar(select(Pipeline.name).where(Pipeline.is_main)) == "Воронка продаж"


def test_russian_names_are_found_whatever_their_case(app, client, russian_demo):
    assert sign_in(client, "anna@tally.example", demo.DEMO_PASSWORD).status_code == 302
    name = newest_names(app)["/companies"]  # e.g. "АО «Вектор-10»"
    kind, word = name.split(" «")[0], name.split("«")[1].split("-")[0]
    for query in (word.lower(), word.upper(), kind.lower()[:2]):
        page = html.unescape(client.get("/companies", query_string={"q": query}).get_data(as_text=True))
        assert name in page, query


SEARCH_COLUMNS = {  # search table: (record table, the record's columns the index holds)
    "search_leads": ("deals", "name"),
    "search_customers": ("customers", "name"),
    "search_contacts": ("contacts", "name, phone, email"),
    "search_companies": ("companies", "name, phone, email"),
}
BULK_DEALS = 2 * demo.CHUNK + 7  # over a chunk, so the plain lines name the tables


def schema_sql(app):
    """{(type, name): (table, SQL)} of every SQLite table, index and trigger."""
    with app.app_context():
        return {(kind, name): (table, sql) for kind, name, table, sql in db.session.execute(
            text("SELECT type, name, tbl_name, sql FROM sqlite_master")).all()}


def test_the_search_index_holds_exactly_the_records_and_the_triggers_and_indexes_are_back(app):
    before = schema_sql(app)
    load_demo(app)
    assert schema_sql(app) == before
    with app.app_context():
        for search, (table, columns) in SEARCH_COLUMNS.items():
            indexed = db.session.execute(text(f"SELECT rowid, {columns} FROM {search} ORDER BY rowid")).all()
            records = db.session.execute(text(f"SELECT id, {columns} FROM {table} ORDER BY id")).all()
            assert indexed == records and len(records) >= DEALS // 10, search
            db.session.execute(text(f"INSERT INTO {search} ({search}) VALUES ('integrity-check')"))
        name = db.session.scalar(select(Deal.name).order_by(Deal.id.desc()))
        found = db.session.scalars(text("SELECT rowid FROM search_leads WHERE search_leads MATCH :q"),
                                   {"q": f'"{name}"'}).all()
        assert found == [db.session.scalar(select(func.max(Deal.id)))]
        # The recreated triggers work: a new deal is found, a renamed one by its new name only.
        db.session.execute(text("INSERT INTO deals (name, price, pipeline_id, status_id, created_at, updated_at) "
                                "SELECT 'Zebrafish order', 1, pipeline_id, status_id, created_at, updated_at "
                                "FROM deals LIMIT 1"))
        assert db.session.scalar(text("SELECT count(*) FROM search_leads WHERE search_leads MATCH 'zebrafish'")) == 1
        db.session.rollback()


def test_an_upserting_insert_trigger_is_replaced_by_one_statement_with_the_same_result(app):
    """A trigger keeping counts the way record totals do gets the same counts, and is back after the load."""
    with app.app_context():
        db.session.execute(text(
            "CREATE TABLE demo_probe (status_id INTEGER PRIMARY KEY, records INTEGER, price INTEGER)"))
        db.session.execute(text(
            "CREATE TRIGGER demo_probe_insert AFTER INSERT ON deals BEGIN "
            "INSERT INTO demo_probe (status_id, records, price) VALUES (new.status_id, 1, new.price) "
            "ON CONFLICT (status_id) DO UPDATE SET records = records + 1, price = price + excluded.price; END"))
        db.session.commit()
    before = schema_sql(app)
    load_demo(app)
    assert schema_sql(app) == before
    with app.app_context():
        probe = db.session.execute(text("SELECT status_id, records, price FROM demo_probe ORDER BY 1")).all()
        grouped = db.session.execute(text(
            "SELECT status_id, count(*), sum(price) FROM deals GROUP BY status_id ORDER BY 1")).all()
        assert probe == grouped and sum(row[1] for row in probe) == DEALS


def test_dates_are_stored_as_the_orm_stores_them(app):
    """Rows written by the driver directly must sort and compare with rows the app writes later."""
    load_demo(app)
    with app.app_context():
        stored = db.session.execute(text(
            "SELECT d.created_at, d.closed_at, c.next_date FROM deals d, customers c "
            "WHERE d.closed_at IS NOT NULL ORDER BY d.id LIMIT 1")).one()
        deal = db.session.scalar(select(Deal).where(Deal.closed_at.is_not(None)).order_by(Deal.id))
        as_orm = DateTime().dialect_impl(db.engine.dialect).bind_processor(db.engine.dialect)
        assert stored.created_at == as_orm(deal.created_at)
        assert stored.closed_at == as_orm(deal.closed_at)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", stored.next_date)


@both_backends
def test_without_a_terminal_the_load_prints_a_few_lines_ending_with_what_it_loaded(app):
    lines = load_demo(app, "--deals", str(BULK_DEALS)).output.splitlines()
    assert lines[:-2] == [f"  contacts: {BULK_DEALS // 2}", f"  deals: {BULK_DEALS}"]
    assert lines[-2] == (f"Loaded {BULK_DEALS} deals, {BULK_DEALS // 2} contacts, {max(20, BULK_DEALS // 10)} "
                         f"companies, {max(60, BULK_DEALS // 20)} customers.")
    assert lines[-1].startswith("Demo administrator: ")
    with app.app_context():
        assert db.session.scalar(select(func.count(Deal.id))) == BULK_DEALS


def test_on_a_terminal_the_load_draws_a_progress_bar(db_path):
    """The command in a pseudo-terminal: a bar that reaches 100 %, no per-table lines."""
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{db_path}",
           "FLASK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "COLUMNS": "120"}
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "demo-data", "--deals", str(BULK_DEALS)],
        stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, cwd=Path(__file__).parents[1], env=env)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert process.wait(timeout=120) == 0, shown
    output = shown.decode()
    assert re.search(r"Loading demo data\s+\[#+-+\]\s+\d+%", output), output  # drawn part-way ...
    assert re.search(r"Loading demo data\s+\[#+\]\s+100%", output), output  # ... and to the end
    assert "  deals: " not in output
    assert f"Loaded {BULK_DEALS} deals" in output


@both_backends
def test_record_totals_are_what_grouping_the_records_gives(app):
    """On SQLite the totals triggers are set aside for the load and their work done in one statement per table."""
    load_demo(app, "--deals", str(DEALS * 3))
    with app.app_context():
        totals = db.session.execute(text(
            "SELECT entity, responsible_user_id, pipeline_id, status_id, records, price FROM record_totals "
            "WHERE records <> 0 ORDER BY 1, 2, 3, 4")).all()
        grouped = db.session.execute(text(
            "SELECT 'leads', coalesce(responsible_user_id, 0), pipeline_id, status_id, count(*), sum(price) "
            "FROM deals GROUP BY 2, 3, 4 "
            + "".join(f"UNION ALL SELECT '{entity}', coalesce(responsible_user_id, 0), 0, 0, count(*), 0 "
                      f"FROM {entity} GROUP BY 2 " for entity in ("contacts", "companies", "customers"))
            + "ORDER BY 1, 2, 3, 4")).all()
        assert totals == grouped
        assert sum(row.records for row in totals if row.entity == "leads") == DEALS * 3
