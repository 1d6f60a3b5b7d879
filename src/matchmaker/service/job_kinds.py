"""The portable kinds of job and their work: what a worker runs from a job's record alone.

A job of one of these kinds holds no closure: its parameters (the request's body, and for a
re-plan the result it starts from) and its event say all of it, so any server or ``matchmaker
worker`` process that shares the database can run it, and another one if its worker dies.
Each work function reads the event as it is when the job starts.
"""

from __future__ import annotations

from matchmaker.service.job_runner import KindWork
from matchmaker.service.routers.breakouts import breakouts_job
from matchmaker.service.routers.pairs import pairs_job
from matchmaker.service.routers.schedule import schedule_job

__all__ = ["JOB_KINDS"]

#: Every portable kind of job, by the kind of result it makes.
JOB_KINDS: dict[str, KindWork] = {
    "breakouts": breakouts_job,
    "pairs": pairs_job,
    "schedule": schedule_job,
}
