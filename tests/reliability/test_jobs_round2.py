"""Jobs through real ``matchmaker-server`` processes, on SQLite and on PostgreSQL.

Regression tests of the second red-team round (issue 19):

- a server that starts no longer fails the queued and running jobs of another one on the
  same database; a job whose process was killed goes back to the queue once its lease runs
  out, and the process that is alive runs it (issue 18: jobs any worker can run);
- one organiser's long runs do not hold back another organiser's short job (two job threads,
  the fewest-running owner first, one running job per owner by default);
- a queued or running job is cancelled at once (``POST /api/jobs/{id}/cancel``, ``DELETE``);
  a cancelled run stores nothing and frees its thread;
- ``time_limit`` is capped by role: an organiser's above the cap is a 422 naming it;
- a 64 MiB header (and 200 headers) are answered 431, not read whole;
- ``SIGTERM`` with a long run and a slow import going stops the server within a bounded time;
  the run goes back to the queue (the next process runs it) rather than left ``running``,
  and the import cut short is answered 503, not 500.

The servers run with a lease of 2 s, so that a dead process's job is ended within seconds.
"""

from __future__ import annotations

import contextlib
import copy
import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.store import Store
from reliability.server import ServerProcess, fresh_database

LEASE = 2.0
ORGANISER_CAP = 60
LONG = 30  # seconds: a breakout run of the Leuven event takes its whole time limit
SHORT = 6  # seconds: a run that is cancelled, then let finish
ENV = {
    "MATCHMAKER_JOB_LEASE_SECONDS": str(LEASE),
    "MATCHMAKER_ORGANISER_TIME_LIMIT_S": str(ORGANISER_CAP),
    "MATCHMAKER_RATE_LIMIT_PER_MINUTE": "100000",
}
EVENT_A = "leuven-2018"
EVENT_B = "leuven-b"


@dataclass
class Setup:
    """A fresh database with keys of two organisers and an admin, and one event each."""

    kind: str
    url: str
    folder: Path
    org_a: str
    org_b: str
    admin: str


def _document(event_id: str) -> dict[str, Any]:
    document = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
    return {**copy.deepcopy(document), "id": event_id}


@contextlib.contextmanager
def _setup(kind: str, folder: Path) -> Iterator[Setup]:
    with fresh_database(kind, folder / "db") as url:
        assert url is not None
        with Store(url) as store:
            org_a = store.create_api_key(role="organiser", subject="org-a", name="a")[1]
            org_b = store.create_api_key(role="organiser", subject="org-b", name="b")[1]
            admin = store.create_api_key(role="admin", subject="root", name="admin")[1]
        yield Setup(kind, url, folder, org_a, org_b, admin)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    with _setup(request.param, tmp_path) as made:
        yield made


@pytest.fixture
def sqlite_setup(tmp_path: Path) -> Iterator[Setup]:
    """For what the database plays no part in."""
    with _setup("sqlite", tmp_path) as made:
        yield made


def _server(setup: Setup, name: str, **env: str) -> ServerProcess:
    return ServerProcess(setup.url, setup.folder / f"{name}.log", {**ENV, **env})


def _events(server: ServerProcess, setup: Setup) -> None:
    for key, event_id in ((setup.org_a, EVENT_A), (setup.org_b, EVENT_B)):
        with server.client(key) as client:
            r = client.post("/api/events", json=_document(event_id))
            assert r.status_code == 201, r.text


def _post(client: httpx.Client, event_id: str, kind: str, body: dict[str, Any]) -> str:
    r = client.post(f"/api/events/{event_id}/{kind}", json=body)
    assert r.status_code == 202, r.text
    job_id: str = r.json()["job"]["id"]
    return job_id


def _job(client: httpx.Client, job_id: str) -> dict[str, Any]:
    r = client.get(f"/api/jobs/{job_id}")
    assert r.status_code == 200, r.text
    job: dict[str, Any] = r.json()
    return job


def _until(what: str, check: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:g} s")


def _status(client: httpx.Client, job_id: str, *statuses: str) -> Callable[[], Any]:
    def check() -> dict[str, Any] | None:
        job = _job(client, job_id)
        return job if job["status"] in statuses else None

    return check


def _no_traceback(*servers: ServerProcess) -> None:
    for server in servers:
        log = server.log_text()
        assert "Traceback" not in log, log[-4000:]


# --- two processes, one database --------------------------------------------------------------


