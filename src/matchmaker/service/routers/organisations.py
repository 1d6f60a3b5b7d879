"""``/api/organisations``: the registry's profiles (list, read, create, replace, delete, import).

Profiles are checked by the same code as ``matchmaker import``, so that a request gets the same
problems (row, field, value, message) as the command line. Members and organisers see other
organisations' public fields only: never ``contact``.

Who changes a stored profile: an admin, the organisation's own member key, and an organiser
for the profiles it brought in (by an import, a create or one of its events) while no member
key holds them. An organiser never writes the contact fields it cannot read: a profile it
replaces keeps its stored contact. The profiles a key adds record its owner identity
(``Principal.owner``), never its subject alone.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from matchmaker.errors import InvalidInputError, NotFoundError, Problem
from matchmaker.io import read_organisations
from matchmaker.models import ID_PATTERN, Organisation
from matchmaker.service.deps import (
    IfMatchDep,
    Principal,
    SettingsDep,
    StoreDep,
    etag,
    forbidden,
    require,
)
from matchmaker.service.gate import long_request
from matchmaker.service.problems import ProblemError, ProblemItem, error_responses, problems_of
from matchmaker.store.organisations import NotOwnedError

__all__ = ["router", "visible"]

router = APIRouter(prefix="/api/organisations", tags=["organisations"])

AnyRole = Annotated[Principal, Depends(require("admin", "organiser", "member"))]
Importer = Annotated[Principal, Depends(require("admin", "organiser"))]
Editor = Annotated[Principal, Depends(require("admin", "member"))]
Admin = Annotated[Principal, Depends(require("admin"))]

_ID = re.compile(ID_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class OrganisationPage(BaseModel):
    items: list[Organisation]
    total: int
    limit: int
    offset: int


class ImportResult(BaseModel):
    rows: int
    created: int
    replaced: int
    problems: list[ProblemItem]


def sees_all_contacts(principal: Principal) -> bool:
    """Admins see (and so may write) every organisation's private contact fields."""
    return principal.is_admin


def sees_contact(principal: Principal, org_id: str) -> bool:
    """Admins, and a member for its own organisation, see private contact fields."""
    return sees_all_contacts(principal) or (
        principal.role == "member" and principal.subject == org_id
    )


def visible(org: Organisation, principal: Principal) -> dict[str, Any]:
    """The profile as ``principal`` may see it, as JSON."""
    shown = org if sees_contact(principal, org.id) else org.public()
    return shown.model_dump(mode="json", exclude_none=True)


def checked_id(org_id: str) -> str:
    """A path id that can name an organisation; anything else cannot be found."""
    if not _ID.match(org_id):
        raise NotFoundError("organisation", org_id[:80])
    return org_id


def _query_text(name: str, value: str | None) -> str | None:
    if value is not None and _CONTROL.search(value):
        raise InvalidInputError(
            f"query parameter '{name}' holds control characters",
            [
                Problem(
                    None, f"query.{name}", repr(value)[:80], "control characters are not allowed"
                )
            ],
        )
    return value


def profile_from_json(document: dict[str, Any]) -> Organisation:
    """One profile from a JSON object, checked as ``matchmaker import`` checks a JSON file.

    Raises
    ------
    InvalidInputError
        With the command line's problems (field, value, message); ``row`` is ``None``, the
        request holding one profile.
    """
    data = json.dumps([document]).encode()  # ASCII escapes: a lone surrogate stays a value
    try:
        report = read_organisations(data, format="json")
    except InvalidInputError as exc:
        found = [Problem(None, p.column, p.value, p.message) for p in exc.problems]
        n = len(found)
        raise InvalidInputError(
            f"the profile has {n} problem{'s' if n != 1 else ''}; nothing was stored", found
        ) from None
    return report.organisations[0]


def _with_etag(body: Any, version: int, status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"ETag": etag(version), **headers})


