"""Security: who may call what, keys, CORS, headers, formula cells in exports, size and rate
limits.

- **The role x endpoint matrix**: every route of the app (walked from ``app.routes``, checked
  against the OpenAPI schema) must have a line in :data:`ROUTES` (the test names any route
  without one), and each is called without a key, with a revoked key, with four malformed keys
  (401), with a key of each role (403 where the role may not, the route's own answer where it
  may) and, for routes of one event, one job or one organisation, with the key of another
  organiser or member (403).
- **Keys**: after keys are made (bootstrap, API, store), no column of any table holds a key;
  the server's output (debug log level) during authenticated, refused and key-making requests
  never holds one.
- **CORS** closed unless ``MATCHMAKER_CORS_ORIGINS`` names the origin; **security headers** on
  the page, the docs, files and every kind of API answer.
- **Exports** (rooms.csv/xlsx, agendas.csv/xlsx, grid.csv/xlsx, the organisations export of the
  command line): names that a spreadsheet would run as formulas come out quoted with ``'``.
- **Limits**: uploads and JSON bodies over ``MATCHMAKER_MAX_UPLOAD_BYTES`` get 413 before the
  server reads them (an honest, a lying and no ``Content-Length``: chunked), and the rate limit
  gives 429 with ``Retry-After`` to one key only.

The matrix and the exports run in process (``TestClient``) over SQLite; keys in the database
over SQLite and PostgreSQL; logs, headers, CORS, size and rate limits against a real
``matchmaker-server``.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import column, create_engine, inspect, select, table
from starlette.routing import Mount

from conftest import make_org
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io.tabular import FORMULA_PREFIXES
from matchmaker.service.app import create_app
from matchmaker.service.settings import Settings
from matchmaker.store import Store
from reliability.server import ServerProcess

ADMIN, ORGANISER, MEMBER = "admin", "organiser", "member"
ANY = (ADMIN, ORGANISER, MEMBER)
# an admin, or an organiser (of its own events: another organiser's key is tried too)
OWNER = (ADMIN, ORGANISER)
EVENT = "leuven-2018"
STALE = '"999999"'  # an If-Match no stored version has: a change is refused with 412
LIMIT = 64 * 1024  # the real server's upload limit
RATE = 60  # the real server's requests per key per minute

# --- what goes into the event: names a spreadsheet would run, and markup --------------------

FORMULAS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1")
MARKUP = "<img src=x onerror=alert(1)>"


def _event_document() -> dict[str, Any]:
    """The Leuven event; every person and organisation is named like a formula, a room with
    markup."""
    doc: dict[str, Any] = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
    doc["rooms"][0]["name"] = MARKUP
    for i, person in enumerate(doc["participants"]):
        person["person"] = FORMULAS[i % len(FORMULAS)]
    for i, org in enumerate(doc["organisations"]):
        org["name"] = f"{FORMULAS[i % len(FORMULAS)]} ({i})"
    return doc


# --- the matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may call a route and what an allowed call answers.

    ``roles`` ``None``: no key needed. ``scope``: the route touches one event (``"event"``),
    one job, or one organisation (``"org"``: members may touch their own only), so that
    another organiser's or member's key is refused. ``if_match``: the stale version sent, so
    that allowed changes are refused with 412 after the access checks, changing nothing.
    """

    roles: tuple[str, ...] | None
    ok: int
    request: Callable[[str], dict[str, Any]] = field(default=lambda tag: {})
    if_match: bool = False
    scope: str | None = None


def _profile(tag: str, org_id: str | None = None) -> dict[str, Any]:
    org = make_org(id=org_id or f"new-{tag}", name=f"Test {tag}")
    return {"json": org.model_dump(mode="json", exclude_none=True)}


def _import(tag: str) -> dict[str, Any]:
    data = f"id,name,type,region,sectors\nimp-{tag},Imported {tag},sme,DE11,C22\n".encode()
    return {"files": {"file": ("orgs.csv", data, "text/csv")}}


def _new_event(tag: str) -> dict[str, Any]:
    return {"json": {"id": f"event-{tag}", "name": f"Event {tag}"}}


def _registrations(tag: str) -> dict[str, Any]:
    data = (DEMO_DATA / "leuven-2018" / "registrations.csv").read_bytes()
    return {"files": {"file": ("registrations.csv", data, "text/csv")}}


def _stored_scorer(name: str) -> dict[str, Any]:
    from matchmaker.score import make_scorer
    from matchmaker.score.learn import LearnedScorer

    return LearnedScorer(make_scorer("research", name=name), {}).as_dict()


