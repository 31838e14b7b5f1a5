"""Keeping the monitoring tables bounded: `flask prune`, and the background worker."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from monitor.activity.recording import quarter_of
from monitor.activity.settings import get_settings
from monitor.activity.windows import window_start
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import (
    ActivityAlert,
    ActivityCount,
    ActivityListView,
    ActivityMark,
    ActivityQuarter,
    CardView,
    OutboxMessage,
)
from monitor.services import signin

KEEP_COUNTS_DAYS = 30
KEEP_SENT_MAIL_DAYS = 30


def prune():
    """Drop card views of past windows, old counts, alerts, history and sent mail, stale sign-in rows.

    Sign-in counters and sessions go by the rules in monitor/services/signin.py.

    Returns how many rows went, per table.
    """
    settings = get_settings()
    now = utcnow()
    # Card views matter only in the live window; keep the last hour's too in case the
    # period was just switched from day to hour and back.
    card_cutoff = min(window_start(now, settings.card_period, settings.timezone), now - timedelta(hours=1))
    old = now - timedelta(days=KEEP_COUNTS_DAYS)
    history_from = quarter_of(now - timedelta(days=current_app.config["ACTIVITY_HISTORY_DAYS"]))
    statements = {
        "card views": delete(CardView).where(CardView.window_start < card_cutoff),
        "counts": delete(ActivityCount).where(ActivityCount.window_start < old),
        "alerts": delete(ActivityAlert).where(ActivityAlert.window_start < old),
        "history (quarter hours)": delete(ActivityQuarter).where(ActivityQuarter.quarter < history_from),
        "history (cards)": delete(ActivityMark).where(ActivityMark.quarter < history_from),
        "history (lists)": delete(ActivityListView).where(ActivityListView.quarter < history_from),
        "sent e-mail": delete(OutboxMessage).where(
            OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < now - timedelta(days=KEEP_SENT_MAIL_DAYS)),
        "sign-in throttles": signin.stale_throttles(now),
        "sessions": signin.stale_sessions(now),
    }
    removed = {}
    with db.immediate() as session:
        for name, statement in statements.items():
            removed[name] = session.execute(statement).rowcount
    return removed
