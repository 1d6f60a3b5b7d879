"""How well two organisations fit: components in [0, 1], weights, presets.

Every component is symmetric, so the pair score is too:

``complementarity``
    A's needs against B's offers and B's needs against A's offers, combined reciprocally (the
    harmonic mean by default: both sides must gain). One direction is the mean, over A's needs,
    of the best cosine between that need and any of B's offers.
``s3``
    Cosine of the S3 priority vectors (codes, their NACE ancestors and broad themes).
``sector``
    Cosine of the NACE vectors with ancestors (C26.51 and C26.52 are close, A01.1 is far).
``geography``
    ``interregional`` (every preset): other regions and countries are preferred, neighbours
    across a border most; ``proximity`` (on request): nearer is better.
``type``
    Organisation-type complementarity from a symmetric matrix over the triple-helix roles.
``language``
    1 with a shared working language, 0 without, 0.5 when either side lists none.

The score is ``sum(weight[c] * component[c])`` with weights that add up to 1, so each
contribution is a share of the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError
from matchmaker.models import HelixRole, OrgType
from matchmaker.vectorise import ProfileMatrix

__all__ = [
    "COMPONENTS",
    "PRESETS",
    "Scorer",
    "components",
    "geography_matrix",
    "language_matrix",
    "make_scorer",
    "pair_components",
    "score_matrix",
]

Array = npt.NDArray[Any]
F32 = np.float32
EARTH_RADIUS_KM = 6371.0

COMPONENTS = ("complementarity", "s3", "sector", "geography", "type", "language")
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


@dataclass(frozen=True)
class Preset:
    """A named set of weights, a geography mode and a type matrix."""

    name: str
    weights: Mapping[str, float]
    geography: Geography
    description: str


PRESETS: dict[str, Preset] = {
    "policy_learning": Preset(
        "policy_learning",
        {
            "complementarity": 0.30,
            "s3": 0.25,
            "sector": 0.05,
            "geography": 0.15,
            "type": 0.15,
            "language": 0.10,
        },
        "interregional",
        "Interreg-style peer learning between authorities and agencies of other regions.",
    ),
    "business": Preset(
        "business",
        {
            "complementarity": 0.60,
            "s3": 0.10,
            "sector": 0.05,
            "geography": 0.10,
            "type": 0.10,
            "language": 0.05,
        },
        "interregional",
        "B2B: needs and offers first; partners across regions and borders.",
    ),
    "research": Preset(
        "research",
        {
            "complementarity": 0.30,
            "s3": 0.35,
            "sector": 0.10,
            "geography": 0.10,
            "type": 0.10,
            "language": 0.05,
        },
        "interregional",
        "S3 and scientific domains first, partners in other regions.",
    ),
}
DEFAULT_PRESET = "business"


@dataclass(frozen=True)
class Scorer:
    """Validated scoring settings: use :func:`make_scorer` to build one."""

    preset: str
    weights: Array  # in COMPONENTS order, adding up to 1
    geography: Geography
    type_matrix: Array  # len(OrgType) x len(OrgType), symmetric, in [0, 1]
    reciprocity: Reciprocity = "harmonic"
    extra: dict[str, Any] = field(default_factory=dict)

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
    """
    if preset not in PRESETS:
        raise InvalidInputError(f"preset '{preset}' must be one of: {', '.join(PRESETS)}")
    base = PRESETS[preset]
    w = dict(base.weights)
    for name, value in (weights or {}).items():
        if name not in COMPONENTS:
            raise InvalidInputError(
                f"weight '{name}' is not a component; the components are: {', '.join(COMPONENTS)}"
            )
        if not isinstance(value, int | float) or isinstance(value, bool) or not np.isfinite(value):
            raise InvalidInputError(f"weight '{name}' must be a number; got {value!r}")
        if value < 0:
            raise InvalidInputError(f"weight '{name}' must be 0 or more; got {value}")
        w[name] = float(value)
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
    )


# --- components -----------------------------------------------------------------------------


