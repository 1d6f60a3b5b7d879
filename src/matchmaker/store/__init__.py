"""Persistence with SQLAlchemy 2: a SQLite file by default, PostgreSQL by URL (psycopg 3).

The store keeps organisations, events (with their participants and rooms), solver results,
jobs and API keys. Opening a database brings it to the current schema (Alembic migrations,
shipped in ``matchmaker.migrations``). Every write is one transaction, so that an import or a
result is stored whole or not at all; changes of one record carry the version that was read,
and are refused when someone else changed it in between (:class:`VersionConflictError`).
How concurrent writers queue on SQLite is in :mod:`matchmaker.store.base`.

Examples
--------
>>> with Store("sqlite:///var/registry.db") as store:  # doctest: +SKIP
...     store.import_organisations(report.organisations)
...     record = store.get_organisation_record("nanomat")
...     store.update_organisation(changed, expected_version=record.version)
"""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from matchmaker.errors import (
    AlreadyExistsError,
    MatchmakerError,
    NotFoundError,
    VersionConflictError,
)
from matchmaker.store.base import DEFAULT_URL, database_url
from matchmaker.store.embeddings import EmbeddingStore, StoreEmbeddingCache
from matchmaker.store.events import EventStore
from matchmaker.store.jobs import INTERRUPTED, JobStore
from matchmaker.store.keys import KeyStore
from matchmaker.store.migrate import upgrade
from matchmaker.store.organisations import OrganisationStore
from matchmaker.store.records import (
    RESULT_KINDS,
    ROLES,
    ApiKeyRecord,
    EventRecord,
    ImportSummary,
    JobRecord,
    OrgRecord,
    ResultRecord,
)
from matchmaker.store.scorers import ScorerStore

__all__ = [
    "DEFAULT_URL",
    "INTERRUPTED",
    "RESULT_KINDS",
    "ROLES",
    "AlreadyExistsError",
    "ApiKeyRecord",
    "EventRecord",
    "ImportSummary",
    "JobRecord",
    "NotFoundError",
    "OrgRecord",
    "ResultRecord",
    "Store",
    "StoreEmbeddingCache",
    "VersionConflictError",
    "database_url",
]


class Store(OrganisationStore, EventStore, JobStore, KeyStore, EmbeddingStore, ScorerStore):
    """The project's database.

    Parameters
    ----------
    url:
        An SQLAlchemy URL (``sqlite:///file.db``, ``postgresql+psycopg://user@host/db``) or a
        file path for SQLite; ``None`` for ``sqlite:///matchmaker.db``.
    echo:
        Log every SQL statement.
    busy_timeout:
        SQLite: seconds a write waits for another one's lock before it is run again.
    write_timeout:
        Seconds a transaction is retried while the database stays busy, before the user is
        told so.

    Notes
    -----
    Opening runs Alembic's ``upgrade head`` (nothing when the schema is current).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        echo: bool = False,
        busy_timeout: float = 5.0,
        write_timeout: float = 60.0,
    ) -> None:
        super().__init__(url, echo=echo, busy_timeout=busy_timeout, write_timeout=write_timeout)
        try:
            if self.read_only:  # checked only: a read-only file can be read at the head revision
                database = self.database
                self._read(lambda session: upgrade(session.connection(), read_only=database))
            else:
                self._write(_migrate)
        except OperationalError as exc:
            self.close()
            raise MatchmakerError(
                f"cannot open the database '{self._where()}': {exc.orig}"
            ) from None
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store('{self._where()}')"


def _migrate(session: Session) -> None:
    upgrade(session.connection())
