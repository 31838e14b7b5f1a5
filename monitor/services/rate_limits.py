"""Requests per second per API token, counted in the database so every worker process shares them.

Each request upserts its token's row for the current Unix second
(`INSERT ... ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits`) in one write
transaction, so parallel requests in several processes, or on several servers sharing
PostgreSQL, get distinct counts. Rows older than a minute are dropped by the first
request of each second.
"""
from calendar import timegm

from sqlalchemy import Integer, delete, text

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ApiRateCount

KEEP_SECONDS = 60


class RateLimited(Exception):
    """Too many requests this second; `retry_after` is how many seconds to wait."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


# The upsert style of every counter but activity's: one text() statement that SQLite and
# PostgreSQL both run (ON CONFLICT ... RETURNING), through the ORM session in the caller's
# write transaction. Activity counting alone runs on the DB-API connection, for the speed it
# needs on every view (measured in monitor/activity/counting.py).
_COUNT = text(
    "INSERT INTO api_rate_counts (token_id, second, hits) VALUES (:token_id, :second, 1) "
    "ON CONFLICT (token_id, second) DO UPDATE SET hits = api_rate_counts.hits + 1 RETURNING hits"
).columns(hits=Integer())


def count_request(token_id, per_second):
    """Count one request of this token; RateLimited when it is past `per_second` this second."""
    second = timegm(utcnow().utctimetuple())
    with db.immediate() as session:
        hits = session.execute(_COUNT, {"token_id": token_id, "second": second}).scalar_one()
        if hits == 1:
            session.execute(delete(ApiRateCount).where(ApiRateCount.second < second - KEEP_SECONDS))
    if hits > per_second:
        raise RateLimited(retry_after=1)
    return hits