def _combine(ab: Array, ba: Array, how: Reciprocity) -> Array:
    if how == "harmonic":
        denom = ab + ba
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(denom > 0, 2 * ab * ba / np.where(denom > 0, denom, 1), 0)
        result: Array = out.astype(F32)
        return result
    if how == "geometric":
        result = np.sqrt(ab * ba).astype(F32)
    elif how == "mean":
        result = ((ab + ba) / 2).astype(F32)
    else:
        result = np.minimum(ab, ba).astype(F32)
    return result


def segments(starts: Array, counts: Array) -> tuple[Array, Array]:
    """The item indices of several segments ``[start, start + count)`` laid end to end, and
    where each segment begins in them (for ``reduceat``); every count must be positive."""
    seg = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=seg[1:])
    idx = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - seg, counts)
    return idx, seg


def complementarity(p: ProfileMatrix, i: int, js: Array, how: Reciprocity) -> Array:
    """The complementarity component of row ``i`` against each of ``js``."""
    js = np.asarray(js, dtype=np.int64)
    ab = _direction(p, i, js, needs_of_i=True)
    ba = _direction(p, i, js, needs_of_i=False)
    return _combine(ab, ba, how)


def _direction(p: ProfileMatrix, i: int, js: Array, *, needs_of_i: bool) -> Array:
    """One direction of complementarity for row ``i`` against each of ``js``.

    ``needs_of_i``: mean over i's needs of the best cosine with any of j's offers; otherwise
    mean over j's needs of the best cosine with any of i's offers.
    """
    out = np.zeros(len(js), dtype=F32)
    if needs_of_i:
        mine = p.needs[p.need_ptr[i] : p.need_ptr[i + 1]]
        theirs, ptr = p.offers, p.offer_ptr
    else:
        mine = p.offers[p.offer_ptr[i] : p.offer_ptr[i + 1]]
        theirs, ptr = p.needs, p.need_ptr
    if len(mine) == 0 or len(js) == 0:
        return out
    starts, ends = ptr[js], ptr[js + 1]
    counts = ends - starts
    has = counts > 0
    if not has.any():
        return out
    idx, seg = segments(starts[has], counts[has])
    sims = np.clip(theirs[idx] @ mine.T, 0.0, 1.0)  # (their items, my items)
    if needs_of_i:
        # best of their offers for each of my needs, then the mean over my needs
        out[has] = np.maximum.reduceat(sims, seg, axis=0).mean(axis=1)
    else:
        # best of my offers for each of their needs, then the mean over their needs
        out[has] = np.add.reduceat(sims.max(axis=1), seg) / counts[has]
    return out


def _cache(p: ProfileMatrix) -> dict[str, Any]:
    """Look-up tables derived from a ProfileMatrix, built on first use and kept with it."""
    cache: dict[str, Any] | None = p.__dict__.get("_derived")
    if cache is None:
        cache = {}
        object.__setattr__(p, "_derived", cache)
    return cache


def _groups(p: ProfileMatrix, key: str) -> tuple[Array, Array]:
    """For ``region`` or ``languages``: each row's group id and one row of each group."""
    cache = _cache(p)
    if key not in cache:
        if key == "region":
            values: list[Any] = p.region
        else:
            lang = p.languages
            values = [
                tuple(lang.indices[lang.indptr[i] : lang.indptr[i + 1]]) for i in range(len(p))
            ]
        ids: dict[Any, int] = {}
        group = np.fromiter(
            (ids.setdefault(v, len(ids)) for v in values), dtype=np.int64, count=len(values)
        )
        first = np.zeros(len(ids), dtype=np.int64)
        first[group[::-1]] = np.arange(len(values))[::-1]
        cache[key] = (group, first)
    result: tuple[Array, Array] = cache[key]
    return result


def _transposed(p: ProfileMatrix, name: str) -> Any:
    cache = _cache(p)
    key = f"{name}.T"
    if key not in cache:
        cache[key] = getattr(p, name).T.tocsr()
    return cache[key]


