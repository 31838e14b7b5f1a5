"""CLI commands through Flask's test runner."""
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import Company, Contact, Customer, Deal, Pipeline, Status, Tag, User
from monitor.services import demo


def test_init_db_is_idempotent_and_creates_default_pipeline(runner, app):
    assert "up to date" in runner.invoke(args=["init-db"]).output
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    with app.app_context():
        pipelines = db.session.scalars(select(Pipeline)).all()
        assert len(pipelines) == 1
        ids = [status.id for status in pipelines[0].statuses]
        assert ids[-2:] == [142, 143]


def test_init_db_says_what_it_did(tmp_path):
    """A new database is created, an older one upgraded, a current one left as it is: each says so."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from monitor import create_app, schema
    from tests.conftest import make_config

    script = ScriptDirectory(schema.MIGRATIONS)
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision
    new = create_app(make_config(tmp_path / "new.sqlite3"))
    created = new.test_cli_runner().invoke(args=["init-db"])
    assert created.exit_code == 0, created.output
    assert created.output == f"Database created (schema {head}).\n"
    assert new.test_cli_runner().invoke(args=["init-db"]).output == "Database is up to date.\n"
    older = create_app(make_config(tmp_path / "older.sqlite3"))
    with older.app_context():
        with db.engine.begin() as connection:
            command.upgrade(schema.alembic_config(connection), previous)
        db.engine.dispose()
    upgraded = older.test_cli_runner().invoke(args=["init-db"])
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output == f"Database upgraded to schema {head} (from {previous}).\n"
    with older.app_context():
        assert db.session.scalar(select(func.count(Pipeline.id))) == 1
        db.engine.dispose()
    with new.app_context():
        db.engine.dispose()


def test_create_user_and_its_errors(runner, app):
    result = runner.invoke(args=[
        "create-user", "New@Example.com", "--name", "New", "--password", "secret-pass", "--admin", "--export",
    ])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert user.is_admin and user.can_export and user.active
    duplicate = runner.invoke(args=["create-user", "new@example.com", "--name", "Again", "--password", "secret-pass"])
    assert duplicate.exit_code != 0
    assert "already has this e-mail" in duplicate.output
    short = runner.invoke(args=["create-user", "x@example.com", "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output
    bad = runner.invoke(args=["create-user", "not-an-email", "--name", "X", "--password", "long-enough"])
    assert bad.exit_code != 0 and "valid e-mail" in bad.output


def test_activate_user_ticks_activity_and_rejects_unknown(runner, app, make_user):
    make_user("Gone", "gone@example.com", active=False)
    result = runner.invoke(args=["activate-user", "gone@example.com"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.email == "gone@example.com")) is True
    missing = runner.invoke(args=["activate-user", "nobody@example.com"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_demo_data_creates_exactly_n_deals_deterministically(runner, app, tmp_path):
    result = runner.invoke(args=["demo-data", "--deals", "120"])
    assert result.exit_code == 0, result.output
    assert demo.ADMIN_EMAIL in result.output and demo.ADMIN_PASSWORD in result.output
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count(model.id)))  # noqa: E731
        assert count(Deal) == 120
        assert count(Customer) >= 60
        assert count(Contact) >= 60 and count(Company) >= 20
        assert count(Pipeline) == 2
        assert count(Tag) > 0
        assert count(User) == len(demo.DEMO_USERS)
        won = db.session.scalars(select(Status).where(Status.id == 142)).all()
        assert len(won) == 2
        first_names = db.session.scalars(select(Deal.name).order_by(Deal.id).limit(5)).all()
    again = runner.invoke(args=["demo-data", "--deals", "5"])
    assert again.exit_code != 0 and "already loaded" in again.output
    # Same seed, same data: a second database gets the very same deals.
    from monitor import create_app
    from tests.conftest import make_config

    other = create_app(make_config(tmp_path / "other.sqlite3"))
    with other.app_context():
        from monitor import schema

        schema.upgrade()
        other.test_cli_runner().invoke(args=["demo-data", "--deals", "120"])
        assert db.session.scalars(select(Deal.name).order_by(Deal.id).limit(5)).all() == first_names


def test_demo_data_if_empty_leaves_a_used_database_alone(runner, app, admin):
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0
    assert "no demo data loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Deal.id))) == 0


def test_demo_data_rejects_a_bad_number(runner):
    result = runner.invoke(args=["demo-data", "--deals", "many"])
    assert result.exit_code != 0 and "many" in result.output
    assert runner.invoke(args=["demo-data", "--deals", "-3"]).exit_code != 0


def test_demo_data_offers_its_languages_and_takes_them_in_any_case(runner, app):
    help_text = runner.invoke(args=["demo-data", "--help"]).output
    assert "--lang [en|ru]" in help_text and "default: en" in help_text
    result = runner.invoke(args=["demo-data", "--deals", "3", "--lang", "RU"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Pipeline.name).where(Pipeline.is_main)) == "Воронка продаж"
        assert set(db.session.scalars(select(User.language))) == {"ru"}
