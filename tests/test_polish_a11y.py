"""Keyboard and screen readers in the HTML (issue 15, item 7): a skip link first on every page, table headers
with a scope, usage meters that say what they measure. The keyboard itself is in test_browser_polish_a11y.py."""
import re
from html.parser import HTMLParser
from pathlib import Path

from tests.fixtures_activity import charge

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Tables whose headers another change names (settings/users.html, activity_history.html) are left to it.
SCOPED_TEMPLATES = sorted(
    [*TEMPLATES.glob("crm/*.html"), *TEMPLATES.glob("tasks/*.html"), *TEMPLATES.glob("home*.html"),
     *(path for path in TEMPLATES.glob("settings/*.html")
       if path.name not in ("users.html", "activity_history.html"))])


class Page(HTMLParser):
    """The tags of a page that matter here: every th, meter and focusable element, in order."""

    def __init__(self, text):
        super().__init__()
        self.headers, self.meters, self.focusable = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "th":
            self.headers.append(attrs)
        elif tag == "meter":
            self.meters.append(attrs)
        focusable = (tag == "a" and "href" in attrs) or tag in ("button", "select", "textarea") or (
            tag == "input" and attrs.get("type") != "hidden" and "hidden" not in attrs)
        if focusable and attrs.get("tabindex") != "-1":
            self.focusable.append((tag, attrs))


def page(client, url, **kwargs):
    response = client.post(url, **kwargs) if "data" in kwargs else client.get(url)
    assert response.status_code == 200, url
    return Page(response.get_data(as_text=True))


def assert_headers_scoped(parsed, url):
    assert parsed.headers, f"{url} shows no table"
    unscoped = [attrs for attrs in parsed.headers if attrs.get("scope") not in ("col", "row", "colgroup")]
    assert unscoped == [], url


def test_every_table_header_in_the_templates_has_a_scope():
    for path in SCOPED_TEMPLATES:
        for tag in re.findall(r"<th\b[^>]*>", path.read_text()):
            assert "scope=" in tag, (path.name, tag)


def test_the_skip_link_comes_first_and_points_at_main(client, signed_in):
    for url in ("/", "/leads", "/tasks"):
        parsed = page(client, url)
        tag, attrs = parsed.focusable[0]
        assert (tag, attrs.get("class"), attrs.get("href")) == ("a", "skip-link", "#content"), url
    text = client.get("/").get_data(as_text=True)
    assert re.search(r'<main class="content" id="content" tabindex="-1">', text)
    assert ">Skip to content</a>" in text


def test_the_sign_in_page_has_the_skip_link_too(client):
    tag, attrs = page(client, "/login").focusable[0]
    assert attrs.get("href") == "#content" and attrs.get("class") == "skip-link"


def test_rendered_tables_of_a_user_have_scoped_headers(client, signed_in, crm_builder, set_limits):
    crm_builder.pipelines()
    crm_builder.deal("Scoped deal", price=100)
    for url in ("/", "/leads", "/contacts", "/tasks"):
        assert_headers_scoped(page(client, url), url)


def test_rendered_tables_of_an_administrator_have_scoped_headers(client, signed_in_admin, user, set_limits):
    set_limits(card_limit=100, list_limit=500)
    assert client.post("/settings/api-tokens", data={"user_id": user, "name": "Script", "days": 30}).status_code in (
        200, 302)
    for url in ("/settings/activity/usage", "/settings/api-tokens", f"/settings/users/{user}",
                f"/settings/activity/users/{user}"):
        assert_headers_scoped(page(client, url), url)
    preview = page(client, "/settings/activity", data={
        "card_limit": "100", "card_period": "hour", "list_limit": "500", "list_period": "day",
        "action": "deactivate", "timezone": "UTC", "preview_days": "7", "preview": "1"})
    assert_headers_scoped(preview, "/settings/activity (preview)")


def test_home_meters_say_what_they_measure(app, client, signed_in, set_limits):
    set_limits(card_limit=100, card_period="hour", list_limit=500, list_period="day")
    charge(app, signed_in, cards=[("leads", n) for n in range(1, 13)], elements=40)
    meters = page(client, "/").meters
    assert [meter.get("aria-label") for meter in meters] == [
        "Card views this hour: 12 of 100", "List elements today: 40 of 500"]


def test_usage_page_meters_name_the_counter_and_the_user(app, client, signed_in_admin, user, set_limits):
    set_limits(card_limit=100, list_limit=500)
    charge(app, user, cards=[("leads", 1), ("leads", 2)], elements=7)
    labels = [meter.get("aria-label") for meter in page(client, "/settings/activity/usage").meters]
    assert "Card views — Ulla User: 2 of 100" in labels
    assert "List elements — Ulla User: 7 of 500" in labels
    assert all(labels), labels


def test_no_stylesheet_takes_the_focus_outline_away():
    for path in (TEMPLATES.parent / "static" / "css").glob("*.css"):
        assert not re.search(r"outline\s*:\s*(none|0)\b", path.read_text()), path.name
    assert ":focus-visible { outline: 2px solid" in (TEMPLATES.parent / "static" / "css" / "app.css").read_text()
