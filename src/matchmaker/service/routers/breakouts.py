"""``/api/events/{id}/breakouts``: breakout rooms, as jobs; the latest allocation; moves and
pins by hand; re-planning; room lists and printable pages.

A run is a job (202 with ``Location: /api/jobs/{id}``): the allocation is stored whole when
the solver ends, and ``GET`` answers the newest one with its version as ``ETag``. A move
changes that allocation (``If-Match`` its version) after checking the hard rules
(:func:`~matchmaker.solvers.rules.check_allocation`): the room's capacity in seats and minimum
size, keep-apart and keep-together sets, pins, and the spread of colleagues; a move that
breaks one is 409 ``infeasible`` naming the rule and the people.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from matchmaker.errors import InvalidInputError, Problem, VersionConflictError
from matchmaker.limits import Rooms, Rounds, Seed, TimeLimit
from matchmaker.models import Event, Pin, Rules
from matchmaker.plan.documents import (
    MOVED,
    AllocationArrays,
    allocation_arrays,
    allocation_document,
    document_scorer,
    plan_from_allocation,
    refresh_allocation,
)
from matchmaker.score import PresetName
from matchmaker.service.deps import IfMatchDep, StoreDep
from matchmaker.service.event_access import (
    Organiser,
    RunnerDep,
    StoredAllocation,
    download,
    latest_result,
    owned_event,
    result_document,
    run_inputs,
    start_run,
    with_etag,
)
from matchmaker.service.gate import long_request
from matchmaker.service.job_runner import JobContext, JobOutcome
from matchmaker.service.problems import ProblemError, error_responses
from matchmaker.service.routers.events import event_from_json
from matchmaker.service.routers.scorers import learned_or_preset
from matchmaker.solvers.rules import Violation, check_allocation
from matchmaker.store.records import EventRecord, JobRecord, ResultRecord

__all__ = ["breakouts_job", "router"]

router = APIRouter(prefix="/api/events/{event_id}/breakouts", tags=["breakouts"])


#: The page of a room is printed, not run: its own styles, nothing else.
ROOM_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


class BreakoutRun(BaseModel):
    """How to plan the rooms; what is left out comes from the event."""

    model_config = ConfigDict(extra="forbid")

    rounds: Rounds | None = Field(
        default=None, description="rounds (the event's first ones, then new)"
    )
    rooms: Rooms | None = Field(
        default=None, description="N rooms of equal capacity instead of the event's"
    )
    mode: Literal["affinity", "diversity"] = "affinity"
    preset: PresetName = PresetName.BUSINESS
    scorer: str | None = Field(
        default=None,
        max_length=100,
        description="a learned scorer's name (see /api/scorers), instead of the preset",
    )
    seed: Seed | None = 0
    time_limit: TimeLimit | None = Field(default=None, description="seconds")


class Replan(BaseModel):
    """A re-plan after participants changed."""

    model_config = ConfigDict(extra="forbid")

    seed: Seed | None = 0
    time_limit: TimeLimit | None = Field(default=None, description="seconds")


class Move(BaseModel):
    """Move a person to a room in one round; ``pin`` also keeps them there in later runs;
    ``swap_with`` names a person of that room who takes the person's place (a swap)."""

    model_config = ConfigDict(extra="forbid")

    participant: str = Field(min_length=1, max_length=64)
    round: str = Field(min_length=1, max_length=64)
    room: str = Field(min_length=1, max_length=64)
    pin: bool = False
    swap_with: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="a person in the room moved to, who goes to the person's room in the same "
        "round: the two change places in one change (a full room stays full)",
    )


# --- runs ----------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=202,
    summary="Plan the breakout rooms (a job)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def run_breakouts(
    principal: Organiser,
    store: StoreDep,
    runner: RunnerDep,
    event_id: str,
    run: BreakoutRun | None = None,
) -> Response:
    """Start a job that plans the rooms of every round → 202 ``{"job": {...}}`` with
    ``Location: /api/jobs/{id}``; when it succeeds, ``GET`` gives the allocation."""
    owned_event(store, principal, event_id)
    run = run or BreakoutRun()
    learned_or_preset(store, run.preset, run.scorer)  # an unknown scorer is a 404 now
    return start_run(runner, principal, "breakouts", event_id, run.model_dump(mode="json"))


