"""The bad-input corpus through the HTTP API (docs/api.md), over SQLite and PostgreSQL.

Organisation files go to ``POST /api/organisations/import``, event files to ``POST
/api/events``, registration lists to ``POST /api/events/{id}/participants``; events whose rules
cannot be met (and those the command line refuses only when it runs them) are stored, then run
(``POST /api/events/{id}/breakouts`` or ``/schedule``) and their job must fail. Every refusal is
a problem document (``application/problem+json``, 4xx) that holds the corpus entry's message,
and nothing is stored: no organisation, no event, no new version, no result.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import PG_DEFAULT
from matchmaker.errors import MatchmakerError
from matchmaker.io import read_event
from matchmaker.service.app import create_app
from matchmaker.service.settings import Settings
from matchmaker.store import Store
from reliability.corpus import (
    BREAKOUTS,
    IMPORT,
    SCHEDULE,
    Entry,
    base_event,
    corpus,
    jbytes,
)

ORGANISATION_KINDS = {"csv", "xlsx", "json"}
API_KINDS = ORGANISATION_KINDS | {"event", "rules", "registrations"}
# Uploads above this are refused with 413 before they are read; the huge files of the corpus
# (256 MiB and more) are sent to an app with this small limit, as their first bytes.
SMALL_LIMIT = 64 * 1024
MEDIA = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
}


def _readable_event(data: bytes | None) -> bool:
    if data is None:
        return False
    try:
        read_event(data)
    except MatchmakerError:
        return False
    return True


def _route(entry: Entry) -> str | None:
    """Where the entry goes: ``import``, ``event`` (refused when stored), ``run`` (stored, then
    refused when planned), ``participants``; ``None``: it depends on a command-line option."""
    if entry.kind in ORGANISATION_KINDS:
        return "import" if IMPORT in entry.commands else None
    if entry.kind == "registrations":
        return "participants"
    if entry.kind in {"event", "rules"}:
        return "run" if _readable_event(entry.data) else "event"
    return None


ENTRIES = [e for e in corpus() if _route(e) is not None]

# Gaps of the API that this corpus found, to be closed in api/: until then each is expected to
# fail, strictly, so that the fix shows as an unexpected pass (and the mark is removed with it).
API_GAPS: dict[str, str] = {}
CASES = [
    pytest.param(e, marks=pytest.mark.xfail(strict=True, reason=API_GAPS[e.name]))
    if e.name in API_GAPS
    else e
    for e in ENTRIES
]


def _id(entry: Entry) -> str:
    return entry.name


@dataclass
class Service:
    """An app on its own database, its store and the headers of an organiser's key."""

    client: TestClient
    small: TestClient  # the same database, uploads limited to SMALL_LIMIT bytes
    store: Store
    headers: dict[str, str]


