"""Lists whose cost does not grow with the base (SPEC §12): a search or tag with many matches is tested on
each row while the page walks its order, and finds exactly what gathering the matches first finds; a
filtered count stops past COUNT_LIMIT; a search's count is read from its index."""
import pytest
from sqlalchemy import select, text

from monitor.db import db
from monitor.services import records
from monitor.services.records import ListFilters, Viewer, conditions, lists
from tests.conftest import both_backends
from tests.test_crm_lists import row_names

QUERIES = ["ivan", "IVAN", "иван", "ИВАН", "Пётр", "9161234567", "123-45", "+7 916", "mail.example", "iv", "ИВ",
           "petrov ivan", "ivan zz", "zzz", "a", "r_s", "00%", "supply", "Петров ив", "ив пё", "12-34", "1234", "ё"]


@pytest.fixture
def people(crm_builder):
    """Contacts and companies in two scripts, and deals found through them."""
    firm = crm_builder.company("Supply House", phone="+7 495 000-11-22", email="office@firm.example")
    ivan = crm_builder.contact("Ivan Petrov", phone="+7 916 123-45-67", email="ivan@mail.example", company=str(firm))
    crm_builder.contact("Иван Пётрович", phone="8 (903) 765-43-21", email="ivan.p@corp.example")
    crm_builder.contact("100% sure", email="under_score@example.com")
    crm_builder.contact("Olga Ivanova", email="olga@mail.example")
    crm_builder.deal("Supply of paper", contacts=str(ivan))
    crm_builder.deal("ИВАНОВ и партнёры")
    crm_builder.deal("Consulting", company=str(firm))
    crm_builder.deal("Audit", contacts=str(ivan), company=str(firm))
    crm_builder.deal("Nothing here")
    crm_builder.deal("Order 1234")
    crm_builder.contact("Ёлкин Пётр", email="elkin@mail.example")


@both_backends
@pytest.mark.parametrize("entity", ["leads", "contacts", "companies"])
@pytest.mark.parametrize("query", QUERIES)
def test_a_search_tested_on_each_row_finds_what_its_index_finds(app, people, monkeypatch, entity, query):
    with app.app_context():
        gathered, _more = records.query_list(entity, ListFilters(q=query))
        monkeypatch.setattr(conditions, "FEW_MATCHES", -1)  # every search, even one finding none, has "many"
        walked, _more = records.query_list(entity, ListFilters(q=query))
        counted = records.count_list(entity, ListFilters(q=query), limit=100)
    assert [row.id for row in walked] == [row.id for row in gathered]
    assert counted == len(gathered)


@both_backends
def test_a_tag_on_many_records_is_tested_on_each_row(app, crm_builder, monkeypatch):
    crm_builder.many("leads", 4, prefix="Tagged", tags="VIP, web")
    crm_builder.many("leads", 3, prefix="Other", tags="web")
    with app.app_context():
        gathered, _more = records.query_list("leads", ListFilters(tags=("vip", "WEB")))
        monkeypatch.setattr(conditions, "FEW_MATCHES", 1)
        walked, _more = records.query_list("leads", ListFilters(tags=("vip", "WEB")))
        assert records.count_list("leads", ListFilters(tags=("vip",)), limit=100) == 4
    assert [row.name for row in walked] == [row.name for row in gathered] == [f"Tagged {n}" for n in (4, 3, 2, 1)]


def test_a_page_of_a_broad_search_walks_the_list_order_without_gathering_its_matches(app, crm_builder, monkeypatch):
    crm_builder.many("leads", 6, prefix="Supply", tags="web")
    monkeypatch.setattr(conditions, "FEW_MATCHES", 2)
    with app.app_context():
        kind = records.KINDS["leads"]
        clauses = conditions.where_clauses(kind, ListFilters(q="supply", tags=("web",)))
        statement = select(kind.model.id).where(*clauses).order_by(kind.model.created_at.desc()).limit(51)
        sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "SCAN deals USING" in plan and "INDEX ix_deals_created_at" in plan, plan
    assert "TEMP B-TREE" not in plan and "LIST SUBQUERY" not in plan and "VIRTUAL TABLE" not in plan, plan


@both_backends
def test_a_search_count_narrowed_by_rights_and_stage_streams_its_matches(app, crm_builder, make_user):
    anna = make_user("Anna")
    crm_builder.many("leads", 5, prefix="Supply", responsible=str(anna))
    crm_builder.many("leads", 4, prefix="Supply")
    crm_builder.many("leads", 3, prefix="Supply", status="142", responsible=str(anna))
    own = Viewer(anna, tuple((entity, "own") for entity in records.KINDS))
    with app.app_context():
        assert records.count_list("leads", ListFilters(q="supply"), limit=100) == 12
        assert records.count_list("leads", ListFilters(q="supply", viewer=own), limit=100) == 8
        assert records.count_list("leads", ListFilters(q="supply", viewer=own, state="open"), limit=100) == 5
        assert records.count_list("leads", ListFilters(q="supply"), limit=10) == 11  # "more than 10"


def test_a_search_count_that_streams_past_its_budget_counts_over_the_records(app, crm_builder, make_user,
                                                                              monkeypatch):
    anna = make_user("Anna")
    crm_builder.many("leads", 6, prefix="Supply")
    crm_builder.deal("Supply for Anna", responsible=str(anna))
    monkeypatch.setattr(conditions, "FEW_MATCHES", 0)  # the count streams the matches
    monkeypatch.setattr(lists, "SEARCH_COUNT_BUDGET", 2)
    monkeypatch.setattr(lists, "SEARCH_COUNT_BATCH", 2)
    with app.app_context():
        assert lists._count_search(records.KINDS["leads"], ListFilters(q="supply", responsible=(anna,)), 100) is None
        assert records.count_list("leads", ListFilters(q="supply", responsible=(anna,)), limit=100) == 1


def test_a_filtered_list_says_more_than_a_thousand_and_a_stage_filter_counts_exactly(
        client, signed_in, crm_builder, monkeypatch):
    from monitor.crm import entities

    assert entities.COUNT_LIMIT == 1000
    monkeypatch.setattr(entities, "COUNT_LIMIT", 3)
    crm_builder.many("leads", 5, prefix="Won", status="142", tags="web")
    assert "More than 3 records found" in client.get("/leads?tag=web").get_data(as_text=True)
    assert "5 records found" in client.get("/leads?preset=won").get_data(as_text=True)  # from record_totals
    assert "5 records found" in client.get("/leads?statuses=142&sort=name").get_data(as_text=True)
    assert row_names(client.get("/leads?preset=won").data) == [f"Won {n}" for n in (5, 4, 3, 2, 1)]


def test_a_search_remembered_for_its_count_is_forgotten_when_the_session_writes(app, crm_builder):
    crm_builder.deal("Alpha")
    with app.app_context():
        assert records.query_list("leads", ListFilters(q="zeta"))[0] == []
        assert records.count_list("leads", ListFilters(q="zeta"), limit=10) == 0
        records.create_record("leads", {"name": "Zeta deal"})
        assert [row.name for row in records.query_list("leads", ListFilters(q="zeta"))[0]] == ["Zeta deal"]
        assert records.count_list("leads", ListFilters(q="zeta"), limit=10) == 1


def test_a_search_of_control_characters_only_lists_and_counts_everything(client, signed_in, crm_builder):
    crm_builder.many("leads", 3, prefix="Deal")
    page = client.get("/leads", query_string={"q": "\x01"}).get_data(as_text=True)
    assert len(row_names(page)) == 3
    assert "3 records found" in page