E = "/api/events/{event_id}"
ROUTES: dict[tuple[str, str], Access] = {
    ("GET", "/health"): Access(None, 200),
    ("GET", "/"): Access(None, 200),
    ("GET", "/docs"): Access(None, 200),
    ("GET", "/openapi.json"): Access(None, 200),
    ("GET", "/static/{path}"): Access(None, 200),
    ("GET", "/docs-assets/{path}"): Access(None, 200),
    ("GET", "/api/me"): Access(ANY, 200),
    ("POST", "/api/keys"): Access(
        (ADMIN,), 201, lambda tag: {"json": {"role": ORGANISER, "subject": f"s-{tag}", "name": tag}}
    ),
    ("GET", "/api/keys"): Access((ADMIN,), 200),
    ("DELETE", "/api/keys/{key_id}"): Access((ADMIN,), 204),
    ("GET", "/api/organisations"): Access(ANY, 200),
    ("POST", "/api/organisations"): Access(OWNER, 201, _profile),
    ("POST", "/api/organisations/import"): Access(OWNER, 200, _import),
    ("GET", "/api/organisations/{org_id}"): Access(ANY, 200),
    ("PUT", "/api/organisations/{org_id}"): Access(
        (ADMIN, MEMBER), 412, lambda tag: _profile(tag, "nanomat"), if_match=True, scope="org"
    ),
    ("DELETE", "/api/organisations/{org_id}"): Access((ADMIN,), 412, if_match=True),
    ("GET", "/api/organisations/{org_id}/suggestions"): Access((ADMIN, MEMBER), 200, scope="org"),
    ("POST", "/api/scorers"): Access((ADMIN,), 201, lambda tag: {"json": {"name": f"s-{tag}"}}),
    ("GET", "/api/scorers"): Access(ANY, 200),
    ("GET", "/api/scorers/{name}"): Access(ANY, 200),
    ("GET", "/api/presets"): Access(ANY, 200),
    ("POST", "/api/events"): Access(OWNER, 201, _new_event),
    ("GET", "/api/events"): Access(OWNER, 200),
    ("GET", E): Access(OWNER, 200, scope="event"),
    ("PUT", E): Access(
        OWNER,
        412,
        lambda tag: {"json": _event_document()},
        if_match=True,
        scope="event",
    ),
    ("DELETE", E): Access(OWNER, 412, if_match=True, scope="event"),
    ("PATCH", E): Access(
        OWNER, 412, lambda tag: {"json": {"name": f"Renamed {tag}"}}, if_match=True, scope="event"
    ),
    ("POST", E + "/duplicate"): Access(
        OWNER, 201, lambda tag: {"json": {"id": f"copy-{tag}"}}, scope="event"
    ),
    ("GET", E + "/freshness"): Access(OWNER, 200, scope="event"),
    ("POST", E + "/participants"): Access(OWNER, 412, _registrations, if_match=True, scope="event"),
    ("GET", E + "/participants"): Access(OWNER, 200, scope="event"),
    ("POST", E + "/participants/mapping"): Access(OWNER, 200, _registrations, scope="event"),
    ("GET", E + "/participants.{format}"): Access(OWNER, 200, scope="event"),
    ("GET", "/api/templates/registrations.{format}"): Access(OWNER, 200),
    ("POST", E + "/breakouts"): Access(
        OWNER, 202, lambda tag: {"json": {"time_limit": 0.2}}, scope="event"
    ),
    ("GET", E + "/breakouts"): Access(OWNER, 200, scope="event"),
    ("POST", E + "/breakouts/replan"): Access(
        OWNER, 202, lambda tag: {"json": {"time_limit": 0.2}}, scope="event"
    ),
    ("POST", E + "/breakouts/moves"): Access(
        OWNER,
        412,
        lambda tag: {"json": {"participant": "P05", "round": "R1", "room": "wg2"}},
        if_match=True,
        scope="event",
    ),
    ("GET", E + "/breakouts/rooms.csv"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/breakouts/rooms.xlsx"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/breakouts/rooms/{round_id}/{room_file}"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/breakouts/rooms/{round_file}"): Access(OWNER, 200, scope="event"),
    ("POST", E + "/schedule"): Access(
        OWNER,
        202,
        lambda tag: {"json": {"slots": 3, "tables": 8, "minutes": 15, "time_limit": 0.3}},
        scope="event",
    ),
    ("GET", E + "/schedule"): Access(OWNER, 200, scope="event"),
    ("POST", E + "/schedule/replan"): Access(OWNER, 202, lambda tag: {"json": {}}, scope="event"),
    ("POST", E + "/schedule/meetings/move"): Access(
        OWNER,
        412,
        lambda tag: {"json": {"slot": "S1", "table": 1, "to_slot": "S2", "to_table": 1}},
        if_match=True,
        scope="event",
    ),
    ("POST", E + "/schedule/meetings/swap"): Access(
        OWNER,
        412,
        lambda tag: {
            "json": {"first": {"slot": "S1", "table": 1}, "second": {"slot": "S2", "table": 1}}
        },
        if_match=True,
        scope="event",
    ),
    ("POST", E + "/schedule/meetings/cancel"): Access(
        OWNER, 412, lambda tag: {"json": {"slot": "S1", "table": 1}}, if_match=True, scope="event"
    ),
    ("POST", E + "/schedule/meetings"): Access(
        OWNER,
        412,
        lambda tag: {"json": {"participants": ["P01", "P02"], "slot": "S1", "table": 1}},
        if_match=True,
        scope="event",
    ),
    ("POST", E + "/schedule/undo"): Access(OWNER, 412, if_match=True, scope="event"),
    ("GET", E + "/schedule/agendas.csv"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/schedule/agendas.xlsx"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/schedule/agendas.html"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/schedule/grid.csv"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/schedule/grid.xlsx"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/schedule/ics.zip"): Access(OWNER, 200, scope="event"),
    ("GET", E + "/schedule/ics/{participant_file}"): Access(OWNER, 200, scope="event"),
    ("POST", E + "/pairs"): Access(OWNER, 202, lambda tag: {"json": {}}, scope="event"),
    ("GET", E + "/pairs"): Access(OWNER, 200, scope="event"),
    ("GET", "/api/jobs/{job_id}"): Access(OWNER, 200, scope="job"),
    # the world's job has succeeded: a cancel by who may is 409 (the job has ended)
    ("POST", "/api/jobs/{job_id}/cancel"): Access(OWNER, 409, scope="job"),
    ("DELETE", "/api/jobs/{job_id}"): Access(OWNER, 409, scope="job"),
}


def _template(path: str) -> str:
    """``/x/{id:path}`` -> ``/x/{id}``: routes and the OpenAPI schema write parameters alike."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _walk(routes: Any) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, included routers and mounted folders too."""
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):  # FastAPI's included router (0.16x): its routes, resolved
            for item in candidates():
                if callable(getattr(item, "effective_candidates", None)):
                    yield from _walk([item])
                else:
                    methods = getattr(item.original_route, "methods", None) or {"GET"}
                    for method in methods - {"HEAD"}:
                        yield method, _template(item.path)
        elif isinstance(route, Mount):
            yield "GET", f"{route.path}/{{path}}"
        else:
            for method in (getattr(route, "methods", None) or {"GET"}) - {"HEAD"}:
                yield method, _template(route.path)


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app answers: its routes, and every operation of its OpenAPI
    schema (so that nothing the schema lists can be missed by the walk)."""
    found = set(_walk(app.routes))
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            found.add((method.upper(), path))
    return found


@dataclass
class World:
    """An app on SQLite with the Leuven event (formula names inside) of organiser ``org-a``,
    its allocation, schedule and pairs, and keys of every kind."""

    client: TestClient
    store: Store
    keys: dict[str, str]
    params: dict[str, str]
    revoked: str
    job: str


def _wait_job(client: TestClient, location: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = client.get(location, headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("security")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'security.db'}",
        background_refit=False,
        rate_limit_per_minute=100_000,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        store: Store = app.state.store
        store.import_organisations(
            [
                make_org(),  # nanomat, with contact fields
                make_org(id="liege-uni", name="Université de Liège", region="BE33",
                         contact={"person": "Office", "email": "office@liege.example"}),
                make_org(id="disposable", name="Disposable"),
            ]
        )  # fmt: skip
        keys = {
            name: store.create_api_key(role=role, subject=subject, name=name)[1]
            for name, role, subject in (
                (ADMIN, ADMIN, "admin"),
                (ORGANISER, ORGANISER, "org-a"),
                (MEMBER, MEMBER, "nanomat"),
                ("other-organiser", ORGANISER, "org-b"),
                ("other-member", MEMBER, "liege-uni"),
            )
        }
        # a key that worked (and is remembered by the key ring), then revoked through the API
        revoked_record, revoked = store.create_api_key(role=ADMIN, subject="gone", name="revoked")
        assert client.get("/api/me", headers=_bearer(revoked)).status_code == 200
        r = client.delete(f"/api/keys/{revoked_record.id}", headers=_bearer(keys[ADMIN]))
        assert r.status_code == 204
        disposable, _ = store.create_api_key(role=ORGANISER, subject="x", name="to revoke")
        owner = {"Authorization": f"Bearer {keys[ORGANISER]}"}
        r = client.post("/api/events", json=_event_document(), headers=owner)
        assert r.status_code == 201, r.text
        jobs = []
        for path, body in (
            ("breakouts", {"time_limit": 0.3}),
            ("schedule", {"slots": 3, "tables": 8, "minutes": 15, "time_limit": 0.3}),
            ("pairs", {}),
        ):
            r = client.post(f"/api/events/{EVENT}/{path}", json=body, headers=owner)
            assert r.status_code == 202, r.text
            job = _wait_job(client, r.headers["Location"], owner)
            assert job["status"] == "succeeded", job
            jobs.append(job["id"])
        params = {
            "event_id": EVENT,
            "org_id": "nanomat",
            "key_id": disposable.id,
            "job_id": jobs[0],
            "round_id": "R1",
            "room_file": "wg1.html",
            "round_file": "R1.html",
            "participant_file": "P01.ics",
            "name": "world",
            "format": "csv",
        }
        store.save_scorer(_stored_scorer("world"))
        for route in app.routes:  # a file of each mounted folder
            if isinstance(route, Mount):
                folder_of = Path(route.app.directory)  # type: ignore[attr-defined]
                params[route.path] = sorted(p.name for p in folder_of.iterdir() if p.is_file())[0]
        yield World(client, store, keys, params, revoked, jobs[0])


def _path(world: World, template: str, **override: str) -> str:
    params = {**world.params, **override}
    if template.endswith("/{path}"):
        prefix = template.removesuffix("/{path}")
        return f"{prefix}/{params[prefix]}"
    return template.format(**params)


def _call(
    world: World,
    method: str,
    template: str,
    headers: dict[str, str],
    tag: str,
    **override: str,
) -> httpx.Response:
    access = ROUTES[(method, template)]
    kwargs = access.request(tag)
    if access.if_match:
        headers = {**headers, "If-Match": STALE}
    return world.client.request(
        method, _path(world, template, **override), headers=headers, **kwargs
    )


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (
        f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}"
    )
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_every_route_has_a_line_in_the_matrix(world: World) -> None:
    found = app_routes(world.client.app)
    missing = sorted(found - ROUTES.keys())
    assert not missing, f"routes without a line in ROUTES (add who may call them): {missing}"
    stale = sorted(ROUTES.keys() - found)
    assert not stale, f"lines of ROUTES for routes the app no longer has: {stale}"
    keyed = [k for k, a in ROUTES.items() if a.roles is not None]
    scoped = [k for k, a in ROUTES.items() if a.scope is not None]
    calls = len(ROUTES) * (2 + len(MALFORMED)) + len(keyed) * 3 + len(scoped)
    print(
        f"MATRIX: {len(ROUTES)} routes ({len(keyed)} need a key, "
        f"{len(ROUTES) - len(keyed)} public); each without a key, with a revoked key and "
        f"{len(MALFORMED)} malformed keys, and with a key of each of the 3 roles; "
        f"{len(scoped)} of one event, job or organisation also with another organiser's or "
        f"member's key: {calls} calls"
    )


MALFORMED: tuple[dict[str, Any], ...] = (
    {"Authorization": "Bearer not-a-key"},
    {"X-API-Key": "mm_00000000_" + "x" * 43},  # the shape of a key, but none
    {"Authorization": "Basic dXNlcjpwYXNz"},  # another scheme
    {"Authorization": b"Bearer caf\xe9" + b"k" * 600},  # not ASCII, and too long
)


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda k: f"{k[0]} {k[1]}")
def test_matrix(world: World, route: tuple[str, str]) -> None:
    method, template = route
    access = ROUTES[route]
    tag = re.sub(r"\W+", "-", f"{method}{template}").strip("-")[:40]
    # no key, a revoked key, malformed keys: 401 (a public route answers as usual)
    bad_keys: list[dict[str, str]] = [{}, _bearer(world.revoked), *MALFORMED]
    for n, headers in enumerate(bad_keys):
        r = _call(world, method, template, headers, f"{tag}-bad{n}")
        if access.roles is None:
            assert r.status_code == access.ok, r.text[:300]
        else:
            body = _problem(r, 401)
            assert body["type"] == "/problems/unauthorized"
            assert r.headers["WWW-Authenticate"] == "Bearer"
    if access.roles is None:
        return
    # roles that may not: 403, before anything else is looked at
    for role in (ADMIN, ORGANISER, MEMBER):
        if role not in access.roles:
            body = _problem(_call(world, method, template, _bearer(world.keys[role]), tag), 403)
            assert role in body["detail"]
    # another organiser's or member's key on this event, job or organisation: 403
    if access.scope in ("event", "job"):
        other = _bearer(world.keys["other-organiser"])
        body = _problem(_call(world, method, template, other, f"{tag}-other"), 403)
        assert "another organiser" in body["detail"]
    if access.scope == "org":
        other = _bearer(world.keys["other-member"])
        body = _problem(_call(world, method, template, other, f"{tag}-other"), 403)
        assert "own organisation" in body["detail"]
    # roles that may: the route's own answer
    for role in access.roles:
        r = _call(world, method, template, _bearer(world.keys[role]), f"{tag}-{role}")
        assert r.status_code == access.ok, f"{role}: {r.status_code} {r.text[:300]}"


def _has_key(value: Any, name: str) -> bool:
    if isinstance(value, dict):
        return name in value or any(_has_key(v, name) for v in value.values())
    if isinstance(value, list):
        return any(_has_key(v, name) for v in value)
    return False


def test_a_member_never_sees_another_organisation_s_contact(world: World) -> None:
    member = _bearer(world.keys[MEMBER])
    r = world.client.get("/api/organisations/liege-uni", headers=member)
    assert r.status_code == 200
    assert not _has_key(r.json(), "contact")
    assert "office@liege.example" not in r.text
    r = world.client.get("/api/organisations", params={"limit": 500}, headers=member)
    items = r.json()["items"]
    assert len(items) > 20
    assert [i["id"] for i in items if _has_key(i, "contact")] == ["nanomat"]  # its own only
    assert "office@liege.example" not in r.text
    r = world.client.get("/api/organisations/nanomat/suggestions", headers=member)
    assert r.status_code == 200, r.text
    assert r.json()["suggestions"]
    assert not _has_key(r.json()["suggestions"], "contact")
    assert not re.search(r"[\w.-]+@[\w-]+\.\w+", json.dumps(r.json()["suggestions"]))  # no email
    # an organiser sees no contact at all; an admin sees them (the check is not vacuous)
    r = world.client.get(
        "/api/organisations", params={"limit": 500}, headers=_bearer(world.keys[ORGANISER])
    )
    assert not _has_key(r.json(), "contact")
    r = world.client.get("/api/organisations/liege-uni", headers=_bearer(world.keys[ADMIN]))
    assert r.json()["contact"]["email"] == "office@liege.example"


def test_another_organiser_cannot_take_over_an_event_by_its_id(world: World) -> None:
    other = _bearer(world.keys["other-organiser"])
    r = world.client.post("/api/events", json={"id": EVENT, "name": "Mine now"}, headers=other)
    _problem(r, 409)
    owner = _bearer(world.keys[ORGANISER])
    assert world.client.get(f"/api/events/{EVENT}", headers=owner).json()["owner"] == "org-a"
    listed = world.client.get("/api/events", headers=other).json()
    assert EVENT not in [e["id"] for e in listed["items"]]


# --- formula cells in exports ----------------------------------------------------------------


def _risky(cell: str) -> bool:
    return cell.startswith(FORMULA_PREFIXES)


def _csv_cells(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def _xlsx_cells(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if cell.value is not None:
                    cells.append(str(cell.value))
    return cells


def test_exports_neutralise_formula_cells(world: World, tmp_path: Path) -> None:
    from matchmaker.cli import main as cli

    owner = _bearer(world.keys[ORGANISER])
    base = f"/api/events/{EVENT}"
    exports: dict[str, list[str]] = {}
    for name in ("breakouts/rooms.csv", "breakouts/rooms.xlsx", "schedule/agendas.csv",
                 "schedule/agendas.xlsx", "schedule/grid.csv", "schedule/grid.xlsx"):  # fmt: skip
        r = world.client.get(f"{base}/{name}", headers=owner)
        assert r.status_code == 200, r.text
        exports[name] = (_csv_cells if name.endswith(".csv") else _xlsx_cells)(r.content)
    # the registry holds the event's organisations: the command line's export
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"registry.{suffix}"
        assert cli(["export", "--db", world.store.url, "--out", str(out)]) == 0
        read = _csv_cells if suffix == "csv" else _xlsx_cells
        exports[f"matchmaker export {suffix}"] = read(out.read_bytes())
    for name, cells in exports.items():
        risky = [c for c in cells if _risky(c)]
        assert risky == [], f"{name}: cells a spreadsheet would run: {risky[:5]}"
    # the names come out quoted: room lists and agendas show people and organisations, the
    # command line's export organisations (the grid shows them inside longer cells)
    for name, cells in exports.items():
        if "grid" in name:
            continue
        for formula in FORMULAS:
            assert any(c.startswith(f"'{formula}") for c in cells), f"{name}: no '{formula}"
    # the printable pages of rooms escape markup (the first room's name is markup)
    for page in ("breakouts/rooms/R1/wg1.html", "breakouts/rooms/R1.html"):
        r = world.client.get(f"{base}/{page}", headers=owner)
        assert r.status_code == 200, r.text
        assert MARKUP not in r.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in r.text
    # the printable agendas quote the formula-like names as text, never as markup
    r = world.client.get(f"{base}/schedule/agendas.html", headers=owner)
    assert r.status_code == 200, r.text
    assert all(html.escape(formula) in r.text for formula in FORMULAS)


# --- keys in the database ----------------------------------------------------------------------


def _secret(key: str) -> str:
    """The secret part of a key: after ``mm_<id>_`` (the id is public), or all of it."""
    return key.split("_", 2)[2] if key.startswith("mm_") else key


def test_the_database_holds_no_key(db_url: str) -> None:
    bootstrap = "bootstrap-admin-key-" + "k" * 24
    settings = Settings(database_url=db_url, admin_key=bootstrap, background_refit=False)
    made = [bootstrap]
    with TestClient(create_app(settings)) as client:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        store.import_organisations([make_org()])
        for role, subject in ((ADMIN, "a2"), (ORGANISER, "org-a"), (MEMBER, "nanomat")):
            r = client.post(
                "/api/keys",
                json={"role": role, "subject": subject, "name": f"{role} key"},
                headers=_bearer(bootstrap),
            )
            assert r.status_code == 201, r.text
            made.append(r.json()["key"])
        made.append(store.create_api_key(role=ORGANISER, subject="cli", name="from the store")[1])
        for key in made:  # each works
            assert client.get("/api/me", headers=_bearer(key)).status_code == 200
    engine = create_engine(db_url)
    texts: list[str] = []
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            assert "api_keys" in names
            for name in names:
                columns = [c["name"] for c in inspect(conn).get_columns(name)]
                rows = conn.execute(select(*[column(c) for c in columns]).select_from(table(name)))
                texts.extend(str(v) for row in rows for v in row if v is not None)
    finally:
        engine.dispose()
    for key in made:
        secret = _secret(key)
        assert not any(key in t or secret in t for t in texts), f"key {key[:12]}... is stored"
    import hashlib

    digests = {hashlib.sha256(k.encode()).hexdigest() for k in made}
    assert digests <= set(texts)  # what is stored instead: the SHA-256 of each key


# --- against a real server --------------------------------------------------------------------


@dataclass
class Live:
    server: ServerProcess
    keys: dict[str, str]
    revoked: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("security-live")
    url = f"sqlite:///{folder / 'live.db'}"
    with Store(url) as store:
        store.import_organisations([make_org()])
        keys = {
            name: store.create_api_key(role=role, subject=subject, name=name)[1]
            for name, role, subject in (
                ("logs", ADMIN, "admin"),
                ("headers", ADMIN, "admin"),
                ("limits", ADMIN, "admin"),
                ("rate", ORGANISER, "org-r"),
                ("rate-other", ORGANISER, "org-s"),
                ("member", MEMBER, "nanomat"),
            )
        }
        record, revoked = store.create_api_key(role=ADMIN, subject="gone", name="revoked")
        store.revoke_api_key(record.id)
    env = {
        "MATCHMAKER_MAX_UPLOAD_BYTES": str(LIMIT),
        "MATCHMAKER_RATE_LIMIT_PER_MINUTE": str(RATE),
    }
    server = ServerProcess(url, folder / "server.log", env, log_level="debug")
    server.start()
    try:
        yield Live(server, keys, revoked)
    finally:
        server.stop()


def test_keys_never_reach_the_log(live: Live) -> None:
    key = live.keys["logs"]
    sent = [key, live.revoked, live.keys["member"]]
    before = len(live.server.log_text())
    with httpx.Client(base_url=live.server.url, timeout=30) as client:
        assert client.get("/api/me", headers=_bearer(key)).status_code == 200
        assert client.get("/api/me", headers={"X-API-Key": key}).status_code == 200
        assert client.get("/api/organisations/nope", headers=_bearer(key)).status_code == 404
        assert client.get("/api/keys", headers=_bearer(live.keys["member"])).status_code == 403
        assert client.get("/api/me", headers=_bearer(live.revoked)).status_code == 401
        near = key[:-1] + ("A" if key[-1] != "A" else "B")  # one character off
        sent.append(near)
        assert client.get("/api/me", headers=_bearer(near)).status_code == 401
        assert client.get("/api/me", headers={"X-API-Key": near}).status_code == 401
        r = client.post("/api/keys", headers=_bearer(key),
                        json={"role": "organiser", "subject": "o", "name": "made"})  # fmt: skip
        assert r.status_code == 201
        made = r.json()["key"]
        sent.append(made)
        assert client.get("/api/me", headers=_bearer(made)).status_code == 200
        r = client.post("/api/events", headers=_bearer(made), content=b"{broken")
        assert r.status_code == 422
        # failed authentication answers never echo the key either
        r = client.get("/api/me", headers=_bearer(near))
        assert near not in r.text
    time.sleep(0.3)  # the log is written by the server process
    log = live.server.log_text()[before:]
    assert log.count('"GET /api/me HTTP/1.1"') >= 5  # the requests were logged
    for k in sent:
        secret = _secret(k)
        assert k not in log, f"key {k[:12]}... is in the server's log"
        assert secret not in log, f"the secret of key {k[:12]}... is in the server's log"


PREFLIGHT = {
    "Origin": "https://partner.example",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
}


def test_cors_is_closed_by_default(live: Live) -> None:
    with httpx.Client(base_url=live.server.url, timeout=30) as client:
        r = client.options("/api/me", headers=PREFLIGHT)
        assert r.status_code == 405  # refused: no CORS handling at all
        assert "access-control-allow-origin" not in r.headers
        r = client.get("/api/me", headers={**_bearer(live.keys["headers"]),
                                           "Origin": "https://partner.example"})  # fmt: skip
        assert r.status_code == 200
        assert not any(h.startswith("access-control-") for h in r.headers)


def test_cors_opens_to_the_origins_named(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_CORS_ORIGINS", "https://partner.example")
    monkeypatch.setenv("MATCHMAKER_DATABASE_URL", db_url)
    with TestClient(create_app()) as client:  # the settings from the environment
        r = client.options("/api/me", headers=PREFLIGHT)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://partner.example"
        r = client.options("/api/me", headers={**PREFLIGHT, "Origin": "https://evil.example"})
        assert r.status_code == 400
        assert "access-control-allow-origin" not in r.headers
        r = client.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def test_security_headers_on_every_kind_of_answer(live: Live) -> None:
    key = _bearer(live.keys["headers"])
    with httpx.Client(base_url=live.server.url, timeout=30) as client:
        answers = {
            "page": client.get("/"),
            "docs": client.get("/docs"),
            "static": client.get("/static/app.js"),
            "health": client.get("/health"),
            "openapi": client.get("/openapi.json"),
            "api 200": client.get("/api/me", headers=key),
            "api 401": client.get("/api/me"),
            "api 404": client.get("/api/organisations/nope", headers=key),
            "unknown path": client.get("/no/such/page"),
            "api 405": client.delete("/api/me", headers=key),
            "api 413": client.post("/api/events", headers=key, content=b"x" * (LIMIT + 1)),
        }
    for name, r in answers.items():
        for header, value in HEADERS.items():
            assert r.headers.get(header) == value, f"{name}: {header} is {r.headers.get(header)}"
        csp = r.headers.get("content-security-policy", "")
        assert csp.startswith("default-src 'self'"), f"{name}: CSP {csp!r}"
        assert "frame-ancestors 'none'" in csp, f"{name}: CSP {csp!r}"
        assert "unsafe-eval" not in csp
    assert answers["page"].status_code == 200
    assert "text/html" in answers["page"].headers["content-type"]
    assert "script-src 'self' 'nonce-" in answers["docs"].headers["content-security-policy"]
    assert "unsafe-inline" not in answers["page"].headers["content-security-policy"]
    assert answers["api 413"].status_code == 413


# --- size limits, with raw HTTP ------------------------------------------------------------------


@dataclass
class RawAnswer:
    status: int
    body: bytes
    seconds: float


def _stalled(port: int, head: str, body: bytes, *, timeout: float = 20.0) -> RawAnswer:
    """Send ``head`` and the first bytes of a body, then send nothing more and wait for the
    answer with the connection open: a server that needed the whole body would never answer.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        start = time.monotonic()
        sock.sendall(head.encode("latin-1") + body)
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)  # a timeout here fails the test: no answer came
            if not data:
                break
            received += data
        seconds = time.monotonic() - start
        head_part, _, rest = received.partition(b"\r\n\r\n")
        status_line = head_part.split(b"\r\n", 1)[0].decode("latin-1")
        assert status_line.startswith("HTTP/1.1 "), f"no answer: {received[:200]!r}"
        with contextlib.suppress(OSError):
            sock.settimeout(2)
            while data := sock.recv(65536):
                rest += data
    return RawAnswer(int(status_line.split()[1]), rest, seconds)


