"""The job runner: solver runs in worker threads, their state in the database.

A run that may take longer than a request should (an allocation, a schedule, pairs) becomes a
job: the endpoint answers 202 with the job at once, a worker thread runs it, and
``GET /api/jobs/{id}`` tells where it stands.

Decisions
---------
- **State lives in the database**, not in memory: a job is created ``queued``, claimed
  ``running`` by a worker thread with this process's ``instance`` id, given progress
  (preparing; the solver's own phases through :meth:`JobContext.solver_progress`, stored at
  most every ``PROGRESS_EVERY_S``; writing) and ended ``succeeded``, ``failed`` or
  ``cancelled``. Any process can answer for any job, and cancel it.
- **Jobs are held with leases**: the process that has a job's work holds it (``claimed_by``)
  until its lease runs out, and renews the lease while it lives (every third of it; between
  renewals it only reads whether its jobs were cancelled). Any
  process ends ``interrupted`` the open jobs whose lease ran out (their process died), at
  start and then periodically; no process ends the jobs of another that is alive, so several
  server processes share one database (SQLite or PostgreSQL) safely. A job's work is the
  closure its endpoint built, so only the process that took the request runs it; an
  interrupted job is run again by asking again.
- **Fair per owner**: a free worker thread claims the oldest queued job of the owner with the
  fewest running jobs (counted in every process), and an owner runs at most ``per_owner``
  jobs at once (one less than the threads by default), so one organiser's long runs leave a
  thread for the others. There are two threads by default (``MATCHMAKER_JOB_WORKERS``).
- **Time limits by role**: an organiser's run may ask for ``organiser_time_limit`` seconds at
  most (``MATCHMAKER_ORGANISER_TIME_LIMIT_S``), an admin's up to ``LIMITS.time_limit_s``;
  more is a 422 naming the cap.
- **Cancel**: ``POST /api/jobs/{id}/cancel`` ends an open job ``cancelled`` in the database at
  once. Its holder learns it at its next heartbeat (``tick`` seconds): a queued job never
  starts; a running one stops at its next progress report, which the solvers make between
  their phases (a slot matched, a round of rooms), and its result is never stored. A thread
  still inside a phase that is one library call is let go and a new one takes its place, so
  a cancelled run holds no thread the others need.
- **A job succeeds only with its result stored**: the result is written in one transaction
  (``store.save_result``) and only then the job is finished with the result's id; a job that
  was cancelled or ended meanwhile refuses it, and the transaction stores nothing.
- **Errors become problems**: :class:`~matchmaker.errors.InfeasibleError` a 409 ``infeasible``
  problem with the rule, :class:`~matchmaker.errors.InvalidInputError` a 422 ``invalid-input``
  with the same ``problems`` as the command line, any other project error a 422, anything
  else a 500 ``internal`` problem whose detail says nothing of the code (the error is logged
  with its traceback, the response never carries it).
- **Shutdown is bounded**: no job is claimed any more; the queued ones are ended
  ``interrupted`` at once; the running ones get ``shutdown_grace`` seconds to finish (and
  store their result), then are cancelled and ended ``interrupted``, and shutdown returns
  without waiting for a solver still running (the threads are daemons). If the database
  cannot be reached to record that, the lease runs out and another process ends them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from matchmaker.errors import InfeasibleError, InvalidInputError, MatchmakerError, NotFoundError
from matchmaker.limits import LIMITS
from matchmaker.service.problems import ProblemError, problems_of
from matchmaker.store import INTERRUPTED, Store
from matchmaker.store.jobs import JobGoneError
from matchmaker.store.records import JobRecord

__all__ = [
    "PORTABLE_ATTEMPTS",
    "JobCancelled",
    "JobContext",
    "JobOutcome",
    "JobRunner",
    "KindWork",
    "job_problem",
    "job_runner_lifespan",
]

log = logging.getLogger("matchmaker.service.job_runner")
#: Seconds between two progress reports a solver's callback writes to the store, at most.
PROGRESS_EVERY_S = 0.5


class JobCancelled(Exception):
    """Raised in a job's work (at a progress report) once the job was cancelled."""


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What a job's work returns: the result document to store for its event."""

    kind: str
    document: dict[str, Any]
    event_version: int
    message: str