@router.get(
    "",
    summary="The latest allocation",
    response_model=StoredAllocation,
    response_description="The allocation; ETag its version",
    responses=error_responses(401, 403, 404, 429),
)
def get_breakouts(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The newest allocation: rounds, rooms, people with why, quality; ``ETag`` its version."""
    owned_event(store, principal, event_id)
    record = latest_result(store, event_id, "breakouts")
    return with_etag(result_document(record), record.version)


@router.post(
    "/replan",
    status_code=202,
    summary="Re-plan after participants changed (a job)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def replan(
    principal: Organiser,
    store: StoreDep,
    runner: RunnerDep,
    event_id: str,
    body: Replan | None = None,
) -> Response:
    """Plan again with the event's participants now, moving as few people as possible from
    the latest allocation (moves and pins included) → 202 job."""
    owned_event(store, principal, event_id)
    previous = latest_result(store, event_id, "breakouts")
    body = body or Replan()
    return start_run(
        runner, principal, "breakouts", event_id, body.model_dump(mode="json"), replan=previous
    )


def breakouts_job(ctx: JobContext, job: JobRecord) -> JobOutcome:
    """The work of a ``breakouts`` job: an allocation, or with ``params["replan"]`` a re-plan
    of that allocation; the event as it is now."""
    record, previous, params = run_inputs(ctx.store, job)
    if previous is not None:
        return _replan_job(ctx, record, previous, Replan.model_validate(params))
    return _plan_job(ctx, record, BreakoutRun.model_validate(params))


def _plan_job(ctx: JobContext, record: EventRecord, run: BreakoutRun) -> JobOutcome:
    from matchmaker.plan.breakouts import plan_breakouts

    version = record.version
    scorer = learned_or_preset(ctx.store, run.preset, run.scorer)
    ctx.progress(0.05, "preparing: scoring the participants and the rooms' themes")
    plan = plan_breakouts(
        record.value,
        rooms=run.rooms,
        rounds=run.rounds,
        mode=run.mode,
        scorer=scorer,
        seed=run.seed,
        time_limit=run.time_limit,
        progress=ctx.solver_progress(0.1, 0.9),
    )
    ctx.progress(0.9, "writing the allocation")
    doc = allocation_document(
        plan,
        preset=scorer,
        event_version=version,
        seed=run.seed,
        time_limit=run.time_limit,
    )
    return JobOutcome("breakouts", doc, version, str(plan.result.message))


def _replan_job(
    ctx: JobContext, record: EventRecord, previous: ResultRecord, body: Replan
) -> JobOutcome:
    from matchmaker.plan.breakouts import replan_breakouts

    event, version, doc = record.value, record.version, copy.deepcopy(previous.document)
    ctx.progress(0.05, "preparing: the rooms as published and the participants now")
    plan = plan_from_allocation(doc)
    new_plan, moved = replan_breakouts(
        plan,
        event,
        seed=body.seed,
        time_limit=body.time_limit,
        progress=ctx.solver_progress(0.1, 0.9),
    )
    ctx.progress(0.9, "writing the allocation")
    new_doc = allocation_document(
        new_plan,
        preset=document_scorer(doc),
        event_version=version,
        seed=body.seed,
        time_limit=body.time_limit,
        moved=moved,
    )
    new_doc["replanned_from"] = previous.id
    message = f"{new_plan.result.message}; {moved} people who stay changed room"
    return JobOutcome("breakouts", new_doc, version, message)


# --- moves ---------------------------------------------------------------------------------------


def _infeasible(rule: str, detail: str, people: list[str]) -> ProblemError:
    return ProblemError(409, "infeasible", "Infeasible", detail, rule=rule, people=people)


def _names(people: list[Mapping[str, Any]], limit: int = 10) -> str:
    shown = ", ".join(f"'{p['participant']}'" for p in people[:limit])
    return shown + (f" and {len(people) - limit} more" if len(people) > limit else "")


def _find(
    doc: Mapping[str, Any], move: Move
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The round, the person's room, the target room and the person's entry."""
    rounds = {r["id"]: r for r in doc["rounds"]}
    rnd = rounds.get(move.round)
    if rnd is None:
        raise InvalidInputError(
            f"round '{move.round}' is not a round of the allocation",
            [
                Problem(
                    None,
                    "round",
                    move.round,
                    f"round '{move.round}' is not a round of the allocation; the rounds are: "
                    + ", ".join(rounds),
                )
            ],
        )
    rooms = {r["id"]: r for r in rnd["rooms"]}
    target = rooms.get(move.room)
    if target is None:
        raise InvalidInputError(
            f"room '{move.room}' is not a room of the allocation",
            [
                Problem(
                    None,
                    "room",
                    move.room,
                    f"room '{move.room}' is not a room of the allocation; the rooms are: "
                    + ", ".join(rooms),
                )
            ],
        )
    for room in rnd["rooms"]:
        for person in room["people"]:
            if person["participant"] == move.participant:
                return rnd, room, target, person
    raise InvalidInputError(
        f"participant '{move.participant}' is not in the allocation's round {move.round}",
        [
            Problem(
                None,
                "participant",
                move.participant,
                f"participant '{move.participant}' has no room in round '{move.round}' of the "
                "latest allocation; run the allocation again (or re-plan) after adding people",
            )
        ],
    )


#: The order the move's checks name a broken rule in, and the rule's name in the API.
_MOVE_RULES = {
    "pin": "pins",
    "capacity": "capacity",
    "minimum": "min_size",
    "keep_apart": "keep_apart",
    "keep_together": "keep_together",
    "colleague_spread": "apart_same_organisation",
}


#: One person's part of a change: (the person's entry, the room they leave, the room they enter).
Shift = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]