def _multipart(boundary: str, size: int) -> bytes:
    """The start of a multipart upload of a CSV file, ``size`` bytes long, not closed."""
    start = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nid,name,type,region\r\n'
    ).encode()
    line = b"big-row,Big organisation,sme,DE11\r\n"
    return (start + line * (size // len(line) + 1))[:size]


def _chunked(data: bytes, size: int = 16 * 1024) -> bytes:
    """``data`` in chunked transfer coding, without the last (empty) chunk: more may come."""
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts)


CLAIMED = 64 * 1024 * 1024  # what the requests say they will send: 1,000 times the limit


def test_bodies_over_the_limit_are_refused_before_they_are_read(live: Live) -> None:
    """Each request sends part of a body and then waits: the 413 must come without the rest."""
    key = live.keys["limits"]
    port = live.server.port
    common = f"Host: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
    upload = f"POST /api/organisations/import HTTP/1.1\r\n{common}" + (
        "Content-Type: multipart/form-data; boundary=b0undary\r\n"
    )
    event = f"POST /api/events HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
    json_body = b'{"id": "big", "name": "Big", "participants": [' + b'{"id": "P"},' * LIMIT
    answers = {
        # Content-Length over the limit: answered from the headers, before any body byte.
        "upload, Content-Length 64 MiB": _stalled(
            port, f"{upload}Content-Length: {CLAIMED}\r\n\r\n", b""
        ),
        # one byte over, only a little of it sent: no waiting for the rest either
        "upload, Content-Length limit + 1": _stalled(
            port, f"{upload}Content-Length: {LIMIT + 1}\r\n\r\n", _multipart("b0undary", 999)
        ),
        # chunked: counted while read, refused once past the limit, the rest never awaited
        "upload, chunked": _stalled(
            port,
            f"{upload}Transfer-Encoding: chunked\r\n\r\n",
            _chunked(_multipart("b0undary", 2 * LIMIT)),
        ),
        "JSON event, Content-Length 64 MiB": _stalled(
            port, f"{event}Content-Length: {CLAIMED}\r\n\r\n", json_body[: LIMIT // 2]
        ),
        "JSON event, chunked": _stalled(
            port, f"{event}Transfer-Encoding: chunked\r\n\r\n", _chunked(json_body[: 2 * LIMIT])
        ),
    }
    for name, answer in answers.items():
        assert answer.status == 413, f"{name}: {answer}"
        problem = json.loads(answer.body)
        assert problem["type"] == "/problems/too-large", name
        assert str(LIMIT) in problem["detail"], name
    # A Content-Length that claims less than is sent (1,000 bytes of a larger upload): the
    # server reads those 1,000 bytes only, finds the file cut short and says so; the rest is
    # not taken as part of the request.
    lying = _stalled(
        port, f"{upload}Content-Length: 1000\r\n\r\n", _multipart("b0undary", 4 * LIMIT)
    )
    assert 400 <= lying.status < 500, lying
    # nothing was stored, and the server is well
    with live.server.client(key) as client:
        assert client.get("/api/organisations/big-row").status_code == 404
        assert client.get("/api/events/big").status_code == 404
        assert client.get("/health").status_code == 200
    slowest = max(a.seconds for a in [*answers.values(), lying])
    print(
        f"LIMITS: limit {LIMIT} bytes; {len(answers)} bodies over it (an upload with an honest "
        f"Content-Length of 64 MiB, one byte over, chunked; a JSON event with Content-Length "
        f"and chunked) answered 413 with the body unsent or sent in part; a Content-Length of "
        f"1000 under a larger upload answered {lying.status}; slowest answer {slowest:.2f} s"
    )


def test_the_rate_limit_holds_back_one_key_only(live: Live) -> None:
    key, other = _bearer(live.keys["rate"]), _bearer(live.keys["rate-other"])
    with httpx.Client(base_url=live.server.url, timeout=30) as client:
        statuses = []
        for _ in range(RATE + 20):
            r = client.get("/api/me", headers=key)
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
        assert statuses[-1] == 429, statuses
        assert RATE <= len(statuses) - 1 <= RATE + 19  # the burst passed, then refused
        body = r.json()
        assert body["type"] == "/problems/rate-limited"
        assert int(r.headers["Retry-After"]) >= 1
        # another key is not held back, nor is a request without a key counted for anyone
        assert client.get("/api/me", headers=other).status_code == 200
        assert client.get("/api/me").status_code == 401
        assert client.get("/api/me", headers=key).status_code == 429
    print(
        f"RATE: limit {RATE} a minute; {len(statuses) - 1} requests of one key passed, then 429 "
        f"with Retry-After {r.headers['Retry-After']} s; another key 200, no key 401"
    )
