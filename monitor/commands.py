"""The `flask` CLI: schema, users, demo data."""
import sys
from functools import partial

import click
from flask.cli import with_appcontext

from monitor import schema
from monitor.services import demo, pipelines, users
from monitor.services.demo_words import LANGUAGES
from monitor.services.errors import ValidationError


def init_app(app):
    """Register every command."""
    for command in (init_db, create_user, activate_user, demo_data, send_outbox, prune, create_token, db_revision,
                    backup, restore):
        app.cli.add_command(command)


def _fail(errors):
    raise click.ClickException("; ".join(f"{field}: {message}" for field, message in errors.items()))


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the schema (idempotent); a new database gets the account and a pipeline."""
    before, after = schema.upgrade()
    pipelines.ensure_account()
    if before is None:
        click.echo(f"Database created (schema {after}).")
    elif before != after:
        click.echo(f"Database upgraded to schema {after} (from {before}).")
    else:
        click.echo("Database is up to date.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The user's name.")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--export", "can_export", is_flag=True, help="Allow exporting lists.")
@with_appcontext
def create_user(email, name, password, admin, can_export):
    """Create a user."""
    try:
        user = users.create_user(name, email, password, is_admin=admin, can_export=can_export)
    except ValidationError as invalid:
        _fail(invalid.errors)
    click.echo(f"Created user {user.email} (id {user.id}{', administrator' if admin else ''}).")


@click.command("activate-user")
@click.argument("email")
@click.option("--admin", "make_admin", is_flag=True,
              help="Also make the user an administrator (when no one is one any more).")
@with_appcontext
def activate_user(email, make_admin):
    """Tick Activity for a user: the recovery path when no administrator can sign in."""
    from monitor.activity import reactivate_user

    user = users.find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the e-mail {email}.")
    reactivate_user(user, by=None, make_admin=make_admin)
    click.echo(f"Activated {user.email}{' as an administrator' if make_admin else ''}.")


@click.command("demo-data")
@click.option("--deals", default=demo.DEFAULT_DEALS, show_default=True,
              type=click.IntRange(0, 10_000_000), help="How many deals to create.")
@click.option("--if-empty", is_flag=True, help="Only load demo data into a database without users.")
@click.option("--lang", "language", default=demo.DEFAULT_LANGUAGE, show_default=True,
              type=click.Choice(sorted(LANGUAGES), case_sensitive=False),
              help="The language of the names, pipelines, statuses and tags, and of the demo users' interface.")
@with_appcontext
def demo_data(deals, if_empty, language):
    """Load deterministic demo data: users, two pipelines, deals, contacts, companies, customers, notes, tasks."""
    if if_empty and not demo.database_is_empty():
        click.echo("The database already has users; no demo data loaded.")
    else:
        # On a terminal one bar over the rows; in a log (CI, tests) a few plain lines.
        bar = partial(click.progressbar, label="Loading demo data") if sys.stdout.isatty() else None
        demo.load(deals, progress=click.echo, language=language, bar=bar)
    click.echo(f"Demo administrator: {demo.ADMIN_EMAIL} / password: {demo.ADMIN_PASSWORD}")


@click.command("db-revision")
@click.argument("message")
@with_appcontext
def db_revision(message):
    """Write a new migration from the models (for developers)."""
    schema.autogenerate(message)


@click.command("send-outbox")
@with_appcontext
def send_outbox():
    """Send the e-mail that is due now (it is also retried on its own while the server runs)."""
    from monitor.activity import outbox

    sent, failed = outbox.send_due()
    # A failure is not lost mail: it stays in the outbox, so the command itself succeeds.
    click.echo(f"Sent {sent} e-mail(s); {failed} failed and will be retried.")


@click.command("prune")
@with_appcontext
def prune():
    """Drop monitoring rows that are no longer needed (also done automatically)."""
    from monitor.activity.housekeeping import prune as prune_rows

    removed = prune_rows()
    click.echo(", ".join(f"{name}: {count}" for name, count in removed.items()))


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="Command line", show_default=True, help="A name to recognise the token by.")
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650), help="Days until it expires.")
@with_appcontext
def create_token(email, name, days):
    """Print a new long-lived API token for a user (shown only this once)."""
    from monitor.services import tokens

    user = users.find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the e-mail {email}.")
    try:
        token, secret = tokens.create_token(user.id, name, days)
    except ValidationError as invalid:
        _fail(invalid.errors)
    click.echo(f"API token {token.name!r} for {user.email}, valid until {token.expires_at:%Y-%m-%d}:", err=True)
    click.echo(secret)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup(path, force):
    """Copy the SQLite database to PATH while servers run, and check the copy (PostgreSQL: use pg_dump)."""
    from monitor.ops.backup import BackupError
    from monitor.ops.backup import backup as back_up

    try:
        summary = back_up(path, force=force)
    except BackupError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Wrote {summary.describe()}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def restore(path):
    """Replace the database with the backup at PATH, then upgrade its schema (PostgreSQL: use pg_restore).

    Stop the servers first: the database is replaced under them. The file must pass PRAGMA
    integrity_check and be a Tally database, or nothing is changed.
    """
    from monitor.ops.backup import BackupError
    from monitor.ops.backup import restore as put_back

    try:
        summary, revision = put_back(path)
    except BackupError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Restored {summary.describe()}; the database is now at schema {revision}.")