def _check_move(
    doc: Mapping[str, Any], rnd: Mapping[str, Any], shifts: list[Shift], rules: Rules
) -> None:
    """Every hard rule the change would break is a 409 naming the rule and the people.

    ``shifts`` is one person moving, or two changing places (a swap). The rules are
    :func:`~matchmaker.solvers.rules.check_allocation`'s, on the allocation before and after
    the change: it is refused for a hard rule it breaks in its round (a rule already broken
    before it, in the same room with the same people, is not the change's), and always while
    a person who moves is pinned to another room in that round.
    """
    arrays = allocation_arrays(doc["rounds"], rules)
    t = arrays.round_ids.index(rnd["id"])
    after = arrays.rooms.copy()
    movers: list[tuple[int, int, int, Shift]] = []  # (participant, from, to, shift)
    for shift in shifts:
        person, source, target = shift
        i = arrays.participants.index(person["participant"])
        frm, to = arrays.room_ids.index(source["id"]), arrays.room_ids.index(target["id"])
        after[t, i] = to
        movers.append((i, frm, to, shift))

    def hard(rooms: Any) -> list[Violation]:
        return [v for v in check_allocation(arrays.instance, rooms) if v.hard and v.round == t]

    def key(v: Violation) -> tuple[Any, ...]:
        return (v.rule, v.room, v.participants, v.label)

    def culprit(v: Violation) -> tuple[int, int, int, Shift] | None:
        """The mover a violation after the change is due to, if any."""
        for m in movers:
            if v.rule == "pin" and m[0] in v.participants:
                return m
        if key(v) in before:
            return None
        for m in movers:
            i, frm, to, _ = m
            if v.rule == "capacity" and v.room == to:
                return m
            if v.rule == "minimum" and v.room == frm:
                return m
            if v.rule not in ("capacity", "minimum") and i in v.participants:
                return m
        return None

    before = {key(v) for v in hard(arrays.rooms)}
    blamed = [(v, m) for v in hard(after) if (m := culprit(v)) is not None]
    if blamed:
        v, m = min(blamed, key=lambda b: list(_MOVE_RULES).index(b[0].rule))
        person, source, target = m[3]
        partner = next((s[0] for s in shifts if s[0] is not person), None)
        raise _refusal(v, arrays, rnd, source, target, person, rules, partner, shifts[0][0])


