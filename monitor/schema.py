"""Creating and upgrading the schema with Alembic."""
import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from monitor.db import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def alembic_config(connection):
    """An Alembic config that runs on this connection."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def upgrade():
    """Bring the schema to the newest revision; a no-op when it is already there.

    Gives (revision before, revision after): None before for a new database, the same twice when nothing changed.
    """
    with db.engine.begin() as connection:
        before = current_revision(connection)
        command.upgrade(alembic_config(connection), "head")
        return before, current_revision(connection)


def current_revision(connection):
    """The schema revision the database on `connection` is at; None when it has none (a new database)."""
    return MigrationContext.configure(connection).get_current_revision()


def autogenerate(message):
    """Write a new migration from the models' difference to the database (for developers)."""
    with db.engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
