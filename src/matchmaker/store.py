"""Persistence with SQLAlchemy 2: a SQLite file by default, PostgreSQL by URL.

Profiles are kept whole as JSON documents next to the columns that queries filter on. Every
write that takes several rows is one transaction: an import is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.models import Event, Organisation

__all__ = ["DEFAULT_URL", "ImportSummary", "Store", "database_url"]

DEFAULT_URL = "sqlite:///matchmaker.db"
_CHUNK = 5_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(8), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    created: int
    replaced: int

    @property
    def total(self) -> int:
        return self.created + self.replaced


def database_url(value: str | None) -> str:
    """Read a database URL; a plain file path means a SQLite file."""
    if not value:
        return DEFAULT_URL
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _row(org: Organisation, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "type": org.type.value,
        "region": org.region,
        "country": org.country,
        "profile": org.model_dump(mode="json", exclude_none=True, exclude={"country"}),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


class Store:
    """The project's database.

    Parameters
    ----------
    url:
        An SQLAlchemy URL (``sqlite:///file.db``, ``postgresql+psycopg://user@host/db``) or a
        file path for SQLite. The schema is created when missing.
    """

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = database_url(url)
        try:
            self.engine: Engine = create_engine(self.url, echo=echo)
        except (ArgumentError, ModuleNotFoundError, ImportError) as exc:
            raise MatchmakerError(f"database URL '{self.url}' cannot be used: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            path = self.engine.url.database
            if path and path != ":memory:":
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise MatchmakerError(
                f"cannot open the database '{self.engine.url.render_as_string()}': {exc.orig}"
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- organisations ---------------------------------------------------------------------

    def import_organisations(
        self, organisations: Sequence[Organisation], *, replace: bool = False
    ) -> ImportSummary:
        """Store organisations in one transaction.

        Ids already in the database are refused (every one is listed) unless ``replace``,
        which overwrites those profiles and raises their version.
        """
        ids = [o.id for o in organisations]
        dups = [i for i, n in Counter(ids).items() if n > 1]
        if dups:
            raise InvalidInputError(
                "duplicate ids in the import; nothing was imported",
                [Problem(None, "id", d, f"id '{d}' appears more than once") for d in dups],
            )
        with Session(self.engine) as session, session.begin():
            return self._import(session, organisations, replace=replace, now=_now())

    @staticmethod
    def _import(
        session: Session,
        organisations: Sequence[Organisation],
        *,
        replace: bool,
        now: dt.datetime,
        keep_existing: bool = False,
    ) -> ImportSummary:
        ids = [o.id for o in organisations]
        existing: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            existing.update(
                session.scalars(select(OrganisationRow.id).where(OrganisationRow.id.in_(chunk)))
            )
        if existing and not replace and not keep_existing:
            raise InvalidInputError(
                f"{len(existing)} organisation id{'s are' if len(existing) > 1 else ' is'} "
                "already in the database; nothing was imported (use replace to overwrite)",
                [
                    Problem(None, "id", i, f"id '{i}' is already in the database")
                    for i in sorted(existing)
                ],
            )
        new_rows = [_row(o, now) for o in organisations if o.id not in existing]
        for start in range(0, len(new_rows), _CHUNK):
            session.execute(insert(OrganisationRow), new_rows[start : start + _CHUNK])
        if not replace:
            return ImportSummary(created=len(new_rows), replaced=0)
        for org in organisations:
            if org.id in existing:
                row = session.get(OrganisationRow, org.id)
                assert row is not None
                data = _row(org, now)
                for key in ("name", "type", "region", "country", "profile", "updated_at"):
                    setattr(row, key, data[key])
                row.version += 1
        return ImportSummary(created=len(new_rows), replaced=len(existing))

    def get_organisation(self, org_id: str) -> Organisation | None:
        with Session(self.engine) as session:
            row = session.get(OrganisationRow, org_id)
            return None if row is None else Organisation.model_validate(row.profile)

    def organisations(self, *, limit: int | None = None, offset: int = 0) -> list[Organisation]:
        """Profiles ordered by id (validated again on the way out)."""
        with Session(self.engine) as session:
            stmt = select(OrganisationRow.profile).order_by(OrganisationRow.id).offset(offset)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [Organisation.model_validate(p) for p in session.scalars(stmt)]

    def count_organisations(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(OrganisationRow)) or 0)

    def counts_by(self, column: str) -> list[tuple[str, int]]:
        """Organisations per value of ``column`` (``type``, ``country`` or ``region``)."""
        columns = {
            "type": OrganisationRow.type,
            "country": OrganisationRow.country,
            "region": OrganisationRow.region,
        }
        if column not in columns:
            raise ValueError(f"column '{column}' must be one of: {', '.join(columns)}")
        col = columns[column]
        with Session(self.engine) as session:
            rows = session.execute(
                select(col, func.count()).group_by(col).order_by(func.count().desc(), col)
            )
            return [(str(value), int(n)) for value, n in rows]

    # --- events ----------------------------------------------------------------------------

    def save_event(self, ev: Event, *, replace: bool = False) -> tuple[int, ImportSummary]:
        """Store an event and its embedded organisations in one transaction.

        Organisations already in the registry keep their stored profile unless ``replace``,
        which also overwrites an event of the same id. Returns the event's version and what
        happened to the organisations.
        """
        now = _now()
        document = ev.model_dump(mode="json", exclude_none=True)
        for org in document.get("organisations", []):
            org.pop("country", None)
        with Session(self.engine) as session, session.begin():
            row = session.get(EventRow, ev.id)
            if row is not None and not replace:
                raise InvalidInputError(
                    f"event '{ev.id}' is already in the database; nothing was stored",
                    [Problem(None, "id", ev.id, f"event id '{ev.id}' is already in the database")],
                )
            summary = self._import(
                session, ev.organisations, replace=replace, now=now, keep_existing=True
            )
            if row is None:
                session.add(
                    EventRow(
                        id=ev.id, name=ev.name, document=document, created_at=now, updated_at=now
                    )
                )
                return 1, summary
            row.name, row.document, row.updated_at = ev.name, document, now
            row.version += 1
            return row.version, summary

    def get_event(self, event_id: str) -> Event | None:
        with Session(self.engine) as session:
            row = session.get(EventRow, event_id)
            return None if row is None else Event.model_validate(row.document)

    def event_ids(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(EventRow.id).order_by(EventRow.id)))
