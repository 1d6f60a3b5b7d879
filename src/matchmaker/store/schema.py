"""The tables of the store, as SQLAlchemy declarative models.

The migrations in ``matchmaker/migrations/versions`` build exactly this schema; a test compares
the two (``alembic check``). Change both together: edit a model here, then write a revision.

Documents (profiles, events, results) are kept whole as JSON next to the columns that queries
filter on. Every versioned row has ``version``, raised by one on every change; an update says
which version it read, and is refused when another one came in between.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiKeyRow",
    "Base",
    "CounterRow",
    "EmbeddingRow",
    "EventRow",
    "JobRow",
    "OrganisationRow",
    "ParticipantRow",
    "RateLimitRow",
    "ResultRow",
    "RoomRow",
    "ScorerRow",
    "VocabularyRow",
    "fold_text",
    "search_text",
    "sectors_text",
]

# Constraint names that are the same on every database, so that migrations can name them
# (SQLite cannot drop an unnamed constraint). Primary keys keep each database's own names, as
# the first schema (made by create_all) has them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def fold_text(text: str) -> str:
    """Text case-folded and without accents: ``Université`` -> ``universite``.

    Folded in Python because SQLite's ``lower()`` folds ASCII letters only.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(org_id: str, name: str) -> str:
    """What a name search looks in: the id and the name, folded by :func:`fold_text`."""
    return fold_text(f"{org_id}\n{name}")


def sectors_text(codes: Iterable[str]) -> str:
    """NACE codes as ``;C20.16;C22;``, so that ``LIKE '%;C20%'`` finds a code by its prefix."""
    return "".join(f";{c}" for c in codes) + ";"


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(8), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    # Revision 0002: the filters of list_organisations.
    sectors: Mapped[str] = mapped_column(Text, default=";", server_default=";")
    search: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Revision 0006: the owner identity (``organiser:org-a``) of the key that brought the
    # profile in; ``None`` for profiles of the command line and from before.
    owned_by: Mapped[str | None] = mapped_column(String(220))


class EventRow(Base):
    """An event without its participants and rooms, which are rows of their own."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    # Revision 0006: who owns it, as an owner identity (``organiser:org-a``); ``owner`` is
    # that identity's name, as the API shows it.
    owned_by: Mapped[str | None] = mapped_column(String(220), index=True)


class ParticipantRow(Base):
    __tablename__ = "participants"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    organisation: Mapped[str] = mapped_column(String(64), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class RoomRow(Base):
    __tablename__ = "rooms"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class ResultRow(Base):
    """A solver's result for an event: an allocation, a schedule or pairs."""

    __tablename__ = "results"
    __table_args__ = (Index("ix_results_event_id_kind", "event_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class JobRow(Base):
    """A background run. Not tied to the event by a key: a job's record outlives its event."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    owner: Mapped[str | None] = mapped_column(String(220))  # an owner identity (0006)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result_id: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    instance: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Revision 0007: the process that holds an open job (its work is there) and until when;
    # the holder renews the lease while it lives, and a job whose lease ran out is ended.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Revision 0010: how often the job was started, and how often it may be (a job described
    # by its kind and parameters goes back to the queue when its worker dies).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class ApiKeyRow(Base):
    """An API key: its id and the SHA-256 digest of the whole key, never the key."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class VocabularyRow(Base):
    """The registry's own S3 codes (from events' and imports' vocabularies), so that profiles
    that use them read back; the first label given for a code is kept."""

    __tablename__ = "vocabulary"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))


class EmbeddingRow(Base):
    """A text's vector from the sentence model, by model version and text hash: each distinct
    text is embedded once per store (see :mod:`matchmaker.text.semantic`)."""

    __tablename__ = "text_embeddings"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ScorerRow(Base):
    """A scorer learned from the registry's partnerships (``matchmaker.score.learn``): its
    weights, settings and validation figures as one document, by name."""

    __tablename__ = "scorers"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class CounterRow(Base):
    """Named counters; ``registry`` is raised by every change of the organisations."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class RateLimitRow(Base):
    """Revision 0009: the request rate limit of each API key, shared by every process that
    uses this database (``matchmaker.store.rate_limits``): the moment, in microseconds since
    the epoch, at which the key's bucket is full again."""

    __tablename__ = "rate_limits"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_at: Mapped[int] = mapped_column(BigInteger)
