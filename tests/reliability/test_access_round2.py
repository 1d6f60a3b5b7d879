"""Access control, second round: who may overwrite an organisation's profile, and event
ownership by owner identity rather than by a name another role's key may also carry.

- **Profiles**: an organiser overwrites (``POST /api/organisations/import?replace=true``) only
  the profiles it brought in (an import, a create, one of its events) that no member key
  holds, and never their private contact fields, which it cannot read. An event's documents
  never overwrite a stored profile.
- **Owners**: what a key makes is owned by its role and subject together
  (``Principal.owner``): an organiser key whose subject is ``admin`` does not own the
  bootstrap admin's event or job. Owners stored before revision 0006 are migrated.

Every test runs on SQLite and PostgreSQL (``db_url``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from conftest import make_org
from matchmaker.models import Organisation
from matchmaker.service.app import create_app
from matchmaker.service.deps import Principal
from matchmaker.service.settings import Settings
from matchmaker.store import Store
from matchmaker.store.migrate import alembic_config, current_revision, head_revision

ADMIN_KEY = "bootstrap-admin-key-for-round-two"
CONTACT = {"person": "Desk", "email": "desk@nanomat.example", "phone": "+49 711 000"}


@dataclass
class App:
    client: TestClient
    store: Store

    def key(self, role: str, subject: str) -> dict[str, str]:
        key = self.store.create_api_key(role=role, subject=subject, name=f"{role} {subject}")[1]
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """An app with a bootstrap admin key (subject ``admin``) and a registry of two profiles
    with contact fields that the command line stored: ``nanomat``, which has a member key,
    and ``liege-uni``."""
    settings = Settings(
        database_url=db_url,
        admin_key=ADMIN_KEY,
        background_refit=False,
        rate_limit_per_minute=100_000,
    )
    application = create_app(settings)
    with TestClient(application) as client:
        store: Store = application.state.store
        store.import_organisations(
            [
                make_org(contact=CONTACT),
                make_org(id="liege-uni", name="Université de Liège", region="BE33",
                         contact={"person": "Office", "email": "office@liege.example"}),
            ]
        )  # fmt: skip
        store.create_api_key(role="member", subject="nanomat", name="nanomat desk")
        yield App(client, store)


ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _csv(*rows: str) -> dict[str, Any]:
    data = "id,name,type,region,sectors,contact_person,contact_email\n" + "".join(
        f"{row}\n" for row in rows
    )
    return {"file": ("orgs.csv", data.encode(), "text/csv")}


def _import(app: App, headers: dict[str, str], *rows: str, replace: bool) -> httpx.Response:
    r: httpx.Response = app.client.post(
        "/api/organisations/import",
        params={"replace": str(replace).lower()},
        files=_csv(*rows),
        headers=headers,
    )
    return r


def _stored(app: App, org_id: str) -> tuple[int, Organisation]:
    record = app.store.get_organisation_record(org_id)
    assert record is not None
    return record.version, record.value


def _forbidden(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 403, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["type"] == "/problems/forbidden"
    return body


# --- 1. profiles -------------------------------------------------------------------------------

EVIL = "Taken Over,sme,DE11,C22,Mallory,mallory@evil.example"


def test_organiser_cannot_overwrite_a_profile_it_did_not_bring(app: App) -> None:
    organiser = app.key("organiser", "org-a")
    before = {i: _stored(app, i) for i in ("nanomat", "liege-uni")}
    revision = app.store.registry_revision()
    # the member's own profile, and one the command line stored
    for org_id, why in (("nanomat", "member key"), ("liege-uni", "not brought in")):
        body = _forbidden(_import(app, organiser, f"{org_id},{EVIL}", replace=True))
        assert [(p["field"], p["value"]) for p in body["problems"]] == [("id", org_id)]
        assert why in body["problems"][0]["message"]
    # all or nothing: a new row beside a refused one is not stored either
    r = _import(app, organiser, f"brand-new,{EVIL}", f"liege-uni,{EVIL}", replace=True)
    assert _forbidden(r)["problems"][0]["value"] == "liege-uni"
    assert app.store.get_organisation("brand-new") is None
    assert {i: _stored(app, i) for i in ("nanomat", "liege-uni")} == before
    assert app.store.registry_revision() == revision
    nanomat = app.store.get_organisation("nanomat")
    assert nanomat is not None
    assert nanomat.contact is not None
    assert nanomat.contact.email == CONTACT["email"]


def test_organiser_cannot_overwrite_a_profile_another_organiser_brought(app: App) -> None:
    org_a, org_b = app.key("organiser", "org-a"), app.key("organiser", "org-b")
    r = _import(app, org_b, "b-cluster,B Cluster,cluster,FR10,C22,Bea,bea@b.example", replace=False)
    assert r.status_code == 200, r.text
    before = _stored(app, "b-cluster")
    _forbidden(_import(app, org_a, f"b-cluster,{EVIL}", replace=True))
    assert _stored(app, "b-cluster") == before
    r = _import(app, org_b, "b-cluster,B Cluster 2,cluster,FR10,C22,,", replace=True)
    assert r.status_code == 200, r.text
    assert r.json()["replaced"] == 1


def test_organiser_replaces_a_profile_it_brought_but_never_its_contact(app: App) -> None:
    organiser = app.key("organiser", "org-a")
    r = _import(app, organiser, "own-sme,Own SME,sme,DE11,C22,Olga,olga@own.example", replace=False)
    assert r.status_code == 200, r.text
    r = _import(app, organiser, f"own-sme,{EVIL}", replace=True)
    assert r.status_code == 200, r.text
    assert r.json()["replaced"] == 1
    version, stored = _stored(app, "own-sme")
    assert (version, stored.name) == (2, "Taken Over")
    assert stored.contact is not None
    assert (stored.contact.person, stored.contact.email) == ("Olga", "olga@own.example")
    # a replacement without contact fields does not erase them either
    r = _import(app, organiser, "own-sme,Own SME,sme,DE11,C22,,", replace=True)
    assert r.status_code == 200, r.text
    assert _stored(app, "own-sme")[1].contact == stored.contact
    # an admin writes the contact, as before
    r = _import(app, ADMIN, "own-sme,Own SME,sme,DE11,C22,Otto,otto@own.example", replace=True)
    assert r.status_code == 200, r.text
    contact = _stored(app, "own-sme")[1].contact
    assert contact is not None
    assert contact.email == "otto@own.example"


def test_organiser_cannot_overwrite_a_profile_it_brought_once_a_member_key_holds_it(
    app: App,
) -> None:
    organiser = app.key("organiser", "org-a")
    r = app.client.post(
        "/api/organisations",
        json=make_org(id="own-lab", name="Own Lab").model_dump(mode="json", exclude_none=True),
        headers=organiser,
    )
    assert r.status_code == 201, r.text
    assert _import(app, organiser, "own-lab,Own Lab 2,sme,DE11,C22,,", replace=True).is_success
    member = app.key("member", "own-lab")
    body = _forbidden(_import(app, organiser, f"own-lab,{EVIL}", replace=True))
    assert "member key" in body["problems"][0]["message"]
    assert _stored(app, "own-lab")[1].name == "Own Lab 2"
    # the member changes its own profile, as before
    version, profile = _stored(app, "own-lab")
    document = profile.model_copy(update={"name": "Own Lab, by itself"})
    r = app.client.put(
        "/api/organisations/own-lab",
        json=document.model_dump(mode="json", exclude_none=True),
        headers={**member, "If-Match": f'"{version}"'},
    )
    assert r.status_code == 200, r.text


def test_organiser_cannot_overwrite_a_profile_through_its_event(app: App) -> None:
    organiser, other = app.key("organiser", "org-a"), app.key("organiser", "org-b")
    evil = make_org(name="Taken Over", contact={"person": "Mallory", "email": "m@evil.example"})
    new = make_org(id="event-sme", name="Event SME")
    before = _stored(app, "nanomat")
    document = {
        "id": "ev-a",
        "name": "Event A",
        "organisations": [
            evil.model_dump(mode="json", exclude_none=True, exclude={"country"}),
            new.model_dump(mode="json", exclude_none=True, exclude={"country"}),
        ],
        "participants": [
            {"id": "p1", "organisation": "nanomat"},
            {"id": "p2", "organisation": "event-sme"},
        ],
    }
    r = app.client.post("/api/events", json=document, headers=organiser)
    assert r.status_code == 201, r.text
    r = app.client.put(
        "/api/events/ev-a", json=document, headers={**organiser, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    assert _stored(app, "nanomat") == before  # the event keeps its own copy
    # the profile the event brought in is its owner's, not another organiser's
    _forbidden(_import(app, other, f"event-sme,{EVIL}", replace=True))
    r = _import(app, organiser, "event-sme,Event SME 2,sme,DE11,C22,,", replace=True)
    assert r.status_code == 200, r.text


def test_organiser_cannot_overwrite_a_profile_through_a_registration_list(app: App) -> None:
    organiser = app.key("organiser", "org-a")
    r = app.client.post("/api/events", json={"id": "ev-r", "name": "R"}, headers=organiser)
    assert r.status_code == 201, r.text
    before = _stored(app, "liege-uni")
    registrations = (
        "participant,person,id,name,type,region,sectors,contact_person,contact_email\n"
        "P1,Mallory,liege-uni,Taken Over,sme,BE33,C22,Mallory,mallory@evil.example\n"
        "P2,Rita,reg-new,Registered New,sme,DE11,C22,Rita,rita@new.example\n"
    )
    r = app.client.post(
        "/api/events/ev-r/participants",
        files={"file": ("reg.csv", registrations.encode(), "text/csv")},
        headers={**organiser, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert _stored(app, "liege-uni") == before
    assert app.store.get_organisation("reg-new") is not None
    r = _import(app, organiser, "reg-new,Registered New 2,sme,DE11,C22,,", replace=True)
    assert r.status_code == 200, r.text


# --- 2. owners -----------------------------------------------------------------------------------


def test_owner_identity_cannot_collide_across_roles() -> None:
    def owner(role: Any, subject: str) -> str:
        return Principal(role=role, subject=subject, name="k", key_id="k").owner

    assert owner("organiser", "admin") != owner("admin", "admin")
    assert owner("organiser", "x") != owner("member", "x")
    assert owner("organiser", "admin:") != owner("admin", "")
    assert owner("organiser", "org-a") == owner("organiser", "org-a")


def _wait(client: TestClient, location: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = client.get(location, headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_organiser_subject_admin_cannot_read_the_admins_event(app: App) -> None:
    impostor = app.key("organiser", "admin")
    r = app.client.post(
        "/api/events",
        json={
            "id": "admins-event",
            "name": "The admin's",
            "participants": [
                {"id": "p1", "organisation": "nanomat"},
                {"id": "p2", "organisation": "liege-uni"},
            ],
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    etag = r.headers["ETag"]
    r = app.client.post("/api/events/admins-event/pairs", json={}, headers=ADMIN)
    assert r.status_code == 202, r.text
    job = _wait(app.client, r.headers["Location"], ADMIN)
    base = "/api/events/admins-event"
    for method, path in (
        ("GET", base),
        ("GET", f"{base}/participants"),
        ("GET", f"{base}/participants.csv"),
        ("GET", f"{base}/pairs"),
        ("POST", f"{base}/pairs"),
        ("DELETE", base),
    ):
        headers = {**impostor, "If-Match": etag} if method == "DELETE" else impostor
        kwargs: dict[str, Any] = {"json": {}} if method == "POST" else {}
        body = _forbidden(app.client.request(method, path, headers=headers, **kwargs))
        assert "another organiser" in body["detail"]
    _forbidden(app.client.get(f"/api/jobs/{job['id']}", headers=impostor))
    listed = app.client.get("/api/events", headers=impostor).json()
    assert listed["items"] == []
    # the event is still the admin's, and the impostor's own event is its own
    assert app.client.get(base, headers=ADMIN).json()["owner"] == "admin"
    r = app.client.post("/api/events", json={"id": "own", "name": "Own"}, headers=impostor)
    assert r.status_code == 201, r.text
    assert [e["id"] for e in app.client.get("/api/events", headers=impostor).json()["items"]] == [
        "own"
    ]
    assert app.client.get("/api/events/own", headers=ADMIN).status_code == 200


def test_owners_stored_before_are_migrated_to_identities(db_url: str) -> None:
    """A database at revision 0005 with bare owner names: an admin's name becomes the admin's
    identity (also when an organiser key shares it), any other name an organiser's."""
    with Store(db_url) as store, store.engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), "0005")
    engine = sa.create_engine(db_url)
    keys = sa.table(
        "api_keys",
        *(sa.column(c) for c in ("id", "digest", "role", "subject", "name")),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    events = sa.table(
        "events",
        *(sa.column(c) for c in ("id", "name", "version", "owner")),
        sa.column("document", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    jobs = sa.table(
        "jobs",
        *(sa.column(c) for c in ("id", "kind", "event_id", "owner", "status", "progress")),
        sa.column("message"),
        sa.column("params", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    at = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(keys),
            [
                {"id": f"k{n}", "digest": f"{n}" * 64, "role": role, "subject": subject,
                 "name": "old", "created_at": at}
                for n, (role, subject) in enumerate(
                    [("admin", "admin"), ("organiser", "admin"), ("organiser", "org-a")]
                )
            ],
        )  # fmt: skip
        for event_id, owner in (("e-admin", "admin"), ("e-org-a", "org-a"), ("e-cli", None)):
            document = {"id": event_id, "name": event_id}
            conn.execute(
                sa.insert(events).values(
                    id=event_id, name=event_id, version=1, owner=owner,
                    document=document, created_at=at, updated_at=at,
                )
            )  # fmt: skip
        for job_id, owner in (("a1", "admin"), ("b2", "org-a")):
            conn.execute(
                sa.insert(jobs).values(
                    id=job_id, kind="pairs", event_id=None, owner=owner, status="failed",
                    progress=1.0, message="", params={}, created_at=at,
                )
            )  # fmt: skip
    engine.dispose()
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            owned = {i: o for i, o in conn.execute(sa.text("SELECT id, owned_by FROM events"))}
            job_owners = {i: o for i, o in conn.execute(sa.text("SELECT id, owner FROM jobs"))}
            assert current_revision(conn) == head_revision()
        assert owned == {"e-admin": "admin:admin", "e-org-a": "organiser:org-a", "e-cli": None}
        assert job_owners == {"a1": "admin:admin", "b2": "organiser:org-a"}
        record = store.get_event_record("e-org-a")
        assert record is not None
        assert record.owner == "org-a"  # the name the API shows
        # and the API decides by them
        app = create_app(Settings(database_url=db_url, background_refit=False))
        with TestClient(app) as client:
            impostor = store.create_api_key(role="organiser", subject="admin", name="i")[1]
            org_a = store.create_api_key(role="organiser", subject="org-a", name="a")[1]
            r = client.get("/api/events/e-admin", headers={"Authorization": f"Bearer {impostor}"})
            assert r.status_code == 403
            r = client.get("/api/events/e-org-a", headers={"Authorization": f"Bearer {org_a}"})
            assert r.status_code == 200
            assert r.json()["owner"] == "org-a"
            r = client.get("/api/jobs/a1", headers={"Authorization": f"Bearer {impostor}"})
            assert r.status_code == 403
            r = client.get("/api/jobs/b2", headers={"Authorization": f"Bearer {org_a}"})
            assert r.status_code == 200
