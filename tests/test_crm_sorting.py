"""Sorting every list (SPEC §10): `sort` and `dir` on each list, ties by id, empty dates last, paging,
the header links, bad values, the combined list, export, presets, and index-ordered query plans."""
import csv
import html
import io
import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from monitor.crm import entities
from monitor.crm.filters import field_label
from monitor.db import db
from monitor.services import records
from tests.conftest import both_backends
from tests.fixtures_crm import START, row_links

# What SPEC §10 gives each list, and each sort's first direction (the one a header's first click gives).
SORTS = {
    "leads": ("created", "updated", "name", "price", "status"),
    "customers": ("created", "updated", "name", "price", "next_date"),
    "contacts": ("created", "updated", "name"),
    "companies": ("created", "updated", "name"),
    "contacts-companies": ("created", "updated", "name"),
}
EVERY_SORT = ("created", "updated", "name", "price", "status", "next_date")
FIRST_DIRECTION = {"created": "desc", "updated": "desc", "price": "desc", "name": "asc", "status": "asc",
                   "next_date": "asc"}
FIELDS = {"created": "created_at", "updated": "updated_at", "name": "name"}
PRICE_FIELD = {"leads": "price", "customers": "next_price"}
INDEXED = {"created": "created_at", "updated": "updated_at", "name": "name", "next_date": "next_date"}

# (minutes after START, name, amount, stage or next purchase date): equal names, amounts, dates and
# creation times, so that ties are broken by id; two records are changed later (updated_at).
ROWS = [
    (0, "Delta", 500, (0, 0), "2026-05-01"),
    (1, "Alpha", 900, (1, 0), None),
    (2, "Charlie", 500, (0, -2), "2026-04-01"),
    (2, "Bravo", 100, (0, 0), "2026-05-01"),
    (3, "Alpha", 900, (1, -1), "2026-04-01"),
    (4, "Echo", 0, (0, 2), None),
    (5, "Foxtrot", 2500, (1, 1), "2026-12-31"),
]
TOUCHED = ((0, 10), (3, 11))  # (row, minutes after START): saved again then


def touch(app, clock, entity, record_id, moment):
    """Save a record again at `moment`, changing nothing: its updated_at becomes `moment`."""
    with app.app_context():
        clock.set(moment)
        records.update_record(entity, records.get_record(entity, record_id), {})


def build(app, clock, crm_builder, entity):
    """The ROWS as records of `entity`; returns their columns (crm_builder.get) and the stage positions."""
    stages = crm_builder.pipelines() if entity == "leads" else []
    ids = []
    for minutes, name, amount, (pipeline, status), next_date in ROWS:
        data = {"name": name}
        if entity == "leads":
            pipeline_id, statuses = stages[pipeline]
            data.update(price=amount, pipeline=pipeline_id, status=statuses[status])
        elif entity == "customers":
            data.update(next_price=amount, next_date=next_date or "")
        ids.append(crm_builder.at(START + timedelta(minutes=minutes)).create(entity, **data))
    for row, minutes in TOUCHED:
        touch(app, clock, entity, ids[row], START + timedelta(minutes=minutes))
    positions = {(pipeline_id, status_id): position for position, (pipeline_id, status_id)
                 in enumerate((p, s) for p, statuses in stages for s in statuses)}
    return [crm_builder.get(entity, record_id) for record_id in ids], positions


def expected(entity, rows, sort, direction, positions=None):
    """The ids of `rows` in the order SPEC §10 and the report describe."""
    reverse = direction == "desc"
    if sort == "status":  # stage order (pipelines main first), newest first within a stage
        newest = sorted(rows, key=lambda row: (row["created_at"], row["id"]), reverse=True)
        ordered = sorted(newest, key=lambda row: positions[row["pipeline_id"], row["status_id"]], reverse=reverse)
    elif sort == "next_date":  # empty dates last both ways
        dated = sorted((row for row in rows if row["next_date"]), key=lambda row: (row["next_date"], row["id"]),
                       reverse=reverse)
        ordered = dated + sorted((row for row in rows if not row["next_date"]), key=lambda row: row["id"],
                                 reverse=reverse)
    else:
        field = PRICE_FIELD.get(entity) if sort == "price" else FIELDS[sort]
        ordered = sorted(rows, key=lambda row: (row[field], row["id"]), reverse=reverse)
    return [row["id"] for row in ordered]


