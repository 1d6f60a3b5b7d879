"""The job runner: solver runs in worker threads, their state in the database.

A run that may take longer than a request should (an allocation, a schedule, pairs) becomes a
job: the endpoint answers 202 with the job at once, a worker thread runs it, and
``GET /api/jobs/{id}`` tells where it stands.

Decisions
---------
- **State lives in the database**, not in memory: a job is created ``queued``, marked
  ``running`` by the worker with this process's ``instance`` id, given coarse progress
  (preparing, solving, writing) and ended ``succeeded`` or ``failed``. Any process can answer
  for any job.
- **A job succeeds only with its result stored**: the result is written in one transaction
  (``store.save_result``) and only then the job is finished with the result's id. A process
  killed in between leaves a running job and, at worst, a result nobody points to; earlier
  results are never touched.
- **Start-up fails what a dead process left**: ``store.fail_interrupted_jobs(instance=...)``
  marks the queued and running jobs of other instances failed (``interrupted``), so that they
  can be run again. The id of an instance is new for every process (a UUID).
- **Errors become problems**: :class:`~matchmaker.errors.InfeasibleError` a 409 ``infeasible``
  problem with the rule, :class:`~matchmaker.errors.InvalidInputError` a 422 ``invalid-input``
  with the same ``problems`` as the command line, any other project error a 422, anything
  else a 500 ``internal`` problem whose detail says nothing of the code (the error is logged
  with its traceback, the response never carries it).
- **Shutdown** waits for running jobs and fails the queued ones (``interrupted``): a job never
  stays queued with no process to run it.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from api.problems import problems_of
from matchmaker.errors import InfeasibleError, InvalidInputError, MatchmakerError, NotFoundError
from matchmaker.store import INTERRUPTED, Store
from matchmaker.store.records import JobRecord

__all__ = ["JobContext", "JobOutcome", "JobRunner", "job_problem", "job_runner_lifespan"]

log = logging.getLogger("api.jobs")


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What a job's work returns: the result document to store for its event."""

    kind: str
    document: dict[str, Any]
    event_version: int
    message: str


class JobContext:
    """Given to a job's work: its id and a way to report progress."""

    def __init__(self, store: Store, job_id: str) -> None:
        self.store = store
        self.job_id = job_id

    def progress(self, fraction: float, message: str) -> None:
        """Record how far the job is (0..1) and what it is doing."""
        self.store.set_job_progress(self.job_id, max(0.0, min(1.0, fraction)), message)


Work = Callable[[JobContext], JobOutcome]


def _problem(status: int, type_: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"/problems/{type_}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


def job_problem(exc: BaseException, job_id: str) -> dict[str, Any]:
    """The problem document (RFC 9457) a failed job reports for ``exc``."""
    instance = f"/api/jobs/{job_id}"
    if isinstance(exc, InfeasibleError):
        return _problem(
            409, "infeasible", "Infeasible", exc.message, rule=exc.rule, instance=instance
        )
    if isinstance(exc, InvalidInputError):
        return _problem(
            422,
            "invalid-input",
            "Invalid input",
            exc.message,
            problems=problems_of(exc.problems),
            instance=instance,
        )
    if isinstance(exc, NotFoundError):
        return _problem(404, "not-found", "Not found", exc.message, instance=instance)
    if isinstance(exc, MatchmakerError):
        return _problem(
            422, "invalid-input", "Invalid input", str(exc), problems=[], instance=instance
        )
    return _problem(
        500,
        "internal",
        "Internal error",
        f"job {job_id} failed on an unexpected error; it was logged. Run it again, and if it "
        "fails again, report the job id",
        instance=instance,
    )


class JobRunner:
    """Runs jobs in a thread pool; their state is kept in ``store``.

    Parameters
    ----------
    store:
        The service's store.
    workers:
        How many jobs run at once.
    instance:
        This process's id (a new UUID by default).
    """

    def __init__(self, store: Store, workers: int = 1, *, instance: str | None = None) -> None:
        self.store = store
        self.workers = workers
        self.instance = instance or uuid.uuid4().hex
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> int:
        """Fail the jobs that an earlier process left queued or running; open the pool.

        Returns
        -------
        int
            How many jobs were marked failed.
        """
        failed = int(self.store.fail_interrupted_jobs(instance=self.instance))
        if failed:
            log.warning("marked %d interrupted jobs failed at start-up", failed)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="matchmaker-job")
        return failed

    def shutdown(self) -> None:
        """Wait for the running jobs; fail the queued ones, which no process would run."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        with self._lock:
            pending = dict(self._futures)
        for job_id, future in pending.items():
            if future.cancel():
                self._fail(
                    job_id,
                    {
                        **INTERRUPTED,
                        "detail": "the server stopped before the job ran; run it again",
                        "instance": f"/api/jobs/{job_id}",
                    },
                )
        pool.shutdown(wait=True)

    @property
    def running(self) -> bool:
        return self._pool is not None

    # --- jobs ----------------------------------------------------------------------------------

    def submit(
        self,
        *,
        kind: str,
        event_id: str | None,
        owner: str | None,
        params: dict[str, Any],
        work: Work,
    ) -> JobRecord:
        """Create a queued job and hand ``work`` to a worker; returns the job as created."""
        if self._pool is None:
            raise RuntimeError("the job runner is not started")
        job = self.store.create_job(kind, event_id=event_id, owner=owner, params=params)
        with self._lock:
            future = self._pool.submit(self._run, job.id, work)
            self._futures[job.id] = future
        future.add_done_callback(functools.partial(self._forget, job.id))
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Wait until the job submitted here is done (for tests and the command line)."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def _forget(self, job_id: str, _future: object = None) -> None:
        with self._lock:
            self._futures.pop(job_id, None)

    def _fail(self, job_id: str, problem: dict[str, Any]) -> None:
        try:
            self.store.fail_job(job_id, problem)
        except Exception:  # the database itself is gone; start-up will mark it
            log.exception("job %s: could not record its failure", job_id)

    def _run(self, job_id: str, work: Work) -> None:
        try:
            self.store.start_job(job_id, instance=self.instance)
            outcome = work(JobContext(self.store, job_id))
            self.store.set_job_progress(job_id, 0.95, "writing the result")
            # The result and the job's success are one transaction.
            self.store.save_result(
                outcome.document["event"],
                outcome.kind,
                outcome.document,
                event_version=outcome.event_version,
                job_id=job_id,
                message=outcome.message,
            )
        except MatchmakerError as exc:
            self._fail(job_id, job_problem(exc, job_id))
        except Exception as exc:
            log.exception("job %s failed on an unexpected error", job_id)
            self._fail(job_id, job_problem(exc, job_id))


@asynccontextmanager
async def job_runner_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the app's :class:`JobRunner` (``app.state.jobs``) and stop it with the app.

    The jobs router carries it, so every app that serves jobs starts a runner: it fails what
    an earlier process left unfinished, and at shutdown waits for the running jobs.
    """
    settings = app.state.settings
    runner = JobRunner(app.state.store, settings.job_workers)
    await anyio.to_thread.run_sync(runner.start)
    app.state.jobs = runner
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(runner.shutdown)
