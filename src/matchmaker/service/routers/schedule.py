"""``/api/events/{id}/schedule``: 1:1 meeting schedules, as jobs; the latest schedule;
changes by hand (move, swap, cancel, add a meeting; undo); re-planning that keeps what was
published and placed by hand; agendas, the organiser's grid and calendars.

A change by hand edits the latest schedule (``If-Match`` its version; 428 without, 412 with
another) after checking the rules the solver keeps
(:func:`~matchmaker.solvers.rules.check_schedule`, through
:mod:`matchmaker.plan.meeting_edits`): a change that breaks one is 409 ``infeasible`` with
the ``rule``, the ``people`` and the reason in words. Each accepted change is a new version of
the document and is logged in its ``edits``; ``undo`` takes back the last one.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Self

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from matchmaker.errors import InvalidInputError, Problem, VersionConflictError
from matchmaker.limits import (
    LIMITS,
    EventDateTime,
    Minutes,
    Seed,
    Slots,
    Tables,
    TimeLimit,
)
from matchmaker.models import Event, error_text
from matchmaker.plan.documents import (
    document_scorer,
    published_meetings,
    schedule_document,
    schedule_event,
    schedule_meetings,
)
from matchmaker.plan.meeting_edits import (
    Cell,
    EditRefusedError,
    ScheduleRules,
    add_meeting,
    cancel_meeting,
    carry_manual,
    move_meeting,
    schedule_rules,
    swap_meetings,
    undo_edit,
)
from matchmaker.score import PresetName
from matchmaker.service.deps import IfMatchDep, Principal, StoreDep
from matchmaker.service.event_access import (
    Organiser,
    RunnerDep,
    StoredSchedule,
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
from matchmaker.service.routers.scorers import learned_or_preset
from matchmaker.store.records import EventRecord, JobRecord, ResultRecord

__all__ = ["router", "schedule_job"]

router = APIRouter(prefix="/api/events/{event_id}/schedule", tags=["schedule"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar; charset=utf-8"


class ScheduleRun(BaseModel):
    """How to plan the meetings; the event's slots and tables unless given here."""

    model_config = ConfigDict(extra="forbid")

    slots: Slots | None = Field(default=None, description="time slots, when the event has none")
    tables: Tables | None = Field(default=None, description="tables per slot")
    minutes: Minutes = Field(default=20, description="length of a new slot")
    start: EventDateTime | None = Field(
        default=None, description="the first new slot's start (default: the event's date, 09:00)"
    )
    preset: PresetName = PresetName.BUSINESS
    scorer: str | None = Field(
        default=None,
        max_length=100,
        description="a learned scorer's name (see /api/scorers), instead of the preset",
    )
    seed: Seed | None = 0
    time_limit: TimeLimit | None = Field(default=None, description="seconds")

    @model_validator(mode="after")
    def _last_slot_in_range(self) -> Self:
        if self.start is not None and self.slots is not None:
            last = self.start + dt.timedelta(minutes=self.slots * self.minutes)
            if last.year > LIMITS.last_year:
                raise ValueError(
                    f"{self.slots} slots of {self.minutes} minutes from "
                    f"{self.start.isoformat()} would end on {last.isoformat()}, after the year "
                    f"{LIMITS.last_year}; start earlier or give fewer slots"
                )
        return self


class ScheduleReplan(BaseModel):
    """A re-plan that keeps the published meetings."""

    model_config = ConfigDict(extra="forbid")

    seed: Seed | None = 0


def _prepared(event: Event, run: ScheduleRun) -> Event:
    """The event with the run's slots and tables, checked when the request comes (a slot
    past the last year events may have is a 422, not a failed job)."""
    from matchmaker.plan.meetings import with_slots

    if run.slots is None and run.tables is None:
        return event
    try:
        return with_slots(
            event,
            run.slots or len(event.slots),
            start=run.start,
            minutes=run.minutes,
            tables=run.tables,
        )
    except ValidationError as exc:
        problems = [Problem(None, "slots", None, error_text(e)) for e in exc.errors()]
        raise InvalidInputError(
            "the new slots are not valid: " + problems[0].message, problems
        ) from None


