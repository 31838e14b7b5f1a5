"""The rights matrix on a user's page (SPEC §10, issue 13): shown with a new user's defaults or the stored rights,
saved with the user and audited cell by cell (old → new, who), kept where a tool posts only SPEC §6's fields,
refused (400, by the cell, nothing saved) for a value that is not All, Own or None; the user is then limited."""
import json
import re
from copy import deepcopy

import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import ActivityEvent, User
from monitor.services.records import rights
from tests.fixtures_crm import row_names

BASE = {"name": "Ulla User", "email": "ulla@example.com", "password": "", "is_active": "y"}
NEW = {"name": "Nina New", "email": "nina@example.com", "password": "long-password", "is_active": "y"}
CELLS = [(entity, right) for entity in ("leads", "contacts", "companies", "customers")
         for right in ("view", "edit", "delete")]


def matrix(page):
    """{field name: the selected value} of every select of the rights matrix on a page."""
    table = page.split('class="rights-matrix"')[1].split("</table>")[0]
    selects = re.findall(r'<select[^>]*name="(rights-[a-z]+-[a-z]+)"[^>]*>(.*?)</select>', table, re.S)
    return {name: (re.findall(r'<option selected value="([a-z]+)"', options)
                   or re.findall(r'value="([a-z]+)" selected', options) or [None])[0]
            for name, options in selects}


def stored(app, user_id):
    with app.app_context():
        return rights.load(db.session.get(User, user_id).rights)


def audit_changes(app, user_id):
    """[(by_user_id, [[field, old, new], ...])] of the rights audit entries about a user, oldest first."""
    with app.app_context():
        events = db.session.scalars(select(ActivityEvent).where(
            ActivityEvent.event == ActivityEvent.RIGHTS_CHANGED, ActivityEvent.user_id == user_id)
            .order_by(ActivityEvent.id)).all()
        return [(event.by_user_id, json.loads(event.details)["changes"]) for event in events]


def cells_of(given):
    return {f"rights-{entity}-{right}": given[entity][right] for entity, right in CELLS}


def test_new_user_form_shows_the_matrix_with_a_new_users_defaults(client, signed_in_admin):
    page = client.get("/settings/users/new").get_data(as_text=True)
    assert matrix(page) == cells_of(rights.NEW_USER)
    table = page.split('class="rights-matrix"')[1].split("</table>")[0]
    for label in ("Deals", "Contacts", "Companies", "Customers", "View", "Edit", "Delete", ">All<", ">Own<",
                  ">None<"):
        assert label in table
    assert 'name="can_export"' in page


def test_edit_form_shows_the_stored_rights(client, signed_in_admin, make_user):
    given = deepcopy(rights.ALL)
    given["leads"]["view"], given["companies"]["delete"] = "own", "none"
    ulla = make_user("Ulla User", "ulla@example.com", rights=given)
    page = client.get(f"/settings/users/{ulla}").get_data(as_text=True)
    assert matrix(page) == cells_of(given)
    assert "disabled" not in page.split('class="rights-matrix"')[1].split("</table>")[0]


def test_an_administrators_matrix_says_they_have_all_rights_and_saving_keeps_what_is_stored(
        client, signed_in_admin, admin, make_user, app):
    kept = deepcopy(rights.NEW_USER)
    boss = make_user("Bob Boss", "bob@example.com", admin=True, rights=kept)
    page = client.get(f"/settings/users/{boss}").get_data(as_text=True)
    assert "Administrators have all rights" in page
    assert page.split('class="rights-matrix"')[1].count("disabled") == 12
    data = {**BASE, "name": "Bob Boss", "email": "bob@example.com", "is_admin": "y", "rights-leads-view": "none"}
    assert client.post(f"/settings/users/{boss}", data=data).status_code == 302
    assert stored(app, boss) == kept
    assert all(not any(field.startswith("rights-") for field, _old, _new in changes)
               for _by, changes in audit_changes(app, boss))


