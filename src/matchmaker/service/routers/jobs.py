"""``/api/jobs/{id}``: where a job stands; ``/api/jobs/{id}/cancel``: stop it.

The router also carries the job runner's lifespan
(:func:`matchmaker.service.job_runner.job_runner_lifespan`): an
app that serves jobs starts a runner with it, which first ends the jobs whose process died.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from matchmaker.errors import NotFoundError
from matchmaker.service.deps import Principal, StoreDep, forbidden, require
from matchmaker.service.event_access import JobDocument, job_document
from matchmaker.service.job_runner import job_runner_lifespan
from matchmaker.service.problems import ProblemError, error_responses
from matchmaker.store import Store
from matchmaker.store.records import JobRecord

__all__ = ["router"]

router = APIRouter(prefix="/api/jobs", tags=["jobs"], lifespan=job_runner_lifespan)

Caller = Annotated[Principal, Depends(require("admin", "organiser"))]
_JOB_ID = re.compile(r"^[0-9a-f]{1,32}$")


def _job_of(store: Store, principal: Principal, job_id: str) -> JobRecord:
    """The job, if ``principal`` started it, owns its event, or is an admin (else 403)."""
    job = store.get_job(job_id) if _JOB_ID.match(job_id) else None
    if job is None:
        raise NotFoundError("job", job_id[:80])
    # Owners are compared by identity (role and subject), never by the subject alone.
    if not principal.is_admin and job.owner != principal.owner:
        event = store.get_event_record(job.event_id) if job.event_id else None
        if event is None or event.owned_by != principal.owner:
            raise forbidden(
                f"job '{job_id}' was started by another organiser; a key sees its own jobs only"
            )
    return job


@router.get(
    "/{job_id}",
    summary="A job",
    response_model=JobDocument,
    response_description="The job",
    responses=error_responses(401, 403, 404, 429),
)
def get_job(principal: Caller, store: StoreDep, job_id: str) -> Response:
    """The job's status (queued, running, succeeded, failed, cancelled), progress (0..1),
    message, the address of its result when it succeeded, and its problem when it failed. For
    the organiser who started it (or owns its event) and admins."""
    job = _job_of(store, principal, job_id)
    headers = {} if job.done else {"Retry-After": "1"}
    return JSONResponse(job_document(job), headers=headers)


def _cancel(principal: Principal, store: Store, job_id: str) -> Response:
    _job_of(store, principal, job_id)
    job, cancelled = store.cancel_job(job_id, by=principal.subject)
    if not cancelled:
        raise ProblemError(
            409,
            "conflict",
            "Conflict",
            f"job '{job_id}' has already ended ({job.status}); only a queued or running job "
            "can be cancelled",
            status_of_job=job.status,
        )
    return JSONResponse(job_document(job))


@router.post(
    "/{job_id}/cancel",
    summary="Cancel a job",
    responses=error_responses(401, 403, 404, 409, 429),
)
def cancel_job(principal: Caller, store: StoreDep, job_id: str) -> Response:
    """Cancel a queued or running job: it reads ``cancelled`` at once and its result is never
    stored. A queued job never starts; a running one stops within about a second, at the end
    of its current phase. 409 when the job has already ended. For the organiser who started it
    (or owns its event) and admins."""
    return _cancel(principal, store, job_id)


@router.delete(
    "/{job_id}",
    summary="Cancel a job (as POST .../cancel)",
    responses=error_responses(401, 403, 404, 409, 429),
)
def delete_job(principal: Caller, store: StoreDep, job_id: str) -> Response:
    """The same as ``POST /api/jobs/{id}/cancel``; the job's record is kept."""
    return _cancel(principal, store, job_id)
