"""Issue 15 (1, 2): every refusal by activity monitoring and the sign-in page after it tell one story (which
limit, what to do, whom to ask); /login keeps one place for errors and switches language before signing in."""
import re

import pytest

from tests.conftest import sign_in
from tests.fixtures_activity import is_active

WHOM = "To get back in, ask an administrator to reactivate your account: Ada Admin (ada@example.com)."
SAFE = "Your data is safe: nothing was deleted or changed."


@pytest.fixture
def five_deals(crm_builder):
    return [crm_builder.deal(f"Deal {n}") for n in range(1, 6)]


def text_of(response):
    """A page's words: tags dropped, spaces squeezed (an address in a mailto link reads as in plain text)."""
    words = " ".join(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)).split())
    return words.replace("&#39;", "'")


def alerts(response):
    """The page's error places (role="alert")."""
    return re.findall(r'role="alert"', response.get_data(as_text=True))


def login_page_after(client, response):
    """The next click after the session ended leads to /login: that page."""
    assert response.status_code == 302 and "/login" in response.location
    return client.get(response.location)


def assert_explains(words, *sentences):
    for sentence in (*sentences, SAFE, WHOM):
        assert sentence in words
    assert "Please sign in to open this page" not in words


LIST_WHY = ("Your account was deactivated by activity monitoring (list elements: 3 per day).",
            "One person may see at most 3 list elements a day, and you reached that number.")
CARD_WHY = ("Your account was deactivated by activity monitoring (card views: 2 per day).",
            "One person may open at most 2 cards a day, and you reached that number.")


def test_a_list_refusal_and_the_sign_in_page_after_it_say_the_same(app, client, admin, user, five_deals, set_limits):
    set_limits(list_limit=3)
    sign_in(client)
    refused = client.get("/leads")
    assert refused.status_code == 403
    assert_explains(text_of(refused), *LIST_WHY)
    assert 'href="mailto:ada@example.com"' in refused.get_data(as_text=True)
    login = login_page_after(client, client.get("/leads"))
    assert_explains(text_of(login), *LIST_WHY)
    assert len(alerts(login)) == 1 and 'id="login-error"' in login.get_data(as_text=True)
    assert not is_active(app, user)


def test_a_card_limit_reached_then_the_next_click_says_the_same(app, client, admin, user, five_deals, set_limits):
    set_limits(card_limit=2)
    sign_in(client)
    for deal in five_deals[:2]:
        assert client.get(f"/leads/{deal}").status_code == 200  # the second reaches the limit: served
    login = login_page_after(client, client.get(f"/leads/{five_deals[2]}"))
    assert_explains(text_of(login), *CARD_WHY)
    assert len(alerts(login)) == 1
    assert_explains(text_of(client.get("/login")), *CARD_WHY)  # until someone signs in, or they are let back


def test_a_refused_card_says_the_same_on_its_page_and_on_the_sign_in_page(
        app, client, admin, user, five_deals, set_limits):
    sign_in(client)
    for deal in five_deals[:2]:
        client.get(f"/leads/{deal}")
    set_limits(card_limit=2)  # lowered under what was seen: the next card passes it and is refused
    refused = client.get(f"/leads/{five_deals[2]}")
    assert refused.status_code == 403 and "Deal 3" not in text_of(refused)
    assert_explains(text_of(refused), *CARD_WHY)
    assert_explains(text_of(login_page_after(client, client.get("/"))), *CARD_WHY)


def test_the_picker_refused_answers_json_with_the_same_words(app, client, admin, user, five_deals, set_limits):
    set_limits(list_limit=3)
    sign_in(client)
    refused = client.get("/leads/autocomplete?q=Deal", headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert_explains(refused.get_json()["detail"], *LIST_WHY)
    assert_explains(text_of(login_page_after(client, client.get("/leads"))), *LIST_WHY)


def test_the_note_ends_when_the_user_is_let_back_in(app, client, admin, user, five_deals, set_limits, in_app):
    from monitor import activity
    from monitor.db import db
    from monitor.models import User

    set_limits(list_limit=3)
    sign_in(client)
    client.get("/leads")
    in_app(lambda: activity.reactivate_user(db.session.get(User, user), db.session.get(User, admin)))
    login = client.get("/login")
    assert "deactivated" not in text_of(login) and not alerts(login)
    assert sign_in(client).status_code == 302


def test_a_sign_out_says_nothing_about_deactivation(client, auth, user):
    auth.login()
    auth.logout()
    assert not alerts(client.get("/login"))


def test_a_wrong_password_and_a_deactivated_account_use_the_same_one_place(
        app, client, admin, user, five_deals, set_limits):
    wrong = sign_in(client, password="wrong-password")
    assert len(alerts(wrong)) == 1
    assert re.search(r'id="login-error">Wrong e-mail or password\.<', wrong.get_data(as_text=True))
    set_limits(list_limit=3)
    sign_in(client)
    client.get("/leads")
    again = sign_in(client)
    assert again.status_code == 200 and len(alerts(again)) == 1
    assert re.search(r'id="login-error">Your account was deactivated', again.get_data(as_text=True))


def test_the_sign_in_page_switches_language_before_signing_in(client, user):
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    switched = client.get("/login?lang=ru&next=/leads")
    assert switched.status_code == 302 and switched.location.endswith("/login?next=/leads")
    page = client.get(switched.location).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Войти" in page and 'lang="ru" hreflang="ru" aria-current="true"' in page
    assert "Неверный e-mail или пароль." in sign_in(client, password="wrong").get_data(as_text=True)
    assert '<html lang="en">' in client.get(client.get("/login?lang=en").location).get_data(as_text=True)


@pytest.mark.parametrize("value", ["xx", "", "ru\r\nX", "../en"])
def test_an_unknown_language_is_ignored(client, value):
    switched = client.get("/login", query_string={"lang": value})
    assert switched.status_code == 302
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_next_stays_local_through_the_switch(client):
    switched = client.get("/login?lang=ru&next=//evil.example/")
    assert switched.status_code == 302 and "evil" not in switched.location
