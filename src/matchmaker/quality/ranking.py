"""Ranking metrics for partner suggestions: pure functions over arrays.

Arrays inside, labels at the edge. Every metric takes

``ranked``
    A 2-D integer array of shape ``(n_queries, m)``: row ``q`` holds the item indices suggested
    to query ``q``, best first. ``-1`` marks an empty position (a row with fewer than ``m``
    suggestions is padded with ``-1``); an empty position is a miss where it stands. A ``k``
    larger than ``m`` is the same as padding every row with ``-1`` up to ``k`` columns. No item
    may appear twice in a row.
``relevant``
    A sequence of ``n_queries`` sets (or 1-D integer arrays) of the relevant item indices of
    each query, such as the planted partners of a synthetic registry
    (:func:`relevant_from_links` builds it from id pairs). Repeated items count once.

The accuracy metrics (:func:`precision_at_k`, :func:`recall_at_k`, :func:`ndcg_at_k`,
:func:`mrr`) are means over the queries with at least one relevant item; queries without one
are skipped, and when none is left the metric is ``nan``. The exposure metrics
(:func:`catalogue_coverage`, :func:`exposure_gini`) look at the top-``k`` lists only, and
:func:`reciprocal_hit_rate` at whether suggestions are returned, reading query ``i`` as item
``i``. :func:`ranking_report` computes them all with one validation and one hit matrix.

Cost: validation sorts every row, ``O(n m log m)``; the hit matrix is one sorted membership
test over the ``n k`` suggested and ``R`` relevant pairs, ``O((n k + R) log(n k + R))``; each
metric is then ``O(n k)``. 100,000 queries with ``k = 100`` take a few seconds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError, Problem

__all__ = [
    "catalogue_coverage",
    "exposure_gini",
    "mrr",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_report",
    "recall_at_k",
    "reciprocal_hit_rate",
    "relevant_from_links",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
RelevantSets = Sequence[Collection[int] | npt.NDArray[np.integer[Any]]]

# Keys q * base + item must stay inside int64; past this the items are renumbered first.
_KEY_LIMIT = 2**62


@dataclass(frozen=True, slots=True)
class _Truth:
    """Relevant (query, item) pairs, each once and sorted, and the count per query."""

    query: IntArray
    item: IntArray
    count: IntArray


# ---------------------------------------------------------------------------------------------
# Validation (once, at the entry point)
# ---------------------------------------------------------------------------------------------


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidInputError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def _check_ranked(ranked: npt.ArrayLike) -> IntArray:
    arr = np.asarray(ranked)
    if arr.ndim != 2:
        raise InvalidInputError(
            "ranked must be a 2-D integer array of shape (n_queries, k); "
            f"got an array of shape {arr.shape}"
        )
    if arr.dtype.kind not in "iu":
        raise InvalidInputError(
            f"ranked must hold integer item indices (-1 for padding); got dtype {arr.dtype}"
        )
    if arr.size and arr.min() < -1:
        q, col = np.argwhere(arr < -1)[0]
        raise InvalidInputError(
            "ranked must hold item indices >= 0 or -1 for padding; "
            f"got {arr[q, col]} in row {q}, column {col}"
        )
    out = arr.astype(np.int64, copy=False)
    if out.shape[1] > 1:
        srt = np.sort(out, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
        if dup.any():
            q, col = np.argwhere(dup)[0]
            raise InvalidInputError(
                f"ranked must not suggest an item twice to one query; row {q} holds item "
                f"{srt[q, col + 1]} more than once"
            )
    return out


def _check_items_below(ranked: IntArray, n_items: int) -> None:
    if ranked.size and ranked.max() >= n_items:
        q, col = np.argwhere(ranked >= n_items)[0]
        raise InvalidInputError(
            f"ranked must hold item indices below n_items={n_items}; "
            f"got {ranked[q, col]} in row {q}, column {col}"
        )


def _check_relevant(relevant: RelevantSets, n_queries: int) -> _Truth:
    if isinstance(relevant, str | bytes | Mapping) or not isinstance(
        relevant, Sequence | np.ndarray
    ):
        raise InvalidInputError(
            "relevant must be a sequence of sets of item indices, one per query; "
            f"got {type(relevant).__name__}"
        )
    if len(relevant) != n_queries:
        raise InvalidInputError(
            f"relevant must have one entry per row of ranked ({n_queries}); "
            f"got {len(relevant)} entries"
        )
    lengths = np.zeros(n_queries, dtype=np.int64)
    for q, entry in enumerate(relevant):
        try:
            if isinstance(entry, str | bytes):
                raise TypeError
            lengths[q] = len(entry)
        except TypeError:
            raise InvalidInputError(
                f"relevant[{q}] must be a set or 1-D array of item indices; "
                f"got {type(entry).__name__}"
            ) from None
    flat: npt.NDArray[Any] = np.asarray(list(chain.from_iterable(relevant)))
    if flat.size == 0:
        flat = np.zeros(0, dtype=np.int64)
    if flat.ndim != 1 or flat.dtype.kind not in "iu":
        raise InvalidInputError(
            "relevant must hold integer item indices (sets or 1-D integer arrays); "
            f"got values of dtype {flat.dtype} and shape {flat.shape}"
        )
    if flat.size and flat.min() < 0:
        bad = int(flat[flat < 0][0])
        q = int(np.repeat(np.arange(n_queries), lengths)[np.argmax(flat < 0)])
        raise InvalidInputError(f"relevant must hold item indices >= 0; got {bad} in relevant[{q}]")
    items: IntArray = flat.astype(np.int64, copy=False)
    queries = np.repeat(np.arange(n_queries, dtype=np.int64), lengths)
    order = np.lexsort((items, queries))
    queries, items = queries[order], items[order]
    keep = np.ones(items.size, dtype=np.bool_)
    keep[1:] = (queries[1:] != queries[:-1]) | (items[1:] != items[:-1])
    queries, items = queries[keep], items[keep]
    count = np.bincount(queries, minlength=n_queries).astype(np.int64)
    return _Truth(query=queries, item=items, count=count)


# ---------------------------------------------------------------------------------------------
# Kernels (trust their inputs)
# ---------------------------------------------------------------------------------------------


def _hit_matrix(top: IntArray, truth: _Truth) -> BoolArray:
    """``hits[q, r]``: the item at position ``r`` of row ``q`` is relevant to ``q``."""
    shown = top >= 0
    if top.size == 0 or truth.item.size == 0:
        return np.zeros(top.shape, dtype=np.bool_)
    n = top.shape[0]
    top_items = np.where(shown, top, 0)
    rel_items = truth.item
    base = max(int(top_items.max()), int(rel_items.max())) + 1
    if n * base >= _KEY_LIMIT:
        # Renumber the items densely; there are at most n k + R of them.
        _, inverse = np.unique(np.concatenate([top_items.ravel(), rel_items]), return_inverse=True)
        inverse = inverse.reshape(-1)
        top_items = inverse[: top_items.size].reshape(top_items.shape)
        rel_items = inverse[top_items.size :]
        base = int(inverse.max()) + 1
    rows = np.arange(n, dtype=np.int64)[:, None]
    # truth is sorted by (query, item), so its keys are sorted too.
    hits = _in_sorted(rows * base + top_items, truth.query * base + rel_items)
    return hits & shown


def _in_sorted(keys: IntArray, sorted_keys: IntArray) -> BoolArray:
    """Membership of ``keys`` in the ascending ``sorted_keys`` by binary search."""
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=np.bool_)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    found: BoolArray = sorted_keys[pos] == keys
    return found


def _mean_over(values: FloatArray, mask: BoolArray) -> float:
    if not mask.any():
        return math.nan
    return float(values[mask].mean())


def _discounts(k: int) -> FloatArray:
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _precision(hits: BoolArray, count: IntArray, k: int) -> float:
    return _mean_over(hits.sum(axis=1) / k, count > 0)


def _recall(hits: BoolArray, count: IntArray) -> float:
    has = count > 0
    return _mean_over(hits.sum(axis=1) / np.maximum(count, 1), has)


def _ndcg(hits: BoolArray, count: IntArray, k: int) -> float:
    disc = _discounts(k)
    dcg = hits @ disc[: hits.shape[1]]
    ideal_by_count = np.concatenate([[1.0], np.cumsum(disc)])
    idcg = ideal_by_count[np.minimum(count, k)]
    return _mean_over(dcg / idcg, count > 0)


def _mrr(hits: BoolArray, count: IntArray) -> float:
    found = hits.any(axis=1)
    first = hits.argmax(axis=1)
    rr = np.where(found, 1.0 / (first + 1.0), 0.0)
    return _mean_over(rr, count > 0)


def _exposure(top: IntArray, n_items: int) -> IntArray:
    return np.bincount(top[top >= 0], minlength=n_items).astype(np.int64)


def _coverage(exposure: IntArray) -> float:
    return float(np.count_nonzero(exposure) / exposure.size)


def _gini(exposure: IntArray) -> float:
    total = int(exposure.sum())
    if total == 0:
        return math.nan
    n = exposure.size
    x = np.sort(exposure).astype(np.float64)
    weights = 2.0 * np.arange(1, n + 1, dtype=np.float64) - n - 1.0
    return float(weights @ x / (n * total))


def _reciprocal(top: IntArray) -> float:
    n = top.shape[0]
    pair = (top >= 0) & (top < n)
    q, col = np.nonzero(pair)
    if q.size == 0:
        return math.nan
    j = top[q, col]
    # Row-major keys q * (n + 1) + j are ascending once each row is sorted with the left-out
    # entries pushed to the end as n. n * (n + 1) < 2**62 for any n that fits in memory.
    base = n + 1
    rows = np.arange(n, dtype=np.int64)[:, None]
    given = (rows * base + np.sort(np.where(pair, top, n), axis=1)).ravel()
    # Only the share matters, so the reversed keys can be sorted: the binary searches then
    # walk the array in order, several times faster than random probes at 10^7 pairs.
    reverse = np.sort(j * base + q)
    return float(_in_sorted(reverse, given).mean())


def _prepare(ranked: npt.ArrayLike, k: int | None) -> tuple[IntArray, int, IntArray]:
    arr = _check_ranked(ranked)
    kk = arr.shape[1] if k is None else _check_positive_int(k, "k")
    return arr, kk, arr[:, :kk]


# ---------------------------------------------------------------------------------------------
# Public metrics
# ---------------------------------------------------------------------------------------------


def precision_at_k(ranked: npt.ArrayLike, relevant: RelevantSets, k: int) -> float:
    """Mean precision at ``k``.

    For each query ``q`` with at least one relevant item, ``|top_k(q) ∩ relevant(q)| / k``,
    where ``top_k(q)`` is the first ``k`` entries of row ``q`` of ``ranked`` without the
    ``-1`` padding; the result is the mean over those queries. The denominator is ``k``
    even where a row holds fewer than ``k`` suggestions (an empty position is a miss).

    Parameters
    ----------
    ranked:
        ``(n_queries, m)`` integer array of item indices, best first; ``-1`` pads.
    relevant:
        ``n_queries`` sets (or 1-D integer arrays) of relevant item indices.
    k:
        Cut-off, an integer >= 1.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` if no query has a relevant item.

    Raises
    ------
    InvalidInputError
        If ``k < 1``, ``ranked`` is not a 2-D integer array of indices >= -1, a row repeats an
        item, or ``relevant`` does not hold one set of indices >= 0 per row of ``ranked``.

    Notes
    -----
    ``O(n m log m + (n k + R) log(n k + R))`` for ``n`` queries and ``R`` relevant pairs.

    Examples
    --------
    >>> precision_at_k([[3, 1, -1], [0, 2, 4]], [{1}, {2, 4}], k=2)
    0.5
    """
    arr, kk, top = _prepare(ranked, k)
    truth = _check_relevant(relevant, arr.shape[0])
    return _precision(_hit_matrix(top, truth), truth.count, kk)


def recall_at_k(ranked: npt.ArrayLike, relevant: RelevantSets, k: int) -> float:
    """Mean recall at ``k``.

    For each query ``q`` with at least one relevant item,
    ``|top_k(q) ∩ relevant(q)| / |relevant(q)|``; the result is the mean over those queries.
    Parameters, errors and cost as in :func:`precision_at_k`.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` if no query has a relevant item.

    Examples
    --------
    >>> recall_at_k([[3, 1, -1], [0, 2, 4]], [{1}, {2, 4}], k=2)
    0.75
    """
    arr, _, top = _prepare(ranked, k)
    truth = _check_relevant(relevant, arr.shape[0])
    return _recall(_hit_matrix(top, truth), truth.count)


def ndcg_at_k(ranked: npt.ArrayLike, relevant: RelevantSets, k: int) -> float:
    """Mean normalised discounted cumulative gain at ``k``, with binary relevance.

    For each query ``q`` with at least one relevant item,
    ``DCG = sum_{r=1..k} rel_r / log2(r + 1)`` with ``rel_r = 1`` if the item at position
    ``r`` (1-based) is relevant and 0 otherwise (padding included), and
    ``IDCG = sum_{r=1..min(k, |relevant(q)|)} 1 / log2(r + 1)``, the DCG of a list that puts
    every relevant item first; the result is the mean of ``DCG / IDCG`` over those queries.
    This is :func:`sklearn.metrics.ndcg_score` with 0/1 true relevance and scores that
    order the items as ``ranked`` does, restricted to queries with a relevant item.
    Parameters, errors and cost as in :func:`precision_at_k`.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` if no query has a relevant item.

    Examples
    --------
    >>> round(ndcg_at_k([[3, 1, -1]], [{1}], k=2), 4)  # (1 / log2(3)) / 1
    0.6309
    """
    arr, kk, top = _prepare(ranked, k)
    truth = _check_relevant(relevant, arr.shape[0])
    return _ndcg(_hit_matrix(top, truth), truth.count, kk)


def mrr(ranked: npt.ArrayLike, relevant: RelevantSets, k: int | None = None) -> float:
    """Mean reciprocal rank of the first relevant item.

    For each query ``q`` with at least one relevant item, ``1 / r`` where ``r`` is the 1-based
    position of the first relevant item among the first ``k`` entries of row ``q`` (every
    entry if ``k`` is ``None``), or 0 if there is none; the result is the mean over those
    queries. Parameters, errors and cost as in :func:`precision_at_k`.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` if no query has a relevant item.

    Examples
    --------
    >>> round(mrr([[3, 1, -1], [0, 2, 4]], [{1}, {4}]), 4)  # (1/2 + 1/3) / 2
    0.4167
    """
    arr, _, top = _prepare(ranked, k)
    truth = _check_relevant(relevant, arr.shape[0])
    return _mrr(_hit_matrix(top, truth), truth.count)


def catalogue_coverage(ranked: npt.ArrayLike, n_items: int, k: int) -> float:
    """Share of the catalogue that appears in at least one top-``k`` list.

    ``|{j : j in top_k(q) for some q}| / n_items``.

    Parameters
    ----------
    ranked:
        ``(n_queries, m)`` integer array of item indices below ``n_items``; ``-1`` pads.
    n_items:
        Size of the catalogue, an integer >= 1.
    k:
        Cut-off, an integer >= 1.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    InvalidInputError
        If ``k < 1``, ``n_items < 1``, ``ranked`` is not a 2-D integer array of indices in
        ``[-1, n_items)`` or a row repeats an item.

    Notes
    -----
    ``O(n m log m + n_items)``.

    Examples
    --------
    >>> catalogue_coverage([[3, 1, -1], [0, 1, 4]], n_items=10, k=2)
    0.3
    """
    arr, _, top = _prepare(ranked, k)
    n = _check_positive_int(n_items, "n_items")
    _check_items_below(arr, n)
    return _coverage(_exposure(top, n))


def exposure_gini(ranked: npt.ArrayLike, n_items: int, k: int) -> float:
    """Gini coefficient of the exposure of the items in the top-``k`` lists.

    With ``x_j`` the number of top-``k`` lists in which item ``j`` appears (0 for an item
    never shown) for all ``n_items`` items, sorted so that ``x_(1) <= ... <= x_(n)``,
    ``G = sum_i (2 i - n - 1) x_(i) / (n sum_i x_i)``, i.e. the mean absolute difference
    ``sum_ij |x_i - x_j| / (2 n^2 mean(x))``. 0 means equal exposure; all exposure on one item
    gives ``(n - 1) / n``. Parameters and errors as in :func:`catalogue_coverage`.

    Returns
    -------
    float
        In ``[0, 1)``; ``nan`` if no item is shown at all.

    Notes
    -----
    ``O(n m log m + n_items log n_items)``.

    Examples
    --------
    >>> exposure_gini([[0, 1], [1, 0]], n_items=4, k=2)  # x = (0, 0, 2, 2)
    0.5
    """
    arr, _, top = _prepare(ranked, k)
    n = _check_positive_int(n_items, "n_items")
    _check_items_below(arr, n)
    return _gini(_exposure(top, n))


def reciprocal_hit_rate(ranked: npt.ArrayLike, k: int) -> float:
    """Share of suggestions that are returned.

    Queries and items are one population: query ``i`` is item ``i``. Over the suggested pairs
    ``(q, j)`` with ``j`` in the top ``k`` of row ``q``, ``j != -1`` and ``j < n_queries``
    (items that are not queries are left out), the share for which ``q`` is in the top ``k``
    of row ``j``. A pair ``(q, q)`` counts as returned.

    Parameters
    ----------
    ranked:
        ``(n_queries, m)`` integer array of item indices; ``-1`` pads.
    k:
        Cut-off, an integer >= 1.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` if there is no such pair.

    Raises
    ------
    InvalidInputError
        If ``k < 1``, ``ranked`` is not a 2-D integer array of indices >= -1 or a row repeats
        an item.

    Notes
    -----
    ``O(n m log m + n k log(n k))``.

    Examples
    --------
    >>> reciprocal_hit_rate([[1, 2], [0, 2], [3, -1]], k=2)  # 0-1 and 1-0 of 4 pairs
    0.5
    """
    _, _, top = _prepare(ranked, k)
    return _reciprocal(top)


def ranking_report(
    ranked: npt.ArrayLike, relevant: RelevantSets, n_items: int, k: int = 10
) -> dict[str, float]:
    """Every metric of this module at one cut-off, from one validation and one hit matrix.

    Parameters
    ----------
    ranked:
        ``(n_queries, m)`` integer array of item indices below ``n_items``; ``-1`` pads.
    relevant:
        ``n_queries`` sets (or 1-D integer arrays) of relevant item indices.
    n_items:
        Size of the catalogue, an integer >= 1.
    k:
        Cut-off, an integer >= 1.

    Returns
    -------
    dict[str, float]
        ``precision@{k}``, ``recall@{k}``, ``ndcg@{k}`` (with the value of ``k`` in the key),
        ``mrr`` (within the top ``k``), ``coverage``, ``exposure_gini``,
        ``reciprocal_hit_rate`` as the functions of the same names compute them, and
        ``queries``, the number of queries with at least one relevant item (those the
        accuracy metrics average over).

    Raises
    ------
    InvalidInputError
        As :func:`precision_at_k` and :func:`catalogue_coverage`.

    Notes
    -----
    ``O(n m log m + (n k + R) log(n k + R) + n_items log n_items)``.

    Examples
    --------
    >>> report = ranking_report([[1, 2], [0, 2], [3, -1]], [{1}, {0}, set()], n_items=4, k=2)
    >>> report["precision@2"], report["mrr"], report["queries"]
    (0.5, 1.0, 2)
    """
    arr, kk, top = _prepare(ranked, k)
    n = _check_positive_int(n_items, "n_items")
    _check_items_below(arr, n)
    truth = _check_relevant(relevant, arr.shape[0])
    hits = _hit_matrix(top, truth)
    exposure = _exposure(top, n)
    return {
        f"precision@{kk}": _precision(hits, truth.count, kk),
        f"recall@{kk}": _recall(hits, truth.count),
        f"ndcg@{kk}": _ndcg(hits, truth.count, kk),
        "mrr": _mrr(hits, truth.count),
        "coverage": _coverage(exposure),
        "exposure_gini": _gini(exposure),
        "reciprocal_hit_rate": _reciprocal(top),
        "queries": int(np.count_nonzero(truth.count)),
    }


def relevant_from_links(
    links: Iterable[tuple[str, str]], index: Mapping[str, int], n: int
) -> list[set[int]]:
    """Symmetric ground truth from undirected id pairs.

    Entry ``i`` of the result is the set of indices ``index[b]`` for every link ``(a, b)`` or
    ``(b, a)`` with ``index[a] == i``.

    Parameters
    ----------
    links:
        Pairs of ids, each an undirected link (such as ``SyntheticRegistry.links``).
    index:
        Maps each id to its row in ``ranked``, in ``[0, n)``.
    n:
        Number of queries, an integer >= 0.

    Returns
    -------
    list[set[int]]
        ``n`` sets of relevant item indices, ready as the ``relevant`` of the metrics.

    Raises
    ------
    InvalidInputError
        If ``n`` is negative, or a link names an id missing from ``index``, links an id to
        itself, or maps to an index outside ``[0, n)``; ``problems`` lists every bad link.

    Notes
    -----
    ``O(n + L)`` for ``L`` links.

    Examples
    --------
    >>> relevant_from_links([("a", "b"), ("c", "b")], {"a": 0, "b": 1, "c": 2}, 3)
    [{1}, {0, 2}, {1}]
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise InvalidInputError(f"n must be an integer >= 0; got {n!r}")
    out: list[set[int]] = [set() for _ in range(int(n))]
    problems: list[Problem] = []
    for number, (a, b) in enumerate(links, start=1):
        where = f"link {number} ({a!r}, {b!r})"
        missing = [x for x in (a, b) if x not in index]
        if missing:
            for x in dict.fromkeys(missing):
                problems.append(Problem(number, "id", str(x), f"{where}: id {x!r} not in index"))
            continue
        if a == b:
            problems.append(Problem(number, "id", str(a), f"{where} joins id {a!r} to itself"))
            continue
        ia, ib = index[a], index[b]
        outside = [(x, i) for x, i in ((a, ia), (b, ib)) if not 0 <= i < n]
        if outside:
            for x, i in outside:
                problems.append(
                    Problem(number, "id", str(x), f"{where}: index[{x!r}] = {i} not in [0, {n})")
                )
            continue
        out[ia].add(ib)
        out[ib].add(ia)
    if problems:
        first = problems[0].message
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InvalidInputError(f"links must join two different known ids; {first}{more}", problems)
    return out
