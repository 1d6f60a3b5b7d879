"""Results of the solvers (allocations, schedules, pairs) and the jobs that compute them.

A result is written whole in one transaction when its run ends, so a run that is killed leaves
the earlier results as they were.

A job is either **portable** (its work is described by its kind and parameters, so any
worker that knows the kind can run it) or **held** by the process that has its work, a
closure (``claimed_by`` while queued). A worker claims its next job with
:meth:`JobStore.claim_job`, atomically (SQLite's ``BEGIN IMMEDIATE``; PostgreSQL's ``FOR
UPDATE SKIP LOCKED`` under a transaction-scoped advisory lock) and fairly: the oldest queued
job of the owner with the fewest running jobs. While it runs a job, the worker holds it with a
lease (``lease_expires_at``) that it renews (:meth:`JobStore.renew_leases`). When a lease runs
out (the worker died), any live process recovers the job (:meth:`JobStore.expire_leases`): a
portable job goes back to the queue until it has been started ``max_attempts`` times, any
other one is ended ``interrupted``; a process never touches the jobs of another one that is
alive. A worker that stops gives its unfinished portable jobs back to the queue
(:meth:`JobStore.release_jobs`).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, or_, select, text, update
from sqlalchemy.orm import Session

from matchmaker.errors import MatchmakerError, NotFoundError
from matchmaker.store.base import StoreBase, versioned
from matchmaker.store.organisations import aware
from matchmaker.store.records import RESULT_KINDS, JobRecord, ResultRecord
from matchmaker.store.schema import EventRow, JobRow, ResultRow, now

__all__ = ["CANCELLED_BY", "INTERRUPTED", "RELEASED", "REQUEUED", "JobGoneError", "JobStore"]

INTERRUPTED: dict[str, Any] = {
    "type": "/problems/interrupted",
    "title": "Interrupted",
    "status": 500,
    "detail": "the server stopped during this run; nothing of it was kept; run it again",
}
_OPEN = ("queued", "running")
#: The message of a portable job back in the queue after its worker died.
REQUEUED = "waiting again: the worker that ran it stopped; another one starts it afresh"
#: The message of a portable job given back by a worker that stopped.
RELEASED = "waiting again: its worker stopped before the end; another one starts it afresh"
#: The message of a cancelled job; ``{by}`` is who cancelled it.
CANCELLED_BY = "cancelled by {by}"
# Any constant: the PostgreSQL advisory lock that makes the claims of all processes one queue,
# so that the running jobs each claim counts per owner are exact.
_PG_CLAIM_LOCK = 0x6D6D_6A6F


def _result(row: ResultRow) -> ResultRecord:
    return ResultRecord(
        id=row.id,
        event_id=row.event_id,
        kind=row.kind,
        document=row.document,
        version=row.version,
        event_version=row.event_version,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def _job(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        event_id=row.event_id,
        owner=row.owner,
        params=row.params,
        status=row.status,
        progress=row.progress,
        message=row.message,
        result_id=row.result_id,
        problem=row.problem,
        instance=row.instance,
        created_at=aware(row.created_at),
        started_at=None if row.started_at is None else aware(row.started_at),
        finished_at=None if row.finished_at is None else aware(row.finished_at),
        claimed_by=row.claimed_by,
        lease_expires_at=None if row.lease_expires_at is None else aware(row.lease_expires_at),
        attempts=row.attempts or 0,
        max_attempts=row.max_attempts or 1,
    )


def _check_kind(kind: str) -> None:
    if kind not in RESULT_KINDS:
        raise ValueError(f"result kind '{kind}' must be one of: {', '.join(RESULT_KINDS)}")


class JobGoneError(MatchmakerError):
    """The job ended, or is no longer held by the run that asks: its work stops and nothing of
    it is stored."""


def _open_job(
    session: Session, job_id: str, holder: str | None = None, attempt: int | None = None
) -> JobRow:
    """The job's row, locked for the change; refused when the job has ended, or (with
    ``holder`` and ``attempt``, the claim that started the run) when another claim holds it
    now: a worker whose lease ran out while it was still alive must not write over the run
    that took its place, even in its own process."""
    row = session.scalars(select(JobRow).where(JobRow.id == job_id).with_for_update()).first()
    if row is None:
        raise NotFoundError("job", job_id)
    if row.status not in _OPEN:
        raise JobGoneError(f"job '{job_id}' has already {row.status}; it cannot change")
    if (holder is not None and row.claimed_by != holder) or (
        attempt is not None and row.attempts != attempt
    ):
        raise JobGoneError(
            f"job '{job_id}' is no longer held by this run (its lease ran out and the job went "
            "back to the queue); the run is dropped"
        )
    return row


def _end(row: JobRow, status: str) -> None:
    """End an open job: ``status``, the time, and nobody holds it any more."""
    row.status, row.finished_at = status, now()
    row.claimed_by, row.lease_expires_at = None, None


def _finish(
    session: Session,
    job_id: str,
    result_id: int,
    message: str,
    holder: str | None = None,
    attempt: int | None = None,
) -> None:
    row = _open_job(session, job_id, holder, attempt)
    _end(row, "succeeded")
    row.progress, row.result_id, row.message = 1.0, result_id, message


def _claimable(job_ids: Collection[str] | None, kinds: Collection[str] | None) -> Any:
    """The queued jobs a process may claim: its held ones (``job_ids``) and the portable
    ones of ``kinds`` (nobody holds them, and they may be started more than once: see
    :meth:`JobStore.create_job`); any queued job with neither."""
    if job_ids is None and kinds is None:
        return JobRow.id.is_not(None)
    held = JobRow.id.in_(list(job_ids or ()))
    if not kinds:
        return held
    portable = (
        JobRow.claimed_by.is_(None) & (JobRow.max_attempts > 1) & JobRow.kind.in_(list(kinds))
    )
    return or_(held, portable)


def _lease(seconds: float) -> dt.datetime:
    return now() + dt.timedelta(seconds=seconds)


class JobStore(StoreBase):
    """The results' and jobs' part of :class:`~matchmaker.store.Store`."""

    # --- results ------------------------------------------------------------------------

    def save_result(
        self,
        event_id: str,
        kind: str,
        document: dict[str, Any],
        *,
        event_version: int,
        job_id: str | None = None,
        message: str = "",
        holder: str | None = None,
        attempt: int | None = None,
    ) -> ResultRecord:
        """Store a new result of an event at version 1.

        Parameters
        ----------
        kind:
            ``"breakouts"``, ``"schedule"`` or ``"pairs"``.
        event_version:
            The version of the event the result was computed from.
        job_id:
            The job that computed it: marked succeeded (with ``message``) in the same
            transaction, so that a result is never stored without its job saying so.
        holder, attempt:
            The process that ran the job and the attempt it claimed: the result is refused
            (:class:`JobGoneError`, nothing stored) when another claim holds the job now.

        Raises
        ------
        NotFoundError
            No such event (or job).
        """
        _check_kind(kind)

        def run(session: Session) -> ResultRecord:
            if session.get(EventRow, event_id) is None:
                raise NotFoundError("event", event_id)
            at = now()
            row = ResultRow(
                event_id=event_id,
                kind=kind,
                document=document,
                version=1,
                event_version=event_version,
                created_at=at,
                updated_at=at,
            )
            session.add(row)
            session.flush()
            if job_id is not None:
                _finish(session, job_id, row.id, message, holder, attempt)
            return _result(row)

        return self._write(run)

    def get_result(self, result_id: int) -> ResultRecord | None:
        """A result by its id, or ``None``."""

        def run(session: Session) -> ResultRecord | None:
            row = session.get(ResultRow, result_id)
            return None if row is None else _result(row)

        return self._read(run)

    def latest_result(self, event_id: str, kind: str) -> ResultRecord | None:
        """The newest result of this kind for the event, or ``None``."""
        _check_kind(kind)

        def run(session: Session) -> ResultRecord | None:
            row = session.scalars(_results(event_id, kind).limit(1)).first()
            return None if row is None else _result(row)

        return self._read(run)

    def list_results(self, event_id: str, kind: str | None = None) -> list[ResultRecord]:
        """The event's results (of one kind, or all), newest first, with their documents."""
        if kind is not None:
            _check_kind(kind)
        return self._read(lambda s: [_result(r) for r in s.scalars(_results(event_id, kind))])

    def update_result(
        self, result_id: int, document: dict[str, Any], *, expected_version: int
    ) -> ResultRecord:
        """Replace a result's document at ``expected_version`` (a hand-made move, for
        instance); version + 1.

        Raises
        ------
        NotFoundError, VersionConflictError
        """

        def run(session: Session) -> ResultRecord:
            versioned(
                session,
                update(ResultRow)
                .where(ResultRow.id == result_id, ResultRow.version == expected_version)
                .values(document=document, updated_at=now(), version=ResultRow.version + 1),
                what="result",
                key=result_id,
                expected=expected_version,
                version_of=select(ResultRow.version).where(ResultRow.id == result_id),
            )
            row = session.get(ResultRow, result_id, populate_existing=True)
            assert row is not None
            return _result(row)

        return self._write(run)

    # --- jobs ---------------------------------------------------------------------------

    def create_job(
        self,
        kind: str,
        *,
        event_id: str | None,
        owner: str | None,
        params: dict[str, Any],
        instance: str | None = None,
        lease_seconds: float | None = None,
        max_attempts: int = 1,
    ) -> JobRecord:
        """Record a queued job; its id is a random hex string.

        With ``instance`` and ``lease_seconds``, the job is held by that process (which has
        its work) for that long, and the process renews the lease (:meth:`renew_leases`).
        Without them, the job is portable: any worker that knows its kind may claim it, and
        it is started up to ``max_attempts`` times (its worker may die).
        """
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be 1 or more; got {max_attempts}")

        def run(session: Session) -> JobRecord:
            held = instance is not None and lease_seconds is not None
            row = JobRow(
                id=uuid.uuid4().hex,
                kind=kind,
                event_id=event_id,
                owner=owner,
                params=params,
                status="queued",
                progress=0.0,
                message="",
                instance=instance,
                created_at=now(),
                claimed_by=instance if held else None,
                lease_expires_at=_lease(lease_seconds) if held else None,  # type: ignore[arg-type]
                attempts=0,
                max_attempts=max_attempts,
            )
            session.add(row)
            session.flush()
            return _job(row)

        return self._write(run)

    def get_job(self, job_id: str) -> JobRecord | None:
        """A job by its id, or ``None``."""

        def run(session: Session) -> JobRecord | None:
            row = session.get(JobRow, job_id)
            return None if row is None else _job(row)

        return self._read(run)

    def list_jobs(
        self, *, event_id: str | None = None, status: str | None = None
    ) -> list[JobRecord]:
        """Jobs, newest first: all, or those of an event, or in a status."""

        def run(session: Session) -> list[JobRecord]:
            query = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id)
            if event_id is not None:
                query = query.where(JobRow.event_id == event_id)
            if status is not None:
                query = query.where(JobRow.status == status)
            return [_job(r) for r in session.scalars(query)]

        return self._read(run)

    def start_job(self, job_id: str, *, instance: str) -> JobRecord:
        """Mark a queued job running in the server process ``instance`` (without a lease:
        the runner claims its jobs with :meth:`claim_job`)."""

        def run(session: Session) -> JobRecord:
            row = _open_job(session, job_id)
            row.status, row.instance, row.started_at = "running", instance, now()
            return _job(row)

        return self._write(run)

    def claim_job(
        self,
        instance: str,
        *,
        lease_seconds: float,
        job_ids: Collection[str] | None = None,
        per_owner: int | None = None,
        kinds: Collection[str] | None = None,
    ) -> JobRecord | None:
        """Start the next queued job in process ``instance``, or ``None`` when none may start.

        The next job is the oldest queued one of the owner with the fewest running jobs (in
        every process): one organiser's long runs do not hold everyone else's back.

        Parameters
        ----------
        instance:
            The process that runs it; it holds the job until ``lease_seconds`` from now.
        job_ids:
            The held jobs this process has the work of.
        kinds:
            The kinds of portable job this process can run (queued jobs that nobody holds).
            With neither ``job_ids`` nor ``kinds``, any queued job.
        per_owner:
            At most this many running jobs per owner (``None``: no cap); an owner at the cap
            is passed over.

        Notes
        -----
        One transaction: SQLite's ``BEGIN IMMEDIATE`` makes claims one at a time; on
        PostgreSQL an advisory lock does, and ``FOR UPDATE SKIP LOCKED`` passes over the rows
        that another transaction (a cancel) holds. A job is never started twice.
        """
        if job_ids is not None and not job_ids and not kinds:
            return None

        def run(session: Session) -> JobRecord | None:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CLAIM_LOCK})
            query = (
                select(JobRow)
                .where(JobRow.status == "queued")
                .order_by(JobRow.created_at, JobRow.id)
                .with_for_update(skip_locked=True)
            )
            query = query.where(_claimable(job_ids, kinds))
            queued = list(session.scalars(query))
            if not queued:
                return None
            running = dict(
                session.execute(
                    select(JobRow.owner, func.count())
                    .where(JobRow.status == "running")
                    .group_by(JobRow.owner)
                ).all()
            )
            chosen: JobRow | None = None
            for row in queued:  # oldest first: the first of each owner is its oldest
                count = running.get(row.owner, 0)
                if per_owner is not None and count >= per_owner:
                    continue
                if chosen is None or count < running.get(chosen.owner, 0):
                    chosen = row
            if chosen is None:
                return None
            at = now()
            chosen.status, chosen.instance, chosen.started_at = "running", instance, at
            chosen.claimed_by, chosen.heartbeat_at = instance, at
            chosen.lease_expires_at = at + dt.timedelta(seconds=lease_seconds)
            chosen.attempts = (chosen.attempts or 0) + 1
            return _job(chosen)

        return self._write(run)

    def has_claimable(
        self,
        *,
        job_ids: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        per_owner: int | None = None,
    ) -> bool:
        """Whether :meth:`claim_job` with the same arguments could start a job (a read: idle
        workers ask this before they claim, so that they take no write lock while there is
        nothing they may start, an owner at its cap included)."""
        if job_ids is not None and not job_ids and not kinds:
            return False
        where = (JobRow.status == "queued") & _claimable(job_ids, kinds)

        def run(session: Session) -> bool:
            owners = set(session.scalars(select(JobRow.owner).where(where).distinct()))
            if not owners:
                return False
            if per_owner is None:
                return True
            running = dict(
                session.execute(
                    select(JobRow.owner, func.count())
                    .where(JobRow.status == "running", JobRow.owner.in_(owners))
                    .group_by(JobRow.owner)
                ).all()
            )
            return any(running.get(owner, 0) < per_owner for owner in owners)

        return bool(self._read(run))

    def release_jobs(self, instance: str, job_ids: Collection[str]) -> int:
        """Give back to the queue the portable jobs among ``job_ids`` that ``instance`` runs
        (it is stopping and will not finish them): another worker starts them afresh. The
        attempt is not held against the job (one more is allowed), as the worker did not
        fail. Returns how many went back."""
        ids = list(job_ids)
        if not ids or self.read_only:
            return 0

        def run(session: Session) -> int:
            done = session.execute(
                update(JobRow)
                .where(
                    JobRow.id.in_(ids),
                    JobRow.claimed_by == instance,
                    JobRow.status == "running",
                    JobRow.max_attempts > 1,
                )
                .values(
                    status="queued",
                    progress=0.0,
                    message=RELEASED,
                    claimed_by=None,
                    lease_expires_at=None,
                    started_at=None,
                    # The stop is not a failed attempt: one more is allowed. (``attempts``
                    # keeps counting claims: each claim is told apart by it.)
                    max_attempts=JobRow.max_attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            return int(done.rowcount)  # type: ignore[attr-defined]

        return self._write(run)

    def renew_leases(
        self, instance: str, job_ids: Collection[str], *, lease_seconds: float
    ) -> dict[str, str]:
        """Renew the leases of the open jobs that ``instance`` holds among ``job_ids``.

        Returns
        -------
        dict
            The status of each of ``job_ids`` that is no longer open and held by
            ``instance`` (cancelled, or ended by another process after its lease ran out):
            the holder stops their work. Jobs not found read ``"missing"``.
        """
        ids = list(job_ids)
        if not ids:
            return {}

        def run(session: Session) -> dict[str, str]:
            at = now()
            session.execute(
                update(JobRow)
                .where(
                    JobRow.id.in_(ids),
                    JobRow.claimed_by == instance,
                    JobRow.status.in_(_OPEN),
                )
                .values(heartbeat_at=at, lease_expires_at=at + dt.timedelta(seconds=lease_seconds))
                .execution_options(synchronize_session=False)
            )
            return _gone(session, instance, ids)

        return self._write(run)

    def jobs_let_go(self, instance: str, job_ids: Collection[str]) -> dict[str, str]:
        """Which of ``job_ids`` are no longer open and held by ``instance``, with their
        status (as :meth:`renew_leases` tells, without renewing: a read, no write lock)."""
        ids = list(job_ids)
        if not ids:
            return {}
        return self._read(lambda session: _gone(session, instance, ids))

    def expire_leases(self) -> int:
        """Recover every open job whose lease ran out (its worker died or stopped without
        ending it): a portable running job that may be started again goes back to the queue;
        any other one (a held job whose work is lost, or one started ``max_attempts`` times)
        is ended ``interrupted``: nothing of the run was kept, and it can be run again.
        Queued portable jobs are nobody's: they wait. Returns how many jobs were recovered.
        """
        if self.read_only:  # nothing can be ended; a server on it only reads
            return 0

        def expired() -> Any:
            lapsed = or_(JobRow.lease_expires_at.is_(None), JobRow.lease_expires_at < now())
            portable_waiting = (
                (JobRow.status == "queued")
                & JobRow.claimed_by.is_(None)
                & (JobRow.max_attempts > 1)
            )
            return JobRow.status.in_(_OPEN) & lapsed & ~portable_waiting

        # A read first: every process sweeps every few seconds, and most sweeps find nothing,
        # so they take no write lock (SQLite has one writer at a time).
        found = self._read(
            lambda session: session.scalar(
                select(func.count()).select_from(JobRow).where(expired())
            )
        )
        if not found:
            return 0

        def run(session: Session) -> int:
            again = (
                expired()
                & (JobRow.status == "running")
                & (JobRow.max_attempts > 1)
                & (JobRow.attempts < JobRow.max_attempts)
            )
            requeued = session.execute(
                update(JobRow)
                .where(again)
                .values(
                    status="queued",
                    progress=0.0,
                    message=REQUEUED,
                    claimed_by=None,
                    lease_expires_at=None,
                    started_at=None,
                )
                .execution_options(synchronize_session=False)
            )
            return int(requeued.rowcount) + _interrupt(session, expired())  # type: ignore[attr-defined]

        return self._write(run)

    def cancel_job(self, job_id: str, *, by: str) -> tuple[JobRecord, bool]:
        """Cancel an open job: it ends ``cancelled`` at once, and its holder stops its work
        (a queued job never starts; a running one's result is never stored).

        Returns
        -------
        (JobRecord, bool)
            The job, and whether this call cancelled it (``False``: it had already ended).

        Raises
        ------
        NotFoundError
            No such job.
        """

        def run(session: Session) -> tuple[JobRecord, bool]:
            row = session.scalars(
                select(JobRow).where(JobRow.id == job_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError("job", job_id)
            if row.status not in _OPEN:
                return _job(row), False
            _end(row, "cancelled")
            row.message = CANCELLED_BY.format(by=by)
            return _job(row), True

        return self._write(run)

    def set_job_progress(
        self,
        job_id: str,
        progress: float,
        message: str,
        *,
        holder: str | None = None,
        attempt: int | None = None,
    ) -> None:
        """Record how far a job is (``progress`` is clamped to [0, 1]) and what it does
        (``holder``, ``attempt``: refused when another claim holds the job now)."""
        value = 0.0 if math.isnan(progress) else min(max(float(progress), 0.0), 1.0)

        def run(session: Session) -> None:
            row = _open_job(session, job_id, holder, attempt)
            row.progress, row.message = value, message

        self._write(run)

    def finish_job(self, job_id: str, *, result_id: int, message: str = "") -> JobRecord:
        """Mark a job succeeded with its result (progress 1)."""

        def run(session: Session) -> JobRecord:
            _finish(session, job_id, result_id, message)
            row = session.get(JobRow, job_id)
            assert row is not None
            return _job(row)

        return self._write(run)

    def fail_job(
        self,
        job_id: str,
        problem: dict[str, Any],
        *,
        holder: str | None = None,
        attempt: int | None = None,
    ) -> JobRecord:
        """Mark a job failed; ``problem`` is an RFC 9457 problem (``type``, ``title``,
        ``status``, ``detail``, ...). ``holder``, ``attempt``: refused when another claim
        holds the job now."""

        def run(session: Session) -> JobRecord:
            row = _open_job(session, job_id, holder, attempt)
            _end(row, "failed")
            row.problem = problem
            return _job(row)

        return self._write(run)

    def fail_interrupted_jobs(self, *, instance: str) -> int:
        """Mark failed every queued or running job not of ``instance``.

        Only for a database that one process uses at a time (a tool that knows no other one
        runs): it ends the jobs of every other process, alive or not. Servers and workers
        that share a database use leases instead (:meth:`expire_leases`).
        """
        if self.read_only:  # nothing can be marked; a server on it only reads
            return 0

        others = JobRow.status.in_(_OPEN) & (
            (JobRow.instance != instance) | JobRow.instance.is_(None)
        )
        return self._write(lambda session: _interrupt(session, others))


def _interrupt(session: Session, where: Any) -> int:
    """End the jobs ``where`` selects as failed ``interrupted``, released; how many."""
    done = session.execute(
        update(JobRow)
        .where(where)
        .values(
            status="failed",
            problem=INTERRUPTED,
            finished_at=now(),
            claimed_by=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def _gone(session: Session, instance: str, ids: list[str]) -> dict[str, str]:
    rows = session.execute(
        select(JobRow.id, JobRow.status, JobRow.claimed_by).where(JobRow.id.in_(ids))
    ).all()
    gone = {job_id: "missing" for job_id in ids}
    for job_id, status, holder in rows:
        if status in _OPEN and holder == instance:
            del gone[job_id]
        else:
            gone[job_id] = status
    return gone


def _results(event_id: str, kind: str | None) -> Select[ResultRow]:
    query = select(ResultRow).where(ResultRow.event_id == event_id)
    if kind is not None:
        query = query.where(ResultRow.kind == kind)
    return query.order_by(ResultRow.id.desc())
