"""What the store returns: frozen records of a value and its version, times and owner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from matchmaker.models import Event, Organisation

__all__ = [
    "JOB_STATUSES",
    "RESULT_KINDS",
    "ROLES",
    "ApiKeyRecord",
    "EventRecord",
    "ImportSummary",
    "JobRecord",
    "OrgRecord",
    "ResultRecord",
]

ResultKind = Literal["breakouts", "schedule", "pairs"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Role = Literal["admin", "organiser", "member"]

RESULT_KINDS: tuple[str, ...] = ("breakouts", "schedule", "pairs")
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "succeeded", "failed", "cancelled")
ROLES: tuple[str, ...] = ("admin", "organiser", "member")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """How many organisations an import created and how many it replaced."""

    created: int
    replaced: int

    @property
    def total(self) -> int:
        return self.created + self.replaced


@dataclass(frozen=True, slots=True)
class OrgRecord:
    """A stored organisation profile with its version (the ETag) and times."""

    value: Organisation
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def id(self) -> str:
        return self.value.id


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored event, assembled with its participants and rooms in their stored order.

    ``owner`` is the owner's account name, as the API shows it; ``owned_by`` the owner
    identity that access is decided by (``organiser:org-a``, see
    :func:`matchmaker.store.keys.owner_identity`). Both are ``None`` for events stored without
    an owner (by the command line).
    """

    value: Event
    version: int
    owner: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    owned_by: str | None = None

    @property
    def id(self) -> str:
        return self.value.id


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """A solver's result for an event: ``kind`` is breakouts, schedule or pairs.

    ``event_version`` is the version of the event the result was computed from.
    """

    id: int
    event_id: str
    kind: str
    document: dict[str, Any]
    version: int
    event_version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A background run and where it stands.

    ``status`` is queued, running, succeeded, failed or cancelled; ``problem`` is an RFC 9457
    problem (a dict) when it failed; ``instance`` the server process that ran it;
    ``claimed_by`` the process that holds it while it is open, until ``lease_expires_at``;
    ``attempts`` how often it was started, of at most ``max_attempts``.
    """

    id: str
    kind: str
    event_id: str | None
    owner: str | None
    params: dict[str, Any]
    status: str
    progress: float
    message: str
    result_id: int | None
    problem: dict[str, Any] | None
    instance: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    claimed_by: str | None = None
    lease_expires_at: dt.datetime | None = None
    attempts: int = 0
    max_attempts: int = 1

    @property
    def done(self) -> bool:
        return self.status in {"succeeded", "failed", "cancelled"}


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """An API key as stored: never the key itself."""

    id: str
    role: str
    subject: str | None
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
