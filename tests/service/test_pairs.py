"""/api/events/{id}/pairs: runs as jobs, the latest pairs; roles; must-meet requests that
cannot all be met."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import check_access, create_event, leuven_document, wait_job

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BASE = "/api/events/leuven-2018/pairs"


def _run(client: TestClient, owner: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(BASE, json=body, headers=owner)
    assert r.status_code == 202, r.text
    assert r.json()["job"]["kind"] == "pairs"
    return wait_job(client, r.headers["Location"], owner)


def test_pairs_of_the_leuven_workshop(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    check_access(client, keys, "POST", BASE, json={})
    check_access(client, keys, "GET", BASE)
    body = assert_problem(client.get(BASE, headers=owner), 404, "not-found")
    assert "POST /api/events/leuven-2018/pairs" in body["detail"]

    job = _run(client, owner, {"seed": 0})
    assert job["status"] == "succeeded", job
    assert job["result"] == BASE
    for headers in (owner, keys.headers("admin")):
        r = client.get(BASE, headers=headers)
        assert r.status_code == 200
        assert r.headers["ETag"] == '"1"'
    doc = r.json()
    assert doc["status"] == "optimal"
    assert doc["gap"] == 0.0
    assert doc["objective"] == pytest.approx(doc["bound"])
    event = leuven_document()
    org_of = {p["id"]: p["organisation"] for p in event["participants"]}
    seen = Counter(p["participant"] for pair in doc["pairs"] for p in pair["participants"])
    assert max(seen.values()) == 1
    assert sorted([*seen, *doc["unpaired"]]) == sorted(org_of)
    for pair in doc["pairs"]:
        a, b = (p["participant"] for p in pair["participants"])
        assert org_of[a] != org_of[b]  # colleagues never meet
        assert set(pair["why"]) == {a, b}
        assert pair["participants"][0]["organisation_name"]


@SQLITE_ONLY
def test_several_partners_each(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    # An admin runs it for the organiser, who reads it.
    job = _run(client, keys.headers("admin"), {"capacity": 2, "preset": "policy_learning"})
    assert job["status"] == "succeeded", job
    doc = client.get(BASE, headers=owner).json()
    assert doc["capacity"] == 2
    assert doc["preset"] == "policy_learning"
    seen = Counter(p["participant"] for pair in doc["pairs"] for p in pair["participants"])
    assert max(seen.values()) == 2
    for body in ({"capacity": 0}, {"capacity": "two"}, {"preset": "x"}, {"sides": "type"}):
        assert_problem(client.post(BASE, json=body, headers=owner), 422, "invalid-input")


@SQLITE_ONLY
def test_must_meet_requests_beyond_capacity_fail_naming_the_rule(
    client: TestClient, keys: Any
) -> None:
    owner = keys.headers("organiser")
    doc = leuven_document()
    first = doc["participants"][0]
    others = [o["id"] for o in doc["organisations"] if o["id"] != first["organisation"]][:2]
    first["requests"] = [{"organisation": o, "preference": "must_meet"} for o in others]
    create_event(client, owner, doc)
    r = client.post(BASE, json={}, headers=owner)
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "failed"
    assert job["problem"]["type"] == "/problems/infeasible"
    assert job["problem"]["status"] == 409
    assert job["problem"]["rule"] == "required"
    assert "2 required pairs" in job["problem"]["detail"]
    assert_problem(client.get(BASE, headers=owner), 404)
