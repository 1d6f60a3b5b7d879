"""Faults: a real ``matchmaker-server`` killed with SIGKILL in the middle of a bulk import and of
a long solve, on SQLite and on PostgreSQL, again and again.

Each kill lands while two things are under way in the server: ``POST
/api/organisations/import`` of 20,000 generated profiles, inside its one database transaction
(seen from outside: the SQLite write lock is held, or the PostgreSQL session of the server has
written rows: its transaction id is assigned), and a breakouts job with a time limit of ten
minutes, ``running``. After each restart:

- no organisation of the killed import exists, the earlier ones are the same, byte for byte;
- the job goes back to the queue once its lease ran out (6 s) and the new process starts it
  afresh, its second attempt (cancelled there, so that the loop goes on); no job is left open;
- the allocation and the schedule computed before the first kill read back byte-identical.

After the last kill the same import succeeds whole and the run, posted again (with a short
time limit), succeeds. The SQLite and the PostgreSQL loops run at the same time, one server
each. The figures (kills, when each landed, rows lost, partial imports found) are printed
(``-rA``) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from matchmaker.store import Store
from matchmaker.synth import generate_event
from reliability.server import ServerProcess, fresh_database

KILLS = {"sqlite": 5, "postgresql": 3}
# Rows of the killed import: its transaction must outlast the longest delay below. PostgreSQL
# writes 20,000 rows in well under a second here (the whole request took 1.4 s), so that a kill
# 0.8 s after the transaction was seen could come after its commit: it gets twice the rows.
BULK = {"sqlite": 20_000, "postgresql": 40_000}
EARLIER = 120
LONG_SOLVE = 600.0  # seconds: the killed runs would go on for ten minutes
JOB_LEASE = 6.0  # seconds a killed server's job stays held before the new one ends it
# Seconds between seeing the import's transaction and the kill: several points of it.
DELAYS = (0.0, 0.4, 0.8, 0.2, 0.6)
TYPES = ("sme", "cluster", "university", "research_organisation", "agency", "public_authority")
REGIONS = ("DE11", "FR10", "NL42", "BE33", "ITC4", "ES51", "PL91", "FI1D", "AT13", "SE11")
SECTORS = ("C22", "C20.16", "M72.1", "J62", "C26.51", "D35", "Q86", "A01")


def bulk_csv(n: int, prefix: str) -> bytes:
    """``n`` generated profiles (id, name, type, region, sectors, languages) as CSV."""
    rows = ["id,name,type,region,sectors,languages"]
    for i in range(n):
        rows.append(
            f"{prefix}-{i:06d},{prefix.title()} organisation {i},{TYPES[i % len(TYPES)]},"
            f"{REGIONS[i % len(REGIONS)]},{SECTORS[i % len(SECTORS)]},en"
        )
    return ("\n".join(rows) + "\n").encode()


@dataclass
class Probe:
    """Whether the server's import transaction is open, seen from another connection.

    SQLite: the write lock is held (the store's writes start with ``BEGIN IMMEDIATE``).
    PostgreSQL: a session of the server (its ``application_name``) has a transaction id, which
    is assigned at its first written row, and its last statement touched ``organisations``.
    """

    database_url: str
    application_name: str | None = None
    engine: Any = None

    def __post_init__(self) -> None:
        if self.application_name is not None:
            self.engine = create_engine(self.database_url)

    def held_open(self) -> bool:
        """Open now and still 0.1 s later: on SQLite, the job runner's short writes (lease
        renewals, every third of a lease) hold the write lock for milliseconds only."""
        return self.is_open() and (time.sleep(0.1) or self.is_open())

    def is_open(self) -> bool:
        if self.engine is None:
            path = make_url(self.database_url).database
            assert path is not None
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                return True
            finally:
                conn.close()
        with self.engine.connect() as conn:
            found = conn.execute(
                text(
                    "select count(*) from pg_stat_activity where application_name = :a "
                    "and backend_xid is not null and query ilike '%organisations%'"
                ),
                {"a": self.application_name},
            ).scalar_one()
        return bool(found)

    def inserted_rows(self) -> int:
        """PostgreSQL: rows ever inserted into the schema's ``organisations`` (rolled back
        ones too), from the statistics; -1 on SQLite."""
        if self.engine is None:
            return -1
        with self.engine.connect() as conn:
            value = conn.execute(
                text(
                    "select n_tup_ins from pg_stat_user_tables where relname = 'organisations' "
                    "and schemaname = current_schema()"
                )
            ).scalar_one()
        return int(value)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


@dataclass
class Figures:
    kills: int = 0
    partial_imports: int = 0
    rows_lost: int = 0
    results_changed: int = 0
    jobs_not_recovered: int = 0
    upload_to_kill: list[float] = field(default_factory=list)
    transaction_to_kill: list[float] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)


def _wait(what: str, check: Callable[[], bool], timeout: float, every: float = 0.01) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"{what} did not happen within {timeout} s"
        time.sleep(every)
    return time.monotonic() - start


def _job(client: httpx.Client, job_id: str) -> dict[str, Any]:
    r = client.get(f"/api/jobs/{job_id}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _taken_again(client: httpx.Client, job_id: str) -> bool:
    """The killed run, back in the queue, is running again in the new process."""
    job = _job(client, job_id)
    assert job["status"] in ("queued", "running"), job
    return bool(job["status"] == "running" and job["attempts"] == 2)


def _solving(client: httpx.Client, job_id: str) -> bool:
    job = _job(client, job_id)
    assert job["status"] in ("queued", "running"), job
    return bool(job["status"] == "running" and job["progress"] >= 0.05)


def _run_to_end(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body)
    assert r.status_code == 202, r.text
    job_id = r.json()["job"]["id"]
    _wait("the job's end", lambda: _job(client, job_id)["status"] in ("succeeded", "failed"), 120,
          every=0.1)  # fmt: skip
    return _job(client, job_id)


def _stored_ids(database_url: str, prefix: str) -> int:
    """How many organisations whose id starts with ``prefix`` are stored."""
    with Store(database_url) as store, store.engine.connect() as conn:
        found = conn.execute(
            text("select count(*) from organisations where id like :p"), {"p": f"{prefix}%"}
        ).scalar_one()
    return int(found)


class Upload(threading.Thread):
    """``POST /api/organisations/import`` of ``data`` in a thread: ``response`` when the server
    answered, ``error`` when the connection broke."""

    def __init__(self, server: ServerProcess, key: str, data: bytes) -> None:
        super().__init__(daemon=True)
        self.server, self.key, self.data = server, key, data
        self.response: httpx.Response | None = None
        self.error: httpx.TransportError | None = None
        self.sent = time.monotonic()

    def run(self) -> None:
        try:
            with self.server.client(self.key, timeout=120) as client:
                files = {"file": ("bulk.csv", self.data, "text/csv")}
                self.response = client.post("/api/organisations/import", files=files)
        except httpx.TransportError as exc:
            self.error = exc


def _registry(client: httpx.Client) -> bytes:
    r = client.get("/api/organisations", params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.content


def test_sigkill_during_imports_and_solves(tmp_path: Path) -> None:
    """The kill loop on SQLite and on PostgreSQL, at the same time (one server each)."""
    with contextlib.ExitStack() as stack:
        urls = {"sqlite": stack.enter_context(fresh_database("sqlite", tmp_path))}
        pg = stack.enter_context(fresh_database("postgresql", tmp_path, optional=True))
        if pg is not None:
            urls["postgresql"] = pg
        with ThreadPoolExecutor(len(urls)) as pool:
            loops = {
                kind: pool.submit(_kill_loop, kind, url, tmp_path / kind)
                for kind, url in urls.items()
            }
            lines = [loop.result() for loop in loops.values()]
    for line in lines:
        print(line)
    if pg is None:
        print("FAULTS postgresql: not run, no PostgreSQL server (set MATCHMAKER_TEST_PG_URL)")


def _kill_loop(dialect: str, db_url: str, folder: Path) -> str:
    """Kill the server of ``db_url`` KILLS[dialect] times mid-import and mid-solve; check
    after each restart; then import and run again. Returns the figures in a line."""
    application_name = None
    if dialect == "postgresql":  # so that the probe finds the server's sessions
        application_name = f"mm-faults-{random.getrandbits(32):08x}"
        db_url = f"{db_url}&application_name={application_name}"
    with Store(db_url) as store:
        _, admin = store.create_api_key(role="admin", subject="admin", name="faults admin")
        _, organiser = store.create_api_key(role="organiser", subject="org-f", name="organiser")
    bulk = bulk_csv(BULK[dialect], "bulk")
    event = generate_event(n_participants=150, n_slots=10, n_rooms=8, rounds=2, seed=5)
    event_doc = event.model_dump(mode="json", exclude_none=True)
    base = f"/api/events/{event.id}"
    server = ServerProcess(
        db_url,
        folder / "server.log",
        {
            "MATCHMAKER_MAX_UPLOAD_BYTES": str(len(bulk) + 4096),
            # The killed run asks for ten minutes; its lease runs out 6 s after the kill.
            "MATCHMAKER_ORGANISER_TIME_LIMIT_S": str(LONG_SOLVE),
            "MATCHMAKER_JOB_LEASE_SECONDS": str(JOB_LEASE),
        },
    )
    probe = Probe(db_url, application_name)
    figures = Figures()
    try:
        server.start()
        # --- what exists before the first kill -----------------------------------------------
        with server.client(admin) as a, server.client(organiser) as o:
            early = bulk_csv(EARLIER, "early")
            r = a.post("/api/organisations/import", files={"file": ("early.csv", early)})
            assert r.status_code == 200, r.text
            assert r.json()["created"] == EARLIER
            got = a.get("/api/organisations/early-000007")
            edited = {**got.json(), "description": "edited before the kills"}
            r = a.put("/api/organisations/early-000007", json=edited,
                      headers={"If-Match": got.headers["ETag"]})  # fmt: skip
            assert r.status_code == 200, r.text
            r = o.post("/api/events", json=event_doc)
            assert r.status_code == 201, r.text
            for kind, body in (
                ("breakouts", {"time_limit": 0.5}),
                ("schedule", {"time_limit": 0.5}),
            ):
                done = _run_to_end(o, f"{base}/{kind}", body)
                assert done["status"] == "succeeded", done
            registry_before = _registry(a)
            results_before = {k: o.get(f"{base}/{k}").content for k in ("breakouts", "schedule")}
        # the event's organisations joined the registry too
        earlier_total = json.loads(registry_before)["total"]
        assert earlier_total == EARLIER + len(event_doc["organisations"])
        # --- kill, restart, check -------------------------------------------------------------
        t_start = time.monotonic()
        for i in range(KILLS[dialect]):
            with server.client(admin) as a:
                # The suggestion index's fit after a start embeds the registry's new texts and
                # stores them: a writer of its own, which the SQLite probe cannot tell from the
                # import. The first suggestion waits for that fit.
                r = a.get("/api/organisations/early-000007/suggestions", params={"k": 1})
                assert r.status_code == 200, r.text
            with server.client(organiser) as o:
                r = o.post(f"{base}/breakouts", json={"time_limit": LONG_SOLVE, "seed": i})
                assert r.status_code == 202, r.text
                job_id = r.json()["job"]["id"]
                solving = functools.partial(_solving, o, job_id)
                _wait("the long solve running", solving, 60, every=0.05)
            upload = Upload(server, admin, bulk)
            upload.start()
            _wait("the import's transaction", probe.held_open, 120)
            seen = time.monotonic()
            time.sleep(DELAYS[i % len(DELAYS)])
            assert probe.is_open(), "the import's transaction ended before the kill"
            assert upload.response is None, upload.response.text
            killed = time.monotonic()
            server.kill()
            figures.kills += 1
            figures.upload_to_kill.append(killed - upload.sent)
            figures.transaction_to_kill.append(killed - seen)
            upload.join(30)
            assert upload.response is None
            assert upload.error is not None
            restarted = time.monotonic()
            server.start()
            figures.restart_seconds.append(time.monotonic() - restarted)
            # --- after the restart ----------------------------------------------------------
            partial = _stored_ids(db_url, "bulk-")
            figures.partial_imports += partial > 0
            with server.client(admin) as a, server.client(organiser) as o:
                registry = _registry(a)
                figures.rows_lost += earlier_total - json.loads(registry)["total"] + partial
                assert registry == registry_before
                # The killed server's lease runs out, then the new one starts the run afresh
                # (its second attempt); it is cancelled here, so that the loop goes on.
                taken = functools.partial(_taken_again, o, job_id)
                _wait("the killed run's lease to run out", taken, 4 * JOB_LEASE + 10, every=0.1)
                job = _job(o, job_id)
                figures.jobs_not_recovered += job["attempts"] != 2
                assert job["attempts"] == 2, job
                assert o.post(f"/api/jobs/{job_id}/cancel").status_code == 200
                assert _job(o, job_id)["status"] == "cancelled"
                for kind, before in results_before.items():
                    now = o.get(f"{base}/{kind}").content
                    figures.results_changed += now != before
                    assert now == before, kind
            with Store(db_url) as store:
                assert store.list_jobs(status="running") == []
                assert store.list_jobs(status="queued") == []
            assert partial == 0
        loop_seconds = time.monotonic() - t_start
        rolled_back = probe.inserted_rows() - earlier_total
        # --- the same import and the same run, after the kills --------------------------------
        upload = Upload(server, admin, bulk)
        upload.start()
        window: list[float] = []
        while upload.is_alive():
            if probe.is_open():
                window.append(time.monotonic() - upload.sent)
            time.sleep(0.01)
        took = time.monotonic() - upload.sent
        assert upload.response is not None, upload.error
        assert upload.response.status_code == 200, upload.response.text
        assert upload.response.json()["created"] == BULK[dialect]
        with server.client(admin) as a, server.client(organiser) as o:
            total = a.get("/api/organisations", params={"limit": 1}).json()["total"]
            assert total == earlier_total + BULK[dialect]
            done = _run_to_end(o, f"{base}/breakouts", {"time_limit": 0.5, "seed": 0})
            assert done["status"] == "succeeded", done
            assert done["result_id"] > json.loads(results_before["breakouts"])["id"]
    finally:
        server.stop()
        probe.close()
    assert figures.kills == KILLS[dialect]
    assert (figures.partial_imports, figures.rows_lost, figures.results_changed) == (0, 0, 0)
    assert figures.jobs_not_recovered == 0
    # Every kill landed inside its own import's transaction: the probe saw it open, and no
    # answer had come, just before each kill (asserted in the loop). The last import's open
    # window is reported for scale only; comparing the kills' delays with it measured the
    # machine's load, not the store (a busy machine shortens or stretches it either way).
    assert window, "the import's transaction was never seen open"
    return (
        f"FAULTS {dialect}: {figures.kills} kills survived (each mid-import and mid-solve) in "
        f"{loop_seconds:.0f} s; partial imports found {figures.partial_imports}; rows lost "
        f"{figures.rows_lost}; earlier results changed {figures.results_changed}; killed runs "
        f"not taken again {figures.jobs_not_recovered}; kill after upload "
        f"{', '.join(f'{s:.2f}' for s in figures.upload_to_kill)} s; after the transaction "
        f"opened {', '.join(f'{s:.2f}' for s in figures.transaction_to_kill)} s; restart "
        f"{', '.join(f'{s:.1f}' for s in figures.restart_seconds)} s; the import that "
        f"succeeded took {took:.1f} s, its transaction open from {window[0]:.1f} s to "
        f"{window[-1]:.1f} s"
        + (f"; rows written then rolled back {rolled_back}" if rolled_back >= 0 else "")
    )