@router.get(
    "",
    response_model=OrganisationPage,
    summary="List organisations",
    responses=error_responses(401, 403, 422, 429),
)
def list_organisations(
    principal: AnyRole,
    store: StoreDep,
    settings: SettingsDep,
    country: Annotated[str | None, Query(max_length=8, description="NUTS country code")] = None,
    type: Annotated[str | None, Query(max_length=40, description="organisation type")] = None,
    sector: Annotated[
        str | None, Query(max_length=20, description="NACE code; matches the codes below it")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the name or id")] = None,
    limit: Annotated[
        int | None,
        Query(ge=0, description="page size (default 50), at most MATCHMAKER_MAX_PAGE_SIZE (500)"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    """A page of organisations ordered by id, with the total that match the filters.

    Public fields only, except for admins and a member's own organisation.
    """
    if limit is None:
        limit = min(50, settings.max_page_size)
    if limit > settings.max_page_size:
        raise InvalidInputError(
            f"limit {limit} is larger than the page size limit {settings.max_page_size}",
            [
                Problem(
                    None,
                    "query.limit",
                    str(limit),
                    f"limit must be at most {settings.max_page_size}; page with offset",
                )
            ],
        )
    for name, value in (("country", country), ("type", type), ("sector", sector), ("q", q)):
        _query_text(name, value)
    records, total = store.list_organisations(
        country=country, type=type, sector=sector, q=q, limit=limit, offset=offset
    )
    items = [visible(r.value, principal) for r in records]
    return JSONResponse({"items": items, "total": total, "limit": limit, "offset": offset})


@router.post(
    "/import",
    response_model=ImportResult,
    summary="Import organisations from a file",
    responses=error_responses(401, 403, 409, 413, 422, 429),
)
@long_request
def import_organisations(
    principal: Importer,
    store: StoreDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV, XLSX or JSON organisation profiles")],
    replace: Annotated[bool, Query(description="overwrite ids already stored")] = False,
    partial: Annotated[bool, Query(description="store the valid rows, report the others")] = False,
) -> ImportResult:
    """Validate a file as ``matchmaker import`` does and store it in one transaction.

    All or nothing (422 listing every problem: row, field, value, message) unless
    ``partial``, which stores the valid rows and lists the problems of the others. With
    ``replace``, an organiser overwrites only the profiles it brought in that no member key
    holds (403 naming the others, nothing stored), and their stored contact is kept.
    """
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise ProblemError(
            413,
            "too-large",
            "Too large",
            f"the file is larger than the limit of {settings.max_upload_bytes} bytes",
        )
    report = read_organisations(
        data, name=file.filename or None, partial=partial, max_bytes=settings.max_upload_bytes
    )
    try:
        summary = store.import_organisations(
            report.organisations,
            replace=replace,
            owned_by=principal.owner,
            restricted=not sees_all_contacts(principal),
        )
    except NotOwnedError as exc:
        raise ProblemError(
            403, "forbidden", "Forbidden", exc.message, problems=problems_of(exc.problems)
        ) from None
    return ImportResult(
        rows=report.rows,
        created=summary.created,
        replaced=summary.replaced,
        problems=[ProblemItem(**p) for p in problems_of(report.problems)],
    )


@router.post(
    "",
    response_model=Organisation,
    status_code=201,
    summary="Create an organisation",
    responses=error_responses(401, 403, 409, 422, 429),
)
def create_organisation(
    principal: Importer,
    store: StoreDep,
    request: Request,
    profile: Annotated[dict[str, Any], Body(description="an organisation profile (JSON)")],
) -> Response:
    """Store a new profile (checked as ``matchmaker import`` checks a JSON file) → 201."""
    org = profile_from_json(profile)
    record = store.create_organisation(org, owned_by=principal.owner)
    return _with_etag(
        visible(record.value, principal),
        record.version,
        201,
        Location=f"/api/organisations/{record.id}",
    )


@router.get(
    "/{org_id:path}",
    response_model=Organisation,
    summary="Read an organisation",
    responses=error_responses(401, 403, 404, 429),
)
def get_organisation(principal: AnyRole, store: StoreDep, org_id: str) -> Response:
    """One profile, with its version as ``ETag``."""
    record = store.get_organisation_record(checked_id(org_id))
    if record is None:
        raise NotFoundError("organisation", org_id)
    return _with_etag(visible(record.value, principal), record.version)


@router.put(
    "/{org_id:path}",
    response_model=Organisation,
    summary="Replace an organisation's profile",
    responses=error_responses(401, 403, 404, 412, 422, 428, 429),
)
def replace_organisation(
    principal: Editor,
    store: StoreDep,
    org_id: str,
    expected: IfMatchDep,
    profile: Annotated[dict[str, Any], Body(description="the whole profile (JSON)")],
) -> Response:
    """Replace the profile (admin, or the member itself); ``If-Match`` the version read."""
    checked_id(org_id)
    if principal.role == "member" and principal.subject != org_id:
        raise forbidden(
            f"a member key may change its own organisation only ('{principal.subject}'), "
            f"not '{org_id}'"
        )
    org = profile_from_json(profile)
    if org.id != org_id:
        raise InvalidInputError(
            f"the profile's id '{org.id}' is not the id of the address '{org_id}'",
            [Problem(None, "id", org.id, f"id must be '{org_id}', the id in the address")],
        )
    record = store.update_organisation(org, expected_version=expected)
    return _with_etag(visible(record.value, principal), record.version)


@router.delete(
    "/{org_id:path}",
    status_code=204,
    summary="Delete an organisation",
    responses=error_responses(401, 403, 404, 412, 428, 429),
)
def delete_organisation(
    principal: Admin, store: StoreDep, request: Request, org_id: str, expected: IfMatchDep
) -> Response:
    """Delete a profile (admin); its member keys are revoked; ``If-Match`` the version."""
    store.delete_organisation(checked_id(org_id), expected_version=expected)
    request.app.state.keys.clear()  # its member keys were revoked
    return Response(status_code=204)
