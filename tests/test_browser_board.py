"""In Chromium: moving deals on the pipeline board by drag and drop and by keyboard, and "Show more" in place."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.app_config(WTF_CSRF_ENABLED=True)]  # the token as a browser sends it


@pytest.fixture
def board(page, live_server, user, crm_builder):
    """Three deals on the main pipeline's board, Ulla signed in: (main id, status ids, {name: deal id})."""
    (main, statuses), _other = crm_builder.pipelines()
    deals = {
        "Pumps": crm_builder.deal("Pumps", pipeline=main, status=statuses[0], price=1000),
        "Valves": crm_builder.deal("Valves", pipeline=main, status=statuses[0], price=250),
        "Pipes": crm_builder.deal("Pipes", pipeline=main, status=statuses[2], price=40),
    }
    sign_in_browser(page, live_server, "ulla@example.com", PASSWORD)
    page.goto(f"{live_server}/leads/pipeline/{main}")
    return main, statuses, deals


def column(page, status_id):
    return page.locator(f'.board-column[data-status="{status_id}"]')


def tile(page, status_id, deal_id):
    return column(page, status_id).locator(f'.tile[data-id="{deal_id}"]')


def test_dragging_a_tile_to_another_column_moves_the_deal(page, board, crm_builder, csp_errors):
    main, statuses, deals = board
    tile(page, statuses[0], deals["Pumps"]).drag_to(column(page, statuses[2]))
    expect(page.locator("#board-message")).to_have_text("Deal \u201cPumps\u201d moved to Decision making.")
    expect(tile(page, statuses[2], deals["Pumps"])).to_have_count(1)
    expect(column(page, statuses[2]).locator(".board-totals")).to_have_text("2 deals \u00b7 1,040\u00a0\u20bd")
    expect(column(page, statuses[0]).locator(".board-totals")).to_have_text("1 deal \u00b7 250\u00a0\u20bd")
    assert crm_builder.get("leads", deals["Pumps"])["status_id"] == statuses[2]
    page.reload()
    expect(tile(page, statuses[2], deals["Pumps"])).to_have_count(1)
    expect(tile(page, statuses[0], deals["Pumps"])).to_have_count(0)
    assert csp_errors == []


def test_the_keyboard_moves_a_deal_with_the_tiles_move_to_list(page, board, crm_builder, csp_errors):
    main, statuses, deals = board
    page.locator(f'.tile[data-id="{deals["Pipes"]}"] .tile-name').focus()
    page.keyboard.press("Tab")
    chooser = page.locator(f'.tile[data-id="{deals["Pipes"]}"] select[name=status_id]')
    expect(chooser).to_be_focused()
    expect(chooser).to_have_accessible_name("Move \u201cPipes\u201d to")
    page.keyboard.press("ArrowDown")  # Decision making -> Contract discussion
    page.keyboard.press("Enter")
    expect(page.locator("#board-message")).to_have_text("Deal \u201cPipes\u201d moved to Contract discussion.")
    expect(tile(page, statuses[3], deals["Pipes"])).to_have_count(1)
    expect(chooser).to_be_focused()  # the keyboard user stays on the tile they moved
    expect(column(page, statuses[2]).locator(".tile-empty")).to_be_visible()
    assert crm_builder.get("leads", deals["Pipes"])["status_id"] == statuses[3]
    page.reload()
    expect(tile(page, statuses[3], deals["Pipes"])).to_have_count(1)
    assert csp_errors == []


def test_a_refused_move_puts_the_tile_back_and_says_why(page, board, app, csp_errors):
    main, statuses, deals = board
    with app.app_context():
        from monitor.services import records

        records.delete_record("leads", records.get_record("leads", deals["Valves"]))  # someone else deleted it
    tile(page, statuses[0], deals["Valves"]).drag_to(column(page, statuses[1]))
    expect(page.locator("#board-message")).to_have_text(
        "Deal \u201cValves\u201d was not moved: This deal does not exist any more.")
    expect(tile(page, statuses[0], deals["Valves"])).to_have_count(1)
    expect(column(page, statuses[1]).locator(".tile")).to_have_count(0)
    expect(column(page, statuses[0]).locator(".board-totals")).to_have_text("2 deals \u00b7 1,250\u00a0\u20bd")
    assert csp_errors == []


def test_show_more_appends_the_columns_next_deals_which_move_too(page, live_server, user, crm_builder, csp_errors):
    (main, statuses), _other = crm_builder.pipelines()
    ids = crm_builder.many("leads", 53, prefix="Lead", pipeline=main, status=statuses[1])
    sign_in_browser(page, live_server, "ulla@example.com", PASSWORD)
    page.goto(f"{live_server}/leads/pipeline/{main}")
    expect(column(page, statuses[1]).locator(".tile")).to_have_count(50)
    column(page, statuses[1]).locator("a.board-show-more").click()
    expect(column(page, statuses[1]).locator(".tile")).to_have_count(53)
    expect(column(page, statuses[1]).locator("a.board-show-more")).to_have_count(0)
    assert page.url.endswith(f"/leads/pipeline/{main}")  # in place
    oldest = tile(page, statuses[1], ids[0])
    expect(oldest.locator(".tile-name")).to_have_text("Lead 1")
    oldest.locator("select[name=status_id]").select_option(str(statuses[0]))
    oldest.locator("button").click()
    expect(tile(page, statuses[0], ids[0])).to_have_count(1)
    # The tile moves at once; the server's answer says it is saved.
    expect(page.locator("#board-message")).to_have_text("Deal \u201cLead 1\u201d moved to First contact.")
    assert crm_builder.get("leads", ids[0])["status_id"] == statuses[0]
    assert csp_errors == []
