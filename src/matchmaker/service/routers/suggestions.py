"""``/api/organisations/{id}/suggestions``: an organisation's best partners, with reasons.

Admins may ask for any organisation, a member for its own only. The registry's fitted matrices
are cached per registry revision (see ``matchmaker.service.suggestion_index``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from matchmaker import taxonomy
from matchmaker.errors import InvalidInputError, Problem
from matchmaker.limits import Suggestions as SuggestionCount
from matchmaker.models import parse_org_type
from matchmaker.score import DEFAULT_PRESET, PRESETS, Scorer
from matchmaker.score.learn import load_scorer
from matchmaker.service.deps import Principal, forbidden, require
from matchmaker.service.gate import Gate
from matchmaker.service.problems import error_responses
from matchmaker.service.routers.organisations import checked_id
from matchmaker.service.suggestion_index import Fit, SuggestionIndex
from matchmaker.solvers import Filters, suggest

__all__ = ["router"]

router = APIRouter(prefix="/api/organisations", tags=["suggestions"])

Asker = Annotated[Principal, Depends(require("admin", "member"))]
FilterValues = Annotated[
    list[Annotated[str, Query(max_length=40)]] | None,
    Query(max_length=50, description="repeat the parameter or separate values by commas"),
]


class SuggestionOut(BaseModel):
    id: str
    name: str
    country: str
    region: str
    type: str
    score: float
    components: dict[str, float]
    reasons: list[str]


class Suggestions(BaseModel):
    organisation: str
    preset: str
    revision: int
    suggestions: list[SuggestionOut]


def _values(values: list[str] | None) -> list[str]:
    return [v.strip() for text in values or () for v in text.split(",") if v.strip()]


def _filters(
    countries: list[str], types: list[str], sectors: list[str]
) -> tuple[Filters, list[Problem]]:
    """Filters in canonical codes, and a problem for each value that is not a code."""
    problems: list[Problem] = []
    nuts, nace = taxonomy.nuts(), taxonomy.nace()
    good_countries = []
    for c in countries:
        code = nuts.normalise(c)
        if nuts.is_valid(code) and nuts.level(code) == 0:
            good_countries.append(code)
        else:
            problems.append(
                Problem(None, "query.country", c, f"country '{c}' is not a NUTS country code")
            )
    good_types = []
    for t in types:
        try:
            good_types.append(parse_org_type(t).value)
        except ValueError as exc:
            problems.append(Problem(None, "query.type", t, str(exc)))
    good_sectors = []
    for s in sectors:
        try:
            good_sectors.append(nace.normalise(s))
        except InvalidInputError as exc:
            problems.append(Problem(None, "query.sector", s, exc.message))
    filters = Filters(countries=good_countries, types=good_types, sectors=good_sectors)
    return filters, problems


@router.get(
    "/{org_id:path}/suggestions",
    response_model=Suggestions,
    summary="Partner suggestions for an organisation",
    responses=error_responses(401, 403, 404, 422, 429),
)
def suggestions(
    principal: Asker,
    request: Request,
    org_id: str,
    k: Annotated[SuggestionCount, Query(description="how many partners")] = 10,
    preset: Annotated[
        str,
        Query(
            max_length=40,
            description="what the partnership is for",
            json_schema_extra={"enum": list(PRESETS)},
        ),
    ] = DEFAULT_PRESET,
    country: FilterValues = None,
    type: FilterValues = None,
    sector: FilterValues = None,
    explain: Annotated[bool, Query(description="reasons in words")] = True,
    scorer: Annotated[
        str | None,
        Query(max_length=100, description="a learned scorer's name (instead of the preset)"),
    ] = None,
) -> Response:
    """The ``k`` best partners, best first: score, each component, and reasons.

    Filters keep only partners of these countries, types or NACE sectors (a sector matches the
    codes below it). The answer's ``revision`` is the registry revision it was computed on.
    """
    checked_id(org_id)
    if principal.role == "member" and principal.subject != org_id:
        raise forbidden(
            f"a member key gets suggestions for its own organisation only "
            f"('{principal.subject}'), not for '{org_id}'"
        )
    filters, problems = _filters(_values(country), _values(type), _values(sector))
    if preset not in PRESETS:
        choices = ", ".join(PRESETS)
        problems.append(
            Problem(None, "query.preset", preset, f"preset '{preset}' must be one of: {choices}")
        )
    if problems:
        n = len(problems)
        raise InvalidInputError(f"{n} filter value{'s are' if n != 1 else ' is'} unknown", problems)
    chosen: Scorer | str = preset
    if scorer is not None:
        chosen = load_scorer(request.app.state.store.scorer_document(scorer))
    index: SuggestionIndex = request.app.state.suggestions
    fit = index.fit_for(org_id)
    # The same question of the same fit has the same answer: asked again (a member coming back
    # to its list, a filter switched off and on), it is not computed again. A learned scorer
    # may be learned again under its name, so its answers are not kept.
    key: tuple[Any, ...] | None = None
    if scorer is None:
        kinds = (filters.countries, filters.types, filters.sectors)
        key = (org_id, k, preset, *(_key(values) for values in kinds), explain)
        body = fit.answers.get(key)
        if body is not None:
            return Response(body, media_type="application/json")
    # Scoring is the CPU-heavy part: one request of this worker at a time, in arrival order
    # (matchmaker.service.gate), so that the cheap requests and the event loop are not starved of
    # the
    # interpreter lock while a dozen threads score at once.
    gate: Gate = request.app.state.compute_gate
    with gate:
        if key is not None and (body := fit.answers.get(key)) is not None:
            return Response(body, media_type="application/json")  # answered while waiting
        return _answer(fit, org_id, k, chosen, filters, explain, preset, scorer, key)


def _answer(
    fit: Fit,
    org_id: str,
    k: int,
    chosen: Scorer | str,
    filters: Filters,
    explain: bool,
    preset: str,
    scorer: str | None,
    key: tuple[Any, ...] | None,
) -> Response:
    profiles = fit.profiles
    found = suggest(profiles, org_id, k=k, scorer=chosen, filters=filters, explain=explain)
    items: list[dict[str, Any]] = []
    for s in found:
        org = profiles.organisations[profiles.index[s.id]]
        items.append(
            {
                "id": s.id,
                "name": org.name,
                "country": org.country,
                "region": org.region,
                "type": org.type.value,
                "score": round(s.score, 4),
                "components": {c: round(v, 4) for c, v in s.components.items()},
                "reasons": s.reasons,
            }
        )
    response = JSONResponse(
        {
            "organisation": org_id,
            "preset": preset if scorer is None else scorer,
            "revision": fit.revision,
            "suggestions": items,
        }
    )
    if key is not None:
        fit.answers.put(key, bytes(response.body))
    return response


def _key(values: Sequence[object]) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values}))
