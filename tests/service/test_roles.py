"""Every endpoint of keys, me, organisations and suggestions, for each role: 401 without a
key (or with a revoked one), 403 for a wrong role, success for the right one."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from conftest import make_org

ROLES = ("admin", "organiser", "member")


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    allowed: tuple[str, ...]
    success: int
    kwargs: dict[str, Any] = field(default_factory=dict)
    if_match: bool = False


def _profile(org_id: str) -> dict[str, Any]:
    return make_org(id=org_id, name=f"Test {org_id}").model_dump(mode="json", exclude_none=True)


def _csv(org_id: str) -> bytes:
    return (f"id,name,type,region,sectors\n{org_id},Imported {org_id},sme,DE11,C22\n").encode()


CASES = [
    Case("GET", "/api/me", ROLES, 200),
    Case("GET", "/api/keys", ("admin",), 200),
    Case(
        "POST",
        "/api/keys",
        ("admin",),
        201,
        {"json": {"role": "organiser", "subject": "o", "name": "n"}},
    ),
    Case("GET", "/api/organisations", ROLES, 200),
    Case("GET", "/api/organisations/liege-uni", ROLES, 200),
    Case("POST", "/api/organisations", ("admin", "organiser"), 201, {"json": "new"}),
    Case("POST", "/api/organisations/import", ("admin", "organiser"), 200, {"files": "new"}),
    Case(
        "PUT",
        "/api/organisations/nanomat",
        ("admin", "member"),
        200,
        {"json": _profile("nanomat")},
        if_match=True,
    ),
    Case("DELETE", "/api/organisations/liege-uni", ("admin",), 204, if_match=True),
    Case("GET", "/api/organisations/nanomat/suggestions", ("admin", "member"), 200),
]


def _request(client: TestClient, case: Case, headers: dict[str, str], tag: str) -> Any:
    kwargs = dict(case.kwargs)
    if kwargs.get("json") == "new":
        kwargs["json"] = _profile(f"new-{tag}")
    if kwargs.get("files") == "new":
        kwargs["files"] = {"file": ("orgs.csv", io.BytesIO(_csv(f"imp-{tag}")), "text/csv")}
    if case.if_match:
        headers = {**headers, "If-Match": '"1"'}
    return client.request(case.method, case.path, headers=headers, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_without_a_key_is_401(client: TestClient, registry: list[str], case: Case) -> None:
    body = assert_problem(_request(client, case, {}, "none"), 401, "unauthorized")
    assert "key" in body["detail"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_unknown_key_is_401(client: TestClient, registry: list[str], case: Case) -> None:
    headers = {"Authorization": "Bearer mm_00000000_" + "x" * 43}
    assert_problem(_request(client, case, headers, "bad"), 401, "unauthorized")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
@pytest.mark.parametrize("role", ROLES)
def test_each_role(
    client: TestClient, keys: Any, registry: list[str], case: Case, role: str
) -> None:
    r = _request(client, case, keys.headers(role), role)
    if role in case.allowed:
        assert r.status_code == case.success, r.text
    else:
        body = assert_problem(r, 403, "forbidden")
        assert role in body["detail"]


def test_member_of_another_organisation_is_403(
    client: TestClient, keys: Any, registry: list[str]
) -> None:
    other = keys.headers("member", "liege-uni")
    r = client.put(
        "/api/organisations/nanomat",
        json=_profile("nanomat"),
        headers={**other, "If-Match": '"1"'},
    )
    assert "own organisation" in assert_problem(r, 403, "forbidden")["detail"]
    r = client.get("/api/organisations/nanomat/suggestions", headers=other)
    assert "own organisation" in assert_problem(r, 403, "forbidden")["detail"]


def test_revoked_key_is_401(client: TestClient, keys: Any, registry: list[str]) -> None:
    admin = keys.headers("admin")
    r = client.post(
        "/api/keys",
        headers=admin,
        json={"role": "member", "subject": "nanomat", "name": "to revoke"},
    )
    made = r.json()
    member = {"X-API-Key": made["key"]}
    assert client.get("/api/me", headers=member).json()["subject"] == "nanomat"
    assert client.delete(f"/api/keys/{made['id']}", headers=admin).status_code == 204
    assert_problem(client.get("/api/me", headers=member), 401, "unauthorized")