def _refusal(
    v: Violation,
    arrays: AllocationArrays,
    rnd: Mapping[str, Any],
    source: Mapping[str, Any],
    target: Mapping[str, Any],
    person: Mapping[str, Any],
    rules: Rules,
    partner: Mapping[str, Any] | None = None,
    asked: Mapping[str, Any] | None = None,
) -> ProblemError:
    """The 409 of a rule the change breaks, in the organiser's words. A swap's refusal names
    the ``partner`` too and says which swap was refused (``asked``: the person the swap was
    asked for first)."""
    problem = _refusal_of(v, arrays, rnd, source, target, person, rules, partner)
    if partner is None:
        return problem
    pair = sorted((person, partner), key=lambda p: p is not asked)
    first, second = (p["participant"] for p in pair)
    people = list(problem.extra["people"])
    return _infeasible(
        problem.extra["rule"],
        f"{problem.detail}; the swap of '{first}' and '{second}' is refused",
        people + [p for p in (first, second) if p not in people],
    )


def _refusal_of(
    v: Violation,
    arrays: AllocationArrays,
    rnd: Mapping[str, Any],
    source: Mapping[str, Any],
    target: Mapping[str, Any],
    person: Mapping[str, Any],
    rules: Rules,
    partner: Mapping[str, Any] | None,
) -> ProblemError:
    pid, round_id = person["participant"], rnd["id"]
    others = [arrays.participants[j] for j in v.participants if arrays.participants[j] != pid]
    rule = _MOVE_RULES[v.rule]
    if v.rule == "pin":
        pin = next(
            p
            for p in rules.pins
            if p.participant == pid and (p.round is None or p.round == round_id)
        )
        when = "every round" if pin.round is None else f"round '{pin.round}'"
        return _infeasible(
            rule,
            f"participant '{pid}' is pinned to room '{pin.room}' in {when} by the "
            f"event's rules; remove the pin before moving them to '{target['id']}'",
            [pid],
        )
    if v.rule == "capacity" and partner is not None:
        seats, back = int(person["seats"]), int(partner["seats"])
        taken = sum(int(p["seats"]) for p in target["people"])
        return _infeasible(
            rule,
            f"room '{target['id']}' holds {target['capacity']} seats and {taken} are taken; "
            f"'{pid}' needs {seats} and '{partner['participant']}' frees only {back}",
            [pid, *(p["participant"] for p in target["people"])],
        )
    if v.rule == "capacity":
        seats = int(person["seats"])
        taken = sum(int(p["seats"]) for p in target["people"])
        return _infeasible(
            rule,
            f"room '{target['id']}' holds {target['capacity']} seats and {taken} are taken by "
            f"{_names(target['people'])}; '{pid}' needs {seats} more",
            [pid, *(p["participant"] for p in target["people"])],
        )
    if v.rule == "minimum":
        left = sum(int(arrays.instance.seats[j]) for j in v.participants)
        if partner is not None:
            return _infeasible(
                rule,
                f"room '{source['id']}' needs at least {source['min_size']} seats; with "
                f"'{pid}' swapped for '{partner['participant']}' it would have {left}",
                [pid],
            )
        return _infeasible(
            rule,
            f"room '{source['id']}' needs at least {source['min_size']} seats; without '{pid}' "
            f"it would have {left}",
            [pid],
        )
    if v.rule == "keep_apart":
        group = rules.keep_apart[v.label or 0]
        return _infeasible(
            rule,
            f"'{pid}' and {', '.join(repr(q) for q in others)} must be in different rooms "
            f"(keep-apart {group}); {'they are' if len(others) > 1 else 'it is'} in "
            f"'{target['id']}' in round '{round_id}'",
            [pid, *others],
        )
    if v.rule == "keep_together":
        group = rules.keep_together[v.label or 0]
        here = {p["participant"] for p in source["people"]} - {pid}
        mates = [q for q in others if q in here]
        return _infeasible(
            rule,
            f"'{pid}' must share a room with {', '.join(repr(q) for q in mates)} "
            f"(keep-together {group}), who stay in '{source['id']}' in round "
            f"'{round_id}'; move them together by changing the rules and running again",
            [pid, *mates],
        )
    colleagues = sum(
        p["organisation"] == person["organisation"] for room in rnd["rooms"] for p in room["people"]
    )
    return _infeasible(
        rule,
        f"'{pid}' and {', '.join(repr(q) for q in others)} are colleagues "
        f"({person['organisation_name']}); with {colleagues} of them over "
        f"{len(rnd['rooms'])} rooms, a room gets at most {v.limit}",
        [pid, *others],
    )


