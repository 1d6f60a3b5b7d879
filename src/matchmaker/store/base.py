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
- The environment can fail under any transaction: a full disk, a file that is not a database,
  a read-only file, a server that does not answer. :func:`unavailable` turns the driver's
  error into :class:`StoreUnavailableError`, which names the database (without credentials),
  the cause and the fix; the CLI prints it, the API answers 503. The transaction is rolled
  back by the database, so nothing that was stored is lost.
- A SQLite file that this process may read but not write (the file or its folder is not
  writable) is opened read-only (``mode=ro``; ``immutable=1`` as well when no write-ahead log
  is left, because a WAL database cannot otherwise be read without creating its ``-shm``
  file): reads work, a write is refused at once with the reason.
- PostgreSQL: versioned updates are ``UPDATE ... WHERE version = :expected``, so that of two
  writers holding the same version one succeeds and the other is told; two imports that
  insert the same new id at once make the second fail on the primary key, and its rerun then
  reports the id as existing.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from sqlalchemy import Delete, Select, Update, create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from matchmaker.errors import (
    MatchmakerError,
    NotFoundError,
    StoreUnavailableError,
    VersionConflictError,
)

__all__ = [
    "DEFAULT_URL",
    "Parsed",
    "StoreBase",
    "database_url",
    "shown_database",
    "unavailable",
    "versioned",
]

DEFAULT_URL = "sqlite:///matchmaker.db"
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_WRITE = "matchmaker_write"
_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
_PG_RETRY = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_PG_UNIQUE = "23505"
RETRY_AFTER = 30  # seconds: a full disk or an unreachable server may be fixed by then

_FREE_SPACE = "free space on the disk that holds it (or raise its quota), then try again"
_READ_ONLY_FIX = (
    "reading works without; to change it, make the file and its folder writable by the user "
    "that runs Matchmaker"
)
# SQLite's primary result codes -> (cause, fix, retry_after)
_SQLITE_FAULTS: dict[int, tuple[str, str, int | None]] = {
    13: ("the disk is full (SQLITE_FULL), nothing was changed", _FREE_SPACE, RETRY_AFTER),
    26: (
        "the file is not a SQLite database (SQLITE_NOTADB)",
        "give the path of a Matchmaker database, or move this file away to start a new one",
        None,
    ),
    11: (
        "the database file is damaged (SQLITE_CORRUPT)",
        "restore it from a backup, or recover what can be read with `sqlite3 FILE .recover`",
        None,
    ),
    8: ("the database is read-only for this process (SQLITE_READONLY)", _READ_ONLY_FIX, None),
    3: ("access to the database file is denied (SQLITE_PERM)", _READ_ONLY_FIX, None),
    23: ("access to the database is denied (SQLITE_AUTH)", _READ_ONLY_FIX, None),
    14: (
        "this process cannot open the database file (SQLITE_CANTOPEN)",
        "check that the path is right and that its folder exists and is readable and writable "
        "by the user that runs Matchmaker",
        None,
    ),
    10: (
        "the disk reported an input/output error (SQLITE_IOERR), nothing was changed",
        "check the disk (is it full, removed or failing?), then try again",
        RETRY_AFTER,
    ),
}
# The same causes, by message, for drivers that give no code.
_SQLITE_TEXTS = (
    ("database or disk is full", 13),
    ("file is not a database", 26),
    ("malformed", 11),
    ("readonly database", 8),
    ("unable to open database file", 14),
    ("disk i/o error", 10),
)
_PG_REACH = (
    "the database server does not answer or refuses the connection",
    "check that PostgreSQL is running and that the host, port and database name of the URL "
    "are right, then try again",
    RETRY_AFTER,
)
# The same causes, by the server's words when a connection fails (psycopg gives no SQLSTATE).
_PG_TEXTS = (
    ("password authentication failed", "28"),
    ("no password supplied", "28"),
    ('role "', "28"),  # role "x" does not exist
    ("does not exist", "3D000"),  # database "x" does not exist
    ("too many clients", "53300"),
    ("the database system is starting up", "57P"),
    ("the database system is shutting down", "57P"),
)
# PostgreSQL SQLSTATEs (or their class, the first two characters) -> (cause, fix, retry_after)
_PG_FAULTS: dict[str, tuple[str, str, int | None]] = {
    "53100": ("the database server's disk is full, nothing was changed", _FREE_SPACE, RETRY_AFTER),
    "53300": (
        "the database server has no connection left (too many connections)",
        "try again shortly, or raise max_connections",
        RETRY_AFTER,
    ),
    "53": (
        "the database server is out of resources (memory or disk), nothing was changed",
        "free memory or disk space on the database server, then try again",
        RETRY_AFTER,
    ),
    "08": _PG_REACH,
    "57P": (
        "the database server is shutting down or starting up",
        "try again when it is up",
        RETRY_AFTER,
    ),
    "3D000": (
        "the database named in the URL does not exist",
        "create it (createdb NAME) or correct the URL",
        None,
    ),
    "28": (
        "the database server refused the user name or password",
        "correct the credentials in the URL (they are not shown here)",
        None,
    ),
    "25006": (
        "the database server accepts only reads (a standby or a read-only transaction)",
        "point the URL at the primary server to change data",
        None,
    ),
}


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


