"""Scaling series: the same operation at several sizes, so that the report can fit the exponent
``k`` of ``time ~ n^k`` (least squares on log time against log n) and draw time against size on
log-log axes.

Each point is a case of its own (its own child process, time and peak memory), named after
its size; the series also takes the main case of the operation (``score.matrix``,
``suggest.batch``, ``pairs.dense``) at its size. A point belongs to the suites whose sizes
list it and is skipped, as not part of the suite, in the others.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.core import Case, register
from benchmarks.suggest_cases import _batch, _profiles, _registry_json, _score_matrix, _score_setup

# Sizes per series and suite, besides the main case's own (quick / full).
SIZES: dict[str, dict[str, list[int]]] = {
    "score.matrix": {"quick": [250, 1_000], "full": [500, 1_000, 4_000]},
    "suggest.batch": {"quick": [500, 1_000], "full": [2_000, 5_000, 10_000]},
    "pairs.dense": {"quick": [800, 1_600], "full": [800, 1_000, 3_200]},
}
DESCRIPTION = {
    "score.matrix": "Dense score matrix (and components) at one size of the series.",
    "suggest.batch": "Top-10 suggestions for every organisation at one size of the series.",
    "pairs.dense": "Partner pairs on the engine's dense scores at one size of the series.",
}


def _dense_only(prepared: dict[str, Any], params: dict[str, Any]) -> Any:
    from matchmaker.score import make_scorer, score_matrix

    scores, _ = score_matrix(_profiles(prepared, params), make_scorer())
    return scores.astype(np.float64)


def _pairs(scores: Any, params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.pairs import solve_pairs

    t0 = time.perf_counter()
    result = solve_pairs(scores)
    return {
        "n": len(scores),
        "method": result.stats.get("method"),
        "objective": round(result.objective, 4),
        "gap_reported_pct": round(100 * result.gap, 4),
        "solve_s": round(time.perf_counter() - t0, 3),
    }


_OPERATIONS: dict[str, tuple[Any, Any]] = {
    "score.matrix": (_score_setup, _score_matrix),
    "suggest.batch": (_profiles, _batch),
    "pairs.dense": (_dense_only, _pairs),
}

for _series, _suites in SIZES.items():
    _setup, _run = _OPERATIONS[_series]
    for _n in sorted({n for sizes in _suites.values() for n in sizes}):
        register(
            Case(
                name=f"scale.{_series}.n{_n}",
                group="scaling",
                description=DESCRIPTION[_series],
                prepare=_registry_json,
                setup=_setup,
                run=_run,
                params={suite: {"n": _n} for suite, sizes in _suites.items() if _n in sizes},
                repeats=3,
                series=_series,
            )
        )
