"""Request rate limits kept in the database, so that every process that opens it counts alike.

One row per API key (table ``rate_limits``, revision 0009): ``full_at``, the moment in
microseconds since the epoch at which the key's token bucket is full again (a key without a
row, or whose ``full_at`` has passed, has a full bucket). This is the token bucket of
:class:`matchmaker.service.limits.RateLimiter` kept in one number (GCRA, the generic cell rate
algorithm): with ``step`` the time one token takes to come back and ``burst`` the time the
whole bucket takes, a request at ``now`` takes a token when

    max(full_at, now) + step - now <= burst

and then ``full_at`` becomes ``max(full_at, now) + step``. One statement checks and changes
(``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING``, the same text on SQLite and
PostgreSQL): two processes can never both take a key's last token. A refused request reads
``full_at`` once more, to say when the next token is there.

The statements run on an engine of their own, in autocommit (one statement, no ``BEGIN`` and
``COMMIT`` round trips). On SQLite a statement waits at most ``busy_timeout`` for another
writer's lock (an import may hold it for seconds): the caller then decides what to do
(:class:`matchmaker.service.limits.DatabaseRateLimiter` counts in its own memory meanwhile).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from matchmaker.store.base import database_url, shown_database

__all__ = ["RateBuckets"]

_TAKE = text(
    "INSERT INTO rate_limits (key_id, full_at) VALUES (:key, :now + :step) "
    "ON CONFLICT (key_id) DO UPDATE SET full_at = "
    "(CASE WHEN rate_limits.full_at > :now THEN rate_limits.full_at ELSE :now END) + :step "
    "WHERE (CASE WHEN rate_limits.full_at > :now THEN rate_limits.full_at ELSE :now END) "
    "+ :step - :now <= :burst "
    "RETURNING full_at"
)
_FULL_AT = text("SELECT full_at FROM rate_limits WHERE key_id = :key")


class RateBuckets:
    """Token buckets by key in the ``rate_limits`` table of a store's database.

    Parameters
    ----------
    url:
        The store's database (SQLAlchemy URL or SQLite file); its schema is current (opening a
        :class:`~matchmaker.store.Store` on it migrates it).
    busy_timeout:
        SQLite: seconds a statement waits for another writer's lock before it fails.
    """

    def __init__(self, url: str, *, busy_timeout: float = 0.1) -> None:
        self.url = database_url(url)
        self.database = shown_database(self.url)
        self.engine: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        if self.engine.dialect.name == "sqlite":
            busy_ms = max(int(busy_timeout * 1000), 0)

            @event.listens_for(self.engine, "connect")
            def _connect(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
                # The store made the file WAL; NORMAL syncs at checkpoints, not every commit.
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

        elif self.engine.dialect.name == "postgresql":

            @event.listens_for(self.engine, "connect")
            def _connect_pg(dbapi_connection: Any, _record: Any) -> None:
                # A count need not wait for the disk: after a crash of the server, the last
                # fraction of a second of counts may be lost, never a key's bucket torn.
                cursor = dbapi_connection.cursor()
                cursor.execute("SET synchronous_commit TO OFF")
                cursor.close()
                dbapi_connection.commit()

    def take(self, key: str, *, step_us: int, burst_us: int, now_us: int) -> int | None:
        """Take a token from ``key``'s bucket: ``None`` when taken, else the microseconds until
        one is there.

        Parameters
        ----------
        key:
            The bucket's key (an API key's public id), at most 64 characters.
        step_us:
            Microseconds one token takes to come back (``60_000_000 // per_minute``).
        burst_us:
            Microseconds the whole bucket takes (``per_minute * step_us``): a burst of
            ``burst_us // step_us`` requests passes at once.
        now_us:
            Now, in microseconds since the epoch (every process must share the clock).

        Raises
        ------
        sqlalchemy.exc.DBAPIError
            The database did not answer, or stayed locked for longer than ``busy_timeout``.
        """
        values = {"key": key, "now": now_us, "step": step_us, "burst": burst_us}
        with self.engine.connect() as conn:
            if conn.execute(_TAKE, values).first() is not None:
                return None
            full_at = conn.execute(_FULL_AT, {"key": key}).scalar()
        if full_at is None:  # removed in between: wait one step
            return step_us
        return max(int(full_at) + step_us - burst_us - now_us, 1)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"RateBuckets('{self.database}')"
