"""The app factory and configuration layering."""
from monitor import create_app
from tests.conftest import make_config


def test_defaults_put_the_database_and_secret_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/tally.sqlite3")
    assert app.config["PLAN"] == "professional"
    assert len(app.config["SECRET_KEY"]) == 64


def test_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    from monitor import _instance_secret_key

    first = _instance_secret_key(str(tmp_path))
    assert (tmp_path / "secret_key").read_text() == first
    assert _instance_secret_key(str(tmp_path)) == first


def test_environment_overrides_defaults_and_test_config_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_PLAN", "base")
    monkeypatch.setenv("FLASK_MAIL_PORT", "2525")
    monkeypatch.setenv("FLASK_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    app = create_app()
    assert app.config["PLAN"] == "base"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/env.sqlite3"
    app = create_app({"PLAN": "advanced"})
    assert app.config["PLAN"] == "advanced"


def test_instance_config_file_sits_between_defaults_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_PLAN", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("PLAN = 'advanced'\nMAIL_SERVER = 'mail.example'\n")
    monkeypatch.setattr("monitor.Flask.auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["PLAN"] == "advanced"
    assert app.config["MAIL_SERVER"] == "mail.example"
    monkeypatch.setenv("FLASK_PLAN", "base")
    assert create_app().config["PLAN"] == "base"


def test_factory_touches_no_database(tmp_path):
    create_app(make_config(tmp_path / "never.sqlite3"))
    assert not (tmp_path / "never.sqlite3").exists()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    from monitor.db import db

    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_immediate_transaction_takes_the_write_lock_at_once(app):
    """A second writer cannot start while an immediate transaction is open."""
    import sqlite3

    from monitor.db import db

    with app.app_context(), db.immediate() as session:
        session.execute(db_text("SELECT 1"))
        other = sqlite3.connect(app.config["DATABASE_URL"][len("sqlite:///"):], timeout=0.1)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
        else:
            raise AssertionError("the write lock was not held")
        finally:
            other.close()


def db_text(sql):
    from sqlalchemy import text

    return text(sql)


def test_security_headers_forbid_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_405_keeps_the_allow_header_in_html_and_problem_json(client):
    page = client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]
    api = client.delete("/api/v4/leads")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]
    assert api.mimetype == "application/problem+json" and api.json["status"] == 405


def test_api_401_names_the_bearer_scheme(client):
    response = client.get("/api/v4/account")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
