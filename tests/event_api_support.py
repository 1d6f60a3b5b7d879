"""Helpers of the event API tests (tests/service/test_events.py, test_breakouts.py, ...)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api_support import assert_problem
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.models import Organisation

__all__ = [
    "BROKERAGE",
    "LEUVEN",
    "check_access",
    "create_event",
    "leuven_document",
    "member_headers",
    "wait_job",
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LEUVEN = DEMO_DATA / "leuven-2018" / "event.json"
BROKERAGE = DEMO_DATA / "brokerage" / "event.json"


def leuven_document() -> dict[str, Any]:
    """The Leuven workshop's event document (a fresh copy)."""
    return dict(json.loads(LEUVEN.read_text(encoding="utf-8")))


def create_event(client: TestClient, headers: dict[str, str], document: dict[str, Any]) -> str:
    """Create an event as the key of ``headers``; returns its ETag."""
    r = client.post("/api/events", json=document, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.headers["ETag"])


def member_headers(keys: Any) -> dict[str, str]:
    """A member key's headers (its organisation, ``nanomat``, stored when missing)."""
    store = keys.store
    if store.get_organisation_record("nanomat") is None:
        org = Organisation(id="nanomat", name="Nanomat Cluster", type="cluster", region="DE11")
        store.import_organisations([org])
    headers: dict[str, str] = keys.headers("member")
    return headers


def check_access(
    client: TestClient, keys: Any, method: str, path: str, *, event_scoped: bool = True, **kw: Any
) -> None:
    """401 without a key, 403 for a member key, and 403 for another organiser's key when the
    path names an event of organiser ``org-a``."""
    assert_problem(client.request(method, path, **kw), 401, "unauthorized")
    headers = {**kw.pop("headers", {})}
    r = client.request(method, path, headers={**headers, **member_headers(keys)}, **kw)
    assert_problem(r, 403, "forbidden")
    if event_scoped:
        other = keys.headers("organiser", "org-b")
        r = client.request(method, path, headers={**headers, **other}, **kw)
        body = assert_problem(r, 403, "forbidden")
        assert "another organiser" in body["detail"]


def wait_job(
    client: TestClient, location: str, headers: dict[str, str], timeout: float = 90.0
) -> dict[str, Any]:
    """Poll ``GET location`` until the job has ended; returns the job."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(location, headers=headers)
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}: {job}"
        time.sleep(0.05)