def listed(client, url):
    """The record ids a list page shows, top to bottom (a 200 answer)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return [record_id for _entity, record_id in row_links(response.data)]


@both_backends
@pytest.mark.parametrize("entity", ["leads", "customers", "contacts", "companies"])
def test_every_sort_and_direction_orders_the_list(app, clock, client, signed_in, crm_builder, entity):
    rows, positions = build(app, clock, crm_builder, entity)
    for sort in SORTS[entity]:
        for direction in ("asc", "desc"):
            assert listed(client, f"/{entity}?sort={sort}&dir={direction}") == \
                expected(entity, rows, sort, direction, positions), (sort, direction)
        assert listed(client, f"/{entity}?sort={sort}") == \
            expected(entity, rows, sort, FIRST_DIRECTION[sort], positions), sort
    newest_first = expected(entity, rows, "created", "desc")
    assert listed(client, f"/{entity}") == newest_first == listed(client, f"/{entity}?sort=&dir=")
    assert listed(client, f"/{entity}?sort=NAME&dir=DESC") == expected(entity, rows, "name", "desc")
    for lacking in set(EVERY_SORT) - set(SORTS[entity]):
        assert client.get(f"/{entity}?sort={lacking}").status_code == 400


def test_status_sort_keeps_stage_order_within_filters(app, clock, client, signed_in, crm_builder):
    rows, positions = build(app, clock, crm_builder, "leads")
    (_main, _statuses), (partners, _partner_statuses) = crm_builder.pipelines()
    in_partners = [row for row in rows if row["pipeline_id"] == partners]
    assert listed(client, f"/leads?sort=status&pipeline={partners}") == \
        expected("leads", in_partners, "status", "asc", positions)
    open_deals = [row for row in rows if row["status_id"] not in (142, 143)]
    assert listed(client, "/leads?preset=open&sort=status&dir=desc") == \
        expected("leads", open_deals, "status", "desc", positions)
    alphas = [row for row in rows if row["name"] == "Alpha"]
    assert listed(client, "/leads?q=Alpha&sort=status") == expected("leads", alphas, "status", "asc", positions)


@pytest.mark.parametrize("entity, sort", [("leads", "status"), ("leads", "name"), ("customers", "next_date")])
def test_sorted_pages_follow_each_other(client, signed_in, crm_builder, entity, sort):
    stages = [(p, s) for p, statuses in crm_builder.pipelines() for s in statuses]
    positions = {stage: position for position, stage in enumerate(stages)}
    for number in range(60):
        data = {"name": ("Gamma", "Alpha", "Beta")[number % 3]}
        if entity == "leads":
            data.update(pipeline=stages[number % 5][0], status=stages[number % 5][1])
        else:
            data["next_date"] = "" if number % 3 == 0 else f"2026-0{1 + number % 4}-15"
        crm_builder.create(entity, **data)
    rows = [crm_builder.get(entity, record_id) for record_id in range(1, 61)]
    for direction in ("asc", "desc"):
        first = client.get(f"/{entity}?sort={sort}&dir={direction}")
        page = first.get_data(as_text=True)
        assert "60 records found" in page and 'rel="next"' in page
        second = listed(client, f"/{entity}?sort={sort}&dir={direction}&page=2")
        shown = [record_id for _entity, record_id in row_links(page)] + second
        assert (len(second), shown) == (10, expected(entity, rows, sort, direction, positions))
        assert listed(client, f"/{entity}?sort={sort}&dir={direction}&page=3") == []


def headers(page):
    """{label: (aria-sort, the link's query as a dict or None, arrow)} of a list page's column headers."""
    found = {}
    for aria, body in re.findall(r'<th class="[^"]*" scope="col"(?: aria-sort="(\w+)")?>(.*?)</th>', page, re.S):
        link = re.search(r'<a class="sort-link" href="([^"]+)"', body)
        label = re.sub(r"<[^>]+>|[\u25b2\u25bc]", "", html.unescape(body)).strip()
        query = parse_qs(urlsplit(html.unescape(link.group(1))).query) if link else None
        found[label] = (aria or None, query, "\u25b2" if "&#9650;" in body else "\u25bc" if "&#9660;" in body else "")
    return found


def test_headers_sort_flip_keep_the_other_parameters_and_reset_the_page(client, signed_in, crm_builder):
    crm_builder.deal("One deal", tags="vip")
    heads = headers(client.get("/leads").get_data(as_text=True))
    assert heads["Created"][0::2] == ("descending", "\u25bc")  # newest first, marked
    assert heads["Created"][1] == {"sort": ["created"], "dir": ["asc"]}  # clicking flips it
    assert {label for label, (_aria, query, _arrow) in heads.items() if query} == \
        {"Name", "Status", "Price", "Created", "Updated"}
    assert [label for label, (aria, _query, _arrow) in heads.items() if aria] == ["Created"]

    heads = headers(client.get("/leads?tag=vip&q=one&sort=price&dir=asc&page=2").get_data(as_text=True))
    assert heads["Price"] == ("ascending", {"tag": ["vip"], "q": ["one"], "sort": ["price"], "dir": ["desc"]},
                              "\u25b2")
    assert heads["Name"] == (None, {"tag": ["vip"], "q": ["one"], "sort": ["name"], "dir": ["asc"]}, "")
    assert heads["Status"][1]["dir"] == ["asc"] and heads["Updated"][1]["dir"] == ["desc"]
    assert heads["Created"] == (None, {"tag": ["vip"], "q": ["one"], "sort": ["created"], "dir": ["desc"]}, "")
    assert heads["Company"] == heads["Tags"] == (None, None, "")

    customers = headers(client.get("/customers?sort=next_date").get_data(as_text=True))
    assert customers["Next purchase date"][0] == "ascending"
    assert customers["Next purchase date"][1]["dir"] == ["desc"] and customers["Next purchase"][1]["dir"] == ["desc"]
    for entity in ("contacts", "companies", "contacts-companies"):
        heads = headers(client.get(f"/{entity}").get_data(as_text=True))
        assert {label for label, (_aria, query, _arrow) in heads.items() if query} == {"Name", "Created", "Updated"}


def test_clicking_a_header_twice_flips_the_order(client, signed_in, crm_builder):
    for name in ("Beta", "Alpha", "Gamma"):
        crm_builder.deal(name)
    page = client.get("/leads").get_data(as_text=True)
    href = html.unescape(re.search(r'<a class="sort-link" href="([^"]+)" title="Sort ascending">Name', page).group(1))
    page = client.get(href).get_data(as_text=True)
    assert [name for _e, _i, name in re.findall(r'href="/(leads)/(\d+)">([^<]*)</a>', page)] == \
        ["Alpha", "Beta", "Gamma"]
    again = html.unescape(re.search(r'<a class="sort-link" href="([^"]+)" title="Sort descending">Name', page)
                          .group(1))
    assert [name for _e, _i, name in re.findall(r'href="/(leads)/(\d+)">([^<]*)</a>', client.get(again).get_data(
        as_text=True))] == ["Gamma", "Beta", "Alpha"]


@pytest.mark.parametrize("url, parameter, message", [
    ("/contacts?sort=price", "sort", "This list can be sorted by: created, updated, name."),
    ("/companies?sort=status", "sort", "This list can be sorted by: created, updated, name."),
    ("/leads?sort=next_date", "sort", "This list can be sorted by: created, updated, name, price, status."),
    ("/customers?sort=status", "sort", "This list can be sorted by: created, updated, name, price, next_date."),
    ("/contacts-companies?sort=price", "sort", "This list can be sorted by: created, updated, name."),
    ("/leads?sort=price%27%3B--", "sort", "This list can be sorted by: created, updated, name, price, status."),
    ("/leads?dir=up", "dir", "Sort asc (ascending) or desc (descending)."),
    ("/customers?sort=next_date&dir=ascending", "dir", "Sort asc (ascending) or desc (descending)."),
])
def test_a_sort_the_list_lacks_or_a_bad_direction_is_a_400_with_the_message(client, signed_in, crm_builder, url,
                                                                           parameter, message):
    crm_builder.deal("Shown otherwise")
    crm_builder.contact("Shown otherwise")
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    # Named as the panel labels the field ("Sort", "Sort direction"), not as the parameter (issue 15).
    assert f"<strong>{field_label(parameter, 'Price')}</strong>: {message}" in page
    assert row_links(page) == []


def test_export_and_board_refuse_a_bad_sort(client, exporter, crm_builder):
    (main, _statuses), _partners = crm_builder.pipelines()
    export = client.get("/contacts/export.csv?sort=price")
    assert export.status_code == 400 and "This list can be sorted by" in export.get_data(as_text=True)
    assert client.get(f"/leads/pipeline/{main}?sort=next_date").status_code == 400


def test_board_keeps_working_dearer_sort(client, signed_in, crm_builder):
    (main, statuses), _partners = crm_builder.pipelines()
    for name in ("Beta", "Alpha"):
        crm_builder.deal(name, pipeline=main, status=statuses[0])
    page = client.get(f"/leads/pipeline/{main}?sort=name").get_data(as_text=True)
    assert "Alpha" in page and "Beta" in page


@both_backends
def test_combined_list_sorts_by_created_updated_and_name_across_both_kinds(app, clock, client, signed_in,
                                                                          crm_builder):
    rows = []
    for entity in ("contacts", "companies"):
        built, _positions = build(app, clock, crm_builder, entity)
        rows += [{**row, "entity": entity} for row in built]
    for number in range(25):  # enough for two pages
        entity = ("contacts", "companies")[number % 2]
        record_id = crm_builder.create(entity, name=f"Kilo {number % 4}")
        rows.append({**crm_builder.get(entity, record_id), "entity": entity})
    for sort in ("created", "updated", "name"):
        for direction in ("asc", "desc"):
            by_kind = sorted(rows, key=lambda row: row["entity"])  # a tie on value and id: companies first
            ordered = sorted(by_kind, key=lambda row: (row[FIELDS[sort]], row["id"]), reverse=direction == "desc")
            url = f"/contacts-companies?sort={sort}&dir={direction}"
            shown = row_links(client.get(url).data) + row_links(client.get(url + "&page=2").data)
            assert shown == [(row["entity"], row["id"]) for row in ordered], (sort, direction)


def read_csv_ids(response):
    assert response.status_code == 200
    return [int(row[0]) for row in list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]]


@pytest.mark.parametrize("entity, sort, direction", [
    ("leads", "status", "desc"), ("leads", "price", "asc"), ("customers", "next_date", "asc"),
    ("customers", "next_date", "desc"), ("contacts", "name", "desc"),
])
def test_export_is_in_the_lists_order(app, clock, client, exporter, crm_builder, entity, sort, direction):
    rows, positions = build(app, clock, crm_builder, entity)
    url = f"/{entity}/export.csv?sort={sort}&dir={direction}"
    assert read_csv_ids(client.get(url)) == expected(entity, rows, sort, direction, positions)
    page = client.get(f"/{entity}?sort={sort}&dir={direction}").get_data(as_text=True)
    assert f'href="{html.escape(url)}"' in page  # the list's Export button keeps its order


def test_a_saved_preset_keeps_its_sort(app, clock, client, signed_in, crm_builder):
    rows, _positions = build(app, clock, crm_builder, "leads")
    page = client.get("/leads?price_from=500&sort=price&dir=asc").get_data(as_text=True)
    query = html.unescape(re.search(r'name="query" type="hidden" value="([^"]*)"', page).group(1))
    assert parse_qs(query) == {"price_from": ["500"], "sort": ["price"], "dir": ["asc"]}
    location = client.post("/leads/presets", data={"name": "Cheap first", "query": query}).headers["Location"]
    preset_id = parse_qs(urlsplit(location).query)["preset"][0]
    dearer = [row for row in rows if row["price"] >= 500]
    preset_page = client.get(f"/leads?preset={preset_id}").get_data(as_text=True)
    assert [record_id for _entity, record_id in row_links(preset_page)] == expected("leads", dearer, "price", "asc")
    heads = headers(preset_page)
    assert heads["Price"][0] == "ascending" and heads["Name"][1]["preset"] == [preset_id]
    assert listed(client, f"/leads?preset={preset_id}&sort=name&dir=desc") == expected("leads", dearer, "name", "desc")


@contextmanager
def statements_with_parameters(app):
    """(statement, parameters) of every query the app runs inside the block."""
    engine, found = app.extensions["tally_db"][0], []

    def record(_connection, _cursor, statement, parameters, *_args):
        found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sorted_tables(plan, tables):
    """The reads of `tables` a query plan sorts in a temporary B-tree (the SCAN/SEARCH beside it)."""
    beside = defaultdict(list)
    for _node, parent, _unused, detail in plan:
        beside[parent].append(detail)
    return [detail for details in beside.values() if any("TEMP B-TREE" in d and "ORDER BY" in d for d in details)
            for detail in details if detail.startswith(("SCAN ", "SEARCH ")) and detail.split()[1] in tables]


def index_of(entity, sort):
    table = records.KINDS[entity].model.__tablename__
    if sort == "status":
        return "ix_deals_pipeline_status_created"
    return f"ix_{table}_{PRICE_FIELD[entity] if sort == 'price' else INDEXED[sort]}"


@pytest.mark.parametrize("entity", list(SORTS))
def test_query_plans_read_each_sort_from_an_index(app, client, signed_in, crm_builder, entity):
    kinds = ("contacts", "companies") if entity == "contacts-companies" else (entity,)
    for kind in kinds:
        for _ in range(3):
            crm_builder.create(kind, name="Plan", **({"next_date": "2026-05-01"} if kind == "customers" else {}))
        crm_builder.create(kind, name="Undated")
    tables = {records.KINDS[kind].model.__tablename__ for kind in kinds}
    for sort in SORTS[entity]:
        for direction in ("asc", "desc"):
            with statements_with_parameters(app) as found:
                assert client.get(f"/{entity}?sort={sort}&dir={direction}").status_code == 200
            ordered = [(statement, parameters) for statement, parameters in found
                       if "ORDER BY" in statement and any(re.search(rf"FROM {table}\b(?! AS)", statement)
                                                          for table in tables)]
            with app.app_context():
                plans = [db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                         .all() for statement, parameters in ordered]
            details = [row[3] for plan in plans for row in plan]
            assert plans and not [s for plan in plans for s in sorted_tables(plan, tables)], (sort, direction, details)
            for kind in kinds:
                assert any(f"INDEX {index_of(kind, sort)}" in detail for detail in details), (sort, details)


def test_a_sorted_whole_list_is_counted_exactly(client, signed_in, crm_builder, monkeypatch):
    """Only a filtered list stops counting at COUNT_LIMIT; a sort filters nothing."""
    monkeypatch.setattr(entities, "COUNT_LIMIT", 2)
    crm_builder.many("contacts", 3)
    assert "3 records found" in client.get("/contacts?sort=name&dir=desc").get_data(as_text=True)
    assert "More than 2 records found" in client.get("/contacts?created_from=2020-01-01").get_data(as_text=True)


def test_searching_or_filtering_a_sorted_list_keeps_its_sort(client, signed_in, crm_builder):
    """The filter panel's form carries the sort, so a search typed on a sorted list stays sorted."""
    for name in ("Bravo deal", "Alpha deal", "Charlie deal"):
        crm_builder.deal(name)
    page = client.get("/leads?sort=name&dir=asc").get_data(as_text=True)
    form = page.split('class="filter-form"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(sort|dir)" value="([^"]*)"', form))
    assert fields == {"sort": "name", "dir": "asc"}
    response = client.get("/leads", query_string={"q": "deal", **fields})
    assert [name for _kind, _id, name in re.findall(
        r'<td class="col-link"><a href="/(leads)/(\d+)">([^<]*)</a>', response.get_data(as_text=True))] == [
        "Alpha deal", "Bravo deal", "Charlie deal"]
