"""Learned scorers over HTTP: learn from the stored registry, list, read, use in suggestions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api_support import assert_problem
from matchmaker.score import COMPONENTS, PRESETS
from matchmaker.score.learn import load_scorer
from matchmaker.solvers import suggest
from matchmaker.store import Store
from matchmaker.synth import generate_registry
from matchmaker.vectorise import ProfileSpace

REG = generate_registry(300, seed=8, wording="paraphrase")


def test_an_admin_learns_a_scorer_that_suggestions_then_use(
    client: TestClient, keys: Any, store: Store
) -> None:
    store.import_organisations(REG.organisations)
    r = client.post(
        "/api/scorers",
        json={"name": "reg-300", "preset": "research"},
        headers=keys.headers("admin"),
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["name"] == "reg-300"
    assert doc["preset"] == "research"
    assert set(doc["weights"]) == set(COMPONENTS)
    assert all(w >= 0 for w in doc["weights"].values())
    assert set(doc["validation"]) == {"reg-300", *PRESETS}
    # everyone with a key may read it
    member = keys.headers("member", REG.organisations[0].id)
    listed = client.get("/api/scorers", headers=member).json()["items"]
    assert [s["name"] for s in listed] == ["reg-300"]
    assert client.get("/api/scorers/reg-300", headers=keys.headers("organiser")).json() == doc
    # suggestions with ?scorer= are the library's with the same scorer
    oid = REG.organisations[5].id
    r = client.get(
        f"/api/organisations/{oid}/suggestions?k=5&scorer=reg-300", headers=keys.headers("admin")
    )
    assert r.status_code == 200, r.text
    assert r.json()["preset"] == "reg-300"
    expected = suggest(
        ProfileSpace().fit_transform(store.organisations()), oid, k=5, scorer=load_scorer(doc)
    )
    assert [s["id"] for s in r.json()["suggestions"]] == [s.id for s in expected]


def test_learning_is_for_admins_and_refuses_a_registry_without_partnerships(
    client: TestClient, keys: Any, store: Store
) -> None:
    store.import_organisations(
        [o.model_copy(update={"projects": []}) for o in REG.organisations[:30]]
    )
    r = client.post("/api/scorers", json={"name": "x"}, headers=keys.headers("organiser"))
    assert_problem(r, 403)
    r = client.post("/api/scorers", json={"name": "x"}, headers=keys.headers("admin"))
    body = assert_problem(r, 422)
    assert "at least 3 projects shared by two or more organisations" in body["detail"]
    r = client.post("/api/scorers", json={"name": "bad name!"}, headers=keys.headers("admin"))
    assert_problem(r, 422)
    r = client.post(
        "/api/scorers", json={"name": "x", "preset": "b2b"}, headers=keys.headers("admin")
    )
    assert "preset 'b2b' must be one of" in assert_problem(r, 422)["detail"]
    assert client.get("/api/scorers", headers=keys.headers("admin")).json() == {"items": []}


def test_an_unknown_scorer_is_404(client: TestClient, keys: Any, store: Store) -> None:
    store.import_organisations(REG.organisations[:20])
    assert_problem(client.get("/api/scorers/nope", headers=keys.headers("admin")), 404)
    oid = REG.organisations[0].id
    r = client.get(
        f"/api/organisations/{oid}/suggestions?scorer=nope", headers=keys.headers("admin")
    )
    assert "scorer 'nope' is not in the database" in assert_problem(r, 404)["detail"]


def _stored(name: str, preset: str, weights: dict[str, float]) -> dict[str, Any]:
    from matchmaker.score import make_scorer
    from matchmaker.score.learn import LearnedScorer

    return LearnedScorer(make_scorer(preset, weights=weights, name=name), {}).as_dict()


def test_schedules_pairs_and_rooms_use_a_learned_scorer_and_their_replans_keep_it(
    client: TestClient, keys: Any, store: Store
) -> None:
    import json

    from event_api_support import BROKERAGE, create_event, wait_job
    from matchmaker.models import Event
    from matchmaker.plan.meetings import plan_schedule

    owner = keys.headers("organiser")
    doc = json.loads(BROKERAGE.read_text(encoding="utf-8"))
    create_event(client, owner, doc)
    base = f"/api/events/{doc['id']}"
    weights = {c: float(c in ("relatedness", "s3")) for c in COMPONENTS}
    store.save_scorer(_stored("topics", "research", weights))
    r = client.post(f"{base}/schedule", json={"scorer": "nope"}, headers=owner)
    assert "scorer 'nope' is not in the database" in assert_problem(r, 404)["detail"]

    r = client.post(f"{base}/schedule", json={"scorer": "topics", "seed": 0}, headers=owner)
    assert r.status_code == 202, r.text
    assert wait_job(client, r.headers["Location"], owner)["status"] == "succeeded"
    schedule = client.get(f"{base}/schedule", headers=owner).json()
    assert schedule["preset"] == "topics"
    assert schedule["scorer"]["weights"]["s3"] == 0.5
    # the meetings are those of the library with the same scorer
    scorer = load_scorer(_stored("topics", "research", weights))
    result, _ = plan_schedule(Event.model_validate(doc), scorer=scorer, seed=0)
    assert len(schedule["meetings"]) == len(result.meetings)

    r = client.post(f"{base}/schedule/replan", json={"seed": 1}, headers=owner)
    assert r.status_code == 202, r.text
    assert wait_job(client, r.headers["Location"], owner)["status"] == "succeeded"
    assert client.get(f"{base}/schedule", headers=owner).json()["preset"] == "topics"

    # (the brokerage event has up to three must-meet pairs a person and no rooms of its own)
    for kind, body in (("pairs", {"capacity": 5}), ("breakouts", {"rooms": 6, "time_limit": 0.3})):
        r = client.post(f"{base}/{kind}", json={**body, "scorer": "topics"}, headers=owner)
        assert r.status_code == 202, r.text
        assert wait_job(client, r.headers["Location"], owner)["status"] == "succeeded"
        assert client.get(f"{base}/{kind}", headers=owner).json()["preset"] == "topics"


def test_presets_are_one_list_served_to_the_page(client: TestClient, keys: Any) -> None:
    from matchmaker.score import DEFAULT_PRESET, PRESETS, PresetName

    r = client.get("/api/presets", headers=keys.headers("organiser"))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["name"] for i in items] == ["business", "policy_learning", "research"]
    assert {i["name"] for i in items} == set(PRESETS) == {p.value for p in PresetName}
    assert [i["label"] for i in items] == [
        "Business partners",
        "Policy learning",
        "Research and innovation",
    ]
    assert [i["name"] for i in items if i["default"]] == [DEFAULT_PRESET]
    for item in items:
        assert item["weights"] == dict(PRESETS[item["name"]].weights)
        assert item["description"]
    assert client.get("/api/presets").status_code == 401
    # the runs take exactly these names
    schema = client.get("/openapi.json").json()
    assert schema["components"]["schemas"]["PresetName"]["enum"] == [p.value for p in PresetName]
