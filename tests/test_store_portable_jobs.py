"""Portable jobs in the store: any worker that knows the kind claims them; a dead worker's job
goes back to the queue once, then ends interrupted; a stopping worker gives its jobs back."""

from __future__ import annotations

import time

import pytest

from matchmaker.store import Store
from matchmaker.store.jobs import RELEASED, REQUEUED

LEASE = 0.5


def _lapse() -> None:
    time.sleep(LEASE + 0.6)


def test_a_dead_workers_job_is_queued_again_once_then_ended(db_url: str) -> None:
    with Store(db_url) as store:
        job = store.create_job("pairs", event_id=None, owner="o", params={}, max_attempts=2)
        assert (job.attempts, job.max_attempts, job.claimed_by) == (0, 2, None)
        assert store.expire_leases() == 0  # queued and nobody's: it waits for a worker
        first = store.claim_job("w1", lease_seconds=LEASE, kinds=["pairs"])
        assert first is not None
        assert (first.id, first.status, first.claimed_by, first.attempts) == (
            job.id,
            "running",
            "w1",
            1,
        )
        _lapse()  # w1 dies: no renewal
        assert store.expire_leases() == 1
        again = store.get_job(job.id)
        assert again is not None
        assert (again.status, again.claimed_by, again.message) == ("queued", None, REQUEUED)
        second = store.claim_job("w2", lease_seconds=LEASE, kinds=["pairs"])
        assert second is not None
        assert (second.claimed_by, second.attempts) == ("w2", 2)
        _lapse()  # w2 dies too: no third start
        assert store.expire_leases() == 1
        ended = store.get_job(job.id)
        assert ended is not None
        assert ended.status == "failed"
        assert ended.problem is not None
        assert ended.problem["type"] == "/problems/interrupted"


def test_a_live_workers_job_is_never_taken(db_url: str) -> None:
    with Store(db_url) as store:
        job = store.create_job("pairs", event_id=None, owner="o", params={}, max_attempts=2)
        assert store.claim_job("w1", lease_seconds=LEASE, kinds=["pairs"]) is not None
        for _ in range(3):
            time.sleep(LEASE / 2)
            assert store.renew_leases("w1", [job.id], lease_seconds=LEASE) == {}
            assert store.expire_leases() == 0
        assert store.claim_job("w2", lease_seconds=LEASE, kinds=["pairs"]) is None
        running = store.get_job(job.id)
        assert running is not None
        assert (running.status, running.claimed_by) == ("running", "w1")


def test_a_stopping_worker_gives_its_job_back_without_holding_it_against_the_job(
    db_url: str,
) -> None:
    with Store(db_url) as store:
        job = store.create_job("schedule", event_id=None, owner="o", params={}, max_attempts=2)
        held = store.create_job("pairs", event_id=None, owner="o", params={}, instance="w1",
                                lease_seconds=30)  # fmt: skip
        claimed = store.claim_job("w1", lease_seconds=30, kinds=["schedule"])
        assert claimed is not None
        assert claimed.id == job.id
        assert store.release_jobs("w2", [job.id]) == 0  # not w2's
        assert store.release_jobs("w1", [job.id, held.id]) == 1  # a held job is not portable
        back = store.get_job(job.id)
        assert back is not None
        assert (back.status, back.claimed_by, back.message) == ("queued", None, RELEASED)
        # the stop is not held against it: one more start is allowed
        assert (back.attempts, back.max_attempts) == (1, 3)
        assert back.started_at is None


def test_claims_by_kind_leave_other_processes_held_jobs_alone(db_url: str) -> None:
    with Store(db_url) as store:
        held = store.create_job("pairs", event_id=None, owner="a", params={}, instance="w1",
                                lease_seconds=30)  # fmt: skip
        portable = store.create_job("pairs", event_id=None, owner="b", params={}, max_attempts=2)
        other = store.create_job("learn", event_id=None, owner="c", params={}, max_attempts=2)
        assert store.has_claimable(job_ids=[], kinds=["pairs"])
        assert not store.has_claimable(job_ids=[], kinds=["breakouts"])
        assert not store.has_claimable(job_ids=[], kinds=None)
        first = store.claim_job("w2", lease_seconds=30, job_ids=[], kinds=["pairs"])
        assert first is not None
        assert first.id == portable.id  # not w1's held job, not a kind w2 does not know
        assert store.claim_job("w2", lease_seconds=30, job_ids=[], kinds=["pairs"]) is None
        mine = store.claim_job("w1", lease_seconds=30, job_ids=[held.id], kinds=["pairs"])
        assert mine is not None
        assert mine.id == held.id
        waiting = store.get_job(other.id)
        assert waiting is not None
        assert waiting.status == "queued"


