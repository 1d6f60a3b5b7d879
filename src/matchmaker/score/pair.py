"""How well two organisations fit: the components, each in [0, 1], and their weighted sum.

Every component is symmetric, so the pair score is too:

``complementarity``
    A's needs against B's offers and B's needs against A's offers, combined reciprocally (the
    harmonic mean by default: both sides must gain; where one side states no needs, the other
    direction alone). One direction takes, for each of A's
    needs, the best cosine with any of B's offers, and averages the best-met need with the mean
    over the needs: a partner that meets one need well counts, one that meets all counts more.
    Texts are compared by meaning
    (a multilingual sentence model, :mod:`matchmaker.text`); an organisation with a description
    and no offers offers what its description says.
``relatedness``
    Cosine of the two organisations' topic vectors (description, offers and needs together):
    description against description, and description against needs and offers, so that
    profiles without a needs/offers split still match.
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
``network``, ``experience``
    Partners of partners and projects joined, from the shared projects
    (:mod:`matchmaker.score.network`).

Each raw component is then put on the registry's own scale (:mod:`matchmaker.score.calibrate`)
and the score is ``sum(weight[c] * calibrated[c])`` with weights that add up to 1, so each
contribution is a share of the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.score.network import network_of
from matchmaker.score.presets import COMPONENTS, Geography, Reciprocity, Scorer
from matchmaker.vectorise import ProfileMatrix

__all__ = [
    "complementarity",
    "components",
    "geography_matrix",
    "language_matrix",
    "pair_components",
    "raw_block",
    "raw_pair_components",
    "relatedness",
    "score_matrix",
    "states_needs",
    "total",
]

Array = npt.NDArray[Any]
F32 = np.float32
EARTH_RADIUS_KM = 6371.0

# --- components -----------------------------------------------------------------------------


def combine_directions(
    ab: Array,
    ba: Array,
    how: Reciprocity,
    asks_ab: Array | bool = True,
    asks_ba: Array | bool = True,
) -> Array:
    """Both directions of complementarity in one value.

    ``asks_ab`` (broadcast against ``ab``): the side whose needs ``ab`` measures has needs at
    all. Where both sides state needs, both must gain (``how``); where only one does, its
    direction alone counts: an organisation that lists no needs (a description only, project
    abstracts) is judged by what it offers.
    """
    if how == "harmonic":
        denom = ab + ba
        with np.errstate(invalid="ignore", divide="ignore"):
            both = np.where(denom > 0, 2 * ab * ba / np.where(denom > 0, denom, 1), 0)
    elif how == "geometric":
        both = np.sqrt(ab * ba)
    elif how == "mean":
        both = (ab + ba) / 2
    else:
        both = np.minimum(ab, ba)
    asks_ab, asks_ba = np.asarray(asks_ab, dtype=bool), np.asarray(asks_ba, dtype=bool)
    out = np.where(asks_ab & asks_ba, both, np.where(asks_ab, ab, np.where(asks_ba, ba, 0)))
    result: Array = np.asarray(out, dtype=F32)
    return result


def states_needs(p: ProfileMatrix) -> Array:
    """Whether each row states any need (kept with ``p``)."""
    cache = p.derived()
    if "asks" not in cache:
        cache["asks"] = np.diff(p.need_ptr) > 0
    asks: Array = cache["asks"]
    return asks


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
    asks = states_needs(p)
    return combine_directions(ab, ba, how, asks[i], asks[js])


def _direction(p: ProfileMatrix, i: int, js: Array, *, needs_of_i: bool) -> Array:
    """One direction of complementarity for row ``i`` against each of ``js``.

    ``needs_of_i``: over i's needs, the best cosine with any of j's offers (half the maximum
    and half the mean over the needs); otherwise the same for j's needs and i's offers.
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
        best = np.maximum.reduceat(sims, seg, axis=0)
        out[has] = 0.5 * (best.max(axis=1) + best.mean(axis=1))
    else:
        # best of my offers for each of their needs, then over their needs
        per_need = sims.max(axis=1)
        mean = np.add.reduceat(per_need, seg) / counts[has]
        out[has] = 0.5 * (np.maximum.reduceat(per_need, seg) + mean)
    return out


def _groups(p: ProfileMatrix, key: str) -> tuple[Array, Array]:
    """For ``region`` or ``languages``: each row's group id and one row of each group."""
    cache = p.derived()
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


def transposed(p: ProfileMatrix, name: str) -> Any:
    cache = p.derived()
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
    cache = p.derived()
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
    cache = p.derived()
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


def relatedness(p: ProfileMatrix, rows: Array, cols: Array | None = None) -> Array:
    """The relatedness component of ``rows`` x ``cols`` (``None``: every row)."""
    right = p.topic if cols is None else p.topic[np.asarray(cols, dtype=np.int64)]
    out: Array = np.clip(p.topic[np.asarray(rows, dtype=np.int64)] @ right.T, 0.0, 1.0)
    return out.astype(F32, copy=False)


def raw_pair_components(
    p: ProfileMatrix, i: int, js: Array, scorer: Scorer
) -> tuple[dict[str, Array], Array]:
    """Every raw (uncalibrated) component for row ``i`` against rows ``js``, and the geography
    relation codes.

    Notes
    -----
    O(|js| · (d · items + nnz)): one dense product for the items, sparse products for the codes.
    """
    js = np.asarray(js, dtype=np.int64)
    row = np.array([i])
    geo, relation = geography_matrix(p, row, js, scorer.geography)
    net = network_of(p)
    comps = {
        "complementarity": complementarity(p, i, js, scorer.reciprocity),
        "relatedness": relatedness(p, row, js)[0],
        "s3": _cos(p.s3, i, js),
        "sector": _cos(p.sectors, i, js),
        "geography": geo[0],
        "type": scorer.type_matrix[p.types[i], p.types[js]].astype(F32),
        "language": language_matrix(p, row, js)[0],
        "network": net.component(row, js)[0],
        "experience": net.experience_component(row, js)[0],
    }
    return comps, relation[0]


