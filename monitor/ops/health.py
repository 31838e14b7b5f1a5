"""What /healthz reports: whether the database answers (and takes writes), and how long mail has waited."""
import logging

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import OutboxMessage

log = logging.getLogger(__name__)

# A write that changes nothing: a read-only database (or replica) refuses it where a read would pass.
# It waits for the write lock as a request's write would, so "locked" here means locked for requests too.
WRITE_PROBE = text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")
OLDEST_UNSENT = select(func.min(OutboxMessage.created_at)).where(OutboxMessage.sent_at.is_(None))


def check():
    """(healthy, report); the report is {"database": "ok" or the error, "outbox_oldest_waiting_s": n}."""
    try:
        with db.engine.connect() as connection:  # closed without a commit: the probe is rolled back
            connection.execute(WRITE_PROBE)
            oldest = connection.scalar(OLDEST_UNSENT)
    except SQLAlchemyError as error:
        log.warning("healthz: the database does not answer: %s", error)
        return False, {"database": describe(error), "outbox_oldest_waiting_s": None}
    waited = 0 if oldest is None else max(0, int((utcnow() - oldest).total_seconds()))
    return True, {"database": "ok", "outbox_oldest_waiting_s": waited}


def describe(error):
    """The driver's own words (not the statement or its values), one line."""
    message = str(getattr(error, "orig", None) or error).strip()
    return (message.splitlines() or [type(error).__name__])[0][:200]
