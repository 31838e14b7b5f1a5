"""The one source of "now", so tests can inject a frozen clock (config CLOCK)."""
from datetime import UTC, datetime

from flask import current_app, has_app_context


def utcnow():
    """Current time as a naive UTC datetime (how the database stores times)."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    moment = clock() if clock else datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
