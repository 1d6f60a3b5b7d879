"""Results of the solvers (allocations, schedules, pairs) and the jobs that compute them.

A result is written whole in one transaction when its run ends, so a run that is killed leaves
the earlier results as they were; its job, still queued or running, is marked failed by the
next server that starts (:meth:`JobStore.fail_interrupted_jobs`) and can be run again.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from matchmaker.errors import MatchmakerError, NotFoundError
from matchmaker.store.base import StoreBase, versioned
from matchmaker.store.organisations import aware
from matchmaker.store.records import RESULT_KINDS, JobRecord, ResultRecord
from matchmaker.store.schema import EventRow, JobRow, ResultRow, now

__all__ = ["INTERRUPTED", "JobStore"]

INTERRUPTED: dict[str, Any] = {
    "type": "/problems/interrupted",
    "title": "Interrupted",
    "status": 500,
    "detail": "the server stopped during this run; nothing of it was kept; run it again",
}
_OPEN = ("queued", "running")


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
    )


def _check_kind(kind: str) -> None:
    if kind not in RESULT_KINDS:
        raise ValueError(f"result kind '{kind}' must be one of: {', '.join(RESULT_KINDS)}")


def _open_job(session: Session, job_id: str) -> JobRow:
    """The job's row, locked for the change; refused when the job has ended."""
    row = session.scalars(select(JobRow).where(JobRow.id == job_id).with_for_update()).first()
    if row is None:
        raise NotFoundError("job", job_id)
    if row.status not in _OPEN:
        raise MatchmakerError(f"job '{job_id}' has already {row.status}; it cannot change")
    return row


def _finish(session: Session, job_id: str, result_id: int, message: str) -> None:
    row = _open_job(session, job_id)
    row.status, row.progress, row.result_id = "succeeded", 1.0, result_id
    row.message, row.finished_at = message, now()


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
                _finish(session, job_id, row.id, message)
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
    ) -> JobRecord:
        """Record a queued job; its id is a random hex string."""

        def run(session: Session) -> JobRecord:
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
        """Mark a queued job running in the server process ``instance``."""

        def run(session: Session) -> JobRecord:
            row = _open_job(session, job_id)
            row.status, row.instance, row.started_at = "running", instance, now()
            return _job(row)

        return self._write(run)

    def set_job_progress(self, job_id: str, progress: float, message: str) -> None:
        """Record how far a job is (``progress`` is clamped to [0, 1]) and what it does."""
        value = 0.0 if math.isnan(progress) else min(max(float(progress), 0.0), 1.0)

        def run(session: Session) -> None:
            row = _open_job(session, job_id)
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

    def fail_job(self, job_id: str, problem: dict[str, Any]) -> JobRecord:
        """Mark a job failed; ``problem`` is an RFC 9457 problem (``type``, ``title``,
        ``status``, ``detail``, ...)."""

        def run(session: Session) -> JobRecord:
            row = _open_job(session, job_id)
            row.status, row.problem, row.finished_at = "failed", problem, now()
            return _job(row)

        return self._write(run)

    def fail_interrupted_jobs(self, *, instance: str) -> int:
        """Mark failed every queued or running job not of ``instance``: its server stopped.

        Call it when a server starts, with that server's own instance name. Returns how many
        jobs were marked. (With several servers on one database, each needs to know which
        instances are alive; this marks every other one's jobs.)
        """
        if self.read_only:  # nothing can be marked; a server on it only reads
            return 0

        def run(session: Session) -> int:
            done = session.execute(
                update(JobRow)
                .where(
                    JobRow.status.in_(_OPEN),
                    (JobRow.instance != instance) | JobRow.instance.is_(None),
                )
                .values(status="failed", problem=INTERRUPTED, finished_at=now())
                .execution_options(synchronize_session=False)
            )
            return int(done.rowcount)  # type: ignore[attr-defined]

        return self._write(run)


def _results(event_id: str, kind: str | None) -> Select[ResultRow]:
    query = select(ResultRow).where(ResultRow.event_id == event_id)
    if kind is not None:
        query = query.where(ResultRow.kind == kind)
    return query.order_by(ResultRow.id.desc())
