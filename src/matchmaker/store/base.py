"""The engine, and how the store runs transactions on it.

Every write is one transaction, run by :meth:`StoreBase._write`:

- SQLite: the file is in WAL mode, so readers never wait for the writer and the writer never
  waits for readers. A write transaction starts with ``BEGIN IMMEDIATE``: it takes the write
  lock before it reads anything, so two writers queue (each waits up to ``busy_timeout``)
  instead of both reading and one failing at its first write with "database is locked", which
  no busy timeout can fix. The Python driver's own transaction handling is switched off for
  that (SQLAlchemy's recipe: ``isolation_level = None`` on the connection, our own ``BEGIN``
  in the ``begin`` event). Reads start a plain (deferred) ``BEGIN``: a snapshot, no lock.
- A transaction that still finds the database busy (a long import holds the lock past the
  busy timeout), or that PostgreSQL aborts as a serialisation failure or deadlock, is run
  again from the start, with a growing pause, until ``write_timeout`` has passed; then the
  user reads that the database is busy, never "database is locked".
- PostgreSQL: versioned updates are ``UPDATE ... WHERE version = :expected``, so that of two
  writers holding the same version one succeeds and the other is told; two imports that
  insert the same new id at once make the second fail on the primary key, and its rerun then
  reports the id as existing.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Delete, Select, Update, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from matchmaker.errors import MatchmakerError, NotFoundError, VersionConflictError

__all__ = ["DEFAULT_URL", "StoreBase", "database_url", "versioned"]

DEFAULT_URL = "sqlite:///matchmaker.db"
T = TypeVar("T")

_WRITE = "matchmaker_write"
_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
_PG_RETRY = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_PG_UNIQUE = "23505"


def database_url(value: str | None) -> str:
    """Read a database URL; a plain file path means a SQLite file.

    Examples
    --------
    >>> database_url("var/registry.db")
    'sqlite:///var/registry.db'
    """
    if not value:
        return DEFAULT_URL
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def _sqlite_listeners(engine: Engine, busy_timeout: float) -> None:
    busy_ms = max(int(busy_timeout * 1000), 0)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions itself: _begin does (see the module's notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL needs a lock when another process holds one.
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _retry_kind(exc: DBAPIError) -> str | None:
    """``"busy"`` for a transaction worth running again, ``"unique"`` for a lost insert race."""
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_BUSY:
            return "busy"
        text = str(orig)
        return "busy" if "database is locked" in text or "database is busy" in text else None
    state = getattr(orig, "sqlstate", None)
    if state in _PG_RETRY:
        return "busy"
    if state == _PG_UNIQUE and isinstance(exc, IntegrityError):
        return "unique"
    return None


def versioned(
    session: Session,
    statement: Update | Delete,
    *,
    what: str,
    key: str | int,
    expected: int,
    version_of: Select[int],
) -> None:
    """Run an update or delete guarded by ``version == expected``, in one statement.

    It changes the row only if nobody changed it since ``expected`` was read: the check and
    the change cannot be split by another writer (PostgreSQL re-checks the condition on the
    row it waited for; SQLite has one writer at a time).

    Raises
    ------
    NotFoundError
        No such row (``version_of`` finds nothing).
    VersionConflictError
        The stored version is another one.
    """
    done = session.execute(statement.execution_options(synchronize_session=False))
    if done.rowcount == 1:  # type: ignore[attr-defined]
        return
    current = session.scalar(version_of)
    if current is None:
        raise NotFoundError(what, key)
    raise VersionConflictError(what, key, current=current, sent=expected)


class StoreBase:
    """Engine, dialect and the transaction runners of :class:`~matchmaker.store.Store`."""

    def __init__(
        self,
        url: str | None = None,
        *,
        echo: bool = False,
        busy_timeout: float = 5.0,
        write_timeout: float = 60.0,
    ) -> None:
        self.url = database_url(url)
        self.write_timeout = write_timeout
        try:
            self.engine: Engine = create_engine(self.url, echo=echo)
        except (ArgumentError, ModuleNotFoundError, ImportError) as exc:
            raise MatchmakerError(f"database URL '{self.url}' cannot be used: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            path = self.engine.url.database
            if path and path != ":memory:" and not path.startswith("file:"):
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            _sqlite_listeners(self.engine, busy_timeout)
        # Same pool and listeners; only the BEGIN differs (IMMEDIATE on SQLite).
        self._writer: Engine = self.engine.execution_options(**{_WRITE: True})
        # Reads that take several statements (an event and its participants) see one snapshot:
        # SQLite's deferred transactions do; PostgreSQL needs REPEATABLE READ for it.
        self._reader: Engine = (
            self.engine.execution_options(isolation_level="REPEATABLE READ")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return str(self.engine.dialect.name)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _run(self, fn: Callable[[Session], T], *, write: bool) -> T:
        bind = self._writer if write else self._reader
        deadline = time.monotonic() + self.write_timeout
        pause = 0.02
        unique_retries = 0
        while True:
            try:
                with Session(bind, expire_on_commit=False) as session, session.begin():
                    return fn(session)
            except DBAPIError as exc:
                kind = _retry_kind(exc)
                if kind == "unique" and unique_retries < 2:
                    unique_retries += 1
                    continue
                if kind != "busy":
                    if isinstance(exc, OperationalError) and not write:
                        raise MatchmakerError(
                            f"cannot read the database '{self._where()}': {exc.orig}"
                        ) from None
                    raise
                if time.monotonic() + pause > deadline:
                    raise MatchmakerError(
                        f"the database '{self._where()}' stayed busy with other changes for "
                        f"{self.write_timeout:g} s; nothing was changed, try again"
                    ) from None
                time.sleep(pause * (0.5 + random.random()))
                pause = min(pause * 2, 1.0)

    def _write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one write transaction (committed when it returns), retried when busy."""
        return self._run(fn, write=True)

    def _read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one read transaction: a consistent snapshot on SQLite."""
        return self._run(fn, write=False)
