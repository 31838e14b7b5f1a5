"""Shared fixtures: an app on a temporary SQLite file, users, sign-in, a frozen clock, a live server."""
import shutil
import socket
import threading
from datetime import datetime, timedelta

import pytest
from werkzeug.serving import make_server

from monitor import create_app, schema
from monitor.db import db
from monitor.services import pipelines, users

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "correct-horse"
pytest_plugins = ["tests.fixtures_crm", "tests.fixtures_activity", "tests.fixtures_api", "tests.fixtures_postgres"]


class FrozenClock:
    """A clock the tests move by hand; `app.config["CLOCK"]` calls it."""

    def __init__(self, now=datetime(2026, 11, 27, 10, 30, 0)):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)

    def set(self, moment):
        self.now = moment


def make_config(path, **extra):
    """Config of an app under test on the SQLite file at `path`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{path}",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "MAIL_SUPPRESS_SEND": True,
        "OUTBOX_WORKER": False,
        "SERVER_NAME": None,
        **extra,
    }


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory):
    """A database migrated once to the newest schema; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "tally.sqlite3"
    app = create_app(make_config(path))
    with app.app_context():
        schema.upgrade()
        pipelines.ensure_account()
        db.engine.dispose()
    return path


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def db_path(tmp_path, schema_template):
    path = tmp_path / "tally.sqlite3"
    shutil.copy(schema_template, path)
    return path


@pytest.fixture
def app_config():
    """Extra config for the `app` fixture; override in a module to change it."""
    return {}


@pytest.fixture
def app(db_path, clock, app_config, tmp_path):
    app = create_app(make_config(db_path, CLOCK=clock, **app_config))
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user through the service; returns its id."""

    def make(name="User", email=None, password=PASSWORD, admin=False, export=False, active=True):
        email = email or f"{name.lower().replace(' ', '.')}@example.com"
        with app.app_context():
            user = users.create_user(name, email, password, is_admin=admin, can_export=export, active=active)
            return user.id

    return make


@pytest.fixture
def admin(make_user):
    return make_user("Ada Admin", "ada@example.com", admin=True, export=True)


@pytest.fixture
def user(make_user):
    return make_user("Ulla User", "ulla@example.com")


class Auth:
    """Signs in through the real form."""

    def __init__(self, client):
        self.client = client

    def login(self, email="ulla@example.com", password=PASSWORD, remember=False, follow=False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data, follow_redirects=follow)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served by werkzeug in a thread on a free port; yields its base URL."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, started the way this machine needs (root, no network)."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}