def test_a_worker_whose_lease_ran_out_cannot_write_over_the_next_run(db_url: str) -> None:
    from matchmaker.errors import MatchmakerError
    from matchmaker.models import Event

    with Store(db_url) as store:
        store.create_event(Event(id="ev", name="E"), owner="o")
        job = store.create_job("pairs", event_id="ev", owner="o", params={}, max_attempts=2)
        assert store.claim_job("w1", lease_seconds=LEASE, kinds=["pairs"]) is not None
        store.set_job_progress(job.id, 0.5, "solving", holder="w1")
        _lapse()  # w1 is slow, not dead: its heartbeat did not come in time
        assert store.expire_leases() == 1
        assert store.claim_job("w2", lease_seconds=30, kinds=["pairs"]) is not None
        # w1 comes back: its progress, its result and its failure are all refused
        with pytest.raises(MatchmakerError, match="no longer held by this run"):
            store.set_job_progress(job.id, 0.9, "writing", holder="w1")
        with pytest.raises(MatchmakerError, match="no longer held by this run"):
            store.save_result(
                "ev", "pairs", {"event": "ev"}, event_version=1, job_id=job.id, holder="w1"
            )
        with pytest.raises(MatchmakerError, match="no longer held by this run"):
            store.fail_job(job.id, {"type": "/problems/internal"}, holder="w1")
        assert store.list_results("ev", "pairs") == []  # nothing of w1's run was stored
        # w2's run goes through
        store.set_job_progress(job.id, 0.5, "solving", holder="w2")
        result = store.save_result(
            "ev", "pairs", {"event": "ev"}, event_version=1, job_id=job.id, holder="w2"
        )
        done = store.get_job(job.id)
        assert done is not None
        assert (done.status, done.result_id, done.attempts) == ("succeeded", result.id, 2)


def test_a_run_is_told_apart_from_a_later_claim_in_the_same_process(db_url: str) -> None:
    from matchmaker.models import Event
    from matchmaker.store.jobs import JobGoneError

    with Store(db_url) as store:
        store.create_event(Event(id="ev", name="E"), owner="o")
        job = store.create_job("pairs", event_id="ev", owner="o", params={}, max_attempts=2)
        first = store.claim_job("w1", lease_seconds=LEASE, kinds=["pairs"])
        assert first is not None
        _lapse()
        assert store.expire_leases() == 1
        again = store.claim_job("w1", lease_seconds=30, kinds=["pairs"])  # the same process
        assert again is not None
        assert (first.attempts, again.attempts) == (1, 2)
        with pytest.raises(JobGoneError):
            store.set_job_progress(job.id, 0.9, "old run", holder="w1", attempt=1)
        with pytest.raises(JobGoneError):
            store.save_result(
                "ev", "pairs", {"event": "ev"}, event_version=1, job_id=job.id, holder="w1",
                attempt=1,
            )  # fmt: skip
        store.save_result(
            "ev", "pairs", {"event": "ev"}, event_version=1, job_id=job.id, holder="w1",
            attempt=2,
        )  # fmt: skip
        assert len(store.list_results("ev", "pairs")) == 1


def test_a_job_held_by_nobody_is_ended_not_queued_again(db_url: str) -> None:
    with Store(db_url) as store:
        job = store.create_job("pairs", event_id=None, owner="o", params={})  # one attempt
        store.start_job(job.id, instance="gone")
        assert store.expire_leases() == 1  # counted once
        ended = store.get_job(job.id)
        assert ended is not None
        assert ended.status == "failed"
        assert ended.message != REQUEUED


def test_an_owner_at_its_cap_has_nothing_to_claim(db_url: str) -> None:
    with Store(db_url) as store:
        for _ in range(2):
            store.create_job("pairs", event_id=None, owner="o", params={}, max_attempts=2)
        assert store.claim_job("w1", lease_seconds=30, kinds=["pairs"], per_owner=1) is not None
        assert store.has_claimable(job_ids=[], kinds=["pairs"])
        assert not store.has_claimable(job_ids=[], kinds=["pairs"], per_owner=1)
        store.create_job("pairs", event_id=None, owner="p", params={}, max_attempts=2)
        assert store.has_claimable(job_ids=[], kinds=["pairs"], per_owner=1)