def test_two_processes_sharing_one_database_never_fail_each_others_jobs(setup: Setup) -> None:
    first = _server(setup, "first").start()
    second = _server(setup, "second")
    try:
        _events(first, setup)
        with first.client(setup.org_a) as a1:
            long_job = _post(a1, EVENT_A, "breakouts", {"time_limit": LONG})
            _until("the long run running", _status(a1, long_job, "running"), 30)
            queued = _post(a1, EVENT_A, "pairs", {})  # org-a's second job waits for its first
            second.start()  # its start once failed every job of the first server
            with second.client(setup.org_b) as b2:
                own = _post(b2, EVENT_B, "pairs", {})
                assert _until("the second's job", _status(b2, own, "succeeded"), 60)
            time.sleep(2 * LEASE + 1)  # past a lease: the first renews its leases
            assert _job(a1, long_job)["status"] == "running"
            assert _job(a1, queued)["status"] == "queued"
            # The first process dies during the long run: once its lease runs out, the run
            # goes back to the queue and the live process runs it afresh, then the queued job.
            first.kill()
            with second.client(setup.org_a) as a2:
                _until("the run taken again", lambda: _job(a2, long_job)["attempts"] == 2,
                       3 * LEASE + 20)  # fmt: skip
                for job_id in (long_job, queued):
                    job = _until("the run", _status(a2, job_id, "succeeded", "failed"), LONG + 60)
                    assert job["status"] == "succeeded", job
    finally:
        first.stop()
        second.stop()
    _no_traceback(first, second)


# --- fairness -------------------------------------------------------------------------------


def test_a_long_run_of_one_organiser_does_not_block_another_organisers_short_job(
    setup: Setup,
) -> None:
    server = _server(setup, "fair").start()
    try:
        _events(server, setup)
        with server.client(setup.org_a) as a, server.client(setup.org_b) as b:
            first = _post(a, EVENT_A, "breakouts", {"time_limit": LONG})
            second = _post(a, EVENT_A, "breakouts", {"time_limit": LONG, "seed": 1})
            _until("org-a's first run", _status(a, first, "running"), 30)
            started = time.monotonic()
            short = _post(b, EVENT_B, "pairs", {})
            done = _until("org-b's pairs", _status(b, short, "succeeded", "failed"), LONG)
            assert done["status"] == "succeeded", done
            assert time.monotonic() - started < LONG / 2
            # org-a runs one job at a time: its second waited, org-b's went first
            assert _job(a, first)["status"] == "running"
            assert _job(a, second)["status"] == "queued"
            for job_id in (second, first):
                assert a.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    finally:
        server.stop()
    _no_traceback(server)


# --- cancel ----------------------------------------------------------------------------------


def test_cancel_of_queued_and_running_jobs(setup: Setup) -> None:
    server = _server(setup, "cancel").start()
    try:
        _events(server, setup)
        with (
            server.client(setup.org_a) as a,
            server.client(setup.org_b) as b,
            server.client(setup.admin) as admin,
        ):
            running = _post(a, EVENT_A, "breakouts", {"time_limit": SHORT})
            _until("the run", _status(a, running, "running"), 30)
            solve_ends = time.monotonic() + SHORT
            queued = _post(a, EVENT_A, "breakouts", {"seed": 3})
            assert _job(a, queued)["status"] == "queued"
            # another organiser may not; the owner may
            r = b.post(f"/api/jobs/{queued}/cancel")
            assert r.status_code == 403, r.text
            r = a.delete(f"/api/jobs/{queued}")
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "cancelled"
            assert "org-a" in r.json()["message"]
            # a running job reads cancelled at once; an admin may cancel it
            r = admin.post(f"/api/jobs/{running}/cancel")
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "cancelled"
            assert r.json()["finished"] is not None
            # cancelled again, or after it ended: 409
            r = a.post(f"/api/jobs/{running}/cancel")
            assert r.status_code == 409, r.text
            assert r.json()["type"] == "/problems/conflict"
            # the cancelled run's thread is replaced: org-a's next run starts at once
            started = time.monotonic()
            after = _post(a, EVENT_A, "breakouts", {"seed": 4})
            assert _until("the next run", _status(a, after, "succeeded"), LONG)
            assert time.monotonic() - started < LONG / 2
            # the queued job never ran; the running one's result is never stored
            for job_id in (queued, running):
                job = _job(a, job_id)
                assert job["status"] == "cancelled", job
                assert job["result_id"] is None
            r = a.get(f"/api/events/{EVENT_A}/breakouts")
            assert r.json()["id"] == _job(a, after)["result_id"]
            r = a.post(f"/api/jobs/{after}/cancel")
            assert r.status_code == 409
            assert "succeeded" in r.json()["detail"]
            assert a.post("/api/jobs/0123456789abcdef/cancel").status_code == 404
        # the cancelled solver ends at its time limit and stores nothing
        time.sleep(max(0.0, solve_ends - time.monotonic()) + 3)
        with Store(setup.url) as store:
            job = store.get_job(running)
            assert job is not None
            assert job.status == "cancelled"
            assert len(store.list_results(EVENT_A, "breakouts")) == 1
    finally:
        server.stop()
    _no_traceback(server)


