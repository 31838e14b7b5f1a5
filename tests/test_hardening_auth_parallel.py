"""Sign-in hardening under real parallelism: gunicorn worker processes, and PostgreSQL's row locks."""
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from monitor.config import DefaultConfig
from monitor.db import db
from monitor.models import User
from tests.conftest import PASSWORD
from tests.servers import NoRedirect, gunicorn
from tests.test_hardening_auth import CSRF_FIELD, HOME, STRANGER, login, rows

PARALLEL_ATTEMPTS = 30


@pytest.fixture
def app_config(request):
    """The tests marked postgres run the `app` fixture on a fresh PostgreSQL database."""
    if request.node.get_closest_marker("postgres"):
        return {"DATABASE_URL": request.getfixturevalue("postgres_migrated")}
    return {}


# Item 9: 30 parallel wrong passwords across worker processes.

def _login_form(base):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect())
    with opener.open(f"{base}/login", timeout=30) as page:
        return opener, CSRF_FIELD.search(page.read().decode()).group(1)


def _post(opener, url, data):
    try:
        with opener.open(url, data=urllib.parse.urlencode(data).encode(), timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_thirty_parallel_wrong_passwords_check_at_most_the_limit(app, db_path, user):
    # The production hash method: each check takes long enough for the attempts to overlap.
    with app.app_context():
        db.session.execute(update(User).where(User.id == user).values(
            password_hash=generate_password_hash(PASSWORD, method=DefaultConfig.PASSWORD_HASH_METHOD)))
        db.session.commit()
        db.engine.dispose()
    with gunicorn(db_path, workers=4, threads=4) as base:
        forms = [_login_form(base) for _ in range(PARALLEL_ATTEMPTS)]
        gate = threading.Barrier(PARALLEL_ATTEMPTS)
        pages = []

        def attempt(opener, token):
            gate.wait(timeout=30)
            pages.append(_post(opener, f"{base}/login", {
                "email": "ulla@example.com", "password": "guess", "csrf_token": token}))

        threads = [threading.Thread(target=attempt, args=form) for form in forms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    checked = sum("Wrong e-mail or password" in page for _status, page in pages)
    refused = sum("Too many failed sign-ins" in page for _status, page in pages)
    print(f"{PARALLEL_ATTEMPTS} parallel wrong passwords: {checked} checked, {refused} refused unchecked")
    assert {status for status, _page in pages} == {200}
    assert checked + refused == PARALLEL_ATTEMPTS
    assert 1 <= checked <= app.config["LOGIN_MAX_FAILURES"]


# The same statements on PostgreSQL.

@pytest.mark.postgres
def test_on_postgresql_throttles_and_sessions_hold(app, admin, clock, runner):
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert b"Wrong e-mail or password" in login(stranger, "ada@example.com", "guess", address=STRANGER).data
    assert b"Too many failed sign-ins" in login(stranger, "ada@example.com", address=STRANGER).data
    clock.advance(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
    assert b"Wrong e-mail or password" in login(stranger, "ada@example.com", "guess", address=STRANGER).data
    assert b"Too many failed sign-ins" in login(stranger, "ada@example.com", address=STRANGER).data
    assert login(owner, "ada@example.com", address=HOME, remember=True).status_code == 302
    copied = owner.get_cookie("remember_token").value
    owner.post("/logout")
    owner.delete_cookie("session")
    owner.set_cookie("remember_token", copied)
    assert owner.get("/profile").status_code == 302
    clock.advance(days=app.config["LOGIN_KNOWN_ADDRESS_DAYS"] + 1)
    result = runner.invoke(args=["prune"])
    assert "sign-in throttles: 4" in result.output  # the stranger's two, the account's, the known address
    assert rows(app, "login_throttle") == 0
