"""Issue 9: ids in URLs are ASCII digits, the services' NotFound is the one 404, url_for builds every link,
and db.immediate() commits nothing it was not given."""
import re

import pytest

from monitor.db import db
from monitor.models import User
from tests.fixtures_api import assert_problem

ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
LINK = re.compile(r'(?:href|action|src|data-[a-z-]+)="([^"]*)"')


@pytest.mark.parametrize("path", ["/leads/{id}", "/leads/{id}/delete", "/leads/pipeline/{pipeline}",
                                  "/settings/users/{user}"])
def test_an_id_in_other_digits_than_ascii_is_404_and_charges_nothing(client, auth, admin, crm_builder, charges,
                                                                        path):
    deal = crm_builder.deal("Twelve")
    auth.login("ada@example.com")
    ascii_path = path.format(id=deal, pipeline=1, user=admin)
    assert client.get(ascii_path).status_code == 200
    charged = len(charges)
    response = client.get(ascii_path.translate(ARABIC_INDIC))
    assert response.status_code == 404
    assert "This page does not exist." in response.get_data(as_text=True)
    assert len(charges) == charged


def test_the_api_answers_404_for_other_digits_and_decides_on_long_ascii_ones(api, crm_builder):
    deal = crm_builder.deal("Twelve")
    assert api.get(f"leads/{deal}").status_code == 200
    assert_problem(api.get(f"leads/{deal}".translate(ARABIC_INDIC)), 404)
    assert api.get("leads/" + "9" * 20).status_code == 204  # the view decides: past any id, no such record
    assert_problem(api.get("leads/" + "9" * 21), 404)  # no id has that many digits: no such page


def test_a_record_deleted_meanwhile_is_the_404_page(client, signed_in, crm_builder):
    from monitor.services import records

    deal = crm_builder.deal("Gone soon")
    with client.application.app_context():
        records.delete_record("leads", records.get_record("leads", deal))
    response = client.post(f"/leads/{deal}/delete")
    assert response.status_code == 404
    assert "This page does not exist." in response.get_data(as_text=True)


def test_every_link_of_the_crm_pages_follows_the_mount_point(client, signed_in, crm_builder):
    """Mounted under /tally (SCRIPT_NAME), every link a page builds keeps the prefix: url_for made it."""
    company = crm_builder.company("Nord")
    contact = crm_builder.contact("Ivan", company=company)
    deal = crm_builder.deal("Big deal", company=company, contacts=[contact])
    pages = ["/leads", "/leads/pipeline/1", f"/leads/{deal}", f"/companies/{company}", "/contacts-companies",
             f"/leads/{deal}/delete"]
    for page in pages:
        response = client.get(page, base_url="http://localhost/tally")
        assert response.status_code == 200, page
        paths = [url for url in LINK.findall(response.get_data(as_text=True)) if url.startswith("/")]
        assert paths, page
        assert [url for url in paths if not url.startswith("/tally/")] == [], page


def test_the_picker_builds_card_links_from_the_url_its_template_gives(client, signed_in, crm_builder):
    deal = crm_builder.deal("Big deal")
    page = client.get(f"/leads/{deal}", base_url="http://localhost/tally").get_data(as_text=True)
    assert 'data-card-url="/tally/companies/0"' in page
    assert 'data-source="/tally/companies/autocomplete"' in page


def test_immediate_refuses_changes_made_before_it_and_saves_none_of_them(app, user):
    with app.app_context():
        db.session.get(User, user).name = "Changed outside"
        with pytest.raises(AssertionError, match="unsaved ORM changes"), db.immediate():
            pass
        db.session.rollback()
    with app.app_context():
        assert db.session.get(User, user).name == "Ulla User"


def test_card_urls_are_what_url_for_builds_for_every_kind(app):
    from flask import url_for

    from monitor.crm.display import card_urls
    from monitor.services.records import KINDS

    with app.test_request_context("/leads", base_url="http://localhost/tally"):
        cards = card_urls()
        for kind in KINDS:
            assert f"{cards[kind]}{12}" == url_for("crm.record_card", entity_name=kind, record_id=12)
