"""Creating and upgrading the schema with Alembic."""
import os

from alembic import command
from alembic.config import Config

from monitor.db import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def alembic_config(connection):
    """An Alembic config that runs on this connection."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def upgrade():
    """Bring the schema to the newest revision; a no-op when it is already there."""
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def autogenerate(message):
    """Write a new migration from the models' difference to the database (for developers)."""
    with db.engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
