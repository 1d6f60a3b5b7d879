"""``/api/templates``: files to fill in (a registration sheet with an example row)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from matchmaker.service.event_access import Organiser
from matchmaker.service.problems import error_responses

__all__ = ["router"]

router = APIRouter(prefix="/api/templates", tags=["events"])

_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/registrations.{format}",
    summary="A registration sheet to fill in",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in _TYPES.values()}, "description": "the template"},
        **error_responses(401, 403, 422, 429),
    },
)
def registration_template(principal: Organiser, format: Literal["csv", "xlsx"]) -> Response:
    """The columns a registration list is read from (names, e-mail, organisation, type,
    country, region, website, description, offers, requests, areas, languages, availability,
    meeting wishes) with an example row, as CSV (UTF-8) or XLSX."""
    from matchmaker.io.registrations import registration_template as template

    return Response(
        template(format),
        media_type=_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="registrations-template.{format}"'},
    )