def shown_database(url: str | URL) -> str:
    """The database as messages show it: a SQLite file's path, or the URL without credentials.

    Examples
    --------
    >>> shown_database("postgresql+psycopg://ana:secret@db.example/reg")
    'postgresql+psycopg://db.example/reg'
    >>> shown_database("sqlite:///var/registry.db")
    'var/registry.db'
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<database URL that cannot be read>"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    bare = URL.create(
        parsed.drivername, host=parsed.host, port=parsed.port, database=parsed.database
    )
    return bare.render_as_string(hide_password=True)


def unavailable(
    exc: BaseException, database: str, *, hide: tuple[str | None, ...] = ()
) -> StoreUnavailableError | None:
    """The :class:`StoreUnavailableError` for a driver error that the environment caused.

    Parameters
    ----------
    exc:
        SQLAlchemy's ``DBAPIError`` (or the driver's own error).
    database:
        The database as the message names it (see :func:`shown_database`).
    hide:
        Words not to repeat from the driver's message (the user name and password).

    Returns
    -------
    StoreUnavailableError or None
        ``None`` for an error that is not about the environment (a constraint, a bug).
    """
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    fault: tuple[str, str, int | None] | None = None
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        text = str(orig).lower()
        if code is not None and code & 0xFF in _SQLITE_FAULTS:
            fault = _SQLITE_FAULTS[code & 0xFF]
        else:
            found = next((c for t, c in _SQLITE_TEXTS if t in text), None)
            fault = None if found is None else _SQLITE_FAULTS[found]
    else:
        state = getattr(orig, "sqlstate", None)
        if isinstance(state, str):
            fault = next(
                (f for key, f in _PG_FAULTS.items() if state.startswith(key)),
                None,
            )
        elif isinstance(exc, OperationalError):
            # No SQLSTATE: the connection failed; the server's words, if it answered, say why.
            text = str(orig).lower()
            fault = next((_PG_FAULTS[k] for t, k in _PG_TEXTS if t in text), _PG_REACH)
    if fault is None:
        return None
    cause, fix, retry_after = fault
    said = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    for secret in filter(None, hide):
        said = said.replace(secret, "***")
    return StoreUnavailableError(database, f"{cause} [{said[:300]}]", fix, retry_after=retry_after)


def _read_only_file(path: Path) -> bool:
    """A SQLite file that exists and that this process may read but not change."""
    if not path.is_file() or not os.access(path, os.R_OK):
        return False
    wal = path.with_name(path.name + "-wal")
    return not (
        os.access(path, os.W_OK)
        and os.access(path.parent, os.W_OK)
        and (not wal.exists() or os.access(wal, os.W_OK))
    )


def _read_only_url(path: Path) -> str:
    """A URL that opens the SQLite file ``path`` read-only, without creating any file."""
    query = "mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        # Nothing in a write-ahead log to read, so nothing to miss: read the file as it is.
        query += "&immutable=1"
    return f"sqlite:///file:{quote(str(path.resolve()))}?{query}&uri=true"


def _sqlite_listeners(engine: Engine, busy_timeout: float, *, read_only: bool = False) -> None:
    busy_ms = max(int(busy_timeout * 1000), 0)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions itself: _begin does (see the module's notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL needs a lock when another process holds one.
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        if not read_only:  # switching to WAL writes the file's header
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


class Parsed(Generic[K, V]):
    """Documents this store read last, decoded and validated, by a key that changes with
    their content (id, version, creation time): a read asks the database for the keys first
    and decodes only what it has not seen. Values are frozen models shared by the readers; at
    most ``size`` are kept, the least recently read going first. Each process has its own.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def many(self, keys: Sequence[K], load: Callable[[list[K]], Mapping[K, V]]) -> list[V]:
        """The values of ``keys``, in their order: those kept, and the others from ``load``
        (called once, with the keys not kept), which are kept from now on."""
        values = [self.get(key) for key in keys]
        missing = [key for key, value in zip(keys, values, strict=True) if value is None]
        loaded: Mapping[K, V] = {}
        if missing:
            loaded = load(missing)
            for key in missing:
                self.put(key, loaded[key])
        return [loaded[k] if v is None else v for k, v in zip(keys, values, strict=True)]

    def __len__(self) -> int:
        return len(self._values)


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
        self.read_only = False
        self.database = shown_database(self.url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise MatchmakerError(f"database URL '{self.database}' cannot be used: {exc}") from None
        self._credentials = (parsed.username, parsed.password)
        engine_url: str | URL = self.url
        if parsed.get_backend_name() == "sqlite":
            path = parsed.database
            if path and path != ":memory:" and not path.startswith("file:"):
                file = Path(path).expanduser()
                self.read_only = _read_only_file(file)
                if self.read_only:
                    engine_url = _read_only_url(file)
                else:
                    try:
                        file.parent.mkdir(parents=True, exist_ok=True)
                    except OSError as exc:
                        raise StoreUnavailableError(
                            self.database,
                            f"its folder cannot be created ({exc.strerror})",
                            "create the folder, or give --db a path in a writable folder",
                        ) from None
        try:
            self.engine: Engine = create_engine(engine_url, echo=echo)
        except (ArgumentError, ModuleNotFoundError, ImportError) as exc:
            raise MatchmakerError(f"database URL '{self.database}' cannot be used: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            _sqlite_listeners(self.engine, busy_timeout, read_only=self.read_only)
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
        return self.database

    def _run(self, fn: Callable[[Session], T], *, write: bool) -> T:
        if write and self.read_only:
            raise StoreUnavailableError(
                self.database,
                "the file or its folder is not writable by this process (it was opened "
                "read-only), nothing was changed",
                _READ_ONLY_FIX,
            )
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
                    fault = unavailable(exc, self.database, hide=self._credentials)
                    if fault is not None:
                        raise fault from None
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
