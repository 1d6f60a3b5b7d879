"""``/api/scorers``: component weights learned from the registry's own partnerships.

An admin learns a scorer from the stored registry (organisations that share a project are
partners; see ``matchmaker.score.learn``) and names it; any key may list the stored scorers and
their validation figures, and ask for suggestions with ``?scorer=NAME``.

Decisions
---------
- Learning runs in the request: it fits on the registry as stored, its texts' embeddings come
  from the store's cache, and a registry of thousands of profiles learns in seconds. The answer
  carries the validation figures of the learned scorer beside every preset's.
- A learned scorer is a document (weights, base preset, figures), stored whole by name; a new
  one of the same name replaces it (there is no delete: scorers are small, and a name that
  suggestions or saved links use keeps working).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from matchmaker.errors import InvalidInputError, Problem
from matchmaker.limits import EventDate, Seed
from matchmaker.score import DEFAULT_PRESET, PRESETS, Scorer, make_scorer
from matchmaker.score.learn import learn_weights, load_scorer
from matchmaker.service.deps import Principal, StoreDep, require
from matchmaker.service.gate import long_request
from matchmaker.service.problems import error_responses
from matchmaker.store import Store, StoreEmbeddingCache
from matchmaker.vectorise import ProfileSpace

__all__ = ["learned_or_preset", "router"]

router = APIRouter(prefix="/api/scorers", tags=["scorers"])

Admin = Annotated[Principal, Depends(require("admin"))]
Anyone = Annotated[Principal, Depends(require("admin", "organiser", "member"))]
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


def learned_or_preset(store: Store, preset: str, scorer: str | None) -> Scorer:
    """The learned scorer called ``scorer`` (:class:`NotFoundError`, a 404, when there is
    none), or the preset's."""
    if scorer is None:
        return make_scorer(preset)
    return load_scorer(store.scorer_document(scorer))


class LearnRequest(BaseModel):
    name: Annotated[str, Field(pattern=_NAME, description="the scorer's name, for ?scorer=")]
    preset: Annotated[
        str,
        Field(
            max_length=40,
            description="base settings and the prior it is compared with",
            json_schema_extra={"enum": list(PRESETS)},
        ),
    ] = DEFAULT_PRESET
    project_starts: Annotated[
        dict[Annotated[str, Field(max_length=200)], EventDate],
        Field(
            max_length=100_000,
            description="project name -> start date: split the partnerships by time",
        ),
    ] = {}
    seed: Seed = 0


class ScorerOut(BaseModel):
    format: str
    name: str
    preset: str
    weights: dict[str, float]
    geography: str
    reciprocity: str
    validation: dict[str, dict[str, float]]
    details: dict[str, Any]


class ScorerList(BaseModel):
    items: list[ScorerOut]


@router.post(
    "",
    status_code=201,
    response_model=ScorerOut,
    summary="Learn a scorer from the registry's partnerships",
    responses=error_responses(401, 403, 422, 429),
)
@long_request
def learn(body: LearnRequest, principal: Admin, store: StoreDep) -> dict[str, Any]:
    """Learn non-negative component weights from the partnerships of the stored registry
    (organisations that share a project), validate them on held-out partnerships beside every
    preset, and store them under ``name`` (replacing a scorer of that name)."""
    if body.preset not in PRESETS:
        message = f"preset '{body.preset}' must be one of: {', '.join(PRESETS)}"
        raise InvalidInputError(message, [Problem(None, "preset", body.preset, message)])
    _, organisations = store.registry_snapshot()
    learned = learn_weights(
        organisations,
        dates=body.project_starts or None,
        preset=body.preset,
        name=body.name,
        space=ProfileSpace(cache=StoreEmbeddingCache(store)),
        seed=body.seed,
    )
    document = learned.as_dict()
    store.save_scorer(document)
    return document


@router.get(
    "",
    response_model=ScorerList,
    summary="The stored scorers",
    responses=error_responses(401, 403, 429),
)
def scorers(principal: Anyone, store: StoreDep) -> dict[str, Any]:
    """Every learned scorer: its weights and validation figures."""
    return {"items": store.scorer_documents()}


@router.get(
    "/{name}",
    response_model=ScorerOut,
    summary="One stored scorer",
    responses=error_responses(401, 403, 404, 429),
)
def scorer(name: str, principal: Anyone, store: StoreDep) -> dict[str, Any]:
    return store.scorer_document(name)
