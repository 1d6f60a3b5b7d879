"""``/api/events/{id}/pairs``: partner pairs, as a job; the latest pairs."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from matchmaker.limits import Partners, Seed
from matchmaker.plan.documents import pairs_document
from matchmaker.score import PresetName
from matchmaker.service.deps import StoreDep
from matchmaker.service.event_access import (
    Organiser,
    RunnerDep,
    StoredPairs,
    latest_result,
    owned_event,
    result_document,
    start_run,
    stored_event,
    with_etag,
)
from matchmaker.service.job_runner import JobContext, JobOutcome
from matchmaker.service.problems import error_responses
from matchmaker.service.routers.scorers import learned_or_preset
from matchmaker.store.records import JobRecord

__all__ = ["pairs_job", "router"]

router = APIRouter(prefix="/api/events/{event_id}/pairs", tags=["pairs"])


class PairsRun(BaseModel):
    """How to pair the participants."""

    model_config = ConfigDict(extra="forbid")

    capacity: Partners = Field(default=1, description="partners per participant")
    preset: PresetName = PresetName.BUSINESS
    scorer: str | None = Field(
        default=None,
        max_length=100,
        description="a learned scorer's name (see /api/scorers), instead of the preset",
    )
    seed: Seed | None = 0


@router.post(
    "",
    status_code=202,
    summary="Pair the participants (a job)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def run_pairs(
    principal: Organiser,
    store: StoreDep,
    runner: RunnerDep,
    event_id: str,
    run: PairsRun | None = None,
) -> Response:
    """Start a job that pairs the participants (must-meet requests forced, would-rather-not
    never) → 202 ``{"job": ...}`` with ``Location``; then ``GET`` gives the pairs."""
    owned_event(store, principal, event_id)
    run = run or PairsRun()
    learned_or_preset(store, run.preset, run.scorer)  # an unknown scorer is a 404 now
    return start_run(runner, principal, "pairs", event_id, run.model_dump(mode="json"))


def pairs_job(ctx: JobContext, job: JobRecord) -> JobOutcome:
    """The work of a ``pairs`` job: the event as it is now, the run's parameters."""
    from matchmaker.plan.meetings import event_matrices, plan_pairs

    run = PairsRun.model_validate(job.params)
    record = stored_event(ctx.store, job.event_id)
    event, version = record.value, record.version
    scorer = learned_or_preset(ctx.store, run.preset, run.scorer)
    ctx.progress(0.05, "preparing: scoring the participants and reading their requests")
    matrices = event_matrices(event, scorer=scorer)
    result, pairs = plan_pairs(
        event,
        capacity=run.capacity,
        scorer=scorer,
        seed=run.seed,
        matrices=matrices,
        progress=ctx.solver_progress(0.1, 0.8),
    )
    ctx.progress(0.8, "writing the pairs and why")
    doc = pairs_document(
        event,
        result,
        pairs,
        matrices,
        preset=scorer,
        capacity=run.capacity,
        event_version=version,
        seed=run.seed,
    )
    return JobOutcome("pairs", doc, version, str(result.message))


@router.get(
    "",
    summary="The latest pairs",
    response_model=StoredPairs,
    response_description="The pairs; ETag their version",
    responses=error_responses(401, 403, 404, 429),
)
def get_pairs(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The newest pairs: each pair's participants, score, request and why; who is unpaired;
    the objective, bound and gap. ``ETag`` its version."""
    owned_event(store, principal, event_id)
    record = latest_result(store, event_id, "pairs")
    return with_etag(result_document(record), record.version)
