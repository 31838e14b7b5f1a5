"""Fixtures for the API tests: tokens, a bearer-token client, problem+json checks, a gunicorn server."""
import os
import re

import pytest

from monitor.db import db
from monitor.services import tokens
from tests.servers import flask_cli, gunicorn

HOST = "http://localhost"  # the test client's scheme and host, as the API's links name them
TOKEN_PATTERN = re.compile(r"tly_[A-Za-z0-9_-]{43}")

# For the modules that make more than 7 API calls a second (the limit has tests of its own).
no_api_rate_limit = pytest.mark.app_config(API_RATE_LIMIT=1000)


@pytest.fixture
def make_token(app):
    """Create a token for a user id through the service; returns the secret."""

    def make(user_id, name="Test token", days=30):
        with app.app_context():
            _token, secret = tokens.create_token(user_id, name, days)
            return secret

    return make


class Api:
    """The test client speaking to /api/v4 with a bearer token."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def headers(self, token=None, app_header=None, extra=None):
        headers = dict(extra or {})
        token = token or self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if app_header is not None:
            headers["X-Client-App"] = app_header
        return headers

    def get(self, path, token=None, app_header=None, headers=None, **kwargs):
        return self.client.get(self._url(path), headers=self.headers(token, app_header, headers), **kwargs)

    def post(self, path, json=None, token=None, app_header=None, headers=None, **kwargs):
        return self.client.post(self._url(path), json=json, headers=self.headers(token, app_header, headers), **kwargs)

    def patch(self, path, json=None, token=None, app_header=None, headers=None, **kwargs):
        return self.client.patch(self._url(path), json=json, headers=self.headers(token, app_header, headers), **kwargs)

    @staticmethod
    def _url(path):
        return path if path.startswith("/") else f"/api/v4/{path}"


@pytest.fixture
def api(client, user, make_token):
    """An API client acting as the ordinary user `user`."""
    return Api(client, make_token(user))


@pytest.fixture
def admin_api(client, admin, make_token):
    """An API client acting as the administrator `admin`."""
    return Api(client, make_token(admin))


def assert_problem(response, status, detail_part=None):
    """`response` is problem+json in amoCRM's shape with this status; returns the body."""
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == f"https://httpstatus.es/{status}"
    assert body["title"] and isinstance(body["detail"], str) and body["detail"]
    if detail_part is not None:
        assert detail_part in body["detail"], body["detail"]
    return body


def assert_hal(response):
    """A 200 hal+json answer; returns the body."""
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/hal+json"
    return response.get_json()


def set_user_active(app, user_id, active):
    """Tick or untick a user's Activity directly (what an administrator's edit does)."""
    from monitor.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        user.active = active
        db.session.commit()


@pytest.fixture
def gunicorn_server(tmp_path):
    """`gunicorn -w 2 app:app` on a free port over a temporary SQLite file migrated with `flask init-db`.

    Yields (base_url, token of an ordinary user); the server is stopped in the finalizer.
    """
    env = {
        **os.environ,
        "FLASK_DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}",
        "FLASK_SECRET_KEY": "gunicorn-test-secret",
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    flask_cli(env, "init-db")
    flask_cli(env, "create-user", "rate@example.com", "--name", "Rate", "--password", "long-password")
    token = flask_cli(env, "create-token", "rate@example.com", "--days", "1").stdout.strip()
    with gunicorn(tmp_path / "gunicorn.sqlite3", workers=2) as base_url:
        yield base_url, token


class Crm:
    """Ids of the records the `crm` fixture made."""

    def __init__(self):
        self.companies, self.contacts, self.leads, self.customers = [], [], [], []
        self.partners_pipeline = None


def _make(entity, data, bucket):
    from monitor.services import records

    record = records.create_record(entity, data)
    bucket.append(record.id)
    return record.id


@pytest.fixture
def crm(app, clock, user, admin):
    """A small CRM made through the records service, one record a minute (so newest = highest id).

    2 companies, 3 contacts, 12 deals (1-8 open in "Sales", 9-10 won, 11-12 in "Partners";
    odd ones belong to `user`, even ones to `admin`), 2 customers.
    """
    from monitor.services import pipelines

    made = Crm()
    with app.app_context():
        made.partners_pipeline = pipelines.create_pipeline("Partners", ["Application"]).id
        db.session.commit()
        stages = [(1, 1000)] * 4 + [(1, 1001)] * 4 + [(1, 142)] * 2 + [(made.partners_pipeline, None)] * 2
        nord = _make("companies", {"name": "Nord Trading", "phone": "+7 916 123-45-67", "email": "info@nord.example",
                                   "web": "https://nord.example", "address": "1 Lenina st.", "tags": ["vip"],
                                   "responsible": admin}, made.companies)
        _make("companies", {"name": "Volga Foods", "responsible": user}, made.companies)
        for name, phone, email in (("Maria Smirnova", "+7 903 555-12-12", "maria@nord.example"),
                                   ("Ivan Popov", None, "ivan@mail.example"), ("Olga", None, None)):
            clock.advance(minutes=1)
            _make("contacts", {"name": name, "phone": phone, "email": email, "position": "Buyer" if phone else None,
                               "company": nord, "responsible": user}, made.contacts)
        for number, (pipeline_id, status_id) in enumerate(stages, start=1):
            clock.advance(minutes=1)
            _make("leads", {
                "name": f"Deal {number}", "price": number * 1000, "pipeline": pipeline_id, "status": status_id,
                "responsible": user if number % 2 else admin, "company": nord if number == 1 else None,
                "contacts": made.contacts[:2] if number == 1 else [], "tags": ["web"] if number <= 3 else [],
            }, made.leads)
        for number in (1, 2):
            clock.advance(minutes=1)
            _make("customers", {"name": f"Subscription {number}", "next_price": 5000 * number,
                                "next_date": "2026-12-01", "company": nord, "contacts": made.contacts[:1],
                                "responsible": user}, made.customers)
    clock.advance(minutes=1)
    return made
