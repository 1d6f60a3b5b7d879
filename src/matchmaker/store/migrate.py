"""Bring a database to the current schema with Alembic, configured without an ``alembic.ini``.

The revisions live in the package (``matchmaker/migrations``), so that an installed tool can
migrate the database it is given.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

import matchmaker.migrations
from matchmaker.errors import MatchmakerError, StoreUnavailableError

__all__ = ["FIRST_REVISION", "MIGRATIONS", "alembic_config", "head_revision", "upgrade"]

MIGRATIONS = Path(matchmaker.migrations.__file__).resolve().parent
FIRST_REVISION = "0001"
# Any constant: the key of the PostgreSQL advisory lock that lets one process migrate at a time.
_PG_LOCK = 0x6D6D_6967
# Alembic's ``context`` and ``op`` are proxies of one object per process: two migrations run at
# once by threads of one process (two stores opened at the same time) would run each other's
# operations on each other's connections. One migration at a time per process; the database
# lock is always taken first (by the caller, or the advisory lock below), then this one.
_ALEMBIC = threading.Lock()


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's migrations.

    Parameters
    ----------
    url:
        The database, for Alembic commands that open their own connection.
    connection:
        An open connection to run in (its transaction is used, not committed).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head_revision() -> str:
    """The newest revision of the migrations."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, *, read_only: str | None = None) -> str | None:
    """Upgrade the database of ``conn`` to the newest revision, in its open transaction.

    The caller holds the write lock (SQLite's ``BEGIN IMMEDIATE``); on PostgreSQL an advisory
    lock is taken here, so that two processes opening one database do not both migrate it.
    ``read_only`` names a database opened read-only: it is only checked, and one that needs
    an upgrade is refused with that reason.

    Returns
    -------
    str or None
        The revision the database was at before (``None`` for an empty one).
    """
    if conn.dialect.name == "postgresql" and read_only is None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    before = current_revision(conn)
    head = head_revision()
    if before == head:
        return before
    if read_only is not None:
        raise StoreUnavailableError(
            read_only,
            f"it is read-only for this process and at schema revision '{before}', which must "
            f"be upgraded to '{head}' before this version of Matchmaker can read it",
            "open it once with write access (any matchmaker command does the upgrade)",
        )
    cfg = alembic_config(connection=conn)
    try:
        with _ALEMBIC:
            if before is None and inspect(conn).has_table("organisations"):
                # A database made by create_all before the store had migrations: it has the
                # tables of the first revision and no alembic_version. Record it as being at
                # the first revision, then upgrade it from there like any other.
                command.stamp(cfg, FIRST_REVISION)
            command.upgrade(cfg, "head")
    except CommandError as exc:
        raise MatchmakerError(
            f"the database is at schema revision '{before}', which this version of Matchmaker "
            f"does not know (made by a newer version?): {exc}"
        ) from None
    return before