def _swap_partner(
    rnd: Mapping[str, Any], source: dict[str, Any], target: dict[str, Any], move: Move
) -> dict[str, Any]:
    """The entry of the person ``move.swap_with`` in the target room (422 when not there)."""
    other = move.swap_with
    if target is source:
        why = f"'{move.participant}' is in room '{target['id']}' already; choose another room"
    elif other == move.participant:
        why = f"'{other}' cannot swap with themselves; choose a person in '{target['id']}'"
    else:
        found: dict[str, Any] | None = next(
            (p for p in target["people"] if p["participant"] == other), None
        )
        if found is not None:
            return found
        people = ", ".join(f"'{p['participant']}'" for p in target["people"]) or "nobody"
        why = (
            f"'{other}' is not in room '{target['id']}' in round '{rnd['id']}', so cannot swap "
            f"with '{move.participant}'; the room has {people}"
        )
    raise InvalidInputError(why, [Problem(None, "swap_with", other, why)])


def _add_pin(event: Event, move: Move) -> Event | None:
    """The event with the pin of ``move`` added (``None`` when a pin already holds it)."""
    for pin in event.rules.pins:
        if (
            pin.participant == move.participant
            and pin.room == move.room
            and pin.round in (None, move.round)
        ):
            return None
    if move.room not in {r.id for r in event.rooms}:
        raise InvalidInputError(
            f"room '{move.room}' is not a room of the event, so no pin can name it",
            [
                Problem(
                    None,
                    "room",
                    move.room,
                    f"room '{move.room}' was made for this allocation and is not one of the "
                    "event's rooms; add the rooms to the event to pin people to them",
                )
            ],
        )
    if move.round not in {r.id for r in event.rounds}:
        raise InvalidInputError(
            f"round '{move.round}' is not a round of the event, so no pin can name it",
            [
                Problem(
                    None,
                    "round",
                    move.round,
                    f"round '{move.round}' was made for this allocation and is not one of the "
                    "event's rounds; add it to the event to pin people in it",
                )
            ],
        )
    document = event.model_dump(mode="json", exclude_none=True)
    pin = Pin(participant=move.participant, room=move.room, round=move.round)
    # The move replaces an earlier pin of the person in this round (two would clash).
    document["rules"]["pins"] = [
        p
        for p in document["rules"]["pins"]
        if not (p["participant"] == move.participant and p.get("round") == move.round)
    ]
    document["rules"]["pins"].append(pin.model_dump(mode="json", exclude_none=True))
    # Checked as any event is: a pin of someone no longer registered is a 422, never stored.
    return event_from_json(document)


@router.post(
    "/moves",
    summary="Move (and pin) a person",
    responses=error_responses(401, 403, 404, 409, 412, 422, 428, 429),
)
def move_person(
    principal: Organiser,
    store: StoreDep,
    event_id: str,
    expected: IfMatchDep,
    move: Move,
) -> Response:
    """Move a person to another room in one round of the latest allocation (``If-Match`` its
    version). The room's capacity and minimum, keep-apart, keep-together, pins and the spread
    of colleagues are checked (409 ``infeasible`` with ``rule`` and ``people``). ``pin: true``
    also adds the pin to the event's rules, so that the next run keeps it. ``swap_with``: a
    person of the room moved to goes to the person's room in exchange, as one change checked
    by the same rules (a full room stays full); the pin, if asked for, is the person's."""
    record = owned_event(store, principal, event_id)
    result = latest_result(store, event_id, "breakouts")
    if result.version != expected:
        raise VersionConflictError("allocation", result.id, current=result.version, sent=expected)
    doc = copy.deepcopy(result.document)
    rnd, source, target, person = _find(doc, move)
    shifts: list[Shift] = [(person, source, target)]
    partner = None if move.swap_with is None else _swap_partner(rnd, source, target, move)
    if partner is not None:
        shifts.append((partner, target, source))
    _check_move(doc, rnd, shifts, record.value.rules)
    event = record.value
    if move.pin:
        pinned = _add_pin(event, move)
        if pinned is not None:
            # Checked again on the way in: a pin that breaks the event is a 422.
            event = store.update_event(pinned, expected_version=record.version).value
    for who, frm, to in shifts if target is not source else []:
        frm["people"].remove(who)
        who.update(moved=True, why=MOVED, reasons={"themes": [], "partners": []})
        to["people"].append(who)
    edit = {
        "participant": move.participant,
        "round": move.round,
        "from": source["id"],
        "to": target["id"],
        "pin": move.pin,
        "by": principal.subject,
    }
    if partner is not None:
        edit["swap_with"] = partner["participant"]
    doc.setdefault("edits", []).append(edit)
    refresh_allocation(doc, event.rules)
    updated = store.update_result(result.id, doc, expected_version=expected)
    return with_etag(result_document(updated), updated.version)