# --- time limits by role --------------------------------------------------------------------


def test_time_limit_is_capped_by_role(setup: Setup) -> None:
    server = _server(setup, "caps").start()
    try:
        _events(server, setup)
        with server.client(setup.org_a) as a, server.client(setup.admin) as admin:
            for kind in ("breakouts", "schedule", "breakouts/replan"):
                r = a.post(f"/api/events/{EVENT_A}/{kind}", json={"time_limit": 3600})
                if kind == "breakouts/replan":  # no allocation yet: 404 before any run
                    assert r.status_code in (404, 422), r.text
                    continue
                assert r.status_code == 422, r.text
                problem = r.json()
                assert problem["time_limit_cap"] == ORGANISER_CAP
                assert f"at most {ORGANISER_CAP} seconds" in problem["detail"]
                assert "organiser" in problem["detail"]
                assert problem["problems"][0]["field"] == "time_limit"
            assert _job_count(setup) == 0  # refused before a job was made
            at_cap = _post(a, EVENT_A, "breakouts", {"time_limit": ORGANISER_CAP})
            long_one = _post(admin, EVENT_A, "breakouts", {"time_limit": 3600})
            r = admin.post(f"/api/events/{EVENT_A}/breakouts", json={"time_limit": 3601})
            assert r.status_code == 422, r.text
            for job_id in (long_one, at_cap):
                assert admin.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    finally:
        server.stop()
    _no_traceback(server)


def _job_count(setup: Setup) -> int:
    with Store(setup.url) as store:
        return len(store.list_jobs())


# --- headers ---------------------------------------------------------------------------------


