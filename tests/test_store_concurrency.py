"""Concurrent writers: no "database is locked", no lost update, nothing half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, make_org
from matchmaker.errors import AlreadyExistsError, MatchmakerError, VersionConflictError
from matchmaker.store import Store

THREADS = 8
ROUNDS = 4


def test_eight_concurrent_writers(db_url: str) -> None:
    """Each thread has its own store (its own connections, as a process would): it creates
    organisations, imports a batch, and appends its mark to one shared profile with versioned
    updates, reloading when it loses the race. Every create and every mark must be there."""
    with Store(db_url) as store:
        store.create_organisation(make_org(id="shared", description=""))
    barrier = threading.Barrier(THREADS)
    # Every thread reads the first version before any of them writes: the first round is a
    # real race whatever the scheduler does, and all but one of its writers must lose it.
    read_first = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    conflicts = [0] * THREADS

    def work(t: int) -> None:
        try:
            with Store(db_url) as mine:
                barrier.wait()
                for i in range(ROUNDS):
                    mine.create_organisation(make_org(id=f"t{t}-{i}"))
                    attempt = 0
                    while True:
                        record = mine.get_organisation_record("shared")
                        assert record is not None
                        if i == 0 and attempt == 0:
                            read_first.wait()
                        attempt += 1
                        text = f"{record.value.description} t{t}r{i}".strip()
                        changed = record.value.model_copy(update={"description": text})
                        try:
                            mine.update_organisation(changed, expected_version=record.version)
                            break
                        except VersionConflictError:
                            conflicts[t] += 1
                mine.import_organisations([make_org(id=f"batch{t}-{k}") for k in range(20)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with Store(db_url) as store:
        assert store.count_organisations() == 1 + THREADS * (ROUNDS + 20)
        shared = store.get_organisation_record("shared")
        assert shared is not None
        marks = shared.value.description.split()
        expected = {f"t{t}r{i}" for t in range(THREADS) for i in range(ROUNDS)}
        assert sorted(marks) == sorted(expected)  # each exactly once: no update was lost
        assert shared.version == 1 + THREADS * ROUNDS
    assert sum(conflicts) >= THREADS - 1  # the first round's losers were told, not overwritten


def test_concurrent_creates_of_one_id_one_wins(db_url: str) -> None:
    """The losers are told the id exists (never a raw integrity error), on both databases."""
    with Store(db_url):
        pass
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def work(t: int) -> None:
        with Store(db_url) as mine:
            barrier.wait()
            try:
                mine.import_organisations([make_org(id="same"), make_org(id=f"own{t}")])
                outcomes.append("created")
            except AlreadyExistsError:
                outcomes.append("exists")
            except BaseException as exc:
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["created"] + ["exists"] * (THREADS - 1)
    with Store(db_url) as store:
        assert store.count_organisations() == 2  # the refused imports left nothing


def _hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE counters SET value = value")
    started.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_writer_waits_for_the_lock_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    # A busy timeout shorter than the lock: the write is run again until it gets through.
    with Store(str(path), busy_timeout=0.05) as store:
        started = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 0.6, started))
        holder.start()
        started.wait()
        begin = time.monotonic()
        record = store.create_organisation(make_org())
        waited = time.monotonic() - begin
        holder.join()
        assert record.version == 1
        assert waited > 0.4


def test_a_database_busy_for_too_long_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    with Store(str(path), busy_timeout=0.05, write_timeout=0.3) as store:
        started = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 1.0, started))
        holder.start()
        started.wait()
        with pytest.raises(MatchmakerError, match="stayed busy with other changes") as info:
            store.create_organisation(make_org())
        holder.join()
        assert "locked" not in str(info.value)
        assert store.get_organisation("nanomat") is None


def test_readers_do_not_block_writers(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    with Store(str(path), busy_timeout=0.05, write_timeout=0.2) as store:
        store.create_organisation(make_org())
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM organisations").fetchone() == (1,)
        store.create_organisation(make_org(id="second"))  # would fail without WAL
        # the reader keeps its snapshot
        assert reader.execute("SELECT count(*) FROM organisations").fetchone() == (1,)
        reader.execute("COMMIT")
        reader.close()
        assert store.count_organisations() == 2


def test_a_killed_import_leaves_nothing(tmp_path: Path) -> None:
    """SIGKILL in the middle of a bulk import: the database opens, without any of its rows."""
    path = tmp_path / "killed.db"
    with Store(str(path)) as store:
        store.create_organisation(make_org(id="before"))
    # The child tells when two chunks of 5,000 rows are written inside the open transaction.
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from conftest import make_org
        import matchmaker.store.organisations as o
        from matchmaker.store import Store

        base = make_org()
        orgs = [base.model_copy(update={{"id": f"o{{i:06d}}"}}) for i in range(16_000)]
        store = Store({str(path)!r})
        calls = []

        def insert(table):
            calls.append(table)
            if len(calls) == 3:
                print("importing", flush=True)
            return o.sa_insert(table)

        o.sa_insert, o.insert = o.insert, insert
        store.import_organisations(orgs)
        print("done", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "importing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with Store(str(path)) as store:
        assert store.count_organisations() == 1
        assert store.get_organisation("before") is not None
        assert store.create_organisation(make_org(id="after")).version == 1
