"""Record totals (SPEC §12): counts and board totals read from `record_totals`, kept exact by triggers
through every kind of write, on SQLite and PostgreSQL, and under parallel writes from gunicorn workers."""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from monitor.db import db
from monitor.services import records
from monitor.services.records import ListFilters, Viewer, bulk, changes, totals
from monitor.services.records.board import move_deal
from monitor.services.records.conditions import where_clauses
from tests.conftest import PASSWORD, both_backends, csrf_token_of
from tests.servers import fetch, gunicorn, signed_in_jar

TABLES = {"deals": "leads", "contacts": "contacts", "companies": "companies", "customers": "customers"}


def counted_totals():
    """record_totals computed from the records themselves, as {(entity, user, pipeline, status): (n, price)}."""
    found = {}
    for table, entity in TABLES.items():
        stage = "pipeline_id, status_id, count(*), sum(price)" if table == "deals" else "0, 0, count(*), 0"
        rows = db.session.execute(text(f"SELECT coalesce(responsible_user_id, 0), {stage} FROM {table} "
                                       "GROUP BY 1, 2, 3"))
        for user, pipeline, status, count, price in rows:
            found[entity, user, pipeline, status] = (count, int(price))
    return found


def kept_totals():
    """record_totals as kept (rows gone to zero left out)."""
    return {(entity, user, pipeline, status): (count, int(price)) for entity, user, pipeline, status, count, price
            in db.session.execute(text("SELECT entity, responsible_user_id, pipeline_id, status_id, records, price "
                                       "FROM record_totals WHERE records <> 0"))}


def assert_exact(app):
    with app.app_context():
        assert kept_totals() == counted_totals()


@both_backends
def test_totals_follow_creates_edits_moves_bulk_actions_and_deletes(app, crm_builder, make_user):
    anna, boris = make_user("Anna"), make_user("Boris")
    (main, main_statuses), (other, other_statuses) = crm_builder.pipelines()
    company = crm_builder.company("Firm", responsible=str(anna))
    contact = crm_builder.contact("Person", responsible=str(boris), company=str(company))
    crm_builder.customer("Buyer", next_price="500")
    deals = [crm_builder.deal(f"Deal {number}", price=str(1000 * number), responsible=str((anna, boris)[number % 2]))
             for number in range(1, 9)]
    assert_exact(app)
    with app.app_context():
        admin = records.get_record("leads", deals[0]).responsible_user  # any user will do as the author
        deal = records.get_record("leads", deals[0])
        records.update_record("leads", deal, {"price": "7777", "responsible": str(boris)}, admin)
        move_deal(records.get_record("leads", deals[1]), other_statuses[1], other, admin)
        records.update_record("leads", records.get_record("leads", deals[2]), {"status": "142"}, admin)
        records.update_record("leads", records.get_record("leads", deals[3]), {"name": "Renamed only"}, admin)
        records.update_record("contacts", records.get_record("contacts", contact), {"responsible": str(anna)}, admin)
        bulk.apply(bulk.plan("leads", [str(deals[4]), str(deals[5])], "status", [str(main_statuses[2])],
                             admin), admin)
        bulk.apply(bulk.plan("leads", [str(deals[6])], "responsible", [str(anna)], admin), admin)
        bulk.apply(bulk.plan("leads", [str(deals[7])], "delete", [], admin), admin)
        records.delete_record("companies", records.get_record("companies", company))
    assert_exact(app)


@both_backends
def test_a_deleted_user_s_records_move_to_no_one_in_the_totals(app, crm_builder, make_user):
    gone = make_user("Gone")
    crm_builder.deal("Theirs", price="300", responsible=str(gone))
    crm_builder.contact("Theirs too", responsible=str(gone))
    with app.app_context():
        db.session.execute(text("DELETE FROM user_sessions WHERE user_id = :id"), {"id": gone})
        db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": gone})  # ON DELETE SET NULL
        db.session.commit()
        assert ("leads", gone) not in {key[:2] for key in kept_totals()}
    assert_exact(app)


@both_backends
def test_counts_and_board_totals_read_from_totals_equal_counting_the_records(app, crm_builder, make_user):
    anna = make_user("Anna")
    (main, statuses), _other = crm_builder.pipelines()
    for number in range(12):
        crm_builder.deal(f"Deal {number}", price=str(100 * number), status=str((statuses[0], 142, 143)[number % 3]),
                         responsible=str(anna) if number % 4 == 0 else None)
    own = Viewer(anna, tuple((entity, "own") for entity in records.KINDS))
    nothing = Viewer(anna, tuple((entity, "none") for entity in records.KINDS))
    selections = [ListFilters(), ListFilters(state="open"), ListFilters(state="won"), ListFilters(statuses=(142,)),
                  ListFilters(responsible=(anna,)), ListFilters(pipelines=(main,), state="lost"),
                  ListFilters(viewer=own), ListFilters(viewer=own, state="won"), ListFilters(viewer=nothing),
                  ListFilters(stages=((main, statuses[0]),))]
    with app.app_context():
        for filters in selections:
            assert records.counts_exactly("leads", filters)
            assert totals.count(records.KINDS["leads"], filters) == _counted("leads", filters)
        pipeline = records.get_record("leads", 1).pipeline
        columns = records.board(pipeline)
        for column in columns:
            count, price = db.session.execute(text(
                "SELECT count(*), coalesce(sum(price), 0) FROM deals WHERE pipeline_id = :p AND status_id = :s"),
                {"p": main, "s": column.status.id}).one()
            assert (column.count, column.total_price) == (count, int(price)), column.status.name


