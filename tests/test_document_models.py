"""The typed result documents (matchmaker.plan.document_models): every builder's document fits
its model, a field the model does not know is refused, and the API's schema names the models."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from matchmaker.demo import demo_path
from matchmaker.io import read_event
from matchmaker.models import Event, Pin, Rules
from matchmaker.plan.breakouts import BreakoutPlan, plan_breakouts, replan_breakouts
from matchmaker.plan.document_models import (
    AllocationDocument,
    PairsDocument,
    ScheduleDocument,
)
from matchmaker.plan.documents import (
    MOVED,
    allocation_document,
    pairs_document,
    published_meetings,
    refresh_allocation,
    schedule_document,
)
from matchmaker.plan.meetings import event_matrices, plan_pairs, plan_schedule, replan_schedule


def _json(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the store keeps it: read back from JSON text."""
    return dict(json.loads(json.dumps(doc, allow_nan=False)))


@pytest.fixture(scope="module")
def leuven() -> Event:
    return read_event(demo_path("leuven-2018", "event.json"))


@pytest.fixture(scope="module")
def plan(leuven: Event) -> BreakoutPlan:
    return plan_breakouts(leuven, seed=1, time_limit=0.3)


@pytest.fixture(scope="module")
def allocation(plan: BreakoutPlan) -> dict[str, Any]:
    return allocation_document(plan, preset="business", event_version=1, seed=1, time_limit=0.3)


@pytest.fixture(scope="module")
def brokerage() -> Event:
    """The first 40 participants of the brokerage event, with their organisations."""
    doc = json.loads(demo_path("brokerage", "event.json").read_text(encoding="utf-8"))
    doc["participants"] = doc["participants"][:40]
    orgs = {p["organisation"] for p in doc["participants"]}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    for p in doc["participants"]:
        p["requests"] = [r for r in p.get("requests", []) if r["organisation"] in orgs]
    return read_event(json.dumps(doc).encode())


@pytest.fixture(scope="module")
def schedule(brokerage: Event) -> dict[str, Any]:
    result, matrices = plan_schedule(brokerage, seed=0, time_limit=0.2)
    return schedule_document(brokerage, result, matrices, preset="business", event_version=2)


# --- the builders' documents fit --------------------------------------------------------------


def test_an_allocation_fits_its_model(allocation: dict[str, Any]) -> None:
    for doc in (allocation, _json(allocation)):
        model = AllocationDocument.model_validate(doc)
        assert model.kind == "breakouts"
        assert len(model.rounds) == len(doc["rounds"])
        assert model.edits == []
        assert model.replanned_from is None
    # The model describes the dict as it is: dumped back, it is the same document.
    dumped = AllocationDocument.model_validate(allocation).model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )
    assert dumped == _json(allocation)


def test_an_allocation_after_a_move_fits(allocation: dict[str, Any]) -> None:
    doc = _json(allocation)
    rooms = doc["rounds"][0]["rooms"]
    person = rooms[0]["people"].pop(0)
    person.update(moved=True, why=MOVED, reasons={"themes": [], "partners": []})
    rooms[1]["people"].append(person)
    doc["edits"].append(
        {
            "participant": person["participant"],
            "round": "R1",
            "from": rooms[0]["id"],
            "to": rooms[1]["id"],
            "pin": True,
            "by": "org-a",
        }
    )
    rules = Rules.model_validate(doc["rules"]).model_copy(
        update={"pins": [Pin(participant=person["participant"], room=rooms[1]["id"], round="R1")]}
    )
    model = AllocationDocument.model_validate(refresh_allocation(doc, rules))
    assert model.edits[0].from_ == rooms[0]["id"]
    moved = next(p for p in model.rounds[0].rooms[1].people if p.moved)
    assert moved.participant == person["participant"]
    assert moved.pinned is True


def test_a_replanned_allocation_fits(plan: BreakoutPlan, leuven: Event) -> None:
    stay = leuven.model_copy(update={"participants": leuven.participants[:-3]})
    new_plan, moved = replan_breakouts(plan, stay, seed=1, time_limit=0.3)
    doc = allocation_document(new_plan, preset="business", event_version=2, moved=moved)
    doc["replanned_from"] = 7  # what the service adds
    model = AllocationDocument.model_validate(_json(doc))
    assert model.moved == moved
    assert model.replanned_from == 7


