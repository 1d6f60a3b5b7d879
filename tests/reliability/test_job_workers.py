"""Jobs run by ``matchmaker worker`` processes beside the web servers, on one database.

Real processes: two ``matchmaker-server`` processes that only queue jobs
(``MATCHMAKER_JOB_WORKERS=0``) and ``matchmaker worker`` processes that run them, on one
PostgreSQL database (and on one SQLite file, the embedded default). A worker killed during a
solve loses its job for one lease only: the job goes back to the queue and the other worker
finishes it. A rolling restart (every worker and server stopped with ``SIGTERM`` and started
again, one after the other) loses no job.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.store import Store
from reliability.server import ServerProcess, WorkerProcess, fresh_database

pytestmark = pytest.mark.slow

LEASE = 2.0
SOLVE = 8  # seconds: a breakout run of the Leuven event takes its whole time limit
ENV = {
    "MATCHMAKER_JOB_WORKERS": "0",  # the servers only queue
    "MATCHMAKER_JOB_LEASE_SECONDS": str(LEASE),
    "MATCHMAKER_JOB_SHUTDOWN_GRACE_S": "0.5",
    "MATCHMAKER_RATE_LIMIT_PER_MINUTE": "100000",
    "MATCHMAKER_BACKGROUND_REFIT": "false",
}


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    with fresh_database(request.param, tmp_path / "db") as url:
        assert url is not None
        with Store(url) as store:
            key = store.create_api_key(role="organiser", subject="org-a", name="a")[1]
        yield url, key


def _event(event_id: str) -> dict[str, Any]:
    document = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
    return {**copy.deepcopy(document), "id": event_id}


def _until(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout:g} s")


def _job(client: httpx.Client, job_id: str) -> dict[str, Any]:
    r = client.get(f"/api/jobs/{job_id}")
    assert r.status_code == 200, r.text
    job: dict[str, Any] = r.json()
    return job


def _post(client: httpx.Client, event_id: str, kind: str, body: dict[str, Any]) -> str:
    r = client.post(f"/api/events/{event_id}/{kind}", json=body)
    assert r.status_code == 202, r.text
    job_id: str = r.json()["job"]["id"]
    return job_id


def _ended(client: httpx.Client, job_id: str, timeout: float) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        job = _job(client, job_id)
        return None if job["status"] in ("queued", "running") else job

    ended: dict[str, Any] = _until(f"job {job_id} to end", check, timeout)
    return ended


def _no_traceback(*processes: ServerProcess | WorkerProcess) -> None:
    for process in processes:
        log = process.log_text()
        assert "Traceback" not in log, log[-4000:]


def test_a_killed_workers_job_is_queued_again_and_finished_by_the_other_worker(
    database: tuple[str, str], tmp_path: Path
) -> None:
    url, key = database
    servers = [ServerProcess(url, tmp_path / f"server-{n}.log", ENV) for n in (1, 2)]
    first, second = (WorkerProcess(url, tmp_path / f"worker-{n}.log", ENV) for n in (1, 2))
    try:
        for server in servers:
            server.start()
        first.start()
        with servers[0].client(key) as one, servers[1].client(key) as two:
            r = one.post("/api/events", json=_event("leuven-2018"))
            assert r.status_code == 201, r.text
            job_id = _post(two, "leuven-2018", "breakouts", {"time_limit": SOLVE})
            running = _until("the first worker's run", lambda: _job(one, job_id)["status"]
                             == "running", 30)  # fmt: skip
            assert running
            assert _job(one, job_id)["attempts"] == 1
            # The web servers answer at once while a worker solves.
            started = time.monotonic()
            assert two.get("/health").status_code == 200
            assert time.monotonic() - started < 2
            second.start()
            first.kill()  # during the solve
            back = _until("the job back in the queue or taken by the other worker",
                          lambda: _job(two, job_id)["attempts"] == 2, LEASE * 3 + 30)  # fmt: skip
            assert back
            done = _ended(one, job_id, SOLVE + 60)
            assert done["status"] == "succeeded", done
            assert done["attempts"] == 2
            r = two.get("/api/events/leuven-2018/breakouts")
            assert r.status_code == 200, r.text
            assert r.json()["id"] == done["result_id"]
        assert "running jobs" in second.log_text()
    finally:
        first.stop()
        second.stop()
        for server in servers:
            server.stop()
    _no_traceback(*servers, second)


def test_a_rolling_restart_loses_no_job(database: tuple[str, str], tmp_path: Path) -> None:
    url, key = database
    server = ServerProcess(url, tmp_path / "server.log", ENV)
    workers = [WorkerProcess(url, tmp_path / f"worker-{n}.log", ENV) for n in (1, 2)]
    try:
        server.start()
        for worker in workers:
            worker.start()
        with server.client(key) as client:
            r = client.post("/api/events", json=_event("leuven-2018"))
            assert r.status_code == 201, r.text
            jobs = [
                _post(client, "leuven-2018", "breakouts", {"time_limit": SOLVE / 2, "seed": s})
                for s in range(3)
            ]
            jobs.append(_post(client, "leuven-2018", "pairs", {}))
            _until("a run", lambda: any(_job(client, j)["status"] == "running" for j in jobs),
                   30)  # fmt: skip
            # Every process in turn: stopped, started again.
            for worker in workers:
                assert worker.stop() == 0
                worker.start()
            server.stop()
            server.start()
        with server.client(key) as client:
            ended = [_ended(client, j, 4 * SOLVE + 60) for j in jobs]
        assert [job["status"] for job in ended] == ["succeeded"] * len(jobs), ended
        released = sum(w.log_text().count("back in the queue") for w in workers)
        assert released >= 1  # at least one run was given back, not lost
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
    _no_traceback(server, *workers)
