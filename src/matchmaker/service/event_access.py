"""What the event routes share: the event a caller may touch, its latest result, the job
runner, 202 answers with a job, and downloads.

An organiser touches its own events (``event.owned_by == principal.owner``: the owner
identity, role and subject together, so that an organiser whose subject is ``admin`` is not
the admin); an admin every event; a member none. A missing event is 404, someone else's 403.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from matchmaker.errors import NotFoundError
from matchmaker.models import ID_PATTERN
from matchmaker.plan.document_models import AllocationDocument, PairsDocument, ScheduleDocument
from matchmaker.service.deps import Principal, etag, forbidden, require
from matchmaker.service.job_runner import JobRunner
from matchmaker.service.problems import ProblemError
from matchmaker.store import Store
from matchmaker.store.records import EventRecord, JobRecord, ResultRecord

__all__ = [
    "JobDocument",
    "Organiser",
    "RunnerDep",
    "StoredAllocation",
    "StoredPairs",
    "StoredSchedule",
    "accepted",
    "download",
    "job_document",
    "latest_result",
    "owned_event",
    "result_document",
    "run_inputs",
    "start_run",
    "stored_event",
    "with_etag",
]

#: Admins and organisers; whose event it is is checked by :func:`owned_event`.
Organiser = Annotated[Principal, Depends(require("admin", "organiser"))]

_ID = re.compile(ID_PATTERN)

#: What each kind of result is called in messages, and the endpoint that makes it.
_RUNS = {
    "breakouts": ("breakout allocation", "POST /api/events/{id}/breakouts"),
    "schedule": ("schedule", "POST /api/events/{id}/schedule"),
    "pairs": ("pairs", "POST /api/events/{id}/pairs"),
}


def get_runner(request: Request) -> JobRunner:
    """The app's job runner (started with the app)."""
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    if runner is None or not runner.running:
        raise ProblemError(
            503,
            "unavailable",
            "Service unavailable",
            "the job runner is not running (the server is starting or stopping); try again",
            headers={"Retry-After": "5"},
        )
    return runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]


def owned_event(store: Store, principal: Principal, event_id: str) -> EventRecord:
    """The stored event if ``principal`` may touch it.

    Raises
    ------
    NotFoundError
        No such event (404).
    ProblemError
        403 when it is another organiser's event.
    """
    if not _ID.match(event_id):
        raise NotFoundError("event", event_id[:80])
    record = store.get_event_record(event_id)
    if record is None:
        raise NotFoundError("event", event_id)
    if not principal.is_admin and record.owned_by != principal.owner:
        raise forbidden(
            f"event '{event_id}' belongs to another organiser; a key of organiser "
            f"'{principal.subject}' may touch its own events only"
        )
    return record


def stored_event(store: Store, event_id: str | None) -> EventRecord:
    """The event a job works on, as it is when the job starts.

    Raises
    ------
    NotFoundError
        The event was deleted after the job was queued (the job fails with a 404 problem).
    """
    record = None if event_id is None else store.get_event_record(event_id)
    if record is None:
        raise NotFoundError("event", str(event_id))
    return record


def start_run(
    runner: JobRunner,
    principal: Principal,
    kind: str,
    event_id: str,
    params: dict[str, Any],
    *,
    replan: ResultRecord | None = None,
) -> JSONResponse:
    """Queue a job of ``kind`` for the event (a re-plan of ``replan`` when given) → 202 with
    the job and ``Location``. Its parameters say all of the run: any worker can run it."""
    if replan is not None:
        params = {"replan": replan.id, **params}
    job = runner.submit(
        kind=kind,
        event_id=event_id,
        owner=principal.owner,
        admin=principal.is_admin,
        params=params,
    )
    return accepted(job)


def run_inputs(
    store: Store, job: JobRecord
) -> tuple[EventRecord, ResultRecord | None, dict[str, Any]]:
    """What a job works on: its event as it is now, the result a re-plan starts from
    (``None`` for a plan) and the run's own parameters.

    Raises
    ------
    NotFoundError
        The event, or the result to re-plan, was deleted after the job was queued.
    """
    record = stored_event(store, job.event_id)
    params = dict(job.params)
    if "replan" not in params:
        return record, None, params
    result_id = params.pop("replan")
    previous = store.get_result(int(result_id))
    if previous is None:
        raise NotFoundError("result", str(result_id))
    return record, previous, params


