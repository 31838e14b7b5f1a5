"""The pipeline board: a column per status in order, 50 newest deals a column, filters, switcher."""
import re

from tests.fixtures_crm import row_names

COLUMN = re.compile(r'<section class="board-column" data-status="(\d+)">(.*?)</section>', re.S)
TILE = re.compile(r'<a class="tile-name" href="/leads/(\d+)">([^<]*)</a>')


def board_columns(html):
    """[(status id, [deal names])] of a board page, left to right."""
    return [(int(status), [name for _id, name in TILE.findall(body)]) for status, body in COLUMN.findall(html)]


def test_board_has_a_column_per_status_in_order_with_its_deals(client, signed_in, crm_builder):
    (main, statuses), (partners, partner_statuses) = crm_builder.pipelines()
    crm_builder.deal("New lead", pipeline=main, status=statuses[0])
    crm_builder.deal("Talking", pipeline=main, status=statuses[1])
    crm_builder.deal("Signed", pipeline=main, status=142, price=700)
    crm_builder.deal("Elsewhere", pipeline=partners, status=partner_statuses[0])
    page = client.get(f"/leads/pipeline/{main}").get_data(as_text=True)
    columns = board_columns(page)
    assert [status for status, _deals in columns] == statuses
    assert dict(columns)[statuses[0]] == ["New lead"]
    assert dict(columns)[statuses[1]] == ["Talking"]
    assert dict(columns)[142] == ["Signed"]
    assert "Elsewhere" not in page
    assert "Closed - won" in page and "700\u00a0\u20bd" in page
    assert f'href="/leads/pipeline/{partners}"' in page  # the pipeline switcher


def test_board_column_shows_the_50_newest_and_links_to_the_rest(client, signed_in, crm_builder):
    (main, statuses), _other = crm_builder.pipelines()
    crm_builder.many("leads", 53, prefix="Lead", pipeline=main, status=statuses[0])
    page = client.get(f"/leads/pipeline/{main}").get_data(as_text=True)
    first = dict(board_columns(page))[statuses[0]]
    assert first == [f"Lead {n}" for n in range(53, 3, -1)]
    assert "53 deals" in page
    more = re.search(r'<a class="board-more" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"pipeline={main}" in more and f"status={statuses[0]}" in more
    assert len(row_names(client.get(more).data)) == 50


def test_board_applies_search_and_filters(client, signed_in, crm_builder):
    (main, statuses), _other = crm_builder.pipelines()
    crm_builder.deal("Cheap pilot", pipeline=main, status=statuses[0], price=10)
    crm_builder.deal("Expensive pilot", pipeline=main, status=statuses[0], price=10_000, tags="vip")
    assert dict(board_columns(client.get(f"/leads/pipeline/{main}?q=expensive").get_data(as_text=True)))[
        statuses[0]] == ["Expensive pilot"]
    assert dict(board_columns(client.get(f"/leads/pipeline/{main}?tag=vip").get_data(as_text=True)))[
        statuses[0]] == ["Expensive pilot"]
    assert client.get(f"/leads/pipeline/{main}?price_from=abc").status_code == 400


def test_unknown_pipeline_is_404(client, signed_in, charges):
    assert client.get("/leads/pipeline/999").status_code == 404
    assert charges == []
