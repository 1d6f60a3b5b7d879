"""What GET answers for results and jobs fits the models the OpenAPI schema names
(StoredAllocation, StoredSchedule, StoredPairs, JobDocument), after a run, a re-plan and a move,
with its ETag."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from event_api_support import create_event, leuven_document, wait_job
from matchmaker.service.event_access import (
    JobDocument,
    StoredAllocation,
    StoredPairs,
    StoredSchedule,
)

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
EVENT = "/api/events/leuven-2018"


def _run(client: TestClient, owner: dict[str, str], path: str, body: dict[str, Any]) -> None:
    r = client.post(path, json=body, headers=owner)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    JobDocument.model_validate(job)
    JobDocument.model_validate(client.get(r.headers["Location"], headers=owner).json())


@SQLITE_ONLY
def test_stored_results_and_jobs_fit_their_models(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())

    _run(client, owner, f"{EVENT}/pairs", {"seed": 0})
    r = client.get(f"{EVENT}/pairs", headers=owner)
    assert r.status_code == 200
    pairs = StoredPairs.model_validate(r.json())
    assert r.headers["ETag"] == f'"{pairs.version}"'

    _run(client, owner, f"{EVENT}/schedule", {"slots": 4, "tables": 8, "seed": 0, "time_limit": 1})
    first = StoredSchedule.model_validate(client.get(f"{EVENT}/schedule", headers=owner).json())
    assert first.changes is None
    assert first.meetings
    _run(client, owner, f"{EVENT}/schedule/replan", {"seed": 0})
    r = client.get(f"{EVENT}/schedule", headers=owner)
    again = StoredSchedule.model_validate(r.json())
    assert r.headers["ETag"] == f'"{again.version}"'
    assert again.replanned_from == first.id
    assert again.changes is not None
    assert len(again.changes.kept) == len(first.meetings)

    _run(client, owner, f"{EVENT}/breakouts", {"seed": 1, "time_limit": 0.3})
    r = client.get(f"{EVENT}/breakouts", headers=owner)
    doc = StoredAllocation.model_validate(r.json())
    assert r.headers["ETag"] == f'"{doc.version}"'
    # A move the hard rules allow: the person who moved, the edit and the version, as the
    # model has them.
    rnd = doc.rounds[0]
    tries = [
        (room.id, x.id, person.participant)
        for room in rnd.rooms
        for x in rnd.rooms
        if x.id != room.id
        for person in room.people
    ]
    for attempt in tries:
        source, target, person = attempt
        move = {"participant": person, "round": rnd.id, "room": target}
        headers = {**owner, "If-Match": f'"{doc.version}"'}
        r = client.post(f"{EVENT}/breakouts/moves", json=move, headers=headers)
        if r.status_code != 409:
            break
    assert r.status_code == 200, r.text
    moved = StoredAllocation.model_validate(r.json())
    assert moved.version == doc.version + 1
    assert (moved.edits[-1].from_, moved.edits[-1].to) == (source, target)
    there = next(x for x in moved.rounds[0].rooms if x.id == target)
    assert any(p.participant == person and p.moved for p in there.people)
    StoredAllocation.model_validate(client.get(f"{EVENT}/breakouts", headers=owner).json())