def test_a_schedule_fits_its_model(schedule: dict[str, Any]) -> None:
    model = ScheduleDocument.model_validate(_json(schedule))
    assert model.kind == "schedule"
    assert model.changes is None
    assert len(model.meetings) == model.figures.meetings > 0
    assert {a.participant for a in model.agendas} >= set(model.meetings[0].participants)


def test_a_replanned_schedule_with_changes_fits(schedule: dict[str, Any], brokerage: Event) -> None:
    stay = brokerage.model_copy(update={"participants": brokerage.participants[:-5]})
    matrices = event_matrices(stay)
    result, changes = replan_schedule(stay, published_meetings(schedule), seed=0, matrices=matrices)
    doc = schedule_document(
        stay, result, matrices, preset="business", event_version=3, changes=changes
    )
    doc["replanned_from"] = 3
    model = ScheduleDocument.model_validate(_json(doc))
    assert model.changes is not None
    assert len(model.changes.kept) == len(changes["kept"])
    assert len(model.changes.cancelled) == len(changes["cancelled"])


def test_pairs_fit_their_model(brokerage: Event, leuven: Event) -> None:
    # Two brokerage participants each have two must-meet requests: two partners each.
    for event, capacity in ((brokerage, 2), (leuven, 1)):
        matrices = event_matrices(event)
        result, pairs = plan_pairs(event, capacity=capacity, seed=0, matrices=matrices)
        doc = pairs_document(
            event, result, pairs, matrices, preset="business", capacity=capacity, seed=0
        )
        model = PairsDocument.model_validate(_json(doc))
        assert len(model.pairs) == len(pairs)
        assert all(len(p.participants) == 2 for p in model.pairs)


# --- what does not fit is refused --------------------------------------------------------------


def test_an_unknown_field_is_refused(allocation: dict[str, Any], schedule: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="surprise"):
        AllocationDocument.model_validate({**allocation, "surprise": 1})
    doc = copy.deepcopy(allocation)
    doc["rounds"][0]["rooms"][0]["quality"]["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        AllocationDocument.model_validate(doc)
    doc = copy.deepcopy(schedule)
    doc["agendas"][0]["surprise"] = None
    with pytest.raises(ValidationError, match="surprise"):
        ScheduleDocument.model_validate(doc)


def test_a_missing_field_or_a_wrong_kind_is_refused(
    allocation: dict[str, Any], schedule: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError, match="violations"):
        AllocationDocument.model_validate(
            {k: v for k, v in allocation.items() if k != "violations"}
        )
    with pytest.raises(ValidationError, match="kind"):
        ScheduleDocument.model_validate({**schedule, "kind": "pairs"})


def test_the_models_are_frozen(allocation: dict[str, Any]) -> None:
    model = AllocationDocument.model_validate(allocation)
    with pytest.raises(ValidationError):
        model.status = "changed"  # type: ignore[misc]


# --- the API's schema --------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    from matchmaker.service.app import create_app
    from matchmaker.service.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", background_refit=False)
    with TestClient(create_app(settings)) as c:
        yield c


def test_the_openapi_schema_names_the_result_models(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]

    def answer(path: str) -> str:
        ok = schema["paths"][path]["get"]["responses"]["200"]
        ref: str = ok["content"]["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[-1]

    expected = {
        "/api/events/{event_id}/breakouts": "StoredAllocation",
        "/api/events/{event_id}/schedule": "StoredSchedule",
        "/api/events/{event_id}/pairs": "StoredPairs",
        "/api/jobs/{job_id}": "JobDocument",
    }
    for path, name in expected.items():
        assert answer(path) == name
        assert components[name]["additionalProperties"] is False
    allocation = components["StoredAllocation"]
    assert {"id", "version", "created", "updated", "rounds", "violations"} <= set(
        allocation["required"]
    )
    assert "replanned_from" not in allocation["required"]
    assert allocation["properties"]["edits"]["description"]
    room = components["AllocationRoom"]["properties"]
    assert room["quality"]["$ref"].endswith("/RoomQuality")
    assert "from" in components["AllocationEdit"]["properties"]
    meeting = components["ScheduleMeeting"]["properties"]["request"]
    assert meeting["enum"] == ["mutual", "one-sided", "suggested"]
    assert components["JobDocument"]["properties"]["status"]["enum"][0] == "queued"
