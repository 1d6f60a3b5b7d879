"""Concurrency through a real ``matchmaker-server``, on SQLite and on PostgreSQL.

- Two people editing one thing at once (the event's owner and an admin on one event; a member
  and an admin on one organisation): both read version v, both send their change with
  ``If-Match: v`` at the same moment. Exactly one gets 200 and the other 412, and the stored
  document holds the winner's change only: no update is lost or silently overwritten.
- Eight writers at once, each making 50 writes (organisation creates, versioned updates of one
  shared profile, updates of one shared event, imports), reloading after a 412: no answer is
  a 5xx, none mentions a locked database, and every write is found in the database.

The store's own tests (tests/test_store_concurrency.py) race store objects in one process;
these race HTTP requests through the service: its thread pool, its key checks and its error
handling included. The figures are printed (``-rA``) for docs/reliability.md.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect

from conftest import make_org
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.store import Store
from reliability.server import ServerProcess, fresh_database

WRITERS = 8
WRITES = 50
ROUNDS = 10
EVENT = "leuven-2018"


@dataclass
class Served:
    """A server on a fresh database, with keys and the Leuven event of organiser ``org-a``."""

    kind: str
    server: ServerProcess
    database_url: str
    owner: str
    admins: list[str]
    member: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp(f"concurrency-{request.param}")
    with fresh_database(request.param, folder) as url:
        with Store(url) as store:
            store.import_organisations([make_org(description="")])  # nanomat
            owner = store.create_api_key(role="organiser", subject="org-a", name="owner")[1]
            member = store.create_api_key(role="member", subject="nanomat", name="member")[1]
            admins = [
                store.create_api_key(role="admin", subject=f"admin-{i}", name=f"admin {i}")[1]
                for i in range(WRITERS)
            ]
        # The rate limit is not what is tested here: 8 writers retrying may pass 1,200 a minute.
        # Two worker processes: their writes meet in the database, not in one process.
        server = ServerProcess(
            url, folder / "server.log", {"MATCHMAKER_RATE_LIMIT_PER_MINUTE": "100000"}, workers=2
        )
        server.start()
        try:
            with server.client(owner) as client:
                document = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
                r = client.post("/api/events", json=document)
                assert r.status_code == 201, r.text
            yield Served(request.param, server, url, owner, admins, member)
        finally:
            server.stop()
        log = server.log_text()
        assert "Traceback" not in log, log[-4000:]


@dataclass
class Race:
    """One round: both read, both write at once."""

    statuses: list[int] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)


def _race(
    clients: list[httpx.Client], path: str, changes: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[httpx.Response]]:
    """Both clients read ``path``, then PUT their change at the same moment with the version
    they read; returns the document read and the two answers (in the clients' order)."""
    reads = [c.get(path) for c in clients]
    for r in reads:
        assert r.status_code == 200, r.text
    assert reads[0].headers["ETag"] == reads[1].headers["ETag"]
    read = reads[0].json()
    barrier = threading.Barrier(len(clients))
    answers: list[httpx.Response | None] = [None] * len(clients)

    def put(n: int) -> None:
        body = {**reads[n].json(), **changes[n]}
        barrier.wait()
        answers[n] = clients[n].put(path, json=body, headers={"If-Match": reads[n].headers["ETag"]})

    threads = [threading.Thread(target=put, args=(n,)) for n in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done = [a for a in answers if a is not None]
    assert len(done) == len(clients)
    return read, done


def test_two_editors_one_wins_the_other_is_told(served: Served) -> None:
    """Ten rounds on one event (its owner and an admin) and ten on one organisation (the
    member itself and an admin): one 200 and one 412 each time, the winner's change only."""
    lost = 0
    wins = Counter[str]()
    with (
        served.server.client(served.owner) as owner,
        served.server.client(served.admins[0]) as admin,
        served.server.client(served.member) as member,
    ):
        for r in range(ROUNDS):
            # the owner renames the event, the admin changes its tables
            read, answers = _race(
                [owner, admin],
                f"/api/events/{EVENT}",
                [{"name": f"Leuven workshop, round {r}"}, {"tables": 100 + r}],
            )
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200, 412], [a.text for a in answers]
            loser = next(a for a in answers if a.status_code == 412)
            problem = loser.json()
            assert problem["type"] == "/problems/version-conflict"
            assert str(read["version"]) in problem["detail"]
            now = owner.get(f"/api/events/{EVENT}").json()
            assert now["version"] == read["version"] + 1
            if answers[0].status_code == 200:
                wins["owner"] += 1
                expected = (f"Leuven workshop, round {r}", read["tables"])
            else:
                wins["admin"] += 1
                expected = (read["name"], 100 + r)
            lost += (now["name"], now["tables"]) != expected
            assert (now["name"], now["tables"]) == expected
            # the member edits its description, the admin its projects
            read, answers = _race(
                [member, admin],
                "/api/organisations/nanomat",
                [{"description": f"member's round {r}"}, {"projects": [f"ADMIN-{r}"]}],
            )
            assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
            now = admin.get("/api/organisations/nanomat").json()
            if answers[0].status_code == 200:
                wins["member"] += 1
                expected_org = (f"member's round {r}", read.get("projects"))
            else:
                wins["admin"] += 1
                expected_org = (read.get("description"), [f"ADMIN-{r}"])
            lost += (now.get("description"), now.get("projects")) != expected_org
            assert (now.get("description"), now.get("projects")) == expected_org
    assert lost == 0
    print(
        f"RACES {served.kind}: {2 * ROUNDS} races (one event, one organisation), "
        f"{2 * ROUNDS} answers 200 and {2 * ROUNDS} answers 412, lost updates {lost}; "
        f"winners {dict(wins)}"
    )


@dataclass
class Tally:
    """What one writer did and saw."""

    writes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    slowest: float = 0.0


def _send(client: httpx.Client, tally: Tally, method: str, path: str, **kw: Any) -> httpx.Response:
    start = time.monotonic()
    r = client.request(method, path, **kw)
    tally.slowest = max(tally.slowest, time.monotonic() - start)
    tally.statuses[r.status_code] += 1
    if r.status_code >= 500 or "locked" in r.text.lower() or r.status_code not in (200, 201, 412):
        tally.bad.append(f"{method} {path}: {r.status_code} {r.text[:300]}")
    return r


def _versioned(client: httpx.Client, tally: Tally, path: str, change: Any) -> None:
    """Read, change, write with If-Match; read again after a 412 until the write is taken."""
    while True:
        r = _send(client, tally, "GET", path)
        if r.status_code != 200:
            return
        body = change(r.json())
        w = _send(client, tally, "PUT", path, json=body, headers={"If-Match": r.headers["ETag"]})
        if w.status_code != 412:
            return


def _add_mark(mark: str) -> Any:
    def change(doc: dict[str, Any]) -> dict[str, Any]:
        return {**doc, "description": f"{doc.get('description', '')} {mark}".strip()}

    return change


def _add_room(room: dict[str, Any]) -> Any:
    def change(doc: dict[str, Any]) -> dict[str, Any]:
        return {**doc, "rooms": [*doc["rooms"], room]}

    return change


def _writer(served: Served, t: int, barrier: threading.Barrier, tally: Tally) -> None:
    with served.server.client(served.admins[t]) as client:
        barrier.wait()
        for i in range(WRITES):
            kind = ("create", "profile", "event", "import")[i % 4]
            tally.writes[kind] += 1
            if kind == "create":
                profile = make_org(id=f"w{t}-{i:02d}", name=f"Writer {t} {i}", contact=None)
                body = profile.model_dump(mode="json", exclude_none=True)
                _send(client, tally, "POST", "/api/organisations", json=body)
            elif kind == "profile":
                _versioned(client, tally, "/api/organisations/nanomat", _add_mark(f"t{t}w{i}"))
            elif kind == "event":
                room = {"id": f"t{t}-{i:02d}", "name": f"Room of writer {t}", "capacity": 4}
                _versioned(client, tally, f"/api/events/{EVENT}", _add_room(room))
            else:
                rows = [f"i{t}-{i:02d}-{k},Imported {t} {i} {k},sme,DE11,C22" for k in range(5)]
                data = "\n".join(["id,name,type,region,sectors", *rows, ""]).encode()
                _send(client, tally, "POST", "/api/organisations/import",
                      files={"file": ("o.csv", data)})  # fmt: skip


def test_eight_writers_no_locked_database_no_lost_write(served: Served) -> None:
    with Store(served.database_url) as store:
        orgs_before = store.count_organisations()
        event_before = store.get_event_record(EVENT)
        profile_before = store.get_organisation_record("nanomat")
    assert event_before is not None
    assert profile_before is not None
    barrier = threading.Barrier(WRITERS)
    tallies = [Tally() for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=_writer, args=(served, t, barrier, tallies[t]))
        for t in range(WRITERS)
    ]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    seconds = time.monotonic() - start
    bad = [b for tally in tallies for b in tally.bad]
    assert bad == []
    writes = sum((tally.writes for tally in tallies), Counter[str]())
    statuses = sum((tally.statuses for tally in tallies), Counter[int]())
    assert sum(writes.values()) == WRITERS * WRITES
    with Store(served.database_url) as store:
        created = store.count_organisations() - orgs_before
        event = store.get_event_record(EVENT)
        profile = store.get_organisation_record("nanomat")
    assert event is not None
    assert profile is not None
    # every create and every imported row is stored
    assert created == writes["create"] + 5 * writes["import"]
    # every mark of the shared profile once, in one version each
    marks = profile.value.description.split()[len(profile_before.value.description.split()) :]
    expected_marks = {f"t{t}w{i}" for t in range(WRITERS) for i in range(WRITES) if i % 4 == 1}
    assert sorted(marks) == sorted(expected_marks)
    assert profile.version == profile_before.version + writes["profile"]
    # every room added to the shared event once, in one version each
    rooms = [r.id for r in event.value.rooms][len(event_before.value.rooms) :]
    expected_rooms = {f"t{t}-{i:02d}" for t in range(WRITERS) for i in range(WRITES) if i % 4 == 2}
    assert sorted(rooms) == sorted(expected_rooms)
    assert event.version == event_before.version + writes["event"]
    log = served.server.log_text()
    assert "locked" not in log.lower()
    slowest = max(tally.slowest for tally in tallies)
    print(
        f"WRITERS {served.kind}: {WRITERS} writers x {WRITES} writes = {sum(writes.values())} "
        f"writes ({dict(writes)}) in {seconds:.1f} s, {sum(statuses.values())} requests "
        f"({dict(sorted(statuses.items()))}); 5xx 0, 'database is locked' 0; rows created "
        f"{created}, profile marks {len(marks)}, event rooms {len(rooms)}, all accounted "
        f"for; slowest answer {slowest:.2f} s"
    )


def test_stores_opened_at_once_each_migrate_their_own_database(tmp_path: Path) -> None:
    """Regression: Alembic's ``op`` and ``context`` are one object per process, so two new
    databases opened by threads at the same moment ran each other's migrations ("table
    organisations already exists", ``KeyError('config')``, statements on the other thread's
    SQLite connection). Found by the fault test, which opens a SQLite and a PostgreSQL
    database at once; fixed with a lock in matchmaker.store.migrate."""
    threads = 4
    barrier = threading.Barrier(threads)
    outcomes: dict[int, str] = {}

    def open_store(n: int) -> None:
        barrier.wait()
        try:
            with Store(f"sqlite:///{tmp_path / f'db{n}.db'}") as store:
                tables = set(inspect(store.engine).get_table_names())
                outcomes[n] = "ok" if {"organisations", "events", "jobs"} <= tables else str(tables)
        except Exception as exc:
            outcomes[n] = repr(exc)

    started = [threading.Thread(target=open_store, args=(n,)) for n in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(60)
    assert outcomes == dict.fromkeys(range(threads), "ok")
