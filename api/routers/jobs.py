"""``/api/jobs/{id}``: where a job stands.

The router also carries the job runner's lifespan (:func:`api.jobs.job_runner_lifespan`): an
app that serves jobs starts a runner with it, which first fails what an earlier process left
unfinished.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from api.deps import Principal, StoreDep, forbidden, require
from api.event_access import job_document
from api.jobs import job_runner_lifespan
from api.problems import error_responses
from matchmaker.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/api/jobs", tags=["jobs"], lifespan=job_runner_lifespan)

Caller = Annotated[Principal, Depends(require("admin", "organiser"))]
_JOB_ID = re.compile(r"^[0-9a-f]{1,32}$")


@router.get("/{job_id}", summary="A job", responses=error_responses(401, 403, 404, 429))
def get_job(principal: Caller, store: StoreDep, job_id: str) -> Response:
    """The job's status (queued, running, succeeded, failed), progress (0..1), message, the
    address of its result when it succeeded, and its problem when it failed. For the organiser
    who started it (or owns its event) and admins."""
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
    headers = {} if job.done else {"Retry-After": "1"}
    return JSONResponse(job_document(job), headers=headers)