def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'api.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    base = os.environ.get("MATCHMAKER_TEST_PG_URL") or PG_DEFAULT
    engine = create_engine(base)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        if os.environ.get("CI") or os.environ.get("MATCHMAKER_TEST_PG_URL"):
            pytest.fail(f"PostgreSQL at {base} is not reachable: {exc.orig}")
        pytest.skip(f"PostgreSQL at {base} is not reachable (set MATCHMAKER_TEST_PG_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """One app per database for the whole corpus (an app per entry would take minutes)."""
    databases = _database(request.param, tmp_path_factory.mktemp("api"))
    url = next(databases)
    common: dict[str, Any] = {
        "database_url": url,
        "background_refit": False,
        "rate_limit_per_minute": 1_000_000,
    }
    client = TestClient(create_app(Settings(**common)))
    small = TestClient(create_app(Settings(**common, max_upload_bytes=SMALL_LIMIT)))
    with client, small:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        _, key = store.create_api_key(role="organiser", subject="reliability", name="corpus")
        yield Service(client, small, store, {"Authorization": f"Bearer {key}"})
    next(databases, None)


@dataclass(frozen=True)
class Snapshot:
    """What the database holds, as far as a refused request could have changed it."""

    organisations: int
    revision: int
    events: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, store: Store) -> Snapshot:
        events = tuple((r.value.id, r.version) for r in store.list_events())
        return cls(store.count_organisations(), store.registry_revision(), events)


def _text(body: dict[str, Any]) -> str:
    """The problem's detail and every problem as the command line prints it."""
    lines = [body.get("detail", "")]
    for p in body.get("problems") or []:
        where = []
        if p.get("row") is not None:
            where.append(f"row {p['row']}")
        if p.get("field") is not None:
            where.append(f"column '{p['field']}'")
        prefix = ", ".join(where)
        lines.append(f"{prefix}: {p['message']}" if prefix else str(p["message"]))
    return "\n".join(lines)


def _assert_refused(response: Any, entry: Entry, statuses: tuple[int, ...] = (422,)) -> str:
    assert response.status_code in statuses, response.text[:2000]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in response.text
    text = _text(response.json())
    return text


def _assert_expected(text: str, expect: Entry | tuple[str, ...]) -> None:
    for expected in expect.expect if isinstance(expect, Entry) else expect:
        assert expected in text, f"{expected!r} not in:\n{text[:2000]}"


def _upload_bytes(entry: Entry, folder: Path) -> tuple[bytes, bool]:
    """The bytes to send, and whether they are the first bytes of a file above the limit."""
    if entry.data is not None:
        return entry.data, False
    path = entry.materialise(folder)
    if path.stat().st_size <= 32 * 2**20:
        return path.read_bytes(), False
    with path.open("rb") as fh:
        return fh.read(SMALL_LIMIT + 1), True


def _new_event(service: Service, doc: dict[str, Any]) -> tuple[str, int]:
    """Store ``doc`` under a fresh id (it must be accepted); returns the id and version."""
    event_id = f"ev-{uuid.uuid4().hex[:10]}"
    response = service.client.post(
        "/api/events", json={**doc, "id": event_id}, headers=service.headers
    )
    assert response.status_code == 201, response.text[:2000]
    return event_id, int(response.json()["version"])


def _wait(service: Service, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = service.client.get(location, headers=service.headers).json()
        if job["status"] in {"succeeded", "failed"}:
            return job
        assert time.monotonic() < deadline, f"the job did not end: {job}"
        time.sleep(0.05)


@pytest.mark.parametrize("entry", CASES, ids=_id)
def test_bad_input_is_refused_by_the_api(service: Service, entry: Entry, tmp_path: Path) -> None:
    route = _route(entry)
    if route == "import":
        _organisations(service, entry, tmp_path)
    elif route == "participants":
        _registrations(service, entry)
    elif route == "event":
        _event(service, entry, tmp_path)
    else:
        _run(service, entry)


def _organisations(service: Service, entry: Entry, folder: Path) -> None:
    data, over = _upload_bytes(entry, folder)
    client = service.small if over else service.client
    before = Snapshot.of(service.store)
    response = client.post(
        "/api/organisations/import",
        files={"file": (entry.filename, data, MEDIA[Path(entry.filename).suffix])},
        headers=service.headers,
    )
    if over:
        text = _assert_refused(response, entry, (413,))
        assert response.json()["type"] == "/problems/too-large"
        assert f"limit of {SMALL_LIMIT} bytes" in text
    else:
        _assert_expected(_assert_refused(response, entry), entry)
    assert Snapshot.of(service.store) == before


def _event(service: Service, entry: Entry, folder: Path) -> None:
    data, over = _upload_bytes(entry, folder)
    client = service.small if over else service.client
    before = Snapshot.of(service.store)
    response = client.post(
        "/api/events",
        content=data,
        headers={**service.headers, "Content-Type": "application/json"},
    )
    if over:
        _assert_refused(response, entry, (413,))
        assert response.json()["type"] == "/problems/too-large"
    else:
        _assert_expected(_assert_refused(response, entry), entry)
    assert Snapshot.of(service.store) == before


def _registrations(service: Service, entry: Entry) -> None:
    event_id, version = _new_event(service, base_event())
    before = Snapshot.of(service.store)
    assert entry.data is not None
    response = service.client.post(
        f"/api/events/{event_id}/participants",
        files={"file": (entry.filename, entry.data, MEDIA[Path(entry.filename).suffix])},
        headers={**service.headers, "If-Match": f'"{version}"'},
    )
    _assert_expected(_assert_refused(response, entry), entry)
    assert Snapshot.of(service.store) == before


def _run(service: Service, entry: Entry) -> None:
    """An event that can be stored but not planned: the run's job fails with the message,
    and no result is stored."""
    assert entry.data is not None
    doc = json.loads(entry.data)
    event_id, _ = _new_event(service, doc)
    # The event is stored under an id of its own; messages name it.
    expect = tuple(e.replace(f"event '{doc['id']}'", f"event '{event_id}'") for e in entry.expect)
    kinds = [c for c in entry.commands if c in (BREAKOUTS, SCHEDULE)]
    assert kinds, f"{entry.name}: no run to try"
    for command in kinds:
        kind = "breakouts" if command == BREAKOUTS else "schedule"
        response = service.client.post(
            f"/api/events/{event_id}/{kind}", json={}, headers=service.headers
        )
        if response.status_code != 202:  # refused before a job: a problem document
            _assert_expected(_assert_refused(response, entry, (409, 422)), expect)
        else:
            job = _wait(service, response.headers["Location"])
            assert job["status"] == "failed", job
            problem = job["problem"]
            assert 400 <= problem["status"] < 500, problem
            assert problem["type"] in {"/problems/infeasible", "/problems/invalid-input"}
            _assert_expected(_text(problem), expect)
        assert service.store.latest_result(event_id, kind) is None


def test_the_api_sees_most_of_the_corpus() -> None:
    assert len(ENTRIES) >= 120
    assert {e.kind for e in ENTRIES} == API_KINDS
    assert {_route(e) for e in ENTRIES} == {"import", "event", "run", "participants"}
    assert set(API_GAPS) <= {e.name for e in ENTRIES}


def test_the_base_event_runs(service: Service) -> None:
    """The control: the event the entries are made from is stored and planned."""
    event_id, _ = _new_event(service, base_event())
    for kind in ("breakouts", "schedule"):
        response = service.client.post(
            f"/api/events/{event_id}/{kind}", json={}, headers=service.headers
        )
        assert response.status_code == 202, response.text
        assert _wait(service, response.headers["Location"])["status"] == "succeeded"


def test_a_valid_upload_is_stored(service: Service) -> None:
    """The control: a valid file is stored, so that the refusals above are the entries'."""
    data = jbytes([{"id": "control-1", "name": "Control", "type": "sme", "region": "FR10"}])
    response = service.client.post(
        "/api/organisations/import",
        files={"file": ("orgs.json", data, "application/json")},
        headers=service.headers,
    )
    assert response.status_code == 200, response.text
    assert service.store.get_organisation("control-1") is not None