def geography_matrix(
    p: ProfileMatrix, rows: Array, cols: Array | None, mode: Geography
) -> tuple[Array, Array]:
    """The geography component for ``rows`` x ``cols`` (``None``: every row), and the
    relation of each pair.

    Relation codes (for explanations): 0 same region, 1 same country, 2 same country and
    neighbouring regions, 3 neighbours across a border, 4 neighbouring countries (where a
    region is known only at country level), 5 elsewhere.

    Notes
    -----
    Geography depends only on the two regions: it is computed once per pair of distinct
    regions of the registry and then looked up, O(|rows| · |cols|).
    """
    group, first = _groups(p, "region")
    cache = _cache(p)
    key = f"geography.{mode}"
    if key not in cache:
        cache[key] = _geography_pairs(p, first, first, mode)
    table, relation = cache[key]
    r = group[rows]
    c = group if cols is None else group[cols]
    return table[np.ix_(r, c)], relation[np.ix_(r, c)]


def _geography_pairs(
    p: ProfileMatrix, rows: Array, cols: Array, mode: Geography
) -> tuple[Array, Array]:
    r, c = rows[:, None], cols[None, :]
    same_country = p.country[r] == p.country[c]
    both2 = (p.nuts2[r] >= 0) & (p.nuts2[c] >= 0)
    same_region = (both2 & (p.nuts2[r] == p.nuts2[c])) | (
        (p.nuts1[r] >= 0) & (p.nuts1[r] == p.nuts1[c]) & ((p.level[r] == 1) | (p.level[c] == 1))
    )
    if p.nuts2_adjacent.size:
        neighbour = both2 & p.nuts2_adjacent[np.maximum(p.nuts2[r], 0), np.maximum(p.nuts2[c], 0)]
    else:
        neighbour = np.zeros(same_country.shape, dtype=bool)
    near_country = ~both2 & p.country_adjacent[p.country[r], p.country[c]]
    relation = np.full(same_country.shape, 5, dtype=np.int8)
    relation[near_country] = 4
    relation[neighbour & ~same_country] = 3
    relation[same_country] = 1
    relation[same_country & neighbour] = 2
    relation[same_region] = 0
    cos = np.clip(p.xyz[rows] @ p.xyz[cols].T, -1.0, 1.0)
    dist = EARTH_RADIUS_KM * np.arccos(cos)  # NaN where a point is unknown
    known = ~np.isnan(dist)
    dist0 = np.where(known, dist, 0.0)
    if mode == "interregional":
        far = np.where(known, 0.6 + 0.3 * np.exp(-dist0 / 1000.0), 0.7)
        table = np.array([0.0, 0.3, 0.35, 1.0, 0.9, 0.0])
        g = np.where(relation == 5, far, table[relation])
    else:
        g = np.where(known, np.exp(-dist0 / 600.0), np.where(same_country, 0.6, 0.3))
        g = np.where(relation == 0, 1.0, g)
        g = np.where(relation == 3, np.maximum(g, 0.8), g)
    return np.clip(g, 0, 1).astype(F32), relation


def language_matrix(p: ProfileMatrix, rows: Array, cols: Array | None) -> Array:
    """1 with a shared language, 0 without, 0.5 where either side lists none.

    Computed once per pair of distinct language sets, then looked up.
    """
    group, first = _groups(p, "languages")
    cache = _cache(p)
    if "language" not in cache:
        lang = p.languages[first]
        shared = (lang @ lang.T).toarray() > 0
        listed = np.diff(lang.indptr) > 0
        both = listed[:, None] & listed[None, :]
        cache["language"] = np.where(both, shared.astype(F32), np.float32(0.5)).astype(F32)
    table: Array = cache["language"]
    c = group if cols is None else group[cols]
    out: Array = table[np.ix_(group[rows], c)]
    return out


def pair_components(
    p: ProfileMatrix, i: int, js: Array, scorer: Scorer
) -> tuple[dict[str, Array], Array]:
    """Every component for row ``i`` against rows ``js``, and the geography relation codes.

    Notes
    -----
    O(|js| · (d · items + nnz)): one dense product for the items, sparse products for the codes.
    """
    js = np.asarray(js, dtype=np.int64)
    row = np.array([i])
    geo, relation = geography_matrix(p, row, js, scorer.geography)
    comps = {
        "complementarity": complementarity(p, i, js, scorer.reciprocity),
        "s3": _cos(p.s3, i, js),
        "sector": _cos(p.sectors, i, js),
        "geography": geo[0],
        "type": scorer.type_matrix[p.types[i], p.types[js]].astype(F32),
        "language": language_matrix(p, row, js)[0],
    }
    return comps, relation[0]