def _raw(server: ServerProcess, head: bytes, filler: int = 0) -> bytes:
    """Send ``head`` (and ``filler`` bytes of one header's value), read what comes back."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sent = 0
        try:
            sock.sendall(head)
            chunk = b"a" * 2**20
            while sent < filler:
                sock.sendall(chunk[: filler - sent])
                sent += len(chunk)
            sock.sendall(b"\r\n\r\n")
        except OSError:  # the server answered and closed while we were still sending
            pass
        answer = b""
        try:
            while part := sock.recv(65536):
                answer += part
        except OSError:
            pass
        return answer


def test_a_64_mib_header_is_answered_431(sqlite_setup: Setup) -> None:
    server = _server(sqlite_setup, "headers").start()
    try:
        started = time.monotonic()
        answer = _raw(server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ", 64 * 2**20)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"/problems/headers-too-large" in answer
        assert time.monotonic() - started < 30
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        answer = _raw(server, b"GET /health HTTP/1.1\r\nHost: x\r\n" + many)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"201 headers" in answer  # and Host
        # an ordinary request is served as before
        ordinary = httpx.get(f"{server.url}/health", headers={"X-Small": "v" * 4000})
        assert ordinary.status_code == 200
    finally:
        server.stop()
    _no_traceback(server)


# --- SIGTERM ---------------------------------------------------------------------------------


def _bulk_csv(n: int) -> bytes:
    rows = ["id,name,type,region,sectors,languages,description"]
    filler = "A description long enough to need new pages of the database file. " * 4
    rows += [f"bulk-{i:05d},Bulk {i},sme,DE11,C22,en,{filler}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def test_sigterm_with_a_long_job_running_exits_within_a_bounded_time(setup: Setup) -> None:
    bulk = _bulk_csv(20_000)
    # Open requests get 1 s after the signal: the import is still running then.
    server = _server(
        setup,
        "sigterm",
        MATCHMAKER_MAX_UPLOAD_BYTES=str(len(bulk) + 4096),
        MATCHMAKER_SHUTDOWN_TIMEOUT_S="1",
    )
    server.start()
    assert server.process is not None
    upload: list[Any] = []

    def slow_import() -> None:
        try:
            with server.client(setup.admin, timeout=60) as client:
                files = {"file": ("bulk.csv", bulk, "text/csv")}
                upload.append(client.post("/api/organisations/import", files=files))
        except httpx.TransportError as exc:
            upload.append(exc)

    try:
        _events(server, setup)
        with server.client(setup.org_a) as a:
            job_id = _post(a, EVENT_A, "breakouts", {"time_limit": ORGANISER_CAP})
            _until("the run", _status(a, job_id, "running"), 30)
            queued = _post(a, EVENT_A, "pairs", {})
        importing = threading.Thread(target=slow_import, daemon=True)
        importing.start()
        time.sleep(0.5)  # the import is under way
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        took = time.monotonic() - started
        print(f"SIGTERM {setup.kind}: the server stopped {took:.1f} s after the signal")
        assert took < 15, f"the server took {took:.1f} s to stop"
        importing.join(30)
        assert upload, "the import neither answered nor failed"
        # cut short by the shutdown: a 503 problem (a 200 if it finished in time), never a 500
        answer = upload[0]
        assert isinstance(answer, httpx.Response), answer
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 503:
            assert answer.json()["type"] == "/problems/unavailable"
    finally:
        server.stop()
    with Store(setup.url) as store:
        for job in (store.get_job(job_id), store.get_job(queued)):
            assert job is not None
            assert job.status == "queued", job  # back in the queue, for the next process
            assert job.claimed_by is None
            assert job.attempts < job.max_attempts  # a stop is not held against it
        assert store.list_jobs(status="running") == []
        assert store.list_results(EVENT_A, "breakouts") == []
    # the next process runs them: the long run starts afresh, the queued one follows
    again = _server(setup, "again").start()
    try:
        with again.client(setup.org_a) as a:
            _until("the long run again", _status(a, job_id, "running"), 30)
            assert a.post(f"/api/jobs/{job_id}/cancel").status_code == 200
            assert _until("the queued job", _status(a, queued, "succeeded"), 60)
    finally:
        again.stop()
    _no_traceback(server, again)


# --- the claim itself, store by store -------------------------------------------------------


def test_claims_take_the_oldest_job_of_the_owner_with_the_fewest_running_jobs(
    setup: Setup,
) -> None:
    with Store(setup.url) as store:

        def make(owner: str) -> str:
            job = store.create_job(
                "pairs", event_id=None, owner=owner, params={}, instance="p1", lease_seconds=30
            )
            return job.id

        a1, a2, b1 = make("org-a"), make("org-a"), make("org-b")
        claim = store.claim_job
        first = claim("p1", lease_seconds=30, job_ids=[a1, a2, b1], per_owner=1)
        assert first is not None
        assert first.id == a1
        assert first.status == "running"
        assert first.claimed_by == "p1"
        second = claim("p1", lease_seconds=30, job_ids=[a2, b1], per_owner=1)
        assert second is not None
        assert second.id == b1
        assert claim("p1", lease_seconds=30, job_ids=[a2], per_owner=1) is None  # org-a at cap
        third = claim("p1", lease_seconds=30, job_ids=[a2])
        assert third is not None
        assert third.id == a2
        # a lease that runs out is ended interrupted; a renewed one is not
        dead = store.create_job(
            "pairs", event_id=None, owner="x", params={}, instance="dead", lease_seconds=0.5
        )
        time.sleep(1.0)
        assert store.renew_leases("p1", [a1, b1, a2], lease_seconds=30) == {}
        assert store.expire_leases() == 1
        ended = store.get_job(dead.id)
        assert ended is not None
        assert ended.status == "failed"
        assert ended.problem is not None
        assert ended.problem["type"] == "/problems/interrupted"
        assert store.get_job(a1).status == "running"  # type: ignore[union-attr]
        # a cancelled job is let go by its holder at its next look
        cancelled, changed = store.cancel_job(b1, by="org-b")
        assert changed
        assert cancelled.status == "cancelled"
        assert store.jobs_let_go("p1", [a1, b1]) == {b1: "cancelled"}
        assert store.cancel_job(b1, by="org-b")[1] is False


def test_processes_claiming_at_once_never_start_one_job_twice(setup: Setup) -> None:
    with Store(setup.url) as store:
        made = {
            store.create_job(
                "pairs", event_id=None, owner=f"org-{i % 3}", params={}, instance="p"
            ).id
            for i in range(24)
        }
    claimed: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def claimer(n: int) -> None:
        with Store(setup.url) as own:  # a store, an engine and a pool of its own
            barrier.wait()
            while (job := own.claim_job(f"p{n}", lease_seconds=30)) is not None:
                with lock:
                    claimed.append(job.id)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(claimed) == sorted(made)  # each job once, none left queued
    with Store(setup.url) as store:
        assert len(store.list_jobs(status="running")) == len(made)
