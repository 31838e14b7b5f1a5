"""Issue 8, items 12-15 and the operations section: database trouble, tripping requests, caching, recovery."""
import logging
import re
import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy.exc
from flask import request
from sqlalchemy import func, select

from monitor import activity, create_app
from monitor.activity import origin
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, OutboxMessage, User
from tests.conftest import make_config
from tests.fixtures_api import Api, assert_problem

locked_fast = pytest.mark.app_config(SQLITE_BUSY_TIMEOUT_MS=50)  # a held lock answers at once
CANNOT_WRITE = "The database cannot be written"


@pytest.fixture
def write_lock(db_path):
    """Call it to make another connection hold the database's write lock until the test ends."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    yield lambda: holder.execute("BEGIN IMMEDIATE")
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def other_app(db_path, tmp_path, clock, url):
    """A second app on `url` (the same instance folder and clock), for databases the test breaks."""
    broken = create_app(make_config(db_path, DATABASE_URL=url, CLOCK=clock))
    broken.instance_path = str(tmp_path / "instance")
    return broken


@pytest.fixture
def read_only(app, db_path, tmp_path, clock):
    """An app on the same file opened read-only. Tests run as root, which file modes do not stop."""
    with app.app_context():
        db.engine.dispose()
    ro = other_app(db_path, tmp_path, clock, f"sqlite:///file:{db_path}?mode=ro&uri=true")
    yield ro
    with ro.app_context():
        db.engine.dispose()


@pytest.fixture
def unopenable(db_path, tmp_path, clock):
    """An app whose database file sits in a folder that does not exist."""
    gone = other_app(db_path, tmp_path, clock, f"sqlite:///{tmp_path / 'missing' / 'tally.sqlite3'}")
    yield gone
    with gone.app_context():
        db.engine.dispose()


def signed_in_copy(source, target_app):
    """A client of `target_app` carrying the session cookie `source` got by signing in."""
    client = target_app.test_client()
    client.set_cookie("session", source.get_cookie("session").value)
    return client


# Item 12: a BEGIN IMMEDIATE that fails is reported as itself.

@locked_fast
def test_locked_database_raises_database_is_locked_from_the_fast_path(app, user, set_limits, write_lock):
    set_limits(card_limit=100)
    write_lock()
    with app.app_context():
        who = db.session.get(User, user)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            activity.charge(who, "web", cards=[("leads", 1)])


@locked_fast
def test_locked_database_is_logged_and_answered_as_locked(client, auth, user, crm_builder, set_limits, write_lock,
                                                          caplog):
    deal = crm_builder.deal("Locked deal")
    set_limits(card_limit=100)
    auth.login()
    write_lock()
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/leads/{deal}")
    assert response.status_code == 503
    page = response.data.decode()
    assert CANNOT_WRITE in page and "locked" in page
    assert "Locked deal" not in page
    assert "database is locked" in caplog.text
    assert "no transaction is active" not in caplog.text


# Item 13: a database the server cannot write is an operator's problem, said as such.

def test_read_only_database_still_shows_the_sign_in_form(read_only):
    response = read_only.test_client().get("/login")
    assert response.status_code == 200 and 'name="password"' in response.data.decode()


def test_read_only_database_refuses_a_sign_in_with_a_503_that_says_why(read_only, user, caplog):
    with caplog.at_level(logging.ERROR):
        response = read_only.test_client().post("/login", data={"email": "ulla@example.com", "password": "wrong-one"})
    assert response.status_code == 503
    page = response.data.decode()
    assert CANNOT_WRITE in page and "read-only" in page
    assert "readonly database" in caplog.text


def test_read_only_database_answers_a_signed_in_card_view_with_503(app, client, auth, user, crm_builder,
                                                                   set_limits, read_only):
    deal = crm_builder.deal("Hidden deal")
    set_limits(card_limit=100)
    auth.login()
    response = signed_in_copy(client, read_only).get(f"/leads/{deal}")
    assert response.status_code == 503
    assert CANNOT_WRITE in response.data.decode() and "Hidden deal" not in response.data.decode()


def test_read_only_database_is_problem_json_503_under_the_api(app, user, make_token, crm_builder, set_limits,
                                                               read_only):
    crm_builder.deal("Api deal")
    token = make_token(user)
    set_limits(list_limit=100)
    response = Api(read_only.test_client(), token).get("leads")
    assert_problem(response, 503, CANNOT_WRITE)


def test_unopenable_database_refuses_a_sign_in_with_a_503(unopenable):
    response = unopenable.test_client().post("/login", data={"email": "ulla@example.com", "password": "whatever"})
    assert response.status_code == 503
    assert CANNOT_WRITE in response.data.decode() and "cannot be opened" in response.data.decode()


def test_an_error_page_that_needs_the_database_falls_back_to_a_bare_503(app, client):
    @app.context_processor
    def reads_the_database():  # as the bell and the signed-in user do on every page
        raise sqlite3.OperationalError("unable to open database file")

    response = client.get("/login")
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.data.decode()
    assert "<h1>503</h1>" in page and CANNOT_WRITE in page and "cannot be opened" in page


OPERATOR_PROBLEMS = [
    ("attempt to write a readonly database", "read-only"),
    ("database or disk is full", "disk is full"),
    ("database is locked", "locked"),
    ("unable to open database file", "cannot be opened"),
]


def _raise_as(kind, message):
    error = sqlite3.OperationalError(message)
    if kind == "sqlalchemy":
        error = sqlalchemy.exc.OperationalError("UPDATE users SET name = ?", ("x",), error)

    def view():
        raise error

    return view


@pytest.mark.parametrize("kind", ["sqlite3", "sqlalchemy"])
@pytest.mark.parametrize(("message", "reason"), OPERATOR_PROBLEMS)
def test_each_operator_problem_is_a_503_page_and_problem_json(app, client, kind, message, reason, caplog):
    app.add_url_rule("/broken", "broken", _raise_as(kind, message))
    app.add_url_rule("/api/v4/broken", "api_broken", _raise_as(kind, message))
    with caplog.at_level(logging.ERROR):
        page = client.get("/broken")
        problem = client.get("/api/v4/broken")
    assert page.status_code == 503
    assert CANNOT_WRITE in page.data.decode() and reason in page.data.decode()
    assert_problem(problem, 503, reason)
    assert message in caplog.text


def test_other_operational_errors_stay_a_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/broken", "broken", _raise_as("sqlalchemy", "no such table: nowhere"))
    response = client.get("/broken")
    assert response.status_code == 500 and CANNOT_WRITE not in response.data.decode()


# Item 14: what the tripping request leaves in the record and the e-mail is bounded.

def test_the_tripping_request_is_kept_as_its_path_only(app, client, auth, user, admin, crm_builder, set_limits,
                                                       smtp_sink):
    deal = crm_builder.deal("Tripwire")
    set_limits(card_limit=1)
    auth.login()
    response = client.get(f"/leads/{deal}?q=<script>alert(1)</script>&x=" + "A" * 2000)
    assert response.status_code == 200
    with app.app_context():
        event = db.session.scalar(select(ActivityEvent).where(ActivityEvent.event == ActivityEvent.DEACTIVATED))
        assert (event.request_line, event.ip) == (f"GET /leads/{deal}", "127.0.0.1")
    [message] = smtp_sink.wait_for(1)
    assert f"Request: GET /leads/{deal}" in message["body"].splitlines()
    assert "<script>" not in message["body"] and "AAAA" not in message["body"]


def test_request_origin_bounds_the_path_and_the_address(app):
    long_path = "/leads/" + "a%0Ab" * 400  # a line break, percent-encoded as the URL had it
    with app.test_request_context(long_path + "?q=x", environ_base={"REMOTE_ADDR": "1" * 500}):
        details = origin.Origin.of(request)
    assert details.request_line.startswith("GET /leads/a%0Ab")
    assert len(details.request_line) == origin.REQUEST_LINE_MAX
    assert "\n" not in details.request_line and "?" not in details.request_line
    assert len(details.address) == origin.IP_MAX


# Item 15: customer data does not stay in caches.

RECORD_URLS = [
    "/leads", "/leads/{lead}", "/contacts", "/contacts/{contact}", "/companies", "/companies/{company}",
    "/customers", "/customers/{customer}", "/contacts-companies", "/leads/pipeline/{pipeline}",
    "/leads/export.csv", "/contacts/export.csv", "/contacts/autocomplete?q=Ma", "/companies/autocomplete?q=No",
    "/leads/new", "/notifications", "/settings/users", "/settings/activity/usage", "/profile",
]
API_URLS = ["leads", "leads/{lead}", "contacts", "companies/{company}", "customers", "account", "users"]


def _fill(url, crm):
    return url.format(lead=crm.leads[0], contact=crm.contacts[0], company=crm.companies[0],
                      customer=crm.customers[0], pipeline=crm.partners_pipeline)


@pytest.mark.parametrize("url", RECORD_URLS)
def test_signed_in_pages_are_not_stored_by_caches(client, auth, crm, url):
    auth.login("ada@example.com")
    response = client.get(_fill(url, crm))
    body = response.get_data()
    response.close()  # exports stream: end the response's request context
    assert response.status_code == 200, body[:300]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", API_URLS)
def test_api_answers_are_not_stored_by_caches(admin_api, crm, url):
    response = admin_api.get(_fill(url, crm))
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Cache-Control"] == "no-store"


def test_api_refusals_are_not_stored_by_caches_either(client):
    response = client.get("/api/v4/leads")
    assert response.status_code == 401 and response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


# GET /healthz: what a monitor polls.

def test_healthz_says_the_database_is_ok_and_no_mail_waits(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "outbox_oldest_waiting_s": 0}
    assert "Set-Cookie" not in response.headers


def test_healthz_says_how_long_the_oldest_unsent_mail_has_waited(app, client, clock):
    now = clock()
    with app.app_context():
        for waited, sent in ((4000, True), (95, False), (20, False)):
            created = now - timedelta(seconds=waited)
            db.session.add(OutboxMessage(recipient="ada@example.com", subject="s", body="b", created_at=created,
                                         next_attempt_at=created, sent_at=created if sent else None))
        db.session.commit()
    assert client.get("/healthz").get_json() == {"database": "ok", "outbox_oldest_waiting_s": 95}


def test_healthz_counts_nothing_and_makes_no_session(app, client, auth, user, set_limits):
    set_limits(card_limit=1, list_limit=1)
    auth.login()
    for _ in range(3):
        response = client.get("/healthz")
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ActivityCount)) == 0
        assert db.session.get(User, user).active


def test_healthz_is_503_on_a_read_only_database(read_only):
    response = read_only.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "attempt to write a readonly database", "outbox_oldest_waiting_s": None}


def test_healthz_is_503_when_the_database_cannot_be_opened(unopenable):
    response = unopenable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unable to open database file"


@locked_fast
def test_healthz_is_503_while_the_database_stays_locked(client, write_lock):
    write_lock()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "database is locked"


# `activate-user --admin`: the shell's way back when nobody is an administrator any more.

def test_activate_user_with_admin_restores_the_administrator_right(runner, app, make_user):
    make_user("Former Admin", "former@example.com", active=False)
    result = runner.invoke(args=["activate-user", "former@example.com", "--admin"])
    assert result.exit_code == 0, result.output
    assert "administrator" in result.output
    with app.app_context():
        former = db.session.scalar(select(User).where(User.email == "former@example.com"))
        assert (former.active, former.is_admin) == (True, True)


def test_activate_user_without_admin_leaves_the_right_alone(runner, app, make_user):
    make_user("Plain", "plain@example.com", active=False)
    assert runner.invoke(args=["activate-user", "plain@example.com"]).exit_code == 0
    with app.app_context():
        plain = db.session.scalar(select(User).where(User.email == "plain@example.com"))
        assert (plain.active, plain.is_admin) == (True, False)


def test_activate_user_help_names_the_admin_option(runner):
    output = runner.invoke(args=["activate-user", "--help"]).output
    assert re.search(r"--admin\s+\S", output)


def test_read_only_database_still_serves_a_signed_in_page_whose_session_is_due_a_seen_mark(
        client, auth, user, read_only, clock, caplog):
    auth.login()
    clock.advance(minutes=5)  # the session's last-seen mark is due: its write cannot happen
    with caplog.at_level(logging.WARNING):
        response = signed_in_copy(client, read_only).get("/profile")
    assert response.status_code == 200 and 'name="pw-current_password"' in response.data.decode()
    assert "readonly database" in caplog.text
