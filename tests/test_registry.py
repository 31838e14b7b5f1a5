"""The record kinds registry drives the URLs, the navigation, presets and the API's `with=`."""
import re

import pytest

from monitor.crm import filters
from monitor.services import presets, records
from tests.fixtures_api import assert_problem


def test_registry_lists_the_four_kinds_in_the_navigation_order():
    assert list(records.KINDS) == ["leads", "customers", "contacts", "companies"]
    assert records.LISTS == ("leads", "customers", "contacts", "companies", "contacts-companies")


@pytest.mark.parametrize("endpoint, names", [
    ("crm.record_list", records.LISTS), ("crm.record_card", records.KINDS), ("crm.tag_suggestions", records.LISTS),
    ("api.record_list", records.KINDS), ("api.tag_list", records.KINDS),
])
def test_route_converters_match_the_registry_names(app, endpoint, names):
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    converter = rule._converters.get("entity_name") or rule._converters["entity"]
    assert converter.items == set(names)


def test_every_kind_has_a_list_page_and_api_list_and_a_fifth_name_is_404(client, signed_in, api):
    for name in records.LISTS:
        assert client.get(f"/{name}").status_code == 200, name
    for name in records.KINDS:
        assert client.get(f"/{name}/new").status_code == 200, name
        assert api.get(name).status_code == 204, name  # an empty list
    for url in ("/deals", "/deals/new", "/deals/1", "/contacts-companies/new"):
        assert client.get(url).status_code == 404, url
    assert_problem(api.get("deals"), 404)


def test_navigation_links_every_kind_in_registry_order(client, signed_in):
    page = client.get("/contacts").get_data(as_text=True)
    sidebar = page.split('<nav class="sidebar"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="/(\w+)"', sidebar)
    assert [link for link in links if link in records.KINDS] == list(records.KINDS)
    assert links[:len(records.KINDS)] == list(records.KINDS)  # the record lists come first, then tasks
    assert '<a href="/contacts" class="active">Contacts</a>' in sidebar


def test_presets_and_link_parameters_derive_from_the_kinds():
    assert set(presets.BUILT_IN) == set(records.LISTS)
    for name, kind in records.KINDS.items():
        assert ("open" in presets.built_in(name)) == kind.by_state
        assert filters.link_params(name) == {records.KINDS[other].singular: other for other, _rel in kind.links}
    assert filters.link_params("leads") == {"company": "companies", "contact": "contacts"}
