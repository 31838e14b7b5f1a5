"""Plain words (SPEC §9): a refusal and a refused sign-in speak to the user and name the administrators to
ask; the usage bar is red at the limit and says "over the limit" in notify-only mode."""
import re

import pytest
from flask import render_template_string
from sqlalchemy import update

from monitor.activity import wording
from monitor.activity.usage import Meter
from monitor.db import db
from monitor.models import User
from tests.conftest import sign_in
from tests.fixtures_activity import charge, is_active
from tests.fixtures_api import Api, assert_problem

ADMINISTRATORS = ("Ada Admin", "ada@example.com", "Bob Boss", "bob@example.com")


@pytest.fixture
def team(app, admin, user, make_user):
    """Ada and Bob are active administrators, Zed a deactivated one; Ulla is the ordinary user."""
    make_user("Bob Boss", "bob@example.com", admin=True)
    make_user("Zed Former", "zed@example.com", admin=True, active=False)
    return user


@pytest.fixture
def five_deals(crm_builder):
    return [crm_builder.deal(f"Deal {n}") for n in range(1, 6)]


def text_of(response):
    """A page's words: tags dropped, spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def assert_names_the_administrators(words):
    for part in ADMINISTRATORS:
        assert part in words
    assert "Zed Former" not in words and "zed@example.com" not in words  # not active: cannot help
    assert "tick" not in words.lower()


def test_the_refusal_page_says_what_happened_and_whom_to_ask(app, client, team, five_deals, set_limits):
    set_limits(list_limit=3)
    sign_in(client)
    refused = client.get("/leads")
    assert refused.status_code == 403
    words = text_of(refused)
    assert "Your account has been deactivated" in words
    assert "One person may see at most 3 list elements a day, and you reached that number." in words
    assert "Deactivated by activity monitoring: list elements, 3 per day" in words  # the limit, named
    assert "Your data is safe: nothing was deleted or changed." in words
    assert_names_the_administrators(words)
    assert 'href="mailto:ada@example.com"' in refused.get_data(as_text=True)
    assert "Deal 1" not in words
    assert not is_active(app, team)


def test_a_refused_sign_in_names_the_limit_and_the_administrators(app, client, team, five_deals, set_limits):
    set_limits(card_limit=2, card_period="hour")
    charge(app, team, cards=[("leads", 1), ("leads", 2)])  # reaching the limit exactly deactivates
    again = sign_in(client)
    assert again.status_code == 200
    words = text_of(again)
    assert "Your account was deactivated by activity monitoring (card views: 2 per hour)." in words
    assert "One person may open at most 2 cards an hour, and you reached that number." in words
    assert "Your data is safe" in words
    assert "ask an administrator to reactivate your account: Ada Admin (ada@example.com), Bob Boss" in words
    assert_names_the_administrators(words)
    assert client.get("/").status_code == 302  # no session was made


def test_an_open_session_ended_by_monitoring_is_told_whom_to_ask(app, client, team, five_deals, set_limits):
    set_limits(card_limit=1)
    sign_in(client)
    assert client.get(f"/leads/{five_deals[0]}").status_code == 200  # served, and the account deactivated
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    words = text_of(client.get(response.location))
    assert "card views: 1 per day" in words
    assert_names_the_administrators(words)


def test_an_open_session_ended_by_an_administrator_is_told_whom_to_ask(app, client, team):
    sign_in(client)
    with app.app_context():
        db.session.execute(update(User).where(User.id == team).values(active=False))
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    words = text_of(client.get(response.location))
    assert "Your account has been deactivated by an administrator." in words
    assert_names_the_administrators(words)


def test_the_api_refusal_names_whom_to_ask(app, client, team, five_deals, set_limits, make_token):
    set_limits(list_limit=3)
    refused = Api(client, make_token(team)).get("leads")
    body = assert_problem(refused, 403, "Deactivated by activity monitoring: list elements, 3 per day")
    assert "Ada Admin (ada@example.com), Bob Boss (bob@example.com)" in body["detail"]
    assert "tick" not in body["detail"].lower()


def test_with_no_active_administrator_the_words_still_say_whom_to_ask(app):
    with app.app_context():
        assert wording.administrators_in_words([]) == "the person who runs Tally CRM for your team"


USAGE_BAR = '{% from "_macros/usage.html" import usage_bar %}{{ usage_bar(meter, action) }}'


def bar(app, total, limit, action=None):
    meter = Meter(total=total, limit=limit)
    with app.test_request_context():
        return " ".join(render_template_string(USAGE_BAR, meter=meter, action=action).split())


@pytest.mark.parametrize("total,limit,red,over", [
    (99, 100, False, False), (100, 100, True, False), (130, 100, True, True), (5, None, False, False)])
def test_the_usage_bar_is_red_at_the_limit(app, total, limit, red, over):
    html = bar(app, total, limit)
    assert ('class="usage at-limit' in html) is red
    assert ("over the limit" in html) is over


def test_the_usage_bar_says_over_the_limit_in_notify_mode(app):
    html = bar(app, 130, 100, action="notify")
    assert 'class="usage at-limit over-limit"' in html
    assert "130 / 100 over the limit (notify-only: nothing refused)" in " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "over the limit" not in bar(app, 100, 100, action="notify")


def test_the_usage_page_marks_a_user_over_the_limit(app, client, signed_in_admin, user, set_limits):
    set_limits(list_limit=10, action="notify")
    charge(app, user, elements=12)
    page = client.get("/settings/activity/usage").get_data(as_text=True)
    row = re.search(r'<tr[^>]*data-user="ulla@example.com".*?</tr>', page, re.S).group(0)
    assert 'class="usage at-limit over-limit"' in row and "over the limit" in row