def test_saving_changes_writes_the_rights_and_audits_each_changed_cell(client, signed_in_admin, admin, user, app):
    data = {**BASE, **cells_of(rights.ALL), "rights-leads-view": "own", "rights-customers-delete": "none"}
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    expected = deepcopy(rights.ALL)
    expected["leads"]["view"], expected["customers"]["delete"] = "own", "none"
    assert stored(app, user) == expected
    by, changes = audit_changes(app, user)[-1]
    assert by == admin
    assert changes == [["rights-leads-view", "all", "own"], ["rights-customers-delete", "all", "none"]]
    history = client.get("/settings/activity/history").get_data(as_text=True)
    assert "Deals: view: all → own" in history and "Customers: delete: all → none" in history
    assert "Ada Admin" in history
    # Saving the same values again changes nothing and audits nothing more.
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    assert len(audit_changes(app, user)) == 1


def test_a_new_user_gets_the_rights_chosen_audited_against_the_defaults(client, signed_in_admin, admin, app):
    data = {**NEW, **cells_of(rights.NEW_USER), "rights-contacts-edit": "own"}
    assert client.post("/settings/users/new", data=data).status_code == 302
    with app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina@example.com")).id
    assert stored(app, nina)["contacts"] == {"view": "all", "edit": "own", "delete": "own"}
    assert audit_changes(app, nina) == [(admin, [["rights-contacts-edit", "all", "own"]])]


def test_absent_rights_fields_keep_the_stored_ones_on_edit_and_take_the_defaults_on_new(
        client, signed_in_admin, make_user, app):
    given = deepcopy(rights.ALL)
    given["leads"]["view"] = "none"
    ulla = make_user("Ulla User", "ulla@example.com", rights=given)
    # A tool posting only SPEC §6's fields, and one posting a single cell.
    assert client.post(f"/settings/users/{ulla}", data={**BASE, "can_export": "y"}).status_code == 302
    assert stored(app, ulla) == given
    assert client.post(f"/settings/users/{ulla}", data={**BASE, "rights-leads-edit": "own"}).status_code == 302
    given["leads"]["edit"] = "own"
    assert stored(app, ulla) == given
    assert client.post("/settings/users/new", data=NEW).status_code == 302
    with app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina@example.com")).id
    assert stored(app, nina) == rights.NEW_USER


@pytest.mark.parametrize("value", ["most", "ALL ", "", "All", "al" * 300])
@pytest.mark.parametrize("url", ["/settings/users/{user}", "/settings/users/new"])
def test_an_invalid_value_is_refused_by_its_cell_and_nothing_is_saved(client, signed_in_admin, user, app, url,
                                                                      value):
    data = {**(BASE if "{user}" in url else NEW), "name": "Changed Name", "rights-companies-edit": value}
    response = client.post(url.format(user=user), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    cell = page.split('name="rights-companies-edit"')[1].split("</td>")[0]
    assert "Choose All, Own or None." in cell
    assert page.count("Choose All, Own or None.") == 1
    assert "Changed Name" in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nina@example.com")) is None
        assert db.session.get(User, user).name == "Ulla User"
    assert stored(app, user) == rights.ALL
    assert audit_changes(app, user) == []


def test_unknown_rights_fields_are_ignored(client, signed_in_admin, user, app):
    data = {**BASE, "rights-deals-view": "none", "rights-leads-fly": "most", "rights-leads": "none",
            "rights-leads-view": "own"}
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    expected = deepcopy(rights.ALL)
    expected["leads"]["view"] = "own"
    assert stored(app, user) == expected


@pytest.mark.parametrize("url", ["/settings/users/new", "/settings/users/{user}"])
def test_non_administrators_get_403_and_change_nothing(client, auth, user, app, url):
    auth.login()
    assert client.get(url.format(user=user)).status_code == 403
    data = {**BASE, "rights-leads-view": "none"}
    assert client.post(url.format(user=user), data=data).status_code == 403
    assert stored(app, user) == rights.ALL
    assert audit_changes(app, user) == []


def test_the_user_is_then_limited(client, auth, admin, user, crm_builder):
    deal = crm_builder.deal("Secret deal", responsible=str(admin))
    auth.login()
    assert client.get(f"/leads/{deal}").status_code == 200
    assert "Secret deal" in row_names(client.get("/leads").get_data(as_text=True))
    auth.logout()
    auth.login("ada@example.com")
    data = {**BASE, **cells_of(rights.ALL), "rights-leads-view": "none"}
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    auth.logout()
    auth.login()
    assert client.get(f"/leads/{deal}").status_code == 403
    assert "Secret deal" not in row_names(client.get("/leads").get_data(as_text=True))
