"""/api/jobs/{id} and the job runner: who sees a job, failures as problems, progress, jobs
interrupted by a dead server, shutdown."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import check_access, create_event, leuven_document, wait_job
from matchmaker.service.job_runner import JobContext, JobOutcome, JobRunner

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BASE = "/api/events/leuven-2018/breakouts"


def _job(client: TestClient, owner: dict[str, str], body: dict[str, Any] | None = None) -> str:
    r = client.post(BASE, json=body or {"time_limit": 0.2}, headers=owner)
    assert r.status_code == 202, r.text
    return str(r.headers["Location"])


@SQLITE_ONLY
def test_who_sees_a_job(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    store = client.app.state.store  # type: ignore[attr-defined]
    job = store.create_job("breakouts", event_id="leuven-2018", owner="org-a", params={"seed": 1})
    location = f"/api/jobs/{job.id}"
    check_access(client, keys, "GET", location)
    for headers in (owner, keys.headers("admin")):
        r = client.get(location, headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert body["id"] == job.id
        assert body["kind"] == "breakouts"
        assert body["event"] == "leuven-2018"
        assert body["status"] == "queued"
        assert body["params"] == {"seed": 1}
        assert body["result"] is None
        assert body["problem"] is None
    # The organiser of the event sees a job that an admin started for it.
    by_admin = store.create_job("pairs", event_id="leuven-2018", owner="admin", params={})
    assert client.get(f"/api/jobs/{by_admin.id}", headers=owner).status_code == 200
    for missing in ("/api/jobs/0123abcd", "/api/jobs/not-a-job", "/api/jobs/" + "f" * 40):
        assert_problem(client.get(missing, headers=owner), 404, "not-found")


def _leuven(**rules: Any) -> dict[str, Any]:
    doc = leuven_document()
    doc["rules"].update(rules)
    return doc


@SQLITE_ONLY
def test_an_infeasible_run_is_a_failed_job_naming_the_rule(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    pins = [{"participant": f"P{k:02d}", "room": "wg1", "round": "R1"} for k in range(1, 14)]
    create_event(client, owner, _leuven(pins=pins, apart_same_organisation=False))
    job = wait_job(client, _job(client, owner), owner)
    assert job["status"] == "failed"
    assert job["result"] is None
    problem = job["problem"]
    assert problem["type"] == "/problems/infeasible"
    assert problem["status"] == 409
    assert problem["rule"] == "pins"
    assert "13 participants" in problem["detail"]
    assert "capacity 12" in problem["detail"]
    # Nothing was stored.
    assert_problem(client.get(BASE, headers=owner), 404)


@SQLITE_ONLY
def test_invalid_input_in_a_job_lists_the_problems(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    r = client.post("/api/events/leuven-2018/schedule", json={}, headers=owner)
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "failed"
    assert job["problem"]["type"] == "/problems/invalid-input"
    assert job["problem"]["status"] == 422
    assert "no time slots" in job["problem"]["detail"]
    assert job["problem"]["problems"] == []


@SQLITE_ONLY
def test_an_unexpected_error_is_a_generic_problem(
    client: TestClient, keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    runner: JobRunner = client.app.state.jobs  # type: ignore[attr-defined]

    def broken(ctx: JobContext) -> JobOutcome:
        raise RuntimeError("secret internals at 0xdeadbeef")

    job = runner.submit(
        kind="breakouts", event_id="leuven-2018", owner="org-a", params={}, work=broken
    )
    done = wait_job(client, f"/api/jobs/{job.id}", owner)
    assert done["status"] == "failed"
    assert done["problem"]["type"] == "/problems/internal"
    assert done["problem"]["status"] == 500
    assert job.id in done["problem"]["detail"]
    assert "secret" not in str(done)
    assert "Traceback" not in str(done)
    assert "secret internals" in caplog.text  # logged for the administrator


def test_a_job_left_running_by_a_dead_server_fails_at_start_up_and_runs_again(
    client_factory: Any, keys: Any
) -> None:
    first = client_factory()
    owner = keys.headers("organiser")
    create_event(first, owner, leuven_document())
    store = first.app.state.store
    earlier = store.save_result(
        "leuven-2018", "breakouts", {"event": "leuven-2018", "rounds": []}, event_version=1
    )
    # A job that a server killed during the solve left behind.
    job = store.create_job("breakouts", event_id="leuven-2018", owner="org-a", params={})
    store.start_job(job.id, instance="killed-server")
    store.set_job_progress(job.id, 0.4, "solving")

    second = client_factory()  # a new server on the same database
    left = wait_job(second, f"/api/jobs/{job.id}", owner)
    assert left["status"] == "failed"
    assert left["problem"]["type"] == "/problems/interrupted"
    assert "run it again" in left["problem"]["detail"]
    # The earlier result is intact and still the latest.
    r = second.get(BASE, headers=owner)
    assert r.json()["id"] == earlier.id
    assert r.json()["rounds"] == []
    # The same run again succeeds.
    again = wait_job(second, _job(second, owner), owner)
    assert again["status"] == "succeeded", again
    assert second.get(BASE, headers=owner).json()["id"] > earlier.id


@SQLITE_ONLY
def test_progress_and_shutdown(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    store = client.app.state.store  # type: ignore[attr-defined]
    runner = JobRunner(store, 1, instance="test-runner")
    runner.start()
    release = threading.Event()
    started = threading.Event()

    def slow(ctx: JobContext) -> JobOutcome:
        ctx.progress(0.5, "solving")
        started.set()
        assert release.wait(30)
        return JobOutcome("pairs", {"event": "leuven-2018", "pairs": []}, 1, "done")

    first = runner.submit(kind="pairs", event_id="leuven-2018", owner="org-a", params={}, work=slow)
    queued = runner.submit(
        kind="pairs", event_id="leuven-2018", owner="org-a", params={}, work=slow
    )
    assert started.wait(30)
    r = client.get(f"/api/jobs/{first.id}", headers=owner)
    assert r.json()["status"] == "running"
    assert r.json()["progress"] == 0.5
    assert r.json()["message"] == "solving"
    assert r.headers["Retry-After"] == "1"
    assert client.get(f"/api/jobs/{queued.id}", headers=owner).json()["status"] == "queued"

    stopping = threading.Thread(target=runner.shutdown)
    stopping.start()
    # Shutdown fails the queued job at once and waits for the running one.
    while store.get_job(queued.id).status != "failed":
        threading.Event().wait(0.02)
    assert store.get_job(first.id).status == "running"
    release.set()
    stopping.join(30)
    assert not stopping.is_alive()
    done = store.get_job(first.id)
    assert done.status == "succeeded"
    assert done.result_id == store.latest_result("leuven-2018", "pairs").id
    assert store.get_job(queued.id).problem["type"] == "/problems/interrupted"
    with pytest.raises(RuntimeError, match="not started"):
        runner.submit(kind="pairs", event_id=None, owner=None, params={}, work=slow)