def _cos(m: Any, i: int, js: Array) -> Array:
    row = m[i]
    if row.nnz == 0:
        return np.zeros(len(js), dtype=F32)
    cos: Array = np.clip(np.asarray((m[js] @ row.T).todense()).ravel(), 0, 1).astype(F32)
    return cos


def components(p: ProfileMatrix, i: int, js: Array, scorer: Scorer) -> dict[str, Array]:
    """Every component for row ``i`` against rows ``js`` (see :func:`pair_components`)."""
    return pair_components(p, i, js, scorer)[0]


def total(comps: Mapping[str, Array], scorer: Scorer) -> Array:
    """The weighted sum of the components."""
    out = np.zeros_like(next(iter(comps.values())), dtype=F32)
    for c, w in zip(COMPONENTS, scorer.weights, strict=True):
        out += w * comps[c]
    return out


# --- all pairs ------------------------------------------------------------------------------


def _complementarity_matrix(p: ProfileMatrix, how: Reciprocity, rows: Sequence[int]) -> Array:
    """Directional complementarity C[a, b] (a's needs against b's offers) for a in ``rows``."""
    n = len(p)
    rows_arr = np.asarray(rows, dtype=np.int64)
    out = np.zeros((len(rows_arr), n), dtype=F32)
    need_counts = np.diff(p.need_ptr)
    offer_counts = np.diff(p.offer_ptr)
    has_offers = np.flatnonzero(offer_counts > 0)
    if len(has_offers) == 0:
        return out
    offer_idx, offer_seg = segments(p.offer_ptr[has_offers], offer_counts[has_offers])
    with_needs = [k for k, a in enumerate(rows_arr) if need_counts[a] > 0]
    if not with_needs:
        return out
    sel = rows_arr[with_needs]
    need_idx, need_seg = segments(p.need_ptr[sel], need_counts[sel])
    sims = np.clip(p.needs[need_idx] @ p.offers[offer_idx].T, 0, 1)
    best = np.maximum.reduceat(sims, offer_seg, axis=1)  # need items x orgs with offers
    mean = np.add.reduceat(best, need_seg, axis=0) / need_counts[sel][:, None]
    block = np.zeros((len(sel), n), dtype=F32)
    block[:, has_offers] = mean
    out[with_needs] = block
    return out


def score_matrix(
    p: ProfileMatrix, scorer: Scorer, *, chunk: int = 1024
) -> tuple[Array, dict[str, Array]]:
    """The dense n x n score matrix of all pairs, and each component's matrix.

    The diagonal is 0 (no one is their own partner). Symmetric by construction.

    Notes
    -----
    O(n² + m² · d) time for n organisations with m items of d dimensions, computed in row
    chunks; O(n² · components) memory for the returned matrices (2,000 participants: 16 MB
    each).
    """
    n = len(p)
    directed = np.zeros((n, n), dtype=F32)
    for start in range(0, n, chunk):
        rows = list(range(start, min(n, start + chunk)))
        directed[start : start + len(rows)] = _complementarity_matrix(p, scorer.reciprocity, rows)
    comps: dict[str, Array] = {
        "complementarity": _combine(directed, directed.T, scorer.reciprocity),
        "s3": np.clip((p.s3 @ p.s3.T).toarray(), 0, 1).astype(F32),
        "sector": np.clip((p.sectors @ p.sectors.T).toarray(), 0, 1).astype(F32),
        "type": scorer.type_matrix[np.ix_(p.types, p.types)].astype(F32),
    }
    every = np.arange(n)
    comps["geography"] = geography_matrix(p, every, None, scorer.geography)[0]
    comps["language"] = language_matrix(p, every, None)
    scores = total(comps, scorer)
    # Exactly symmetric: float sums in another order differ in the last bit.
    scores = ((scores + scores.T) / 2).astype(F32)
    np.fill_diagonal(scores, 0.0)
    return scores, comps
