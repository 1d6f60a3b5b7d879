"""Partner suggestions: the top-k partners of an organisation, and of every organisation.

Two stages keep a query fast on a large registry: every organisation is scored approximately
(needs, offers and topics through each organisation's mean vectors in the space of the fast
search, every other component exactly), then the best ``candidates`` are scored exactly (item
against item, topic against topic in the whole text space) and ranked. Hard filters
apply before ranking; diversity (at most ``max_per_country`` from one country among the first
``diversity_window``) after it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker import taxonomy
from matchmaker.errors import InvalidInputError
from matchmaker.explain import contributions, reasons
from matchmaker.models import OrgType, parse_org_type
from matchmaker.score import (
    COMPONENTS,
    Scorer,
    calibration,
    combine_directions,
    complementarity,
    geography_matrix,
    language_matrix,
    make_scorer,
    network_of,
    relatedness,
    states_needs,
    transposed,
)
from matchmaker.vectorise import ProfileMatrix

__all__ = ["Filters", "Suggestion", "ranking", "suggest", "suggest_all"]

Array = npt.NDArray[Any]
F32 = np.float32


@dataclass(frozen=True)
class Suggestion:
    """One suggested partner: its score, each component, each contribution, and reasons."""

    id: str
    score: float
    components: dict[str, float]
    contributions: dict[str, float]
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class Filters:
    """Hard filters on candidates.

    Parameters
    ----------
    countries:
        Keep only these countries (NUTS or ISO codes).
    types:
        Keep only these organisation types.
    sectors:
        Keep only organisations with a NACE code equal to or below one of these.
    exclude:
        Ids never to suggest.
    include_partners:
        Also suggest organisations that already share a project with the query.
    """

    countries: Sequence[str] = ()
    types: Sequence[str | OrgType] = ()
    sectors: Sequence[str] = ()
    exclude: Sequence[str] = ()
    include_partners: bool = False


def _name_keys(p: ProfileMatrix) -> Array:
    cached = getattr(p, "_name_keys", None)
    if cached is None:
        keys: dict[str, int] = {}
        cached = np.array(
            [keys.setdefault(o.name.casefold(), len(keys)) for o in p.organisations],
            dtype=np.int64,
        )
        object.__setattr__(p, "_name_keys", cached)
    return cached


def _project_rows(p: ProfileMatrix) -> dict[str, Array]:
    cached = getattr(p, "_project_rows", None)
    if cached is None:
        rows: dict[str, list[int]] = {}
        for i, projects in enumerate(p.projects):
            for name in projects:
                rows.setdefault(name, []).append(i)
        cached = {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}
        object.__setattr__(p, "_project_rows", cached)
    return cached


def _static_mask(p: ProfileMatrix, filters: Filters) -> Array:
    """Rows allowed by the query-independent filters."""
    n = len(p)
    keep = np.ones(n, dtype=bool)
    if filters.countries:
        nuts = taxonomy.nuts()
        wanted = set()
        for c in filters.countries:
            code = nuts.normalise(c)
            if not nuts.is_valid(code) or nuts.level(code) != 0:
                raise InvalidInputError(
                    f"country filter '{c}' is not a country code of the NUTS countries"
                )
            wanted.add(code)
        idx = [k for k, c in enumerate(p.country_codes) if c in wanted]
        keep &= np.isin(p.country, idx)
    if filters.types:
        try:
            wanted_types = {parse_org_type(t) for t in filters.types}
        except ValueError as exc:
            raise InvalidInputError(f"type filter: {exc}") from None
        order = list(OrgType)
        keep &= np.isin(p.types, [order.index(t) for t in wanted_types])
    if filters.sectors:
        nace = taxonomy.nace()
        features = _sector_feature_index()
        idx = [features[f"nace:{nace.normalise(code)}"] for code in filters.sectors]
        keep &= np.asarray(p.sectors[:, idx].getnnz(axis=1) > 0).ravel()
    for oid in filters.exclude:
        j = p.index.get(oid)
        if j is not None:
            keep[j] = False
    return keep


@functools.cache
def _sector_feature_index() -> dict[str, int]:
    # The column of each NACE code in ProfileMatrix.sectors (the whole taxonomy, in order).
    return {f"nace:{c}": i for i, c in enumerate(taxonomy.nace().codes())}


def _query_mask(p: ProfileMatrix, i: int, filters: Filters, base: Array) -> Array:
    keep = base.copy()
    keep[i] = False
    keep &= _name_keys(p) != _name_keys(p)[i]
    if not filters.include_partners and p.projects[i]:
        rows = _project_rows(p)
        for name in p.projects[i]:
            keep[rows[name]] = False
    return keep


def _block(p: ProfileMatrix, rows: Array, scorer: Scorer) -> tuple[dict[str, Array], Array]:
    """Every weighted component of ``rows`` against every organisation (len(rows) x n each,
    on the registry's scale when the scorer calibrates), and their weighted sum.

    All are exact but the text components (complementarity, relatedness), which compare each
    organisation's mean vectors in the space of the fast search: the first, fast pass. A
    component of weight 0 is left at 0.
    """
    w = scorer.as_dict()
    n = len(p)
    cal = calibration(p, scorer) if scorer.calibrate else None

    def scale(name: str, raw: Array) -> Array:
        return raw if cal is None else cal.apply(name, raw)

    block: dict[str, Array] = {}
    total = np.zeros((len(rows), n), dtype=F32)
    for name in COMPONENTS:
        if not w[name]:
            continue
        if name == "complementarity":
            ab = np.clip(p.needs_mean[rows] @ p.offers_mean.T, 0, 1)
            ba = np.clip(p.offers_mean[rows] @ p.needs_mean.T, 0, 1)
            asks = states_needs(p)
            both = combine_directions(
                ab, ba, scorer.reciprocity, asks[rows][:, None], asks[None, :]
            )
            value = scale(name, both)
        elif name == "relatedness":
            value = scale(name, np.clip(p.topic_retrieval[rows] @ p.topic_retrieval.T, 0, 1))
        elif name in ("s3", "sector"):
            codes = "s3" if name == "s3" else "sectors"
            prod = (getattr(p, codes)[rows] @ transposed(p, codes)).toarray()
            value = scale(name, np.minimum(prod, 1.0, dtype=F32))
        elif name == "geography":
            value = scale(name, geography_matrix(p, rows, None, scorer.geography)[0])
        elif name == "type":
            # a small table: calibrated once, then looked up
            value = scale(name, scorer.type_matrix)[np.ix_(p.types[rows], p.types)]
        elif name == "language":
            value = scale(name, language_matrix(p, rows, None))
        elif name == "network":
            value = scale(name, network_of(p).component(rows))
        else:
            value = scale(name, network_of(p).experience_component(rows))
        block[name] = value
        total += np.float32(w[name]) * value
    return block, total


def _diversify(
    order: Array, countries: Array, k: int, max_per_country: int | None, window: int
) -> list[int]:
    """Take ``order`` (best first), allowing at most ``max_per_country`` per country among the
    first ``window``; the rest follow in score order."""
    if max_per_country is None:
        return [int(j) for j in order[:k]]
    picked: list[int] = []
    deferred: list[int] = []
    count: dict[int, int] = {}
    for j in order:
        if len(picked) >= min(window, k):
            break
        c = int(countries[j])
        if count.get(c, 0) >= max_per_country:
            deferred.append(int(j))
            continue
        count[c] = count.get(c, 0) + 1
        picked.append(int(j))
    if len(picked) < k:
        taken = set(picked)
        rest = [int(j) for j in order if int(j) not in taken]
        picked.extend(rest[: k - len(picked)])
    return picked


def _rank(
    p: ProfileMatrix,
    i: int,
    block: dict[str, Array],
    block_total: Array,
    r: int,
    keep: Array,
    scorer: Scorer,
    *,
    k: int,
    candidates: int,
    max_per_country: int | None,
    window: int,
    explain: bool,
) -> list[Suggestion]:
    """Rank for query row ``i`` (row ``r`` of ``block``): shortlist by the first pass, score
    the shortlist's complementarity exactly, diversify, and describe the chosen ones."""
    n_allowed = int(np.count_nonzero(keep))
    if n_allowed == 0:
        return []
    weights = scorer.as_dict()
    approx = block_total[r]
    c = min(n_allowed, max(candidates, 4 * k))
    if c < n_allowed:
        masked = np.where(keep, approx, -np.inf)
        top = np.argpartition(masked, len(masked) - c)[len(masked) - c :]
    else:
        top = np.flatnonzero(keep)
    # The text components exactly for the shortlist (the first pass compared mean vectors in
    # the search space).
    exact_comp = complementarity(p, i, top, scorer.reciprocity)
    exact_rel = relatedness(p, np.array([i]), top)[0]
    if scorer.calibrate:
        cal = calibration(p, scorer)
        exact_comp = cal.apply("complementarity", exact_comp)
        exact_rel = cal.apply("relatedness", exact_rel)
    exact = approx[top].copy()
    for name, value in (("complementarity", exact_comp), ("relatedness", exact_rel)):
        if name in block:
            exact += weights[name] * (value - block[name][r, top])
    ordered = top[np.lexsort((top, -exact))]  # score, then row: deterministic ties
    chosen = np.asarray(_diversify(ordered, p.country, k, max_per_country, window), dtype=np.int64)
    position = {int(j): m for m, j in enumerate(top)}
    relation = geography_matrix(p, np.array([i]), chosen, scorer.geography)[1][0]
    out = []
    for m, j in enumerate(chosen.tolist()):
        at = position[j]
        values = {name: float(block[name][r, j]) if name in block else 0.0 for name in COMPONENTS}
        values["complementarity"] = float(exact_comp[at])
        values["relatedness"] = float(exact_rel[at])
        out.append(
            Suggestion(
                id=p.ids[j],
                score=float(exact[at]),
                components=values,
                contributions=contributions(values, scorer),
                reasons=reasons(p, i, j, values, int(relation[m]), scorer) if explain else [],
            )
        )
    return out


def _check(k: int, candidates: int, max_per_country: int | None) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise InvalidInputError(f"k must be a whole number of 1 or more; got {k!r}")
    if not isinstance(candidates, int) or candidates < 1:
        raise InvalidInputError(
            f"candidates must be a whole number of 1 or more; got {candidates!r}"
        )
    if max_per_country is not None and (
        not isinstance(max_per_country, int) or max_per_country < 1
    ):
        raise InvalidInputError(
            f"max_per_country must be None or a whole number of 1 or more; got {max_per_country!r}"
        )


def suggest(
    profiles: ProfileMatrix,
    org_id: str,
    *,
    k: int = 10,
    scorer: Scorer | str | None = None,
    filters: Filters | None = None,
    max_per_country: int | None = 3,
    diversity_window: int = 10,
    candidates: int = 300,
    explain: bool = False,
) -> list[Suggestion]:
    """The ``k`` best partners of ``org_id``, best first.

    Parameters
    ----------
    profiles:
        The registry, from :meth:`ProfileSpace.transform`.
    scorer:
        A :class:`Scorer`, a preset name, or ``None`` for the default preset.
    filters:
        Hard filters; by default only oneself, one's own organisation (same name) and existing
        partners (a shared project) are left out.
    max_per_country:
        Diversity: at most this many from one country among the first ``diversity_window``;
        ``None`` turns it off.
    candidates:
        How many organisations are scored exactly after the approximate pass.
    explain:
        Add reasons in words to each suggestion.

    Notes
    -----
    O(n · d) for n organisations (one dense product per direction and sparse products for the
    codes), then O(candidates · items · d).
    """
    _check(k, candidates, max_per_country)
    sc = scorer if isinstance(scorer, Scorer) else make_scorer(scorer or "business")
    f = filters or Filters()
    i = profiles.row(org_id)
    keep = _query_mask(profiles, i, f, _static_mask(profiles, f))
    block, total = _block(profiles, np.array([i]), sc)
    return _rank(
        profiles,
        i,
        block,
        total,
        0,
        keep,
        sc,
        k=k,
        candidates=candidates,
        max_per_country=max_per_country,
        window=diversity_window,
        explain=explain,
    )


def suggest_all(
    profiles: ProfileMatrix,
    *,
    k: int = 10,
    scorer: Scorer | str | None = None,
    filters: Filters | None = None,
    max_per_country: int | None = 3,
    diversity_window: int = 10,
    candidates: int = 100,
    explain: bool = False,
    memory_mib: int = 256,
    rows: Sequence[int] | None = None,
) -> Iterator[tuple[str, list[Suggestion]]]:
    """Top-k suggestions for every organisation (or for ``rows``), in row order.

    Queries are processed in chunks whose approximate score block stays within about
    ``memory_mib``; results are yielded as they are ready, so that a caller can write them out
    without holding them all.
    """
    _check(k, candidates, max_per_country)
    sc = scorer if isinstance(scorer, Scorer) else make_scorer(scorer or "business")
    f = filters or Filters()
    n = len(profiles)
    base = _static_mask(profiles, f)
    todo = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    # about ten float32 arrays of (chunk x n) are alive at once
    chunk = max(1, min(len(todo), (memory_mib * 2**20) // max(1, 40 * n)))
    for start in range(0, len(todo), chunk):
        block_rows = todo[start : start + chunk]
        block, total = _block(profiles, block_rows, sc)
        for r, i in enumerate(block_rows):
            keep = _query_mask(profiles, int(i), f, base)
            yield (
                profiles.ids[int(i)],
                _rank(
                    profiles,
                    int(i),
                    block,
                    total,
                    r,
                    keep,
                    sc,
                    k=k,
                    candidates=candidates,
                    max_per_country=max_per_country,
                    window=diversity_window,
                    explain=explain,
                ),
            )


def ranking(
    profiles: ProfileMatrix,
    scorer: Scorer | str | None = None,
    *,
    k: int = 10,
    rows: Sequence[int] | None = None,
    include_partners: bool = True,
) -> Array:
    """The scorer's own top-``k`` of each of ``rows`` (every row by default), as row indices
    padded with ``-1``: no diversity rule, existing partners kept unless
    ``include_partners=False``. The input the ranking metrics of :mod:`matchmaker.quality.ranking`
    take."""
    todo = list(range(len(profiles))) if rows is None else [int(r) for r in rows]
    out = np.full((len(todo), k), -1, dtype=np.int64)
    found = suggest_all(
        profiles,
        k=k,
        scorer=scorer,
        filters=Filters(include_partners=include_partners),
        max_per_country=None,
        rows=todo,
    )
    for r, (_oid, suggestions) in enumerate(found):
        out[r, : len(suggestions)] = [profiles.index[s.id] for s in suggestions]
    return out