# --- exports -------------------------------------------------------------------------------------


def _plan(store: Any, principal: Any, event_id: str) -> Any:
    owned_event(store, principal, event_id)
    return plan_from_allocation(latest_result(store, event_id, "breakouts").document)


@router.get(
    "/rooms.csv",
    summary="Room lists (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **error_responses(401, 403, 404, 429)},
)
@long_request
def rooms_csv(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """Every person's room in every round: round name, room name, person, organisation,
    country, type, then the round, room and participant ids (UTF-8 with BOM, formula-like
    cells quoted)."""
    from matchmaker.export.breakouts import rooms_csv as to_csv

    data = to_csv(_plan(store, principal, event_id))
    return download(data, "text/csv; charset=utf-8", f"{event_id}-rooms.csv")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/rooms.xlsx",
    summary="Room lists (XLSX)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **error_responses(401, 403, 404, 429)},
)
@long_request
def rooms_xlsx(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The room lists as a workbook: "All rounds" (one long table), then one sheet per round
    named after the round."""
    from matchmaker.export.breakouts import rooms_xlsx as to_xlsx

    data = to_xlsx(_plan(store, principal, event_id))
    return download(data, XLSX, f"{event_id}-rooms.xlsx")


@router.get(
    "/rooms/{round_file}",
    summary="Every room of a round, to print (HTML)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **error_responses(401, 403, 404, 429)},
)
@long_request
def round_page(principal: Organiser, store: StoreDep, event_id: str, round_file: str) -> Response:
    """Every room of one round on one page, each room printed on a page of its own (A4).
    The address is ``rooms/<round id>.html``."""
    from matchmaker.export.breakouts import round_html

    if not round_file.endswith(".html"):
        raise ProblemError(
            404, "not-found", "Not found", f"no such page: '{round_file}' (rooms/ROUND.html)"
        )
    round_id = round_file.removesuffix(".html")
    plan = _plan(store, principal, event_id)
    try:
        page = round_html(plan, round_id)
    except InvalidInputError as exc:
        raise ProblemError(404, "not-found", "Not found", exc.message) from None
    response = download(
        page.encode("utf-8"), "text/html; charset=utf-8", f"{event_id}-{round_id}-rooms.html"
    )
    response.headers["Content-Security-Policy"] = ROOM_PAGE_CSP
    return response


@router.get(
    "/rooms/{round_id}/{room_file}",
    summary="A room's printable page (HTML)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **error_responses(401, 403, 404, 429)},
)
@long_request
def room_page(
    principal: Organiser,
    store: StoreDep,
    event_id: str,
    round_id: str,
    room_file: str,
) -> Response:
    """One room in one round, to print: name, themes, the people and why they are there."""
    from matchmaker.export.breakouts import room_html

    if not room_file.endswith(".html"):
        raise ProblemError(
            404, "not-found", "Not found", f"no such page: '{room_file}' (rooms/ROUND/ROOM.html)"
        )
    room_id = room_file.removesuffix(".html")
    plan = _plan(store, principal, event_id)
    try:
        page = room_html(plan, round_id, room_id)
    except InvalidInputError as exc:
        raise ProblemError(404, "not-found", "Not found", exc.message) from None
    response = download(
        page.encode("utf-8"), "text/html; charset=utf-8", f"{event_id}-{round_id}-{room_id}.html"
    )
    response.headers["Content-Security-Policy"] = ROOM_PAGE_CSP
    return response