def _counted(entity, filters):
    """count_list over the records (record_totals bypassed)."""
    kind = records.KINDS[entity]
    return db.session.scalar(select(func.count()).select_from(kind.model).where(*where_clauses(kind, filters)))


WRITERS = 4
ROUNDS = 12


@pytest.mark.slow
def test_totals_stay_exact_under_parallel_creates_moves_and_deletes_from_gunicorn_workers(
        app, crm_builder, make_user, db_path):
    emails = [f"writer{number}@example.com" for number in range(WRITERS)]
    for number, email in enumerate(emails):
        make_user(f"Writer {number}", email)
    (_main, statuses), _other = crm_builder.pipelines()
    with app.app_context():
        db.engine.dispose()
    outcomes, lock = Counter(), threading.Lock()

    def writer(number):
        jar = signed_in_jar(base, emails[number], PASSWORD)
        for round_number in range(ROUNDS):
            form = fetch(jar, f"{base}/leads/new").body
            created = fetch(jar, f"{base}/leads/new", {"csrf_token": csrf_token_of(form), "name": f"W{number}",
                                                        "price": str(100 + round_number)})
            deal_path = created.headers["Location"]
            card = fetch(jar, base + deal_path).body
            token = csrf_token_of(card)
            moved = fetch(jar, f"{base}{deal_path}/status", {
                "csrf_token": token, "status_id": str(statuses[1 + round_number % (len(statuses) - 1)])})
            result = [created.status, moved.status]
            if round_number % 3 == 0:
                result.append(fetch(jar, f"{base}{deal_path}/delete", {"csrf_token": token}).status)
            with lock:
                outcomes.update(result)

    with gunicorn(db_path, workers=4, threads=2) as base:
        threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        listed = fetch(signed_in_jar(base, emails[0], PASSWORD), f"{base}/leads").body

    deletes = WRITERS * len(range(0, ROUNDS, 3))
    assert outcomes == Counter({302: WRITERS * ROUNDS * 2 + deletes}), outcomes
    assert_exact(app)
    with app.app_context():
        assert totals.count(records.KINDS["leads"], ListFilters()) == WRITERS * ROUNDS - deletes
    assert f"{WRITERS * ROUNDS - deletes} records found" in listed


on_postgresql = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@on_postgresql
def test_two_record_writes_taking_totals_rows_in_opposite_orders_wait_for_each_other_not_deadlock(
        app, crm_builder, monkeypatch):
    """A bulk move holds the totals rows of its first deal's stages while a board move takes another's:
    without serialized record writes PostgreSQL found a deadlock and one request failed."""
    (main, (stage_a, stage_b, stage_c, *_rest)), _other = crm_builder.pipelines()
    first, second = crm_builder.deal("First", status=str(stage_a)), crm_builder.deal("Second", status=str(stage_b))
    third = crm_builder.deal("Third", status=str(stage_b))
    halfway, resume, failures = threading.Event(), threading.Event(), []
    bulk_thread = {}
    write_changes = changes.write_changes

    def pausing(session, *args, **kwargs):
        if threading.get_ident() == bulk_thread.get("id") and not halfway.is_set():
            halfway.set()  # the first deal moved: its stages' totals rows are held
            resume.wait(timeout=10)
        return write_changes(session, *args, **kwargs)

    monkeypatch.setattr(changes, "write_changes", pausing)

    def bulk_move():
        bulk_thread["id"] = threading.get_ident()
        with app.app_context():
            try:
                records.update_records("leads", [(records.get_record("leads", first), {"status": str(stage_c)}),
                                                 (records.get_record("leads", second), {"status": str(stage_c)})])
            except Exception as error:  # noqa: BLE001 (what failed is the assertion's message)
                failures.append(error)

    def board_move():
        halfway.wait(timeout=10)
        threading.Timer(1.5, resume.set).start()  # past PostgreSQL's deadlock_timeout (1 s)
        with app.app_context():
            try:
                move_deal(records.get_record("leads", third), stage_c, main)
            except Exception as error:  # noqa: BLE001
                failures.append(error)

    threads = [threading.Thread(target=bulk_move), threading.Thread(target=board_move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert_exact(app)
    with app.app_context():
        assert totals.count(records.KINDS["leads"], ListFilters(statuses=(stage_c,))) == 3


@both_backends
def test_every_record_table_has_its_totals_triggers_at_the_newest_schema(app):
    """A later batch migration that recreates a record table would drop them silently."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            found = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
            expected = {f"totals_{table}_{event}" for table in TABLES for event in ("insert", "delete", "update")}
        else:
            found = set(db.session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
            expected = {f"totals_{table}_{event}" for table in TABLES for event in ("insert_delete", "update")}
    assert expected <= found


def test_a_move_answers_only_the_totals_the_user_may_view_even_when_its_board_address_is_bad(
        client, auth, make_user, crm_builder):
    from tests.fixtures_rights import OWN_DEALS

    owen = make_user("Owen Own", "owen@example.com", rights=OWN_DEALS)
    auth.login("owen@example.com")
    (main, statuses), _other = crm_builder.pipelines()
    own = crm_builder.deal("Own", status=str(statuses[0]), responsible=str(owen), price="100")
    for number in range(5):
        crm_builder.deal(f"Others' {number}", status=str(statuses[1]), price="1000")
    response = client.post(f"/leads/{own}/status", headers={"Accept": "application/json"},
                           data={"status_id": str(statuses[1]), "next": f"/leads/pipeline/{main}?price_from=abc"})
    assert response.status_code == 200
    columns = {column["status_id"]: (column["count"], column["price"]) for column in response.get_json()["columns"]}
    assert columns[statuses[1]] == (1, 100)  # their own deal only: not the others' five (a rights leak before)
