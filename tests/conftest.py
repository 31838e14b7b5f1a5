"""Shared fixtures: an app on a temporary database (SQLite, or PostgreSQL where a test asks), users, sign-in,
a frozen clock, a live server, the demo data."""
import re
import shutil
import socket
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from werkzeug.serving import make_server

from monitor import create_app, schema
from monitor.db import db
from monitor.models import User
from monitor.services import pipelines, users
from monitor.services.records import rights as record_rights

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent  # the project: where `flask --app app` and gunicorn run
VENV_BIN = Path(sys.executable).parent  # flask, gunicorn, pybabel
PASSWORD = "correct-horse"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HOME, STRANGER = "198.51.100.20", "203.0.113.7"  # an account owner's usual address, and someone else's
DEMO_DEALS = 120
DEMO_ADMINS = ["admin@tally.example", "dmitry@tally.example"]  # the demo data's active administrators
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
def app_config(request):
    """Extra config for the `app` fixture from `app_config` markers: the test's own over its module's."""
    config = {}
    for marker in reversed(list(request.node.iter_markers("app_config"))):
        config.update(marker.kwargs)
    return config


@pytest.fixture
def backend(request):
    """The database the `app` fixture runs on: "sqlite", or what the test is parametrised with."""
    return getattr(request, "param", "sqlite")


# The same scenario on both databases: once on SQLite, once on PostgreSQL (skipped without its server binaries).
both_backends = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def database_url(request, backend, db_path):
    """The test's database: a copy of the migrated SQLite template, or a fresh migrated PostgreSQL database."""
    if backend == "postgresql":
        return request.getfixturevalue("postgres_migrated")
    return f"sqlite:///{db_path}"


@pytest.fixture
def app(database_url, db_path, clock, app_config, tmp_path):
    app = create_app(make_config(db_path, CLOCK=clock, DATABASE_URL=database_url, **app_config))
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
    """Create a user through the service; returns its id.

    Users of tests that are not about rights per entity have all of them (`rights`: a dict as
    services.records.rights keeps them; tests of rights pass their own).
    """

    def make(name="User", email=None, password=PASSWORD, admin=False, export=False, active=True, rights=None):
        email = email or f"{name.lower().replace(' ', '.')}@example.com"
        with app.app_context():
            user = users.create_user(name, email, password, is_admin=admin, can_export=export, active=active,
                                     rights=record_rights.ALL if rights is None else rights)
            return user.id

    return make


@pytest.fixture
def admin(make_user):
    return make_user("Ada Admin", "ada@example.com", admin=True, export=True)


@pytest.fixture
def user(make_user):
    return make_user("Ulla User", "ulla@example.com")


def user_id_of(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def row_count(app, table):
    with app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (a fixed table name)


@contextmanager
def recorded_statements(app):
    """Collects the SQL statements the app's engine runs inside the block (into the list it yields)."""
    engine, statements = app.extensions["tally_db"][0], []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sign_in(client, email="ulla@example.com", password=PASSWORD, remember=False, csrf_token=None, address=None,
            headers=None):
    """Post the sign-in form, from `address` (REMOTE_ADDR) when given; returns the response."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    if csrf_token is not None:
        data["csrf_token"] = csrf_token
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/login", data=data, environ_base=environ, headers=headers or {})


def csrf_token_of(page):
    """The CSRF token of the (first) form on a page: a response or its text."""
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return CSRF_FIELD.search(text).group(1)


class Auth:
    """Signs in through the real form."""

    def __init__(self, client):
        self.client = client

    def login(self, email="ulla@example.com", password=PASSWORD, remember=False):
        return sign_in(self.client, email, password, remember=remember)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def signed_in(client, auth, user):
    """The test client signed in as the ordinary user (no export right); returns the user's id."""
    auth.login()
    return user


@pytest.fixture
def signed_in_admin(client, auth, admin):
    """The test client signed in as the administrator; returns their id."""
    auth.login("ada@example.com")
    return admin


@pytest.fixture
def exporter(client, auth, make_user):
    """The test client signed in as a user with the export right; returns the user's id."""
    user_id = make_user("Ellie Export", "ellie@example.com", export=True)
    auth.login("ellie@example.com")
    return user_id


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


@pytest.fixture
def demo_data(app):
    """`flask demo-data --deals 120`: the demo administrators, Anna, Boris and Clara (who may export), and so on."""
    result = app.test_cli_runner().invoke(args=["demo-data", "--deals", str(DEMO_DEALS)])
    assert result.exit_code == 0, (result.output, result.exception)


@pytest.fixture
def demo_server(demo_data, live_server):
    """The live server over the demo data: its base URL."""
    return live_server


def sign_in_browser(page, base, email, password):
    """Sign in through the form in Chromium (Playwright's `page`)."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, started the way this machine needs (root, no network)."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def csp_errors(page):
    """Console messages about the content security policy (there must be none)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text
            else None)
    return errors
