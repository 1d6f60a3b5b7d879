"""Quality figures of pairs, schedules and breakout rooms, and the fit of a scaling series.

Pure functions over arrays, shared by the cases, their baselines and the report: every method
of a case is measured by the same function, so that the figures compare.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

HISTOGRAM_BINS = 40


def pairs_figures(
    scores: Array, pairs: Iterable[tuple[int, int]], reference: float, time_s: float
) -> dict[str, Any]:
    """Figures of a set of pairs on ``scores`` (n x n) against ``reference`` (the optimum, or a
    proven bound on it).

    ``objective`` (the sum of the pairs' scores), ``objective_pct`` (100 x objective /
    reference), ``gap_pct`` (100 x (reference - objective) / reference), ``unmatched`` (how
    many participants have no partner), ``pairs`` and ``time_s``.
    """
    chosen = list(pairs)
    objective = math.fsum(float(scores[a, b]) for a, b in chosen)
    matched = {k for pair in chosen for k in pair}
    ref = reference if reference else 1.0
    return {
        "pairs": len(chosen),
        "objective": round(objective, 4),
        "objective_pct": round(100 * objective / ref, 4),
        "gap_pct": round(100 * (reference - objective) / ref, 4),
        "unmatched": len(scores) - len(matched),
        "time_s": round(time_s, 4),
    }


def meetings_figures(counts: Sequence[int] | Array) -> dict[str, Any]:
    """Meetings per participant: the minimum, the median and the share (%) with none."""
    c = np.asarray(counts, dtype=np.int64)
    if c.size == 0:
        return {"min_meetings": 0, "median_meetings": 0.0, "share_with_none_pct": 0.0}
    return {
        "min_meetings": int(c.min()),
        "median_meetings": float(np.median(c)),
        "share_with_none_pct": round(100 * float(np.mean(c == 0)), 2),
    }


def counts_histogram(counts: Sequence[int] | Array, top: int) -> list[int]:
    """How many participants have 0, 1, ..., ``top`` meetings (the plot of meetings)."""
    c = np.asarray(counts, dtype=np.int64)
    out: list[int] = np.bincount(np.clip(c, 0, top), minlength=top + 1).tolist()
    return out


def histogram(values: Array, bins: int = HISTOGRAM_BINS) -> dict[str, Any]:
    """A histogram of finite ``values`` (``edges`` and ``counts``), small enough for JSON."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    counts, edges = np.histogram(v, bins=bins)
    return {
        "edges": [round(float(e), 6) for e in edges],
        "counts": counts.tolist(),
        "n": int(v.size),
        "mean": round(float(v.mean()), 6) if v.size else None,
    }


def upper_triangle(matrix: Array) -> Array:
    """The values above the diagonal: one per unordered pair."""
    m = np.asarray(matrix)
    return m[np.triu_indices(m.shape[0], k=1)]


def room_entropies(rooms: Array, labels: Sequence[Any] | Array) -> list[float]:
    """Shannon entropy (bits) of ``labels`` within each room of each round.

    ``rooms`` is rounds x n (the room of each participant); empty rooms are left out. A room of
    one country has entropy 0; a room of ``k`` countries in equal numbers has ``log2 k``.
    """
    from scipy.stats import entropy  # here: importing scipy.stats costs every case ~80 MiB

    lab = np.asarray(labels)
    out: list[float] = []
    for row in np.atleast_2d(rooms):
        for g in np.unique(row):
            _, counts = np.unique(lab[row == g], return_counts=True)
            out.append(round(float(entropy(counts, base=2)), 6))
    return out


def repeats(rooms: Array) -> int:
    """Repeated encounters over the rounds: the sum over pairs of ``max(0, times met - 1)``."""
    r = np.atleast_2d(rooms)
    met = np.zeros((r.shape[1],) * 2, dtype=np.int64)
    for row in r:
        met += row[:, None] == row[None, :]
    np.fill_diagonal(met, 0)
    return int(np.triu(np.maximum(met - 1, 0), 1).sum())


def hard_violations(
    rooms: Array,
    sizes: Sequence[tuple[int, int]],
    *,
    seats: Array | None = None,
    apart: Iterable[Sequence[int]] = (),
    together: Iterable[Sequence[int]] = (),
    pins: Iterable[tuple[int, int, int | None]] = (),
) -> int:
    """Every broken hard rule, counted without the solver's help: a room outside its size
    bounds (in seats), a keep-apart set sharing a room, a keep-together set split, a pin not
    kept; per round."""
    r = np.atleast_2d(rooms)
    g = len(sizes)
    st = np.ones(r.shape[1], dtype=np.int64) if seats is None else np.asarray(seats)
    apart_sets, together_sets, pin_list = list(apart), list(together), list(pins)
    bad = 0
    for t, row in enumerate(r):
        used = np.bincount(row, weights=st, minlength=g)
        bad += sum(not lo <= u <= hi for u, (lo, hi) in zip(used, sizes, strict=True))
        bad += sum(len({int(row[i]) for i in s}) < len(s) for s in apart_sets)
        bad += sum(len({int(row[i]) for i in s}) > 1 for s in together_sets)
        bad += sum(int(row[i]) != room for i, room, rnd in pin_list if rnd in (None, t))
    return bad


def diversity_figures(rooms: Array, country: Sequence[Any], kind: Sequence[Any]) -> dict[str, Any]:
    """Mean and minimum over the rooms of the entropy of countries and of types (bits)."""
    out: dict[str, Any] = {}
    for name, labels in (("country", country), ("type", kind)):
        values = room_entropies(rooms, labels)
        out[f"{name}_entropy_mean"] = round(float(np.mean(values)), 4)
        out[f"{name}_entropy_min"] = round(float(np.min(values)), 4)
    return out


def fit_exponent(sizes: Sequence[float], times: Sequence[float]) -> dict[str, float]:
    """Least-squares fit of ``log t = k log n + c``: the exponent ``k`` of ``t ~ n^k``.

    Returns ``exponent``, ``coefficient`` (``e^c``, seconds at n = 1) and ``r2`` (of the fit in
    log space). Needs at least two distinct sizes and positive times.

    Examples
    --------
    >>> fit = fit_exponent([100, 200, 400], [0.01, 0.04, 0.16])
    >>> round(fit["exponent"], 6), round(fit["r2"], 6)
    (2.0, 1.0)
    """
    n = np.asarray(sizes, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    if n.shape != t.shape or len(np.unique(n)) < 2:
        raise ValueError(f"a fit needs two or more distinct sizes; got {n.tolist()}")
    if (n <= 0).any() or (t <= 0).any():
        raise ValueError(f"sizes and times must be positive; got {n.tolist()}, {t.tolist()}")
    x, y = np.log(n), np.log(t)
    k, c = np.polyfit(x, y, 1)
    residual = y - (k * x + c)
    spread = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((residual**2).sum()) / spread if spread > 0 else 1.0
    return {"exponent": float(k), "coefficient": float(math.exp(c)), "r2": r2}
