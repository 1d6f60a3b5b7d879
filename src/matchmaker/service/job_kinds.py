"""The portable kinds of job and their work: what a worker runs from a job's record alone.

A job of one of these kinds holds no closure: its parameters (the request's body, and for a
re-plan the result it starts from) and its event say all of it, so any server or ``matchmaker
worker`` process that shares the database can run it, and another one if its worker dies.
Each work function reads the event as it is when the job starts. Every result records what
it was built from (``document["inputs"]``, see :mod:`matchmaker.plan.inputs`), so that the
page can say when it is out of date.
"""

from __future__ import annotations

from matchmaker.plan.inputs import ResultKind, result_inputs
from matchmaker.service.job_runner import JobContext, JobOutcome, KindWork
from matchmaker.service.routers.breakouts import breakouts_job
from matchmaker.service.routers.pairs import pairs_job
from matchmaker.service.routers.schedule import schedule_job
from matchmaker.store.records import JobRecord

__all__ = ["JOB_KINDS"]


def _recording_inputs(kind: ResultKind, work: KindWork) -> KindWork:
    """``work``, whose result also records the fingerprints of the event it was planned from.

    The event is read again after the work; when its version is no longer the one planned
    (changed meanwhile), nothing is recorded and the page compares versions instead.
    """

    def run(ctx: JobContext, job: JobRecord) -> JobOutcome:
        outcome = work(ctx, job)
        record = None if job.event_id is None else ctx.store.get_event_record(job.event_id)
        if record is not None and record.version == outcome.event_version:
            outcome.document["inputs"] = result_inputs(record.value)[kind]
        return outcome

    return run


#: Every portable kind of job, by the kind of result it makes.
JOB_KINDS: dict[str, KindWork] = {
    "breakouts": _recording_inputs("breakouts", breakouts_job),
    "pairs": _recording_inputs("pairs", pairs_job),
    "schedule": _recording_inputs("schedule", schedule_job),
}
