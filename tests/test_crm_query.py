"""The list query layer used by the views and the API: records.query_list and the search index."""
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from monitor.db import db
from monitor.models import Contact, Deal
from monitor.services import records, search
from monitor.services.errors import ValidationError
from monitor.services.records import ListFilters


@pytest.fixture
def ten_deals(crm_builder):
    return crm_builder.at(datetime(2026, 5, 1, 8)).many("leads", 10, prefix="Deal")


def test_query_list_pages_with_has_more(app, ten_deals):
    with app.app_context():
        rows, has_more = records.query_list("leads", ListFilters(), page=1, per_page=4)
        assert [row.name for row in rows] == ["Deal 10", "Deal 9", "Deal 8", "Deal 7"] and has_more
        rows, has_more = records.query_list("leads", ListFilters(), page=3, per_page=4)
        assert [row.name for row in rows] == ["Deal 2", "Deal 1"] and not has_more
        assert records.query_list("leads", ListFilters(), page=4, per_page=4) == ([], False)
        assert records.count_list("leads", ListFilters()) == 10


def test_query_list_ids_order_and_updated_range(app, ten_deals):
    with app.app_context():
        chosen = ListFilters(ids=tuple(ten_deals[:3]), order=(("id", "asc"),))
        assert [row.id for row in records.query_list("leads", chosen)[0]] == ten_deals[:3]
        deal = db.session.get(Deal, ten_deals[0])
        deal.updated_at = datetime(2026, 6, 1)
        db.session.commit()
        recent = ListFilters(updated_from=datetime(2026, 5, 15), updated_to=datetime(2026, 6, 1, 0, 0, 1))
        assert [row.id for row in records.query_list("leads", recent)[0]] == [ten_deals[0]]
        by_update = ListFilters(order=(("updated_at", "desc"),))
        assert records.query_list("leads", by_update, per_page=1)[0][0].id == ten_deals[0]


def test_query_list_stages_and_statuses(app, crm_builder):
    (main, statuses), (partners, partner_statuses) = crm_builder.pipelines()
    won_main = crm_builder.deal("Won here", pipeline=main, status=142)
    crm_builder.deal("Won there", pipeline=partners, status=142)
    crm_builder.deal("Open here", pipeline=main, status=statuses[0])
    with app.app_context():
        only_main_won = ListFilters(stages=((main, 142),))
        assert [row.id for row in records.query_list("leads", only_main_won)[0]] == [won_main]
        assert records.count_list("leads", ListFilters(statuses=(142,))) == 2
        assert records.count_list("leads", ListFilters(state="open")) == 1


def test_query_list_refuses_programming_errors(app):
    with app.app_context():
        with pytest.raises(ValueError):
            records.query_list("widgets", ListFilters())
        with pytest.raises(ValueError):
            records.query_list("leads", ListFilters(), page=0)
        with pytest.raises(ValueError):
            records.query_list("leads", ListFilters(order=(("name; drop", "asc"),)))


def test_check_record_validates_without_saving(app):
    with app.app_context():
        records.check_record("leads", {"name": "Fine", "price": 10})
        with pytest.raises(ValidationError) as refused:
            records.check_record("leads", {"name": "", "price": "x", "pipeline": 999})
        assert set(refused.value.errors) == {"name", "price", "pipeline"}
        assert db.session.scalar(select(func.count(Deal.id))) == 0


@pytest.mark.parametrize("query", ["ivan", "9161234567", "123-45", "mail.example", "iv", "petrov ivan", "zzz"])
def test_ilike_fallback_finds_what_the_index_finds(app, crm_builder, query):
    crm_builder.contact("Ivan Petrov", phone="+7 916 123-45-67", email="ivan@mail.example")
    crm_builder.contact("Olga Ivanova", phone="+7 903 765-43-21", email="olga@corp.example")
    with app.app_context():
        columns = records.KINDS["contacts"].search_columns
        indexed = search.matching_ids("contacts", Contact, columns, query, use_index=True)
        scanned = search.matching_ids("contacts", Contact, columns, query, use_index=False)
        assert set(db.session.scalars(indexed)) == set(db.session.scalars(scanned))


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies", "customers"])
@pytest.mark.parametrize("query", ["i", "iv", "ив", "i v"])
def test_a_short_search_reads_index_ranges_not_every_row(app, entity, query):
    """Too short for the trigram index, a search must still not scan a table of 100,000 deals."""
    with app.app_context():
        kind = records.KINDS[entity]
        statement = search.matching_ids(entity, kind.model, kind.search_columns, query)
        sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    assert plan and not any(step.startswith("SCAN") for step in plan), plan
    assert any("USING" in step and "INDEX" in step for step in plan), plan


def test_demo_data_bulk_inserts_are_in_the_search_index(app, runner):
    assert runner.invoke(args=["demo-data", "--deals", "60"]).exit_code == 0
    with app.app_context():
        for table, fts in (("deals", "search_leads"), ("contacts", "search_contacts"),
                           ("companies", "search_companies"), ("customers", "search_customers")):
            counts = db.session.execute(text(f"SELECT (SELECT count(*) FROM {table}), (SELECT count(*) FROM {fts})"))
            records_count, indexed_count = counts.one()
            assert records_count == indexed_count > 0, table
        contact = db.session.scalars(select(Contact).order_by(Contact.id.desc())).first()
        digits = "".join(char for char in contact.phone if char.isdigit())
        found, _more = records.query_list("contacts", ListFilters(q=digits[1:]))
        assert contact.id in [row.id for row in found]
