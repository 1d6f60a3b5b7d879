"""Scoring settings: components, presets (named weights), :class:`Scorer`.

A preset is a prior: a named set of non-negative weights over the components, a geography
mode and a triple-helix type matrix. Weights add up to 1, so each component's contribution is
a share of the score. A registry with known partnerships can learn its own weights instead
(:mod:`matchmaker.score.learn`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError
from matchmaker.models import HelixRole, OrgType

__all__ = [
    "COMPONENTS",
    "DEFAULT_PRESET",
    "HELIX_MATRICES",
    "PRESETS",
    "Geography",
    "Preset",
    "PresetName",
    "Reciprocity",
    "Scorer",
    "make_scorer",
]

Array = npt.NDArray[Any]
F32 = np.float32

COMPONENTS = (
    "complementarity",
    "relatedness",
    "s3",
    "sector",
    "geography",
    "type",
    "language",
    "network",
    "experience",
)
Geography = Literal["interregional", "proximity"]
Reciprocity = Literal["harmonic", "geometric", "mean", "min"]

_ROLES = list(HelixRole)


def _helix_matrix(pairs: Mapping[tuple[str, str], float], default: float) -> Array:
    m = np.full((len(_ROLES), len(_ROLES)), default, dtype=F32)
    for (a, b), v in pairs.items():
        i, j = _ROLES.index(HelixRole(a)), _ROLES.index(HelixRole(b))
        m[i, j] = m[j, i] = v
    return m


# Triple-helix complementarity per preset (industry, academia, government, intermediary, other).
HELIX_MATRICES: dict[str, Array] = {
    "policy_learning": _helix_matrix(
        {
            ("government", "government"): 1.0,
            ("government", "intermediary"): 0.9,
            ("intermediary", "intermediary"): 0.8,
            ("government", "academia"): 0.6,
            ("academia", "intermediary"): 0.6,
            ("industry", "intermediary"): 0.6,
            ("government", "industry"): 0.4,
            ("industry", "academia"): 0.5,
            ("academia", "academia"): 0.4,
            ("industry", "industry"): 0.3,
        },
        0.3,
    ),
    "business": _helix_matrix(
        {
            ("industry", "industry"): 1.0,
            ("industry", "academia"): 0.8,
            ("industry", "intermediary"): 0.7,
            ("intermediary", "intermediary"): 0.6,
            ("academia", "intermediary"): 0.5,
            ("industry", "government"): 0.4,
            ("academia", "academia"): 0.4,
            ("government", "intermediary"): 0.5,
            ("government", "government"): 0.3,
            ("academia", "government"): 0.3,
        },
        0.3,
    ),
    "research": _helix_matrix(
        {
            ("academia", "industry"): 1.0,
            ("academia", "academia"): 0.9,
            ("academia", "intermediary"): 0.6,
            ("academia", "government"): 0.6,
            ("industry", "intermediary"): 0.6,
            ("industry", "industry"): 0.5,
            ("government", "intermediary"): 0.5,
            ("intermediary", "intermediary"): 0.5,
            ("industry", "government"): 0.4,
            ("government", "government"): 0.4,
        },
        0.3,
    ),
}


class PresetName(StrEnum):
    """The presets' names: the one list that the API, the command line and the page offer
    (the page reads it from ``GET /api/presets``)."""

    POLICY_LEARNING = "policy_learning"
    BUSINESS = "business"
    RESEARCH = "research"


@dataclass(frozen=True)
class Preset:
    """A named set of weights, a geography mode and a type matrix; ``label`` is its name in
    words, for people."""

    name: str
    weights: Mapping[str, float]
    geography: Geography
    description: str
    label: str = ""


PRESETS: dict[str, Preset] = {
    "policy_learning": Preset(
        "policy_learning",
        {
            "complementarity": 0.20,
            "relatedness": 0.20,
            "s3": 0.20,
            "sector": 0.04,
            "geography": 0.12,
            "type": 0.12,
            "language": 0.06,
            "network": 0.04,
            "experience": 0.02,
        },
        "interregional",
        "Interreg-style peer learning between authorities and agencies of other regions.",
        "Policy learning",
    ),
    "business": Preset(
        "business",
        {
            "complementarity": 0.55,
            "relatedness": 0.08,
            "s3": 0.07,
            "sector": 0.03,
            "geography": 0.08,
            "type": 0.07,
            "language": 0.04,
            "network": 0.05,
            "experience": 0.03,
        },
        "interregional",
        "B2B: needs and offers first; partners across regions and borders.",
        "Business partners",
    ),
    "research": Preset(
        "research",
        {
            "complementarity": 0.20,
            "relatedness": 0.25,
            "s3": 0.22,
            "sector": 0.07,
            "geography": 0.07,
            "type": 0.07,
            "language": 0.04,
            "network": 0.05,
            "experience": 0.03,
        },
        "interregional",
        "S3 and scientific domains first, partners in other regions.",
        "Research and innovation",
    ),
}
DEFAULT_PRESET = PresetName.BUSINESS.value
if {p.value for p in PresetName} != set(PRESETS):  # pragma: no cover - a module invariant
    raise RuntimeError("PresetName and PRESETS name different presets")


@dataclass(frozen=True)
class Scorer:
    """Validated scoring settings: use :func:`make_scorer` to build one."""

    preset: str
    weights: Array  # in COMPONENTS order, adding up to 1
    geography: Geography
    type_matrix: Array  # len(OrgType) x len(OrgType), symmetric, in [0, 1]
    reciprocity: Reciprocity = "harmonic"
    extra: dict[str, Any] = field(default_factory=dict)
    calibrate: bool = True
    name: str = ""  # the preset's name, or a learned scorer's

    @property
    def label(self) -> str:
        return self.name or self.preset

    def weight(self, component: str) -> float:
        return float(self.weights[COMPONENTS.index(component)])

    def as_dict(self) -> dict[str, float]:
        return {c: float(w) for c, w in zip(COMPONENTS, self.weights, strict=True)}


def make_scorer(
    preset: str = DEFAULT_PRESET,
    *,
    weights: Mapping[str, float] | None = None,
    geography: Geography | None = None,
    helix_matrix: Mapping[tuple[str, str], float] | None = None,
    reciprocity: Reciprocity = "harmonic",
    calibrate: bool = True,
    name: str = "",
) -> Scorer:
    """Build a :class:`Scorer` from a preset, overriding any part of it.

    Parameters
    ----------
    preset:
        ``policy_learning``, ``business`` or ``research``.
    weights:
        Weights of some or all components (the others keep the preset's); non-negative, not
        all zero; they are scaled to add up to 1.
    geography:
        ``interregional`` or ``proximity``.
    helix_matrix:
        Values in [0, 1] for pairs of triple-helix roles, e.g. ``{("industry", "academia"):
        1.0}``; the matrix is symmetric.
    reciprocity:
        How the two directions of complementarity combine: ``harmonic`` (default), ``geometric``,
        ``mean`` or ``min``.
    calibrate:
        Put each component on the registry's own scale before weighting (default; see
        :mod:`matchmaker.score.calibrate`); ``False`` weighs the raw values.
    name:
        A name for a scorer that is not a plain preset (a learned one).
    """
    if preset not in PRESETS:
        raise InvalidInputError(f"preset '{preset}' must be one of: {', '.join(PRESETS)}")
    base = PRESETS[preset]
    w = dict(base.weights)
    for component, value in (weights or {}).items():
        if component not in COMPONENTS:
            known = ", ".join(COMPONENTS)
            raise InvalidInputError(
                f"weight '{component}' is not a component; the components are: {known}"
            )
        if not isinstance(value, int | float) or isinstance(value, bool) or not np.isfinite(value):
            raise InvalidInputError(f"weight '{component}' must be a number; got {value!r}")
        if value < 0:
            raise InvalidInputError(f"weight '{component}' must be 0 or more; got {value}")
        w[component] = float(value)
    total = sum(w.values())
    if total <= 0:
        raise InvalidInputError("the weights are all 0; at least one must be positive")
    if geography is not None and geography not in ("interregional", "proximity"):
        raise InvalidInputError(f"geography '{geography}' must be 'interregional' or 'proximity'")
    if reciprocity not in ("harmonic", "geometric", "mean", "min"):
        raise InvalidInputError(
            f"reciprocity '{reciprocity}' must be one of: harmonic, geometric, mean, min"
        )
    helix = HELIX_MATRICES[preset].copy()
    for pair, value in (helix_matrix or {}).items():
        try:
            i, j = (_ROLES.index(HelixRole(r)) for r in pair)
        except ValueError:
            roles = ", ".join(r.value for r in HelixRole)
            raise InvalidInputError(
                f"helix_matrix key {pair!r} must be a pair of roles among: {roles}"
            ) from None
        if not 0.0 <= float(value) <= 1.0:
            raise InvalidInputError(
                f"helix_matrix value for {pair!r} must be in [0, 1]; got {value}"
            )
        helix[i, j] = helix[j, i] = float(value)
    role_of_type = np.array([_ROLES.index(t.helix) for t in OrgType])
    type_matrix = helix[np.ix_(role_of_type, role_of_type)].astype(F32)
    return Scorer(
        preset=preset,
        weights=np.array([w[c] / total for c in COMPONENTS], dtype=F32),
        geography=geography or base.geography,
        type_matrix=type_matrix,
        reciprocity=reciprocity,
        calibrate=bool(calibrate),
        name=name or preset,
    )
