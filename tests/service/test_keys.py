"""Keys over HTTP: made by an admin, shown once, listed without the key, revoked."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api_support import assert_problem
from matchmaker.store import Store


def test_create_list_revoke(
    client: TestClient, keys: Any, store: Store, registry: list[str]
) -> None:
    admin = keys.headers("admin")
    r = client.post(
        "/api/keys",
        json={"role": "member", "subject": "nanomat", "name": "Nanomat desk"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["key"].startswith(f"mm_{made['id']}_")
    assert (made["role"], made["subject"], made["name"]) == ("member", "nanomat", "Nanomat desk")
    listed = client.get("/api/keys", headers=admin)
    assert made["key"] not in listed.text
    ids = [k["id"] for k in listed.json()["items"]]
    assert made["id"] in ids
    assert all("key" not in k for k in listed.json()["items"])
    me = client.get("/api/me", headers={"Authorization": f"Bearer {made['key']}"}).json()
    assert me == {
        "role": "member",
        "subject": "nanomat",
        "name": "Nanomat desk",
        "key_id": made["id"],
    }
    assert client.delete(f"/api/keys/{made['id']}", headers=admin).status_code == 204
    item = next(
        k for k in client.get("/api/keys", headers=admin).json()["items"] if k["id"] == made["id"]
    )
    assert item["revoked_at"] is not None
    assert_problem(client.delete("/api/keys/nokey123", headers=admin), 404, "not-found")


def test_member_key_needs_a_stored_organisation(client: TestClient, keys: Any) -> None:
    r = client.post(
        "/api/keys",
        json={"role": "member", "subject": "ghost", "name": "x"},
        headers=keys.headers("admin"),
    )
    assert "'ghost'" in assert_problem(r, 404, "not-found")["detail"]
    r = client.post(
        "/api/keys", json={"role": "organiser", "name": "x"}, headers=keys.headers("admin")
    )
    body = assert_problem(r, 422, "invalid-input")
    assert body["problems"][0]["field"] == "subject"


def test_key_is_never_logged(client: TestClient, keys: Any, caplog: Any) -> None:
    headers = keys.headers("admin")
    key = headers["Authorization"].removeprefix("Bearer ")
    with caplog.at_level("DEBUG"):
        client.get("/api/me", headers=headers)
        client.get("/api/keys", headers=headers)
    assert key not in caplog.text
