"""Organisations over HTTP: versions (ETag, If-Match), imports with the command line's report,
all or nothing, public fields, page and upload limits."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from conftest import make_org
from matchmaker.cli import main as cli
from matchmaker.io import dump_organisations
from matchmaker.store import Store

BAD_CSV = (
    "id,name,type,region,sectors,languages\n"
    "good-1,Good One,sme,DE11,C22,de\n"
    "bad-region,Bad Region,cluster,FR99,C22,fr\n"
    "bad-type,Bad Type,spaceship,BE33,C22,fr\n"
    "bad-many,,university,XX12,Z99.9,klingon\n"
    "good-2,Good Two,university,BE33,M72,fr\n"
)


def _upload(name: str, data: bytes) -> dict[str, Any]:
    return {"file": (name, io.BytesIO(data), "application/octet-stream")}


def _profile(**overrides: Any) -> dict[str, Any]:
    """A profile as JSON; ``overrides`` are set as given, valid or not."""
    document = make_org().model_dump(mode="json", exclude_none=True)
    document.update(overrides)
    return document


# --- versions -----------------------------------------------------------------------------


def test_get_put_delete_with_versions(client: TestClient, keys: Any, registry: list[str]) -> None:
    admin = keys.headers("admin")
    r = client.get("/api/organisations/nanomat", headers=admin)
    assert r.status_code == 200
    assert r.headers["etag"] == '"1"'
    profile = r.json()
    profile["name"] = "Nanomat Cluster (renamed)"

    body = assert_problem(
        client.put("/api/organisations/nanomat", json=profile, headers=admin),
        428,
        "precondition-required",
    )
    assert "If-Match" in body["detail"]
    stale = {**admin, "If-Match": '"7"'}
    body = assert_problem(
        client.put("/api/organisations/nanomat", json=profile, headers=stale),
        412,
        "version-conflict",
    )
    assert "version 1 is stored" in body["detail"]
    assert "you sent 7" in body["detail"]
    assert_problem(
        client.put(
            "/api/organisations/nanomat", json=profile, headers={**admin, "If-Match": "soon"}
        ),
        412,
        "version-conflict",
    )

    r = client.put("/api/organisations/nanomat", json=profile, headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["name"] == "Nanomat Cluster (renamed)"
    # the version read before the change is stale now
    again = client.put(
        "/api/organisations/nanomat", json=profile, headers={**admin, "If-Match": '"1"'}
    )
    assert_problem(again, 412, "version-conflict")

    assert_problem(client.delete("/api/organisations/nanomat", headers=admin), 428)
    assert_problem(
        client.delete("/api/organisations/nanomat", headers={**admin, "If-Match": '"1"'}), 412
    )
    r = client.delete("/api/organisations/nanomat", headers={**admin, "If-Match": 'W/"2"'})
    assert r.status_code == 204
    assert_problem(client.get("/api/organisations/nanomat", headers=admin), 404, "not-found")


def test_member_edits_its_own_profile(client: TestClient, keys: Any, registry: list[str]) -> None:
    member = keys.headers("member", "nanomat")
    profile = client.get("/api/organisations/nanomat", headers=member).json()
    assert profile["contact"]["email"] == "desk@example.org"  # its own contact fields
    profile["description"] = "Now with a description"
    r = client.put(
        "/api/organisations/nanomat", json=profile, headers={**member, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["description"] == "Now with a description"


def test_put_checks_the_profile_and_its_id(
    client: TestClient, keys: Any, registry: list[str]
) -> None:
    admin = {**keys.headers("admin"), "If-Match": '"1"'}
    body = assert_problem(
        client.put("/api/organisations/nanomat", json=_profile(id="other"), headers=admin), 422
    )
    assert body["problems"] == [
        {
            "row": None,
            "field": "id",
            "value": "other",
            "message": "id must be 'nanomat', the id in the address",
        }
    ]
    body = assert_problem(
        client.put("/api/organisations/nanomat", json=_profile(region="FR99"), headers=admin),
        422,
        "invalid-input",
    )
    assert body["problems"] == [
        {
            "row": None,
            "field": "region",
            "value": "FR99",
            "message": "region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?",
        }
    ]


# --- create -------------------------------------------------------------------------------


def test_create_gives_location_and_etag(client: TestClient, keys: Any, store: Store) -> None:
    r = client.post(
        "/api/organisations", json=_profile(id="fresh", name="Fresh"), headers=keys.headers("admin")
    )
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/api/organisations/fresh"
    assert r.headers["etag"] == '"1"'
    assert store.get_organisation("fresh") is not None
    again = client.post(
        "/api/organisations", json=_profile(id="fresh", name="Fresh"), headers=keys.headers("admin")
    )
    body = assert_problem(again, 409, "conflict")
    assert body["problems"][0]["message"] == "id 'fresh' is already in the database"


def test_create_reports_what_the_command_line_reports(
    client: TestClient, keys: Any, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _profile(id="x", region="FR99", languages=["klingon"], type="spaceship")
    r = client.post("/api/organisations", json=document, headers=keys.headers("organiser"))
    body = assert_problem(r, 422, "invalid-input")
    path = tmp_path / "one.json"
    path.write_text(json.dumps([document]))
    assert cli(["validate", str(path), "--json"]) == 1
    expected = json.loads(capsys.readouterr().out)
    assert len(expected) == 3
    assert body["problems"] == [
        {"row": None, "field": p["column"], "value": p["value"], "message": p["message"]}
        for p in expected
    ]
    assert store.count_organisations() == 0


# --- import -------------------------------------------------------------------------------


def test_import_report_is_the_command_lines(
    client: TestClient,
    keys: Any,
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    assert cli(["validate", str(path), "--json"]) == 1
    expected = json.loads(capsys.readouterr().out)
    assert cli(["import", str(path), "--db", str(tmp_path / "cli.db")]) == 1
    cli_error = capsys.readouterr().err.splitlines()[0].removeprefix("error: ")

    r = client.post(
        "/api/organisations/import",
        files=_upload("bad.csv", BAD_CSV.encode()),
        headers=keys.headers("organiser"),
    )
    body = assert_problem(r, 422, "invalid-input")
    assert body["detail"] == cli_error
    assert len(body["problems"]) >= 5
    assert body["problems"] == [
        {"row": p["row"], "field": p["column"], "value": p["value"], "message": p["message"]}
        for p in expected
    ]
    assert {p["row"] for p in body["problems"]} == {3, 4, 5}
    assert store.count_organisations() == 0  # nothing was stored


def test_partial_import_stores_the_valid_rows(client: TestClient, keys: Any, store: Store) -> None:
    r = client.post(
        "/api/organisations/import?partial=true",
        files=_upload("bad.csv", BAD_CSV.encode()),
        headers=keys.headers("admin"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == 5
    assert body["created"] == 2
    assert body["replaced"] == 0
    assert {p["row"] for p in body["problems"]} == {3, 4, 5}
    assert sorted(o.id for o in store.organisations()) == ["good-1", "good-2"]


def test_import_of_existing_ids_is_all_or_nothing(
    client: TestClient, keys: Any, store: Store, registry: list[str]
) -> None:
    before = store.count_organisations()
    data = "id,name,type,region\nbrand-new,Brand New,sme,DE11\nnanomat,Nanomat,cluster,DE11\n"
    admin = keys.headers("admin")
    body = assert_problem(
        client.post(
            "/api/organisations/import", files=_upload("o.csv", data.encode()), headers=admin
        ),
        409,
        "conflict",
    )
    assert body["problems"] == [
        {
            "row": None,
            "field": "id",
            "value": "nanomat",
            "message": "id 'nanomat' is already in the database",
        }
    ]
    assert store.count_organisations() == before
    assert store.get_organisation("brand-new") is None
    r = client.post(
        "/api/organisations/import?replace=true",
        files=_upload("o.csv", data.encode()),
        headers=admin,
    )
    assert r.json() == {"rows": 2, "created": 1, "replaced": 1, "problems": []}
    assert store.get_organisation_record("nanomat").version == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_import_each_format(client: TestClient, keys: Any, store: Store, fmt: str) -> None:
    orgs = [make_org(id=f"f-{i}", name=f"Format {i}") for i in range(3)]
    data = dump_organisations(orgs, fmt)  # type: ignore[arg-type]
    r = client.post(
        "/api/organisations/import",
        files=_upload(f"orgs.{fmt}", data),
        headers=keys.headers("organiser"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3
    assert store.get_organisation("f-1") == orgs[1]


def test_upload_larger_than_the_limit_is_413(client_factory: Any, keys: Any, db_url: str) -> None:
    client = client_factory(max_upload_bytes=2_000)
    store = client.app.state.store
    headers = {
        "Authorization": f"Bearer {store.create_api_key(role='admin', subject='a', name='a')[1]}"
    }
    big = b"id,name,type,region\n" + b"".join(
        f"o-{i},Organisation {i},sme,DE11\n".encode() for i in range(200)
    )
    body = assert_problem(
        client.post("/api/organisations/import", files=_upload("big.csv", big), headers=headers),
        413,
        "too-large",
    )
    assert "2000 bytes" in body["detail"]

    def chunks() -> Any:  # no Content-Length: counted while read
        for start in range(0, len(big), 500):
            yield big[start : start + 500]

    r = client.post(
        "/api/organisations/import",
        content=chunks(),
        headers={**headers, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert_problem(r, 413, "too-large")
    assert store.count_organisations() == 0


# --- listing and public fields ------------------------------------------------------------


def test_list_pages_and_filters(client: TestClient, keys: Any, registry: list[str]) -> None:
    admin = keys.headers("admin")
    r = client.get("/api/organisations?limit=5&offset=2", headers=admin).json()
    assert r["total"] == len(registry)
    assert [o["id"] for o in r["items"]] == sorted(registry)[2:7]
    assert (r["limit"], r["offset"]) == (5, 2)
    be = client.get("/api/organisations?country=BE&limit=500", headers=admin).json()
    assert be["items"]
    assert all(o["country"] == "BE" for o in be["items"])
    assert "liege-uni" in [o["id"] for o in be["items"]]
    q = client.get("/api/organisations?q=liege", headers=admin).json()
    assert [o["id"] for o in q["items"]] == ["liege-uni"]


def test_page_size_beyond_the_limit_is_422(client_factory: Any) -> None:
    client = client_factory(max_page_size=20)
    store = client.app.state.store
    headers = {"X-API-Key": store.create_api_key(role="admin", subject="a", name="a")[1]}
    assert client.get("/api/organisations?limit=20", headers=headers).status_code == 200
    body = assert_problem(client.get("/api/organisations?limit=21", headers=headers), 422)
    assert body["problems"] == [
        {
            "row": None,
            "field": "query.limit",
            "value": "21",
            "message": "limit must be at most 20; page with offset",
        }
    ]
    body = assert_problem(client.get("/api/organisations?limit=-1", headers=headers), 422)
    assert body["problems"][0]["field"] == "query.limit"
    body = assert_problem(client.get("/api/organisations?q=a%00b", headers=headers), 422)
    assert body["problems"][0]["field"] == "query.q"


@pytest.mark.parametrize(("role", "subject"), [("member", "liege-uni"), ("organiser", "org-a")])
def test_others_never_see_contact(
    client: TestClient, keys: Any, registry: list[str], role: str, subject: str
) -> None:
    headers = keys.headers(role, subject)
    listed = client.get("/api/organisations?limit=500", headers=headers).json()["items"]
    for item in listed:
        if item["id"] == subject and role == "member":
            assert item["contact"]["email"] == "office@example.org"
        else:
            assert "contact" not in item, item["id"]
    one = client.get("/api/organisations/nanomat", headers=headers)
    assert "contact" not in one.json()
    assert "desk@example.org" not in one.text


def test_admin_sees_contact(client: TestClient, keys: Any, registry: list[str]) -> None:
    r = client.get("/api/organisations/nanomat", headers=keys.headers("admin"))
    assert r.json()["contact"]["email"] == "desk@example.org"


def test_unknown_and_impossible_ids_are_404(
    client: TestClient, keys: Any, registry: list[str]
) -> None:
    admin = keys.headers("admin")
    for path in ("/api/organisations/nobody", "/api/organisations/a%00b", "/api/organisations/"):
        assert_problem(client.get(path, headers=admin), 404, "not-found")


def test_a_lone_surrogate_is_quoted_in_the_problem(client: TestClient, keys: Any) -> None:
    body = b'{"id": "A", "name": "Al\\ud800pha", "type": "sme", "region": "FR10"}'
    r = client.post(
        "/api/organisations",
        content=body,
        headers={**keys.headers("admin"), "Content-Type": "application/json"},
    )
    problem = assert_problem(r, 422, "invalid-input")
    assert b"\\ud800" in r.content  # the JSON escape: UTF-8 cannot hold a lone surrogate
    assert problem["problems"][0]["field"] == "name"
    assert problem["problems"][0]["value"] == "Al\ud800pha"
