"""The OpenAPI document against the service: Schemathesis with every check, as an outside
tester runs it, against a real ``matchmaker-server`` on SQLite and PostgreSQL, with an
organiser's key whose event and registry are in the store.

Every check (``--checks all``): no server error; statuses, content types, headers and bodies
as documented; schema-violating requests refused, schema-valid ones accepted (with the
exceptions ``tests/service/schemathesis.toml`` lists and explains); ``Allow`` on 405; missing
headers and keys refused. Bounded: a fixed seed, 6 examples per operation and phase.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event, read_organisations
from matchmaker.store import Store
from reliability.server import ServerProcess, fresh_database

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "schemathesis.toml"
EXAMPLES = 6


def _schemathesis() -> list[str]:
    script = Path(sys.executable).with_name("schemathesis")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "schemathesis.cli"]


def _seed(url: str) -> str:
    """The registry, the organiser's event and key; returns the key."""
    with Store(url) as store:
        store.import_organisations(
            read_organisations(FIXTURES / "generated" / "easy-50.csv").organisations
        )
        store.create_event(read_event(DEMO_DATA / "leuven-2018" / "event.json"), owner="st-org")
        _, key = store.create_api_key(role="organiser", subject="st-org", name="schemathesis")
    return key


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_every_check_passes_with_an_organiser_key(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path / "db") as url:
        assert url is not None
        key = _seed(url)
        server = ServerProcess(
            url,
            tmp_path / "server.log",
            {
                "MATCHMAKER_RATE_LIMIT_PER_MINUTE": "1000000",
                "MATCHMAKER_ORGANISER_TIME_LIMIT_S": "5",
            },
            log_level="warning",
        )
        server.start()
        try:
            report = tmp_path / "report"
            run = subprocess.run(
                [
                    *_schemathesis(),
                    "--config-file",
                    str(CONFIG),
                    "run",
                    f"{server.url}/openapi.json",
                    "--checks",
                    "all",
                    "--header",
                    f"Authorization: Bearer {key}",
                    "--max-examples",
                    str(EXAMPLES),
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--seed",
                    "1",
                    "--suppress-health-check",
                    "all",
                    "--request-timeout",
                    "60",
                    "--continue-on-failure",
                    "--no-color",
                    "--report",
                    "junit",
                    "--report-dir",
                    str(report),
                ],
                capture_output=True,
                text=True,
                timeout=900,
                env={**os.environ, "NO_COLOR": "1"},
                cwd=tmp_path,
            )
            out = run.stdout + run.stderr
            tested = [line for line in out.splitlines() if "Tested:" in line]
            assert run.returncode == 0, out[-12000:]
            assert tested, out[-3000:]
            assert int(tested[0].split()[-1].split("/")[0]) >= 40, tested
        finally:
            server.stop()
        assert "Traceback" not in server.log_text(), server.log_text()[-4000:]


def test_the_document_states_bounds_as_json_schema_does() -> None:
    """Bounds are ``minimum``/``maximum`` (a bound written as pydantic's ``ge`` is ignored by
    every client), an event's or a profile's body is its schema, If-Match has an ETag's form."""
    from matchmaker.service.app import create_app
    from matchmaker.service.settings import Settings

    app = create_app(Settings(database_url="sqlite://", background_refit=False))
    doc = app.openapi()
    text = json.dumps(doc)
    for raw in ('"ge":', '"le":', '"gt":', '"lt":'):
        assert raw not in text, raw
    paths = doc["paths"]
    body = paths["/api/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EventInput"}
    assert "participants" in doc["components"]["schemas"]["EventInput"]["properties"]
    put = paths["/api/events/{event_id}"]["put"]
    (if_match,) = [p for p in put["parameters"] if p["name"] == "If-Match"]
    assert if_match["schema"]["pattern"] == '^(W/)?"[0-9]{1,18}"$'
    assert {"412", "428"} <= set(put["responses"])
    assert {"400", "413", "503"} <= set(put["responses"])
    run = paths["/api/events/{event_id}/breakouts"]["post"]["requestBody"]["content"]
    schema = doc["components"]["schemas"]["BreakoutRun"]["properties"]["time_limit"]
    assert "application/json" in run
    assert schema["anyOf"][0]["exclusiveMinimum"] == 0


def test_a_405_names_every_method_of_the_path(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from matchmaker.service.app import create_app
    from matchmaker.service.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", background_refit=False)
    with TestClient(create_app(settings)) as c:
        r = c.request("POST", "/api/events/some-event")
        assert r.status_code == 405
        assert r.headers["allow"] == "DELETE, GET, PATCH, PUT"
        assert r.headers["content-type"].startswith("application/problem+json")
        r = c.request("OPTIONS", "/api/organisations")
        assert r.headers["allow"] == "GET, POST"
        r = c.request("PATCH", "/api/organisations/import")  # that resource, not an organisation
        assert r.headers["allow"] == "POST"