@router.post(
    "",
    status_code=202,
    summary="Plan the 1:1 meetings (a job)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def run_schedule(
    principal: Organiser,
    store: StoreDep,
    runner: RunnerDep,
    event_id: str,
    run: ScheduleRun | None = None,
) -> Response:
    """Start a job that plans the meetings over the slots and tables → 202 ``{"job": ...}``
    with ``Location``; when it succeeds, ``GET`` gives the schedule."""
    record = owned_event(store, principal, event_id)
    run = run or ScheduleRun()
    learned_or_preset(store, run.preset, run.scorer)  # an unknown scorer is a 404 now
    _prepared(record.value, run)  # slots past the years events may have are a 422 now
    return start_run(runner, principal, "schedule", event_id, run.model_dump(mode="json"))


@router.get(
    "",
    summary="The latest schedule",
    response_model=StoredSchedule,
    response_description="The schedule; ETag its version",
    responses=error_responses(401, 403, 404, 429),
)
def get_schedule(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The newest schedule: slots, meetings with why, agendas, figures; ``ETag`` its version."""
    owned_event(store, principal, event_id)
    record = latest_result(store, event_id, "schedule")
    return with_etag(result_document(record), record.version)


@router.post(
    "/replan",
    status_code=202,
    summary="Re-plan, keeping the published meetings (a job)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def replan_schedule(
    principal: Organiser,
    store: StoreDep,
    runner: RunnerDep,
    event_id: str,
    body: ScheduleReplan | None = None,
) -> Response:
    """Keep every meeting of the latest schedule whose two participants are still registered
    and available; cancel the others; fill the free capacity → 202 job. The event's slots and
    tables are used, or those of the latest schedule when the event has none."""
    owned_event(store, principal, event_id)
    previous = latest_result(store, event_id, "schedule")
    body = body or ScheduleReplan()
    return start_run(
        runner, principal, "schedule", event_id, body.model_dump(mode="json"), replan=previous
    )


def schedule_job(ctx: JobContext, job: JobRecord) -> JobOutcome:
    """The work of a ``schedule`` job: a plan, or with ``params["replan"]`` a re-plan of that
    result; the event as it is now."""
    record, previous, params = run_inputs(ctx.store, job)
    if previous is not None:
        return _replan(ctx, record, previous, ScheduleReplan.model_validate(params))
    return _plan(ctx, record, ScheduleRun.model_validate(params))


def _plan(ctx: JobContext, record: EventRecord, run: ScheduleRun) -> JobOutcome:
    from matchmaker.plan.meetings import plan_schedule

    version = record.version
    scorer = learned_or_preset(ctx.store, run.preset, run.scorer)
    ev = _prepared(record.value, run)
    ctx.progress(0.05, "preparing: scoring the participants and reading their requests")
    result, matrices = plan_schedule(
        ev,
        scorer=scorer,
        seed=run.seed,
        time_limit=run.time_limit,
        progress=ctx.solver_progress(0.1, 0.8),
    )
    ctx.progress(0.8, "writing the agendas and why each meeting")
    doc = schedule_document(
        ev, result, matrices, preset=scorer, event_version=version, seed=run.seed
    )
    return JobOutcome("schedule", doc, version, str(result.message))


def _replan(
    ctx: JobContext, record: EventRecord, previous: ResultRecord, body: ScheduleReplan
) -> JobOutcome:
    from matchmaker.plan.meetings import event_matrices
    from matchmaker.plan.meetings import replan_schedule as replan

    event, version, doc = record.value, record.version, copy.deepcopy(previous.document)
    preset = document_scorer(doc)
    ctx.progress(0.05, "preparing: the published meetings and the participants now")
    as_planned = schedule_event(doc)
    ev = event.model_copy(
        update={
            "slots": event.slots or as_planned.slots,
            "tables": event.tables or as_planned.tables,
        }
    )
    matrices = event_matrices(ev, scorer=preset)
    result, changes = replan(
        ev,
        published_meetings(doc),
        scorer=preset,
        seed=body.seed,
        matrices=matrices,
        progress=ctx.solver_progress(0.1, 0.8),
    )
    ctx.progress(0.8, "writing the agendas and why each meeting")
    new_doc = schedule_document(
        ev,
        result,
        matrices,
        preset=preset,
        event_version=version,
        seed=body.seed,
        changes=changes,
    )
    new_doc["replanned_from"] = previous.id
    carry_manual(doc, new_doc)
    counts = {k: len(v) for k, v in changes.items()}
    message = (
        f"{counts['kept']} meetings kept, {counts['cancelled']} cancelled, {counts['added']} added"
    )
    return JobOutcome("schedule", new_doc, version, message)


# --- changes by hand -----------------------------------------------------------------------------

SlotId = Annotated[str, Field(min_length=1, max_length=64, description="a slot's id")]
TableNo = Annotated[int, Field(ge=1, le=LIMITS.tables, description="a table, counted from 1")]
ParticipantId = Annotated[str, Field(min_length=1, max_length=64, description="a participant")]


class MeetingCell(BaseModel):
    """A place of the grid: a slot and a table."""

    model_config = ConfigDict(extra="forbid")

    slot: SlotId
    table: TableNo


class MeetingMove(MeetingCell):
    """Move the meeting at ``slot`` and ``table`` to the free place ``to_slot``, ``to_table``."""

    to_slot: SlotId
    to_table: TableNo


class MeetingSwap(BaseModel):
    """Exchange the places of two meetings."""

    model_config = ConfigDict(extra="forbid")

    first: MeetingCell
    second: MeetingCell


class MeetingAdd(MeetingCell):
    """A new meeting of two participants at a free place."""

    participants: list[ParticipantId] = Field(
        min_length=2, max_length=2, description="the two participants' ids"
    )

    @model_validator(mode="after")
    def _two_people(self) -> Self:
        if self.participants[0] == self.participants[1]:
            raise ValueError(f"a meeting needs two people; '{self.participants[0]}' is named twice")
        return self


_EDIT_ERRORS = error_responses(401, 403, 404, 409, 412, 422, 428, 429)


def _edit(
    principal: Principal,
    store: Any,
    event_id: str,
    expected: int,
    change: Callable[[dict[str, Any], ScheduleRules, Event], dict[str, Any]],
) -> Response:
    """Apply ``change`` to the latest schedule at version ``expected``; store the new version."""
    record = owned_event(store, principal, event_id)
    result = latest_result(store, event_id, "schedule")
    if result.version != expected:
        raise VersionConflictError("schedule", result.id, current=result.version, sent=expected)
    doc = copy.deepcopy(result.document)
    try:
        change(doc, schedule_rules(doc, record.value), record.value)
    except EditRefusedError as exc:
        r = exc.refusal
        raise ProblemError(
            409, "infeasible", "Infeasible", r.detail, rule=r.rule, people=list(r.people)
        ) from None
    updated = store.update_result(result.id, doc, expected_version=expected)
    return with_etag(result_document(updated), updated.version)


@router.post(
    "/meetings/move",
    summary="Move a meeting to another slot or table",
    response_model=StoredSchedule,
    responses=_EDIT_ERRORS,
)
def move(
    principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep, body: MeetingMove
) -> Response:
    """Move the meeting at ``slot``/``table`` to the free ``to_slot``/``to_table`` of the latest
    schedule (``If-Match`` its version). Refused (409 ``infeasible`` with ``rule`` and
    ``people``) when one of the two is not available then, already meets someone then, the
    place is taken or not a table of the slot. The meeting is marked ``manual``."""
    source, target = Cell(body.slot, body.table), Cell(body.to_slot, body.to_table)
    by = principal.subject
    return _edit(
        principal,
        store,
        event_id,
        expected,
        lambda d, r, _: move_meeting(d, r, source, target, by=by),
    )


@router.post(
    "/meetings/swap",
    summary="Swap two meetings",
    response_model=StoredSchedule,
    responses=_EDIT_ERRORS,
)
def swap(
    principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep, body: MeetingSwap
) -> Response:
    """Exchange the places of two meetings (``If-Match``); the same checks as a move, for
    both. Both are marked ``manual``."""
    a, b = Cell(body.first.slot, body.first.table), Cell(body.second.slot, body.second.table)
    by = principal.subject
    return _edit(
        principal, store, event_id, expected, lambda d, r, _: swap_meetings(d, r, a, b, by=by)
    )


@router.post(
    "/meetings/cancel",
    summary="Cancel a meeting",
    response_model=StoredSchedule,
    responses=_EDIT_ERRORS,
)
def cancel(
    principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep, body: MeetingCell
) -> Response:
    """Cancel the meeting at ``slot``/``table`` (``If-Match``); its place becomes free."""
    cell, by = Cell(body.slot, body.table), principal.subject
    return _edit(
        principal, store, event_id, expected, lambda d, r, _: cancel_meeting(d, r, cell, by=by)
    )


@router.post(
    "/meetings",
    summary="Add a meeting",
    response_model=StoredSchedule,
    responses=_EDIT_ERRORS,
)
def add(
    principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep, body: MeetingAdd
) -> Response:
    """Add a meeting of two participants of the schedule at a free ``slot``/``table``
    (``If-Match``). Refused (409) when one is not available or busy then, when they are
    colleagues, when one would rather not meet the other, when they already meet or when one
    would pass their most meetings. The meeting is marked ``manual``."""
    cell, by = Cell(body.slot, body.table), principal.subject
    pair = (body.participants[0], body.participants[1])
    return _edit(
        principal,
        store,
        event_id,
        expected,
        lambda d, r, ev: add_meeting(d, r, ev, pair, cell, by=by),
    )


@router.post(
    "/undo",
    summary="Undo the last change by hand",
    response_model=StoredSchedule,
    responses=_EDIT_ERRORS,
)
def undo(principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep) -> Response:
    """Take back the last change by hand of the latest schedule (``If-Match``): a new version
    with the meetings as they were before it. Again for the change before; 422 when none is
    left."""
    return _edit(principal, store, event_id, expected, lambda d, r, _e: undo_edit(d, r))


# --- exports -------------------------------------------------------------------------------------


def _schedule(
    store: Any, principal: Any, event_id: str
) -> tuple[dict[str, Any], Event, list[Any], dt.datetime]:
    owned_event(store, principal, event_id)
    record = latest_result(store, event_id, "schedule")
    event = schedule_event(record.document)
    return record.document, event, schedule_meetings(record.document, event), record.created_at


def _csv_headers(kind: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {kind: {}}}, **error_responses(401, 403, 404, 429)}


@router.get(
    "/agendas.csv",
    summary="Every agenda (CSV)",
    response_class=Response,
    responses=_csv_headers("text/csv"),
)
@long_request
def agendas_csv(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """Every participant's agenda in one table: ``participant_id``, ``participant`` (the
    person's name) and ``participant_organisation``, then the agenda columns (slot, start,
    end, status, table, partner...), free slots included."""
    from matchmaker.export.agenda import agendas_csv as to_csv

    _, event, meetings, _ = _schedule(store, principal, event_id)
    return download(to_csv(event, meetings), "text/csv; charset=utf-8", f"{event_id}-agendas.csv")


@router.get(
    "/agendas.xlsx",
    summary="Every agenda (XLSX)",
    response_class=Response,
    responses=_csv_headers(XLSX),
)
@long_request
def agendas_xlsx(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """Every participant's agenda in one workbook: "All meetings" (one long table), then one
    sheet per participant named after the person; times are date cells."""
    from matchmaker.export.agenda import agendas_xlsx as to_xlsx

    _, event, meetings, _ = _schedule(store, principal, event_id)
    return download(to_xlsx(event, meetings), XLSX, f"{event_id}-agendas.xlsx")


# A printable page: its own inline style, nothing else, never in a frame.
PRINT_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@router.get(
    "/agendas.html",
    summary="Every agenda, to print (HTML)",
    response_class=Response,
    responses=_csv_headers("text/html"),
)
@long_request
def agendas_page(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """Every participant's agenda on one page, each printed on a page of its own (A4)."""
    from matchmaker.export.agenda import agendas_html

    doc, event, meetings, _ = _schedule(store, principal, event_id)
    whys = _whys(doc, event)
    page = agendas_html(event, meetings, why=lambda i: whys.get(i, {}))
    response = download(
        page.encode("utf-8"), "text/html; charset=utf-8", f"{event_id}-agendas.html"
    )
    response.headers["Content-Security-Policy"] = PRINT_PAGE_CSP
    return response


