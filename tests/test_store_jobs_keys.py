"""Jobs (their states, interrupted runs) and API keys in the store."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from conftest import make_org
from matchmaker.errors import InvalidInputError, MatchmakerError, NotFoundError
from matchmaker.models import Event
from matchmaker.store import INTERRUPTED, Store
from matchmaker.store.schema import ApiKeyRow

# --- jobs ---------------------------------------------------------------------------------


def test_a_job_from_queued_to_succeeded(db_url: str) -> None:
    with Store(db_url) as store:
        store.create_event(Event(id="ev", name="E"), owner="o")
        job = store.create_job("breakouts", event_id="ev", owner="o", params={"rounds": 2})
        assert re.fullmatch(r"[0-9a-f]{32}", job.id)
        assert (job.status, job.progress, job.message, job.result_id) == ("queued", 0.0, "", None)
        assert (job.problem, job.instance, job.started_at, job.finished_at) == (None,) * 4
        assert job.params == {"rounds": 2}
        running = store.start_job(job.id, instance="server-1")
        assert (running.status, running.instance) == ("running", "server-1")
        assert running.started_at is not None
        store.set_job_progress(job.id, 0.5, "round 1 of 2")
        store.set_job_progress(job.id, 1.5, "past the end is read as done")
        got = store.get_job(job.id)
        assert got is not None
        assert (got.progress, got.message) == (1.0, "past the end is read as done")
        result = store.save_result("ev", "breakouts", {"rounds": []}, event_version=1)
        done = store.finish_job(job.id, result_id=result.id, message="optimal")
        assert (done.status, done.progress, done.result_id, done.message) == (
            "succeeded",
            1.0,
            result.id,
            "optimal",
        )
        assert done.done
        assert done.finished_at is not None
        with pytest.raises(MatchmakerError, match="has already succeeded; it cannot change"):
            store.fail_job(job.id, {"title": "late"})


def test_a_result_saved_with_its_job_finishes_it_in_one_transaction(db_url: str) -> None:
    with Store(db_url) as store:
        store.create_event(Event(id="ev", name="E"), owner="o")
        job = store.create_job("pairs", event_id="ev", owner="o", params={})
        store.start_job(job.id, instance="i")
        result = store.save_result("ev", "pairs", {"pairs": []}, event_version=1, job_id=job.id)
        got = store.get_job(job.id)
        assert got is not None
        assert (got.status, got.result_id) == ("succeeded", result.id)
        # a result for a job that has ended is refused, and not stored
        with pytest.raises(MatchmakerError, match="has already succeeded"):
            store.save_result("ev", "pairs", {"pairs": [1]}, event_version=1, job_id=job.id)
        assert [r.id for r in store.list_results("ev")] == [result.id]


def test_failed_jobs_keep_their_problem(db_url: str) -> None:
    problem = {"type": "/problems/infeasible", "title": "Infeasible", "status": 409, "rule": "x"}
    with Store(db_url) as store:
        job = store.create_job("schedule", event_id=None, owner=None, params={})
        failed = store.fail_job(job.id, problem)
        assert (failed.status, failed.problem) == ("failed", problem)
        assert store.list_jobs(status="failed") == [failed]
        with pytest.raises(NotFoundError, match="job 'nope'"):
            store.start_job("nope", instance="i")
        assert store.get_job("nope") is None


def test_interrupted_jobs_of_other_instances_fail(db_url: str) -> None:
    with Store(db_url) as store:
        queued = store.create_job("pairs", event_id="ev", owner="o", params={})
        dead = store.create_job("breakouts", event_id="ev", owner="o", params={})
        store.start_job(dead.id, instance="old")
        mine = store.create_job("breakouts", event_id="ev", owner="o", params={}, instance="new")
        store.start_job(mine.id, instance="new")
        ended = store.create_job("pairs", event_id="ev", owner="o", params={})
        store.fail_job(ended.id, {"title": "earlier"})
        assert store.fail_interrupted_jobs(instance="new") == 2
        for job_id in (queued.id, dead.id):
            got = store.get_job(job_id)
            assert got is not None
            assert (got.status, got.problem) == ("failed", INTERRUPTED)
            assert got.finished_at is not None
        assert INTERRUPTED["detail"] == (
            "the server stopped during this run; nothing of it was kept; run it again"
        )
        still = store.get_job(mine.id)
        assert still is not None
        assert still.status == "running"
        earlier = store.get_job(ended.id)
        assert earlier is not None
        assert earlier.problem == {"title": "earlier"}
        assert store.fail_interrupted_jobs(instance="new") == 0
        # a failed job is run again as a new job
        again = store.create_job("breakouts", event_id="ev", owner="o", params={})
        assert again.status == "queued"


# --- API keys -----------------------------------------------------------------------------


def test_created_keys_authenticate_and_are_stored_hashed(db_url: str) -> None:
    with Store(db_url) as store:
        record, key = store.create_api_key(role="organiser", subject="iepl", name="laptop")
        assert re.fullmatch(r"mm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
        assert key.split("_")[1] == record.id
        assert (record.role, record.subject, record.name, record.revoked) == (
            "organiser",
            "iepl",
            "laptop",
            False,
        )
        assert store.authenticate(key) == record
        with store.engine.connect() as conn:
            stored = conn.execute(select(ApiKeyRow.digest, ApiKeyRow.id)).one()
        assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
        assert stored.id == record.id
        assert store.list_api_keys() == [record]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "mm_",
        "Bearer x",
        "mm_zzzzzzzz_" + "a" * 43,
        "mm_00000000_" + "a" * 43,
        "x" * 10_000,
        "mm_\x00" + "a" * 50,
    ],
)
def test_malformed_or_unknown_keys_give_none(db_url: str, bad: str) -> None:
    with Store(db_url) as store:
        store.create_api_key(role="admin", subject=None, name="a")
        assert store.authenticate(bad) is None


def test_a_key_with_a_right_id_and_a_wrong_secret_is_refused(db_url: str) -> None:
    with Store(db_url) as store:
        record, key = store.create_api_key(role="admin", subject=None, name="a")
        forged = key[:-1] + ("A" if key[-1] != "A" else "B")
        assert store.authenticate(forged) is None
        assert store.authenticate(key) == record


def test_revoked_keys_no_longer_authenticate(db_url: str) -> None:
    with Store(db_url) as store:
        record, key = store.create_api_key(role="admin", subject=None, name="a")
        assert store.revoke_api_key(record.id)
        assert not store.revoke_api_key(record.id)
        assert not store.revoke_api_key("00000000")
        assert store.authenticate(key) is None
        listed = store.list_api_keys()
        assert [k.revoked for k in listed] == [True]


def test_member_keys_need_a_stored_organisation(db_url: str) -> None:
    with Store(db_url) as store:
        with pytest.raises(NotFoundError, match="organisation 'nanomat' is not in the database"):
            store.create_api_key(role="member", subject="nanomat", name="desk")
        store.create_organisation(make_org())
        record, key = store.create_api_key(role="member", subject="nanomat", name="desk")
        assert store.authenticate(key) == record


@pytest.mark.parametrize(
    ("role", "subject", "name", "message"),
    [
        ("root", "x", "n", "role 'root' must be one of: admin, organiser, member"),
        ("organiser", "", "n", "^an organiser key needs a subject: the organiser's account name"),
        ("member", None, "n", "a member key needs a subject: the organisation's id"),
        ("admin", None, " ", "a key's name is required"),
    ],
)
def test_key_arguments_are_checked(
    db_url: str, role: str, subject: str | None, name: str, message: str
) -> None:
    with Store(db_url) as store, pytest.raises(InvalidInputError, match=message):
        store.create_api_key(role=role, subject=subject, name=name)


def test_ensure_api_key_is_idempotent(db_url: str) -> None:
    bootstrap = "a-long-admin-key-from-the-environment"
    with Store(db_url) as store:
        first = store.ensure_api_key(bootstrap, role="admin", subject=None, name="bootstrap")
        again = store.ensure_api_key(bootstrap, role="admin", subject=None, name="bootstrap")
        assert first == again
        assert first.id == hashlib.sha256(bootstrap.encode()).hexdigest()[:8]
        assert store.authenticate(bootstrap) == first
        assert len(store.list_api_keys()) == 1
        renamed = store.ensure_api_key(bootstrap, role="admin", subject=None, name="env")
        assert (renamed.id, renamed.name) == (first.id, "env")
        with pytest.raises(InvalidInputError, match="the key has 5 characters; use 16"):
            store.ensure_api_key("short", role="admin", subject=None, name="x")
        # a key in our own format, given from outside, works too
        shaped = "mm_00000000_" + "b" * 43
        record = store.ensure_api_key(shaped, role="admin", subject=None, name="shaped")
        assert store.authenticate(shaped) == record
        store.revoke_api_key(first.id)
        assert store.authenticate(bootstrap) is None
        assert store.ensure_api_key(bootstrap, role="admin", subject=None, name="env").revoked
