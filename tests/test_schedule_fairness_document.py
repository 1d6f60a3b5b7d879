"""The schedule document's fairness figures: meetings per participant among those who count,
the best possible minimum, and participants marked as not wanting meetings."""

from __future__ import annotations

import json
import statistics
from typing import Any

import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event
from matchmaker.models import Event
from matchmaker.plan.document_models import ScheduleDocument
from matchmaker.plan.documents import schedule_document
from matchmaker.plan.meetings import plan_schedule

NO_MEETINGS = ("P003", "P010", "P021")


def _event(no_meetings: tuple[str, ...] = ()) -> Event:
    """The first 40 participants of the brokerage event, without their requests (a schedule
    planned from scores alone); ``no_meetings`` marked as not wanting any."""
    doc = json.loads((DEMO_DATA / "brokerage" / "event.json").read_text(encoding="utf-8"))
    doc["participants"] = doc["participants"][:40]
    orgs = {p["organisation"] for p in doc["participants"]}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    for p in doc["participants"]:
        p["requests"] = []
        p.pop("min_meetings", None)
        if p["id"] in no_meetings:
            p["max_meetings"] = 0
    doc["tables"] = 8
    return read_event(json.dumps(doc).encode())


@pytest.fixture(scope="module")
def planned() -> tuple[Event, Any, dict[str, Any]]:
    event = _event(NO_MEETINGS)
    assert {p.id for p in event.participants} >= set(NO_MEETINGS)
    result, matrices = plan_schedule(event, seed=0)
    doc = schedule_document(event, result, matrices, preset="business")
    return event, result, json.loads(json.dumps(doc, allow_nan=False))


def test_a_participant_marked_as_not_wanting_meetings_gets_none(
    planned: tuple[Event, Any, dict[str, Any]],
) -> None:
    _, _, doc = planned
    by_person = {a["participant"]: a for a in doc["agendas"]}
    for pid in NO_MEETINGS:
        assert by_person[pid]["meetings"] == []
    assert not any(set(m["participants"]) & set(NO_MEETINGS) for m in doc["meetings"])


def test_fairness_figures_count_only_who_may_meet(
    planned: tuple[Event, Any, dict[str, Any]],
) -> None:
    event, result, doc = planned
    ScheduleDocument.model_validate(doc)
    fair = doc["figures"]["fairness"]
    counted = [
        len(a["meetings"])
        for a, p in zip(doc["agendas"], event.participants, strict=True)
        if p.id not in NO_MEETINGS and (p.available is None or p.available)
    ]
    assert fair["not_wanting_meetings"] == len(NO_MEETINGS)
    assert fair["participants"] == len(counted) - fair["without_possible_partner"]
    assert fair["min"] == min(counted) >= 1
    assert fair["median"] == statistics.median(counted)
    assert fair["max"] == max(counted)
    assert fair["bound"] >= fair["min"]
    assert fair["gap"] == fair["bound"] - fair["min"]
    # Those who want none are not what the plain minimum of the whole event says.
    assert doc["figures"]["meetings_per_participant"]["min"] == 0
    assert result.stats["fairness_level"] == fair["min"]


def test_everyone_counts_by_default() -> None:
    event = _event()
    result, matrices = plan_schedule(event, seed=0)
    fair = schedule_document(event, result, matrices, preset="business")["figures"]["fairness"]
    assert fair["not_wanting_meetings"] == 0
    assert fair["participants"] == len(event.participants) - fair["without_possible_partner"]
    assert fair["min"] == fair["bound"]  # the best possible minimum on this event


def test_wanting_no_meeting_comes_before_the_events_least_for_everyone() -> None:
    # The event asks at least 2 meetings of everyone; three people want none: they get none,
    # and the others still get at least 2 (before, the least of 2 above a most of 0 refused).
    event = _event(NO_MEETINGS)
    event = event.model_copy(update={"rules": event.rules.model_copy(update={"min_meetings": 2})})
    result, matrices = plan_schedule(event, seed=0)
    doc = schedule_document(event, result, matrices, preset="business")
    counts = {a["participant"]: len(a["meetings"]) for a in doc["agendas"]}
    assert all(counts[pid] == 0 for pid in NO_MEETINGS)
    assert min(c for pid, c in counts.items() if pid not in NO_MEETINGS) >= 2


def _brokerage() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (DEMO_DATA / "brokerage" / "event.json").read_text(encoding="utf-8")
    )
    return doc


def test_a_must_meet_wish_about_someone_who_wants_no_meeting_gives_way() -> None:
    # Regression: marking a person as wanting no meetings made the plan fail when another
    # participant had to meet them ("has 1 required or kept meetings but can have at most 0").
    doc = _brokerage()
    orgs = {p["id"]: p["organisation"] for p in doc["participants"]}
    asker = next(
        p for p in doc["participants"] if any(r["preference"] == "must_meet" for r in p["requests"])
    )
    wanted = next(r["organisation"] for r in asker["requests"] if r["preference"] == "must_meet")
    marked = {pid for pid, org in orgs.items() if org == wanted}
    for p in doc["participants"]:
        if p["id"] in marked:
            p["max_meetings"] = 0
            p.pop("min_meetings", None)
    event = read_event(json.dumps(doc).encode())
    result, matrices = plan_schedule(event, seed=0)
    met = schedule_document(event, result, matrices, preset="business")
    assert met["meetings"], "the others still meet"
    assert not any(set(m["participants"]) & marked for m in met["meetings"])


def test_a_replan_cancels_the_meetings_of_someone_marked_as_wanting_none() -> None:
    from matchmaker.plan.documents import published_meetings
    from matchmaker.plan.meetings import replan_schedule

    event = read_event(json.dumps(_brokerage()).encode())
    result, matrices = plan_schedule(event, seed=0)
    planned = schedule_document(event, result, matrices, preset="business")
    busy = planned["agendas"][0]
    assert busy["meetings"]
    doc = _brokerage()
    for p in doc["participants"]:
        if p["id"] == busy["participant"]:
            p["max_meetings"] = 0
            p.pop("min_meetings", None)
    later = read_event(json.dumps(doc).encode())
    _, changes = replan_schedule(later, published_meetings(planned), seed=0)
    cancelled = [m for m in changes["cancelled"] if busy["participant"] in (m.a, m.b)]
    assert len(cancelled) == len(busy["meetings"])
    assert not any(busy["participant"] in (m.a, m.b) for m in changes["kept"] + changes["added"])