@router.get(
    "/grid.csv",
    summary="The grid (CSV)",
    response_class=Response,
    responses=_csv_headers("text/csv"),
)
@long_request
def grid_csv(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The organiser's grid: one row per slot, one column per table."""
    from matchmaker.export.agenda import grid_csv as to_csv

    _, event, meetings, _ = _schedule(store, principal, event_id)
    return download(to_csv(event, meetings), "text/csv; charset=utf-8", f"{event_id}-grid.csv")


@router.get(
    "/grid.xlsx", summary="The grid (XLSX)", response_class=Response, responses=_csv_headers(XLSX)
)
@long_request
def grid_xlsx(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The organiser's grid as a workbook."""
    from matchmaker.export.agenda import grid_xlsx as to_xlsx

    _, event, meetings, _ = _schedule(store, principal, event_id)
    return download(to_xlsx(event, meetings), XLSX, f"{event_id}-grid.xlsx")


def _why_of(doc: dict[str, Any], event: Event, participant: int) -> dict[tuple[int, int], str]:
    """Why each of a participant's meetings, written for that participant."""
    index = {p.id: i for i, p in enumerate(event.participants)}
    me = event.participants[participant].id
    out: dict[tuple[int, int], str] = {}
    for m in doc["meetings"]:
        a, b = m["participants"]
        if me in (a, b) and m.get("why", {}).get(me):
            out[(index[a], index[b])] = m["why"][me]
    return out


def _whys(doc: dict[str, Any], event: Event) -> dict[int, dict[tuple[int, int], str]]:
    """Why each meeting, as written for each participant, by participant index."""
    index = {p.id: i for i, p in enumerate(event.participants)}
    out: dict[int, dict[tuple[int, int], str]] = {}
    for m in doc["meetings"]:
        a, b = m["participants"]
        for me in (a, b):
            if m.get("why", {}).get(me):
                out.setdefault(index[me], {})[(index[a], index[b])] = m["why"][me]
    return out


def _ics(
    doc: dict[str, Any], event: Event, meetings: list[Any], i: int, stamp: dt.datetime
) -> bytes:
    from matchmaker.export.agenda import agenda_ics

    return agenda_ics(event, meetings, i, why=_why_of(doc, event, i), stamp=stamp)


@router.get(
    "/ics.zip",
    summary="Every calendar (ZIP of ICS)",
    response_class=Response,
    responses=_csv_headers("application/zip"),
)
@long_request
def ics_zip(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """One RFC 5545 calendar per participant in a zip, each named after the person:
    ``<person> - <organisation>.ics`` (made safe for file systems; a clash gets `` (2)``)."""
    from matchmaker.export.agenda import agendas_zip

    doc, event, meetings, stamp = _schedule(store, principal, event_id)
    whys = _whys(doc, event)
    data = agendas_zip(
        event, meetings, formats=("ics",), why=lambda i: whys.get(i, {}), stamp=stamp
    )
    return download(data, "application/zip", f"{event_id}-calendars.zip")


@router.get(
    "/ics/{participant_file}",
    summary="A participant's calendar (ICS)",
    response_class=Response,
    responses=_csv_headers("text/calendar"),
)
def participant_ics(
    principal: Organiser, store: StoreDep, event_id: str, participant_file: str
) -> Response:
    """One participant's meetings as an RFC 5545 calendar; an empty calendar when they have
    none. The address is ``ics/<participant id>.ics``; the file is named after the person,
    ``<person> - <organisation>.ics``."""
    from matchmaker.export.agenda import calendar_names

    if not participant_file.endswith(".ics"):
        raise ProblemError(
            404, "not-found", "Not found", f"no such calendar: '{participant_file}' (ics/ID.ics)"
        )
    pid = participant_file.removesuffix(".ics")
    doc, event, meetings, stamp = _schedule(store, principal, event_id)
    index = {p.id: i for i, p in enumerate(event.participants)}
    if pid not in index:
        raise ProblemError(
            404,
            "not-found",
            "Not found",
            f"participant '{pid}' is not in the latest schedule of event '{event_id}'",
        )
    data = _ics(doc, event, meetings, index[pid], stamp)
    return download(data, ICS, calendar_names(event)[index[pid]])
