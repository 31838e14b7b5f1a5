"""Requests per second per API token, counted in the database so every worker process shares them.

Each request upserts its token's row for the current Unix second
(`INSERT ... ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits`) in one write
transaction, so parallel requests in several processes, or on several servers sharing
PostgreSQL, get distinct counts. Rows older than a minute are dropped by the first
request of each second.
"""
from calendar import timegm

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ApiRateCount

KEEP_SECONDS = 60


class RateLimited(Exception):
    """Too many requests this second; `retry_after` is how many seconds to wait."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _upsert(dialect_name, token_id, second):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(ApiRateCount).values(token_id=token_id, second=second, hits=1)
    return statement.on_conflict_do_update(
        index_elements=[ApiRateCount.token_id, ApiRateCount.second],
        set_={"hits": ApiRateCount.hits + 1},
    ).returning(ApiRateCount.hits)


def count_request(token_id, per_second):
    """Count one request of this token; RateLimited when it is past `per_second` this second."""
    second = timegm(utcnow().utctimetuple())
    with db.immediate() as session:
        hits = session.execute(_upsert(session.get_bind().dialect.name, token_id, second)).scalar_one()
        if hits == 1:
            session.execute(delete(ApiRateCount).where(ApiRateCount.second < second - KEEP_SECONDS))
    if hits > per_second:
        raise RateLimited(retry_after=1)
    return hits
