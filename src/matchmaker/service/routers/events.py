"""``/api/events``: events (create, list, read, replace, rename, duplicate, delete) and their
participants.

An event is the JSON document of ``fixtures/*/event.json``, checked by the same code as
``matchmaker import event.json``, so that a request gets the command line's problems (field
path, message). Organisers touch their own events, admins every event. Changes carry the
version read (``If-Match``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from matchmaker.errors import InvalidInputError, Problem
from matchmaker.io import read_event
from matchmaker.io.areas import Area
from matchmaker.io.tabular import decode_text, load_json
from matchmaker.limits import EventDate
from matchmaker.models import Event, Id, Name, RegistrationMapping
from matchmaker.plan.inputs import KINDS, changed_parts, document_inputs, result_inputs
from matchmaker.service.deps import IfMatchDep, SettingsDep, StoreDep, etag
from matchmaker.service.event_access import Organiser, owned_event, with_etag
from matchmaker.service.gate import long_request
from matchmaker.service.problems import ProblemError, error_responses, problems_of
from matchmaker.store import Store
from matchmaker.store.records import EventRecord

__all__ = ["event_from_body", "event_from_json", "event_view", "router"]

router = APIRouter(prefix="/api/events", tags=["events"])

#: Fields the service adds to an event it shows; a document sent back may carry them.
SERVICE_FIELDS = ("version", "owner", "created", "updated", "inputs")


def event_from_json(document: dict[str, Any]) -> Event:
    """An event from a JSON object, checked as ``matchmaker import event.json`` checks a file.

    The service's own fields (``version``, ``owner``, ``created``, ``updated``) are ignored,
    so that a document read from ``GET`` can be sent back.

    Raises
    ------
    InvalidInputError
        With the command line's problems (field path and message).
    """
    clean = {k: v for k, v in document.items() if k not in SERVICE_FIELDS}
    # ASCII escapes keep any lone surrogate the JSON held as it was written.
    return read_event(json.dumps(clean).encode())


def event_from_body(data: bytes, *, max_bytes: int) -> Event:
    """An event from a request body, read by the command line's reader (``read_event``), so
    that a body that is not JSON, is empty, nests too deeply, repeats a key or is not an
    object gets the same problems as ``matchmaker import event.json``."""
    try:
        text, _ = decode_text(data)
        document = load_json(text)
    except InvalidInputError:
        return read_event(data, max_bytes=max_bytes)  # raises the reader's own problems
    if isinstance(document, dict) and SERVICE_FIELDS & document.keys():
        return event_from_json(document)
    return read_event(data, max_bytes=max_bytes)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]

#: The body of ``POST`` and ``PUT``, for the OpenAPI schema (the reader does the checking).
EVENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "an event: the JSON of `fixtures/*/event.json` (at least `id` and `name`)",
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": ["id", "name"]},
                "example": {
                    "id": "workshop-1",
                    "name": "Cluster workshop",
                    "rooms": [{"id": "r1", "name": "Room 1", "capacity": 10}],
                },
            }
        },
    }
}


def event_view(record: EventRecord) -> dict[str, Any]:
    """The event as the API shows it: the document, then its version, owner and times, and
    the fingerprints of what each kind of result is built from (``inputs``: compare with a
    result's ``inputs`` to tell whether it is out of date)."""
    document = record.value.model_dump(mode="json", exclude_none=True)
    return {
        **document,
        "version": record.version,
        "owner": record.owner,
        "created": record.created_at.isoformat(),
        "updated": record.updated_at.isoformat(),
        "inputs": document_inputs(document),
    }


def _summary(record: EventRecord) -> dict[str, Any]:
    ev = record.value
    return {
        "id": ev.id,
        "name": ev.name,
        "date": None if ev.date is None else ev.date.isoformat(),
        "participants": len(ev.participants),
        "organisations": len(ev.organisations),
        "rooms": len(ev.rooms),
        "rounds": len(ev.rounds),
        "slots": len(ev.slots),
        "tables": ev.tables,
        "version": record.version,
        "owner": record.owner,
    }


@router.post(
    "",
    status_code=201,
    summary="Create an event",
    responses=error_responses(401, 403, 409, 413, 422, 429),
    openapi_extra=EVENT_BODY,
)
def create_event(
    principal: Organiser, store: StoreDep, settings: SettingsDep, body: RawBody
) -> Response:
    """Store a new event owned by the caller → 201 with ``ETag`` and ``Location``."""
    ev = event_from_body(body, max_bytes=settings.max_upload_bytes)
    record = store.create_event(ev, owner=principal.owner)
    return with_etag(event_view(record), record.version, 201, Location=f"/api/events/{ev.id}")


@router.get("", summary="List events", responses=error_responses(401, 403, 429))
def list_events(principal: Organiser, store: StoreDep) -> Response:
    """The caller's events (an admin's: every event), ordered by id."""
    records = store.list_events(owner=None if principal.is_admin else principal.owner)
    return JSONResponse({"items": [_summary(r) for r in records], "total": len(records)})


@router.get("/{event_id}", summary="Read an event", responses=error_responses(401, 403, 404, 429))
def get_event(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The event document with its version as ``ETag``."""
    record = owned_event(store, principal, event_id)
    return with_etag(event_view(record), record.version)


@router.put(
    "/{event_id}",
    summary="Replace an event",
    responses=error_responses(401, 403, 404, 412, 413, 422, 428, 429),
    openapi_extra=EVENT_BODY,
)
def replace_event(
    principal: Organiser,
    store: StoreDep,
    settings: SettingsDep,
    event_id: str,
    expected: IfMatchDep,
    body: RawBody,
) -> Response:
    """Replace the whole document (rooms, rounds, slots, tables, rules...); ``If-Match``."""
    owned_event(store, principal, event_id)
    ev = event_from_body(body, max_bytes=settings.max_upload_bytes)
    if ev.id != event_id:
        raise InvalidInputError(
            f"the event's id '{ev.id}' is not the id of the address '{event_id}'",
            [Problem(None, "id", ev.id, f"id must be '{event_id}', the id in the address")],
        )
    record = store.update_event(ev, expected_version=expected)
    return with_etag(event_view(record), record.version)


@router.delete(
    "/{event_id}",
    status_code=204,
    summary="Delete an event",
    responses=error_responses(401, 403, 404, 412, 428, 429),
)
def delete_event(
    principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep
) -> Response:
    """Delete the event with its participants and results; ``If-Match``."""
    owned_event(store, principal, event_id)
    store.delete_event(event_id, expected_version=expected)
    return Response(status_code=204)


class EventRename(BaseModel):
    """A new name (and, if given, a new date) for an event; its id stays."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="the event's new name")
    date: EventDate | None = Field(
        default=None, description="a new date (left as it is when not given)"
    )


@router.patch(
    "/{event_id}",
    summary="Rename an event",
    responses=error_responses(401, 403, 404, 412, 422, 428, 429),
)
def rename_event(
    principal: Organiser, store: StoreDep, event_id: str, expected: IfMatchDep, body: EventRename
) -> Response:
    """Give the event a new name (and date); its id, participants and results stay, and its
    results are not made out of date by it; ``If-Match``."""
    record = owned_event(store, principal, event_id)
    update: dict[str, Any] = {"name": body.name}
    if body.date is not None:
        update["date"] = body.date
    renamed = store.update_event(record.value.model_copy(update=update), expected_version=expected)
    return with_etag(event_view(renamed), renamed.version)


class EventCopy(BaseModel):
    """The id and name of a copy of an event."""

    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(
        default=None, description="the copy's id (by default the event's id with `-copy`)"
    )
    name: Name | None = Field(
        default=None, description="the copy's name (by default the event's name with `(copy)`)"
    )


def _free_id(store: Store, base: str) -> str:
    """``base-copy``, else ``base-copy-2``, ``-3``...: the first id no event has (at most 64
    characters, as every id)."""
    for n in range(1, 1000):
        tail = "-copy" if n == 1 else f"-copy-{n}"
        candidate = base[: 64 - len(tail)] + tail
        if store.get_event_record(candidate) is None:
            return candidate
    raise ProblemError(  # pragma: no cover - a thousand copies of one event
        409, "conflict", "Conflict", f"event '{base}' has too many copies; give the copy an id"
    )


@router.post(
    "/{event_id}/duplicate",
    status_code=201,
    summary="Duplicate an event",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def duplicate_event(
    principal: Organiser, store: StoreDep, event_id: str, body: EventCopy | None = None
) -> Response:
    """A new event with the settings, rooms, rounds, slots, tables, rules and participants of
    this one, but none of its results, owned by the caller → 201 with ``ETag`` and
    ``Location``. An id that is taken is a 409."""
    record = owned_event(store, principal, event_id)
    body = body or EventCopy()
    new_id = body.id or _free_id(store, event_id)
    new_name = body.name or f"{record.value.name} (copy)"[:300]
    document = {**record.value.model_dump(mode="json", exclude_none=True)}
    document.update(id=new_id, name=new_name)
    created = store.create_event(event_from_json(document), owner=principal.owner)
    return with_etag(event_view(created), created.version, 201, Location=f"/api/events/{new_id}")


@router.get(
    "/{event_id}/freshness",
    summary="Which results are out of date",
    responses=error_responses(401, 403, 404, 429),
)
def result_freshness(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """For each kind of result (breakouts, schedule, pairs): the latest one's id, whether it
    is out of date (``stale``) and what changed since it was made (``participants``,
    ``settings``); ``null`` for a kind never run. A result that records no fingerprints
    (made by an older version) is out of date when the event's version moved."""
    record = owned_event(store, principal, event_id)
    now = result_inputs(record.value)
    body: dict[str, Any] = {"event": event_id, "version": record.version}
    for kind in KINDS:
        result = store.latest_result(event_id, kind)
        if result is None:
            body[kind] = None
            continue
        changed = changed_parts(result.document.get("inputs"), now[kind])
        body[kind] = {
            "result": result.id,
            "event_version": result.event_version,
            "stale": result.event_version != record.version if changed is None else bool(changed),
            "changed": changed,
        }
    return with_etag(body, record.version)


# --- participants ------------------------------------------------------------------------------


def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ProblemError(
            413, "too-large", "Too large", f"the file is larger than the limit of {limit} bytes"
        )
    return data


def _area(area: Area) -> dict[str, Any]:
    """Where a free-text area went, in words: its S3 or NACE label, or an own term."""
    from matchmaker import taxonomy

    labels = []
    if area.s3:
        labels.append(f"{taxonomy.s3().label(area.s3)} ({area.s3})")
    if area.nace:
        labels.append(f"{taxonomy.nace().label(area.nace)} (NACE {area.nace})")
    return {
        "term": area.term,
        "s3": area.s3,
        "nace": area.nace,
        "own": area.own,
        "read_as": "; ".join(labels) or "own term of the event",
        "confidence": max(area.s3_confidence, area.nace_confidence),
    }


def _mapping_field(text: str | None) -> RegistrationMapping | None:
    """The mapping sent with an upload (a JSON form field), checked as a mapping file is."""
    if not text:
        return None
    from matchmaker.io.mapping import load_mapping

    return load_mapping(text.encode())


@router.post(
    "/{event_id}/participants/mapping",
    summary="Propose how a registration export's columns are read",
    responses=error_responses(401, 403, 404, 413, 422, 429),
)
@long_request
def propose_participant_mapping(
    principal: Organiser,
    store: StoreDep,
    settings: SettingsDep,
    event_id: str,
    file: Annotated[
        UploadFile,
        File(description="a registration export: CSV or XLSX, one row per participant"),
    ],
    sheet: Annotated[str | None, Form(max_length=100)] = None,
    mapping: Annotated[str | None, Form(max_length=1_000_000)] = None,
) -> Response:
    """Each column of the file with its header, sample values and the field it is proposed
    for (or the field the event's stored mapping gives it), the sheets of a workbook, and the
    fields to choose from. Nothing is stored."""
    from matchmaker.io.mapping import propose_mapping, read_table
    from matchmaker.io.values import fold

    record = owned_event(store, principal, event_id)
    data = _read_upload(file, settings.max_upload_bytes)
    given = _mapping_field(mapping) or record.value.registration_mapping
    table, fmt, chosen, sheets = read_table(
        data,
        name=file.filename or "list.csv",
        sheet=sheet or None,
        prefer=given.sheet if given else None,
        header_row=given.header_row if given else None,
        expected={fold(c.header) for c in given.columns} if given else (),
        max_bytes=settings.max_upload_bytes,
    )
    proposal = propose_mapping(table, given=given, fmt=fmt, sheet=chosen, sheets=sheets)
    return with_etag(proposal.as_dict(), record.version)


@router.post(
    "/{event_id}/participants",
    summary="Upload the participants",
    responses=error_responses(401, 403, 404, 412, 413, 422, 428, 429),
)
@long_request
def upload_participants(
    principal: Organiser,
    store: StoreDep,
    settings: SettingsDep,
    event_id: str,
    expected: IfMatchDep,
    file: Annotated[
        UploadFile,
        File(description="a registration list: CSV, XLSX or JSON, one row per participant"),
    ],
    mapping: Annotated[
        str | None,
        Form(
            max_length=1_000_000,
            description="how the columns are read (a mapping as the mapping step returns it); "
            "by default the event's stored mapping, else the proposed one",
        ),
    ] = None,
    sheet: Annotated[str | None, Form(max_length=100)] = None,
    partial: Annotated[
        bool, Query(description="import the valid rows and report the others")
    ] = False,
    dry_run: Annotated[
        bool,
        Query(
            description="check only: the report and who would be added, changed and "
            "removed; nothing is stored"
        ),
    ] = False,
) -> Response:
    """Replace the event's participants and their organisations with a registration list.

    The columns are read by the mapping (see ``POST .../participants/mapping``), which is kept
    with the event for the next upload. Any problem is a 422 listing every row to fix, and
    nothing is stored, unless ``partial``: then the valid rows are imported and the problems
    listed. Rules that name participants who are no longer registered lose them (listed in
    ``warnings``). One versioned update (``If-Match``); ``dry_run`` stores nothing.
    """
    from matchmaker.io.registrations import (
        apply_registrations,
        registration_changes,
        validate_registrations,
    )

    record = owned_event(store, principal, event_id)
    data = _read_upload(file, settings.max_upload_bytes)
    given = _mapping_field(mapping) or record.value.registration_mapping
    found = validate_registrations(
        data,
        name=file.filename or None,
        vocabulary=record.value.vocabulary or None,
        sheet=sheet or None,
        mapping=given or "auto",
        slots=record.value.slots,
        max_bytes=settings.max_upload_bytes,
    )
    n = len(found.problems)
    if found.problems and (not partial or not found.participants) and not dry_run:
        rows = len(found.rejected_rows)
        where = f" in {rows} row{'s' if rows != 1 else ''}" if rows else ""
        raise InvalidInputError(
            f"{n} problem{'s' if n != 1 else ''}{where}; nothing was imported", found.problems
        )
    ev, dropped = apply_registrations(record.value, found)
    body: dict[str, Any] = {
        "event": event_id,
        "participants": len(ev.participants),
        "organisations": len(ev.organisations),
        "warnings": problems_of([*found.warnings, *dropped]),
        "problems": problems_of(found.problems),
        "rejected_rows": found.rejected_rows,
        # The person and organisation of each row with a problem, to show beside it.
        "rows_with_problems": [
            {
                "row": n,
                "person": found.who.get(n, ("", ""))[0],
                "organisation": found.who.get(n, ("", ""))[1],
            }
            for n in found.rejected_rows
        ],
        # Where each free-text area went: an S3 or NACE code with its similarity, or an own term.
        "areas": [_area(a) for a in found.areas],
        "rows": found.rows,
        "changes": registration_changes(record.value, found),
        "mapping": found.mapping.as_dict() if found.mapping is not None else None,
    }
    if dry_run:
        body["version"] = record.version
        body["dry_run"] = True
        return with_etag(body, record.version)
    updated = store.update_event(ev, expected_version=expected)
    body["version"] = updated.version
    return with_etag(body, updated.version)


_EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@router.get(
    "/{event_id}/participants.{format}",
    summary="Download the participants as a registration list",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in _EXPORT_TYPES.values()}, "description": "the list"},
        **error_responses(401, 403, 404, 422, 429),
    },
)
@long_request
def export_participants(
    principal: Organiser, store: StoreDep, event_id: str, format: Literal["csv", "xlsx", "json"]
) -> Response:
    """The participants with their organisations' profiles, one row each: the person's
    e-mail and job title and the extra columns of the export they came from included. It
    reads back as it was imported."""
    from matchmaker.io import dump_registrations

    record = owned_event(store, principal, event_id)
    ev = record.value
    data = dump_registrations(ev.participants, ev.organisations, format)
    name = f"{_file_stem(event_id)}-participants.{format}"
    return Response(
        data,
        media_type=_EXPORT_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": etag(record.version),
        },
    )


def _file_stem(event_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in event_id)[:64] or "event"


@router.get(
    "/{event_id}/participants",
    summary="List the participants",
    responses=error_responses(401, 403, 404, 429),
)
def list_participants(principal: Organiser, store: StoreDep, event_id: str) -> Response:
    """The participants in registration order, with their organisation's name, country and
    type; the event's version as ``ETag``."""
    record = owned_event(store, principal, event_id)
    ev = record.value
    orgs = {o.id: o for o in ev.organisations}
    items = []
    for p in ev.participants:
        org = orgs.get(p.organisation)
        items.append(
            {
                "id": p.id,
                "person": p.person,
                "organisation": p.organisation,
                "organisation_name": org.name if org is not None else p.organisation,
                "country": org.country if org is not None else None,
                "region": org.region if org is not None else None,
                "type": org.type.value if org is not None else None,
                "seats": p.seats,
                "email": p.email,
                "job_title": p.job_title,
                "languages": p.languages or (org.languages if org is not None else []),
                "extra": p.extra,
                "available": p.available,
                "requests": [r.model_dump(mode="json") for r in p.requests],
            }
        )
    return with_etag({"items": items, "total": len(items)}, record.version)