def raw_block(p: ProfileMatrix, rows: Array, cols: Array, scorer: Scorer) -> dict[str, Array]:
    """Every raw component of ``rows`` x ``cols`` (dense, one product per component).

    Notes
    -----
    O(|rows| · |cols| · (components + d)) plus the item products of complementarity.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    ab = _complementarity_matrix(p, scorer.reciprocity, rows, cols)
    ba = _complementarity_matrix(p, scorer.reciprocity, cols, rows).T
    net = network_of(p)
    return {
        "complementarity": combine_directions(
            ab,
            ba,
            scorer.reciprocity,
            states_needs(p)[rows][:, None],
            states_needs(p)[cols][None, :],
        ),
        "relatedness": relatedness(p, rows, cols),
        "s3": np.clip((p.s3[rows] @ p.s3[cols].T).toarray(), 0, 1).astype(F32),
        "sector": np.clip((p.sectors[rows] @ p.sectors[cols].T).toarray(), 0, 1).astype(F32),
        "geography": geography_matrix(p, rows, cols, scorer.geography)[0],
        "type": scorer.type_matrix[np.ix_(p.types[rows], p.types[cols])].astype(F32),
        "language": language_matrix(p, rows, cols),
        "network": net.component(rows, cols),
        "experience": net.experience_component(rows, cols),
    }


def pair_components(
    p: ProfileMatrix, i: int, js: Array, scorer: Scorer
) -> tuple[dict[str, Array], Array]:
    """Every component for row ``i`` against rows ``js``, on the registry's scale when the
    scorer calibrates (see :func:`raw_pair_components`), and the geography relation codes."""
    from matchmaker.score.calibrate import calibrated

    raw, relation = raw_pair_components(p, i, js, scorer)
    return calibrated(p, scorer, raw), relation


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


def _complementarity_matrix(
    p: ProfileMatrix, how: Reciprocity, rows: Sequence[int] | Array, cols: Array | None = None
) -> Array:
    """Directional complementarity C[a, b] (a's needs against b's offers) for a in ``rows``
    and b in ``cols`` (``None``: every row)."""
    rows_arr = np.asarray(rows, dtype=np.int64)
    cols_arr = np.arange(len(p)) if cols is None else np.asarray(cols, dtype=np.int64)
    n = len(cols_arr)
    out = np.zeros((len(rows_arr), n), dtype=F32)
    need_counts = np.diff(p.need_ptr)
    offer_counts = np.diff(p.offer_ptr)[cols_arr]
    has_offers = np.flatnonzero(offer_counts > 0)
    if len(has_offers) == 0:
        return out
    offer_idx, offer_seg = segments(p.offer_ptr[cols_arr[has_offers]], offer_counts[has_offers])
    with_needs = [k for k, a in enumerate(rows_arr) if need_counts[a] > 0]
    if not with_needs:
        return out
    sel = rows_arr[with_needs]
    need_idx, need_seg = segments(p.need_ptr[sel], need_counts[sel])
    sims = np.clip(p.needs[need_idx] @ p.offers[offer_idx].T, 0, 1)
    best = np.maximum.reduceat(sims, offer_seg, axis=1)  # need items x orgs with offers
    mean = np.add.reduceat(best, need_seg, axis=0) / need_counts[sel][:, None]
    mean = 0.5 * (mean + np.maximum.reduceat(best, need_seg, axis=0))
    block = np.zeros((len(sel), n), dtype=F32)
    block[:, has_offers] = mean
    out[with_needs] = block
    return out


def score_matrix(
    p: ProfileMatrix, scorer: Scorer, *, chunk: int = 1024
) -> tuple[Array, dict[str, Array]]:
    """The dense n x n score matrix of all pairs, and each component's (calibrated) matrix.

    The diagonal is 0 (no one is their own partner). Symmetric by construction.

    Notes
    -----
    O(n² + m² · d) time for n organisations with m items of d dimensions, computed in row
    chunks; O(n² · components) memory for the returned matrices (2,000 participants: 16 MB
    each).
    """
    from matchmaker.score.calibrate import calibrated

    n = len(p)
    directed = np.zeros((n, n), dtype=F32)
    for start in range(0, n, chunk):
        rows = list(range(start, min(n, start + chunk)))
        directed[start : start + len(rows)] = _complementarity_matrix(p, scorer.reciprocity, rows)
    comps: dict[str, Array] = {
        "complementarity": combine_directions(
            directed,
            directed.T,
            scorer.reciprocity,
            states_needs(p)[:, None],
            states_needs(p)[None, :],
        ),
        "s3": np.clip((p.s3 @ p.s3.T).toarray(), 0, 1).astype(F32),
        "sector": np.clip((p.sectors @ p.sectors.T).toarray(), 0, 1).astype(F32),
        "type": scorer.type_matrix[np.ix_(p.types, p.types)].astype(F32),
    }
    every = np.arange(n)
    comps["geography"] = geography_matrix(p, every, None, scorer.geography)[0]
    comps["language"] = language_matrix(p, every, None)
    comps["relatedness"] = relatedness(p, every)
    net = network_of(p)
    comps["network"] = net.component(every)
    comps["experience"] = net.experience_component(every)
    comps = calibrated(p, scorer, comps)
    scores = total(comps, scorer)
    # Exactly symmetric: float sums in another order differ in the last bit.
    scores = ((scores + scores.T) / 2).astype(F32)
    np.fill_diagonal(scores, 0.0)
    return scores, comps
