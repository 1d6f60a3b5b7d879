"""``/api/presets``: the scorer's presets, the one list the page offers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from matchmaker.score import DEFAULT_PRESET, PRESETS, PresetName
from matchmaker.service.deps import Principal, require
from matchmaker.service.problems import error_responses

__all__ = ["router"]

router = APIRouter(prefix="/api/presets", tags=["scorers"])

Anyone = Annotated[Principal, Depends(require("admin", "organiser", "member"))]


class PresetOut(BaseModel):
    name: PresetName
    label: str
    description: str
    weights: dict[str, float]
    default: bool


class PresetList(BaseModel):
    items: list[PresetOut]


@router.get(
    "",
    response_model=PresetList,
    summary="The presets: what makes two organisations a good match",
    responses=error_responses(401, 429),
)
def presets(principal: Anyone) -> dict[str, Any]:
    """Every preset, in the order the page offers them: its name (for ``preset`` in a run),
    its label and description in words, its weights, and whether it is the default."""
    return {
        "items": [
            {
                "name": name.value,
                "label": PRESETS[name].label,
                "description": PRESETS[name].description,
                "weights": dict(PRESETS[name].weights),
                "default": name.value == DEFAULT_PRESET,
            }
            for name in (PresetName.BUSINESS, PresetName.POLICY_LEARNING, PresetName.RESEARCH)
        ]
    }