class JobContext:
    """Given to a job's work: its id, a way to report progress, and whether to stop."""

    def __init__(
        self,
        store: Store,
        job_id: str,
        cancel: threading.Event | None = None,
        holder: str | None = None,
        attempt: int | None = None,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.holder = holder
        self.attempt = attempt
        self._cancel = cancel or threading.Event()

    @property
    def cancelled(self) -> bool:
        """Whether the job was cancelled (or the server is stopping): stop and return."""
        return self._cancel.is_set()

    def progress(self, fraction: float, message: str) -> None:
        """Record how far the job is (0..1) and what it is doing.

        Raises
        ------
        JobCancelled
            The job was cancelled: the work stops here.
        """
        if self._cancel.is_set():
            raise JobCancelled(self.job_id)
        try:
            self.store.set_job_progress(
                self.job_id,
                max(0.0, min(1.0, fraction)),
                message,
                holder=self.holder,
                attempt=self.attempt,
            )
        except JobGoneError as exc:  # ended, or held by another claim now
            raise JobCancelled(self.job_id) from exc

    def solver_progress(
        self, start: float, end: float, *, every: float = PROGRESS_EVERY_S
    ) -> Callable[[float, str], None]:
        """A solver's ``progress(fraction, message)`` callback that reports on this job: the
        solver's 0..1 becomes ``start``..``end`` of the job, never going back.

        Every call checks for a cancel (and raises :class:`JobCancelled`, which stops the
        solver); a report is written when the share moved by a hundredth or more and
        ``every`` seconds passed since the last one, so that a solver reporting often does
        not write to the store as often.
        """
        state = {"at": start, "written": -math.inf, "when": -math.inf}

        def report(fraction: float, message: str) -> None:
            if self._cancel.is_set():
                raise JobCancelled(self.job_id)
            at = max(state["at"], start + min(1.0, max(0.0, fraction)) * (end - start))
            state["at"] = at
            now = time.monotonic()
            if at - state["written"] >= 0.01 and now - state["when"] >= every:
                state["written"], state["when"] = at, now
                self.progress(at, message)

        return report


Work = Callable[[JobContext], JobOutcome]
#: The work of a portable job's kind: it reads what it needs from the store and the job.
KindWork = Callable[[JobContext, JobRecord], JobOutcome]
#: How often a portable job is started at most: its worker may die once.
PORTABLE_ATTEMPTS = 2


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


def _interrupted(job_id: str, detail: str) -> dict[str, Any]:
    return {**INTERRUPTED, "detail": detail, "instance": f"/api/jobs/{job_id}"}


@dataclass
class _Held:
    """A job this process holds: its work, and once claimed, the thread that runs it.
    ``portable``: a job of a registered kind, which another worker can run instead."""

    work: Work
    portable: bool = False
    attempt: int | None = None  # the claim that started it: its writes name it
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    done: threading.Event = field(default_factory=threading.Event)


class JobRunner:
    """Runs jobs in worker threads; their state is kept in ``store``.

    Parameters
    ----------
    store:
        The service's store.
    workers:
        How many jobs run at once in this process.
    instance:
        This process's id (a new UUID by default).
    lease_seconds:
        How long a job stays held by this process without a heartbeat; the heartbeat renews
        it every third of that.
    per_owner:
        At most this many running jobs per owner, in every process (default: one less than
        ``workers``, at least 1).
    organiser_time_limit:
        The longest ``time_limit`` (seconds) an organiser's run may ask for; an admin's may
        ask for up to ``LIMITS.time_limit_s``.
    shutdown_grace:
        Seconds the running jobs get to finish when the runner stops.
    tick:
        Seconds between two looks at the database (cancels, leases, claims); default
        ``min(1, lease_seconds / 3)``.
    kinds:
        The portable kinds of job and their work (:data:`matchmaker.service.job_kinds.
        JOB_KINDS` in a server or worker): jobs submitted without a closure, which any
        process that knows their kind runs. Without them, only the closures submitted here.
    """

    def __init__(
        self,
        store: Store,
        workers: int = 2,
        *,
        instance: str | None = None,
        lease_seconds: float = 30.0,
        per_owner: int | None = None,
        organiser_time_limit: float = LIMITS.time_limit_s,
        shutdown_grace: float = 5.0,
        tick: float | None = None,
        kinds: Mapping[str, KindWork] | None = None,
    ) -> None:
        if workers < 0 or not lease_seconds > 0:
            raise ValueError("workers must be 0 or more and lease_seconds above 0")
        self.store = store
        self.workers = workers
        self.instance = instance or uuid.uuid4().hex
        self.lease_seconds = float(lease_seconds)
        self.kinds: dict[str, KindWork] = dict(kinds or {})
        self.per_owner = per_owner if per_owner is not None else max(1, workers - 1)
        self.organiser_time_limit = min(float(organiser_time_limit), LIMITS.time_limit_s)
        self.shutdown_grace = max(0.0, float(shutdown_grace))
        self.tick = tick if tick is not None else min(1.0, self.lease_seconds / 3)
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._threads: set[threading.Thread] = set()
        self._claiming = 0  # claims under way (shutdown waits for them)
        self._started = False
        self._stopping = threading.Event()
        # The heartbeat outlives the claims: leases are renewed during the shutdown's grace.
        self._stopped = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> int:
        """End the jobs whose lease ran out (their process died); start the threads.

        Returns
        -------
        int
            How many jobs were ended ``interrupted``.
        """
        expired = self._expire()
        self._started = True
        for _ in range(self.workers):
            self._add_worker()
        self._heartbeat = threading.Thread(
            target=self._beat, name="matchmaker-job-heartbeat", daemon=True
        )
        self._heartbeat.start()
        return expired

    def shutdown(self, grace: float | None = None) -> None:
        """Stop within about ``grace`` seconds (default ``shutdown_grace``), leaving no job
        open: the queued ones and those still running after ``grace`` end ``interrupted``.
        """
        if not self._started or self._stopping.is_set():
            return
        self._stopping.set()
        grace = self.shutdown_grace if grace is None else grace
        with self._wake:
            self._wake.notify_all()
            # A claim under way ends in this runner's books (or back in the queue) before the
            # held jobs are looked at; a few seconds at most.
            deadline = time.monotonic() + max(3.0, self.tick)
            while self._claiming and time.monotonic() < deadline:
                self._wake.wait(0.05)
            queued = [job_id for job_id, held in self._held.items() if held.thread is None]
            for job_id in queued:
                held = self._held.pop(job_id)
                held.cancel.set()
                held.done.set()
        if queued:
            self._end_bounded(queued, "the server stopped before the job ran; run it again")
        deadline = time.monotonic() + grace
        with self._lock:
            running = dict(self._held)
        for held in running.values():
            held.done.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            left = [job_id for job_id, held in self._held.items() if not held.done.is_set()]
            for job_id in left:
                self._held[job_id].cancel.set()
            portable = [job_id for job_id in left if self._held[job_id].portable]
        if portable:  # another worker starts them afresh: a restart loses no run
            self._release_bounded(portable)
            left = [job_id for job_id in left if job_id not in portable]
        if left:
            self._end_bounded(
                left,
                "the server stopped during this run and did not wait for the solver; nothing "
                "of it was kept; run it again",
            )
        self._stopped.set()
        if self._heartbeat is not None:
            self._heartbeat.join(self.tick + 1)

    def _end_bounded(self, job_ids: list[str], detail: str) -> None:
        """End ``interrupted`` the jobs left at shutdown, waiting a few seconds at most for
        the database (a long import may hold SQLite's write lock): past that, their leases
        run out and another process ends them."""

        def end() -> None:
            for job_id in job_ids:
                self._fail(job_id, _interrupted(job_id, detail))

        ender = threading.Thread(target=end, name="matchmaker-job-end", daemon=True)
        ender.start()
        ender.join(max(3.0, self.tick))
        if ender.is_alive():
            log.warning("jobs %s: the database did not answer at shutdown; their leases "
                        "will run out", ", ".join(job_ids))  # fmt: skip

    def _release_bounded(self, job_ids: list[str]) -> None:
        """Give the unfinished portable jobs back to the queue, waiting a few seconds at most
        for the database (past that, their leases run out and they go back all the same)."""

        def release() -> None:
            try:
                back = self.store.release_jobs(self.instance, job_ids)
                log.info("%d unfinished jobs back in the queue for another worker", back)
            except Exception:
                log.exception("jobs %s: could not give them back; their leases will run out",
                              ", ".join(job_ids))  # fmt: skip

        releaser = threading.Thread(target=release, name="matchmaker-job-release", daemon=True)
        releaser.start()
        releaser.join(max(3.0, self.tick))

    @property
    def running(self) -> bool:
        return self._started and not self._stopping.is_set()

    # --- jobs ----------------------------------------------------------------------------------

    def check_time_limit(self, params: Mapping[str, Any], *, admin: bool) -> None:
        """Refuse a ``time_limit`` above the caller's cap (422 naming the cap)."""
        value = params.get("time_limit")
        if value is None:
            return
        cap = LIMITS.time_limit_s if admin else self.organiser_time_limit
        if isinstance(value, int | float) and math.isfinite(value) and 0 < value <= cap:
            return
        who = "an admin's key" if admin else "an organiser's key"
        more = "" if admin else f"; an admin may run up to {LIMITS.time_limit_s:g} seconds"
        message = (
            f"time_limit must be above 0 and at most {cap:g} seconds for a run started with "
            f"{who}; got {value}{more}"
        )
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            message,
            problems=[{"row": None, "field": "time_limit", "value": value, "message": message}],
            time_limit_cap=cap,
        )

    def submit(
        self,
        *,
        kind: str,
        event_id: str | None,
        owner: str | None,
        params: dict[str, Any],
        work: Work | None = None,
        admin: bool = False,
    ) -> JobRecord:
        """Create a queued job. Without ``work``, a portable job of a registered ``kind``
        (its parameters say all of it): a worker thread of any process that knows the kind
        runs it, and another one if that worker dies. With ``work``, a job held by this
        process, whose threads run ``work`` when its turn comes. ``params["time_limit"]``
        is checked against the cap of the role (``admin``). Returns the job as created."""
        if not self.running:
            raise RuntimeError("the job runner is not started")
        self.check_time_limit(params, admin=admin)
        if work is None:
            if kind not in self.kinds:
                raise ValueError(f"no work is registered for jobs of kind '{kind}'")
            job = self.store.create_job(
                kind,
                event_id=event_id,
                owner=owner,
                params=params,
                max_attempts=PORTABLE_ATTEMPTS,
            )
            with self._wake:
                self._wake.notify()
            return job
        job = self.store.create_job(
            kind,
            event_id=event_id,
            owner=owner,
            params=params,
            instance=self.instance,
            lease_seconds=self.lease_seconds,
        )
        with self._wake:
            self._held[job.id] = _Held(work)
            self._wake.notify()
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Wait until the job submitted here is done (for tests and the command line)."""
        with self._lock:
            held = self._held.get(job_id)
        if held is not None:
            if not held.done.wait(timeout):
                raise TimeoutError(f"job {job_id} is still open after {timeout} s")
            return
        # A portable job: whichever process runs it, the database says when it ends.
        deadline = None if timeout is None else time.monotonic() + timeout
        while (job := self.store.get_job(job_id)) is not None and job.status in (
            "queued",
            "running",
        ):
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still open after {timeout} s")
            time.sleep(min(0.05, self.tick))

    # --- threads ---------------------------------------------------------------------------

    def _add_worker(self) -> None:
        thread = threading.Thread(target=self._work_loop, name="matchmaker-job", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _work_loop(self) -> None:
        me = threading.current_thread()
        while not self._stopping.is_set():
            with self._lock:
                if me not in self._threads:
                    return  # let go while it ran a cancelled job; another took its place
            claimed = self._claim(me)
            if claimed is None:
                with self._wake:
                    if not self._stopping.is_set():
                        self._wake.wait(self.tick)
                continue
            job_id, held = claimed
            try:
                self._run(job_id, held)
            finally:
                with self._wake:
                    if self._held.get(job_id) is held:  # not a later claim's entry
                        del self._held[job_id]
                    held.done.set()
                    self._wake.notify_all()

    def _claim(self, me: threading.Thread) -> tuple[str, _Held] | None:
        with self._lock:
            waiting = [job_id for job_id, held in self._held.items() if held.thread is None]
        if not waiting and not self.kinds:
            return None
        kinds = list(self.kinds) or None
        with self._lock:
            if self._stopping.is_set():
                return None
            self._claiming += 1  # shutdown waits for the claims under way
        try:
            job = None
            if not kinds or self.store.has_claimable(
                job_ids=waiting, kinds=kinds, per_owner=self.per_owner
            ):  # a read first: an idle worker takes no write lock
                job = self.store.claim_job(
                    self.instance,
                    lease_seconds=self.lease_seconds,
                    job_ids=waiting,
                    per_owner=self.per_owner,
                    kinds=kinds,
                )
        except Exception:
            log.exception("could not claim a job; trying again")
            self._stopping.wait(self.tick)
            return None
        finally:
            with self._wake:
                self._claiming -= 1
                self._wake.notify_all()
        if job is None:
            return None
        with self._lock:
            held = self._held.get(job.id)
            if job.kind in self.kinds and (held is None or held.portable):
                # A portable job: its kind's work, with the job as claimed. A run of an earlier
                # claim still here (its lease ran out, the job came back) is let go: its
                # writes are refused, as they name the earlier attempt.
                if held is not None:
                    held.cancel.set()
                held = _Held(_bind(self.kinds[job.kind], job), portable=True)
                self._held[job.id] = held
            if held is not None:
                held.attempt = job.attempts
            if held is not None and not self._stopping.is_set():
                held.thread = me
                return job.id, held
            if held is not None and held.portable:
                self._held.pop(job.id, None)
                held.done.set()
                portable = True
            else:
                portable = False
        if portable:  # the runner is stopping: another worker takes it
            self._release_bounded([job.id])
            return None
        # Cancelled, or the runner is stopping, between the claim and now.
        self._fail(job.id, _interrupted(job.id, "the server stopped before the job ran; "
                                        "run it again"))  # fmt: skip
        return None

    def _beat(self) -> None:
        """Stop the held jobs that were cancelled (a read every tick); renew the leases of
        the held jobs and end the expired ones of any process (every third of a lease: the
        only writes, so that an idle server does not take SQLite's write lock each tick)."""
        renewed = sweep = time.monotonic()
        every = self.lease_seconds / 3
        while not self._stopped.wait(self.tick):
            try:
                with self._lock:
                    held = list(self._held)
                if held and time.monotonic() - renewed >= every - self.tick / 2:
                    gone = self.store.renew_leases(
                        self.instance, held, lease_seconds=self.lease_seconds
                    )
                    renewed = time.monotonic()
                elif held:
                    gone = self.store.jobs_let_go(self.instance, held)
                else:
                    gone, renewed = {}, time.monotonic()
                for job_id, status in gone.items():
                    self._let_go(job_id, status)
                if time.monotonic() - sweep >= every:
                    sweep = time.monotonic()
                    self._expire()
            except Exception:
                log.exception("job heartbeat failed; trying again")
                if time.monotonic() - renewed > self.lease_seconds:
                    log.error("the leases of this process's jobs may have run out")

    def _let_go(self, job_id: str, status: str) -> None:
        """Stop a held job that ended elsewhere (cancelled, or ended after its lease ran
        out): it never starts, or its work stops at its next progress report; a thread
        still running it is replaced so that the others' jobs do not wait for it."""
        with self._wake:
            held = self._held.get(job_id)
            if held is None:
                return
            held.cancel.set()
            if held.thread is None:
                self._held.pop(job_id)
                held.done.set()
            elif held.thread in self._threads:
                self._threads.discard(held.thread)
                replace = True
            else:
                replace = False
            self._wake.notify_all()
        log.info("job %s is %s: its work is stopped", job_id, status)
        if held.thread is not None and replace and not self._stopping.is_set():
            self._add_worker()

    def _expire(self) -> int:
        try:
            expired = int(self.store.expire_leases())
        except Exception:
            log.exception("could not end the jobs whose lease ran out")
            return 0
        if expired:
            log.warning("ended %d jobs interrupted: their process stopped holding them", expired)
        return expired

    def _fail(self, job_id: str, problem: dict[str, Any], attempt: int | None = None) -> None:
        try:
            self.store.fail_job(job_id, problem, holder=self.instance, attempt=attempt)
        except MatchmakerError as exc:  # cancelled, ended, or held by another process meanwhile
            log.info("job %s: not marked failed: %s", job_id, exc)
        except Exception:  # the database itself is gone; the lease will run out
            log.exception("job %s: could not record its failure", job_id)

    def _run(self, job_id: str, held: _Held) -> None:
        try:
            ctx = JobContext(self.store, job_id, held.cancel, self.instance, held.attempt)
            outcome = held.work(ctx)
            if held.cancel.is_set():
                raise JobCancelled(job_id)
            ctx.progress(0.95, "writing the result")
            # The result and the job's success are one transaction; a job cancelled
            # meanwhile refuses it and nothing is stored.
            self.store.save_result(
                outcome.document["event"],
                outcome.kind,
                outcome.document,
                event_version=outcome.event_version,
                job_id=job_id,
                message=outcome.message,
                holder=self.instance,
                attempt=held.attempt,
            )
        except (JobCancelled, JobGoneError):
            log.info("job %s: cancelled or taken over; its result is not kept", job_id)
        except MatchmakerError as exc:
            if held.cancel.is_set():
                log.info("job %s: cancelled; its result is not kept", job_id)
                return
            self._fail(job_id, job_problem(exc, job_id), held.attempt)
        except Exception as exc:
            log.exception("job %s failed on an unexpected error", job_id)
            self._fail(job_id, job_problem(exc, job_id), held.attempt)


def _bind(work: KindWork, job: JobRecord) -> Work:
    """A portable job's work as the threads run it: its kind's function, with the job."""

    def run(ctx: JobContext) -> JobOutcome:
        return work(ctx, job)

    return run


def runner_for(store: Store, settings: Any, workers: int | None = None) -> JobRunner:
    """The job runner the settings describe (``MATCHMAKER_JOB_*``), running the portable
    kinds of :mod:`matchmaker.service.job_kinds` and the closures submitted to it, in
    ``workers`` threads (default ``settings.job_workers``)."""
    from matchmaker.service.job_kinds import JOB_KINDS

    return JobRunner(
        store,
        settings.job_workers if workers is None else workers,
        kinds=JOB_KINDS,
        lease_seconds=settings.job_lease_seconds,
        per_owner=settings.job_owner_max_running,
        organiser_time_limit=settings.organiser_time_limit_s,
        shutdown_grace=settings.job_shutdown_grace_s,
    )


@asynccontextmanager
async def job_runner_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the app's :class:`JobRunner` (``app.state.jobs``) and stop it with the app.

    The jobs router carries it, so every app that serves jobs starts a runner: it ends the
    jobs whose lease ran out, and at shutdown ends its own within a bounded time.
    """
    runner = runner_for(app.state.store, app.state.settings)
    # A thread of its own, not one of the few the requests take turns on (which a long request
    # may hold when the server stops).
    own = anyio.CapacityLimiter(1)
    await anyio.to_thread.run_sync(runner.start, limiter=own)
    app.state.jobs = runner
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(runner.shutdown, limiter=own)
