"""Sign-in hardening under real parallelism: gunicorn worker processes, and PostgreSQL's row locks."""
import http.cookiejar
import sqlite3
import threading
import time
from functools import partial

import pytest
from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from monitor.config import DefaultConfig
from monitor.db import db
from monitor.models import User
from monitor.services import users
from monitor.services.errors import ValidationError
from tests.conftest import HOME, PASSWORD, STRANGER, row_count, sign_in
from tests.fixtures_postgres import behind_admin_row_locks
from tests.servers import fetch, form_token, gunicorn, signed_in_jar

PARALLEL_ATTEMPTS = 30
DEMOTION_ROUNDS = 4

on_postgresql = pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                                        indirect=True)


# Item 9: 30 parallel wrong passwords across worker processes.

@pytest.mark.slow
def test_thirty_parallel_wrong_passwords_check_at_most_the_limit(app, db_path, user):
    # The production hash method: each check takes long enough for the attempts to overlap.
    with app.app_context():
        db.session.execute(update(User).where(User.id == user).values(
            password_hash=generate_password_hash(PASSWORD, method=DefaultConfig.PASSWORD_HASH_METHOD)))
        db.session.commit()
        db.engine.dispose()
    with gunicorn(db_path, workers=4, threads=4) as base:
        jars = [http.cookiejar.CookieJar() for _ in range(PARALLEL_ATTEMPTS)]
        forms = [(jar, form_token(jar, f"{base}/login")) for jar in jars]
        gate = threading.Barrier(PARALLEL_ATTEMPTS)
        pages = []

        def attempt(jar, token):
            gate.wait(timeout=30)
            pages.append(fetch(jar, f"{base}/login", {
                "email": "ulla@example.com", "password": "guess", "csrf_token": token}))

        threads = [threading.Thread(target=attempt, args=form) for form in forms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    checked = sum("Wrong e-mail or password" in page.body for page in pages)
    refused = sum("Too many failed sign-ins" in page.body for page in pages)
    print(f"{PARALLEL_ATTEMPTS} parallel wrong passwords: {checked} checked, {refused} refused unchecked")
    assert {page.status for page in pages} == {200}
    assert checked + refused == PARALLEL_ATTEMPTS
    assert 1 <= checked <= app.config["LOGIN_MAX_FAILURES"]


# Item 10: the last active administrator stays, even when two demote each other at once.

def _demote_each_other(base, db_path, forms, people, field):
    """Both edits posted while the test holds SQLite's write lock; their (status, page) by target."""
    outcomes = {}

    def demote(other, jar, token):
        data = {"name": "Demoted", "email": people[other], "password": "", "is_admin": "y", "is_active": "y",
                "csrf_token": token}
        del data[field]
        outcomes[other] = fetch(jar, f"{base}/settings/users/{other}", data)

    # Both saves pass every check of their request before either may write: the rule must
    # hold inside the write transaction.
    holder = sqlite3.connect(db_path, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    threads = [threading.Thread(target=demote, args=(other, *form)) for other, form in forms.items()]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    holder.rollback()
    holder.close()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.slow
def test_two_administrators_demoting_each_other_at_once_leave_one(app, db_path, make_user):
    people = {make_user("First Admin", "first@example.com", admin=True): "first@example.com",
              make_user("Second Admin", "second@example.com", admin=True): "second@example.com"}
    first, second = people
    with gunicorn(db_path, workers=4) as base:
        for round_number in range(DEMOTION_ROUNDS):
            field = ("is_admin", "is_active")[round_number % 2]
            with app.app_context():
                db.session.execute(update(User).where(User.id.in_(people)).values(is_admin=True, active=True))
                db.session.commit()
            jars = {other: signed_in_jar(base, people[acting], PASSWORD)
                    for acting, other in ((first, second), (second, first))}
            forms = {other: (jar, form_token(jar, f"{base}/settings/users/{other}")) for other, jar in jars.items()}
            outcomes = _demote_each_other(base, db_path, forms, people, field)
            with app.app_context():
                admins = db.session.scalar(select(func.count(User.id)).where(
                    User.is_admin.is_(True), User.active.is_(True)))
            assert admins == 1, (round_number, field)
            assert sorted(reply.status for reply in outcomes.values()) == [200, 302], outcomes
            [refused_page] = [reply.body for reply in outcomes.values() if reply.status == 200]
            block = refused_page.split(f'id="{field}"')[1].split("</div>\n  </div>")[0]
            assert "last active administrator" in block


# The same statements on PostgreSQL.

@on_postgresql
def test_on_postgresql_throttles_and_sessions_hold(app, admin, clock, runner):
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert b"Wrong e-mail or password" in sign_in(stranger, "ada@example.com", "guess", address=STRANGER).data
    assert b"Too many failed sign-ins" in sign_in(stranger, "ada@example.com", address=STRANGER).data
    clock.advance(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
    assert b"Wrong e-mail or password" in sign_in(stranger, "ada@example.com", "guess", address=STRANGER).data
    assert b"Too many failed sign-ins" in sign_in(stranger, "ada@example.com", address=STRANGER).data
    assert sign_in(owner, "ada@example.com", address=HOME, remember=True).status_code == 302
    copied = owner.get_cookie("remember_token").value
    owner.post("/logout")
    owner.delete_cookie("session")
    owner.set_cookie("remember_token", copied)
    assert owner.get("/profile").status_code == 302
    clock.advance(days=app.config["LOGIN_KNOWN_ADDRESS_DAYS"] + 1)
    result = runner.invoke(args=["prune"])
    assert "sign-in throttles: 4" in result.output  # the stranger's two, the account's, the known address
    assert row_count(app, "login_throttle") == 0


@on_postgresql
def test_on_postgresql_two_administrators_demoting_each_other_leave_one(app, make_user, database_url):
    first = make_user("First Admin", "first@example.com", admin=True)
    second = make_user("Second Admin", "second@example.com", admin=True)
    outcomes = {}

    def demote(acting_id, target_id):
        with app.app_context():
            acting, target = users.get_user(acting_id), users.get_user(target_id)
            try:
                users.update_user(target, target.name, target.email, "", False, False, True, acting_user=acting)
            except ValidationError as refused:
                outcomes[target_id] = {field: str(message) for field, message in refused.errors.items()}
            else:
                outcomes[target_id] = "saved"

    behind_admin_row_locks(database_url, partial(demote, first, second), partial(demote, second, first))
    assert sorted(outcomes.values(), key=str) == [
        "saved", {"is_admin": "This is the last active administrator: at least one must remain."}]
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True), User.active.is_(True))) == 1