def latest_result(store: Store, event_id: str, kind: str) -> ResultRecord:
    """The event's newest result of ``kind``; 404 (saying how to make one) when none."""
    record = store.latest_result(event_id, kind)
    if record is None:
        what, how = _RUNS[kind]
        raise ProblemError(
            404,
            "not-found",
            "Not found",
            f"event '{event_id}' has no {what} yet; run {how.format(id=event_id)} first",
        )
    return record


class _Stored(BaseModel):
    """What the store adds to a result document (:func:`result_document`)."""

    id: int = Field(description="the result's id")
    version: int = Field(description="the result's version (its ETag); a move adds one")
    created: dt.datetime = Field(description="when the result was stored")
    updated: dt.datetime = Field(description="when it was last changed (a move)")
    inputs: dict[str, str] | None = Field(
        default=None,
        description="fingerprints of what the result was built from: the event's "
        "`participants` and the `settings` of this kind of result (compare with the "
        "event's `inputs`); null for results made before they were recorded",
    )


class StoredAllocation(AllocationDocument, _Stored):
    """The latest allocation, as ``GET /api/events/{id}/breakouts`` answers it."""


class StoredSchedule(ScheduleDocument, _Stored):
    """The latest schedule, as ``GET /api/events/{id}/schedule`` answers it."""


class StoredPairs(PairsDocument, _Stored):
    """The latest pairs, as ``GET /api/events/{id}/pairs`` answers them."""


def result_document(record: ResultRecord) -> dict[str, Any]:
    """A stored result as the API shows it: its id, version and times, then the document."""
    return {
        "id": record.id,
        "version": record.version,
        "event_version": record.event_version,
        "created": record.created_at.isoformat(),
        "updated": record.updated_at.isoformat(),
        **{k: v for k, v in record.document.items() if k not in {"id", "version"}},
    }


def with_etag(body: Any, version: int, status: int = 200, **headers: str) -> JSONResponse:
    """A JSON answer with the version as ``ETag``."""
    return JSONResponse(body, status_code=status, headers={"ETag": etag(version), **headers})


class JobDocument(BaseModel):
    """A job, as :func:`job_document` shows it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="the job's id")
    kind: str = Field(description="what the job makes: breakouts, schedule or pairs")
    event: str | None = Field(description="the event it works on")
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"] = Field(
        description="where the job stands"
    )
    progress: float = Field(description="how far it is, from 0 to 1")
    message: str = Field(description="what it is doing, or how it ended, in words")
    result: str | None = Field(description="the address of its result, once it succeeded")
    result_id: int | None = Field(description="the id of its result, once it succeeded")
    problem: dict[str, Any] | None = Field(
        description="why it failed: an RFC 9457 problem (null unless it failed)"
    )
    params: dict[str, Any] = Field(description="the run's parameters, as sent")
    attempts: int = Field(description="how often it was started")
    created: dt.datetime = Field(description="when it was queued")
    started: dt.datetime | None = Field(description="when it started")
    finished: dt.datetime | None = Field(description="when it ended")


def job_document(job: JobRecord) -> dict[str, Any]:
    """A job as ``GET /api/jobs/{id}`` shows it."""
    result = None
    if job.status == "succeeded" and job.event_id is not None:
        result = f"/api/events/{quote(job.event_id, safe='')}/{job.kind}"
    return {
        "id": job.id,
        "kind": job.kind,
        "event": job.event_id,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "result": result,
        "result_id": job.result_id,
        "problem": job.problem,
        "params": job.params,
        "attempts": job.attempts,
        "created": job.created_at.isoformat(),
        "started": None if job.started_at is None else job.started_at.isoformat(),
        "finished": None if job.finished_at is None else job.finished_at.isoformat(),
    }


def accepted(job: JobRecord) -> JSONResponse:
    """202 with the job and ``Location: /api/jobs/{id}``."""
    location = f"/api/jobs/{job.id}"
    return JSONResponse(
        {"job": job_document(job)},
        status_code=202,
        headers={"Location": location, "Retry-After": "1"},
    )


def _ascii(name: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name)


def download(data: bytes, media_type: str, filename: str, *, inline: bool = False) -> Response:
    """A file answer with ``Content-Disposition`` (an ASCII ``filename`` and the UTF-8
    ``filename*`` of RFC 6266)."""
    kind = "inline" if inline else "attachment"
    disposition = f"{kind}; filename=\"{_ascii(filename)}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})
