"""Benchmark cases of partner pairs and 1:1 schedules: time and quality against references
measured in the same run (the exact optimum of the full graph by rustworkx and networkx, the LP
bound) and against baselines (greedy and random matchings, first-fit schedules)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.baselines import (
    first_fit_schedule,
    greedy_matching,
    networkx_matching,
    random_matching,
    rustworkx_matching,
    schedule_candidates,
    schedule_value,
)
from benchmarks.core import Case, Target, register
from benchmarks.metrics import counts_histogram, meetings_figures, pairs_figures
from benchmarks.suggest_cases import _profiles, _registry_json

Array = npt.NDArray[Any]

OURS = "matchmaker"
Pairs = list[tuple[int, int]]


# --- shared with the event cases ------------------------------------------------------------


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    """``func()`` and the seconds it took."""
    t0 = time.perf_counter()
    out = func()
    return out, time.perf_counter() - t0


def pair_references(
    scores: Array, exact: Sequence[str], seed: int = 0
) -> dict[str, tuple[Pairs, float]]:
    """The exact matchings named in ``exact`` (``rustworkx``, ``networkx``) and the greedy and
    random baselines of ``scores``, each with its time: ``{method: (pairs, seconds)}``."""
    rng = np.random.default_rng(seed)
    runs: dict[str, Callable[[], Pairs]] = {
        "rustworkx": lambda: rustworkx_matching(scores),
        "networkx": lambda: networkx_matching(scores),
        "greedy": lambda: greedy_matching(scores),
        "random": lambda: random_matching(scores, rng),
    }
    return {m: timed(f) for m, f in runs.items() if m in exact or m in ("greedy", "random")}


def exact_optimum(scores: Array, refs: dict[str, tuple[Pairs, float]]) -> float:
    """The objective of the exact references (the best of them, should they differ)."""
    exact = [m for m in ("rustworkx", "networkx") if m in refs]
    return max(math.fsum(float(scores[a, b]) for a, b in refs[m][0]) for m in exact)


def pairs_quality(
    scores: Array, result: Any, solve_s: float, refs: dict[str, tuple[Pairs, float]]
) -> dict[str, Any]:
    """``<method>.<figure>`` of the solver and every reference on the same scores, against the
    exact optimum (the best exact reference), and the solver's margin over each baseline."""
    optimum = exact_optimum(scores, refs)
    quality: dict[str, Any] = {"optimum": round(optimum, 4)}
    methods = {OURS: (list(result.pairs), solve_s), **refs}
    for m, (pairs, seconds) in methods.items():
        figures = pairs_figures(scores, pairs, optimum, seconds)
        quality.update({f"{m}.{k}": v for k, v in figures.items()})
    for m in ("greedy", "random"):
        margin = quality[f"{OURS}.objective_pct"] - quality[f"{m}.objective_pct"]
        quality[f"margin_vs_{m}_pct"] = round(margin, 4)
    if "networkx" in refs:
        quality["speedup_vs_networkx"] = round(refs["networkx"][1] / max(solve_s, 1e-9), 1)
    return quality


def schedule_baselines(
    scores: Array,
    *,
    slots: int,
    tables: int,
    availability: Array | None,
    requests: Array | None,
    max_meetings: Array | int | None = None,
    forbidden: Array | None = None,
    seed: int = 0,
) -> dict[str, tuple[list[tuple[int, int, int]], Array, float]]:
    """First-fit schedules: ``greedy`` (requests first: mutual, then one-sided, then by score)
    and ``random`` (the same candidate meetings in random order); ``{method: (meetings,
    meetings per participant, seconds)}``."""
    n = len(scores)
    out: dict[str, tuple[list[tuple[int, int, int]], Array, float]] = {}
    for method in ("greedy", "random"):
        t0 = time.perf_counter()
        a, b, tier, w = schedule_candidates(scores, requests, forbidden)
        if method == "greedy":
            order = np.lexsort((-w, -tier))
        else:
            order = np.random.default_rng(seed).permutation(len(a))
        meetings, counts = first_fit_schedule(
            a,
            b,
            order,
            n=n,
            slots=slots,
            tables=tables,
            availability=availability,
            max_meetings=max_meetings,
        )
        out[method] = (meetings, counts, time.perf_counter() - t0)
    return out


def schedule_quality(
    scores: Array,
    requests: Array | None,
    result: Any,
    solve_s: float,
    baselines: dict[str, tuple[list[tuple[int, int, int]], Array, float]],
    slots: int,
    optimum: float | None = None,
) -> dict[str, Any]:
    """``<method>.<figure>`` of the solver and the baselines: meetings, share of the solver's
    LP bound (the baselines' value by the solver's own objective) and, when ``optimum`` is
    known, of the optimum; meetings per participant (minimum, median, share with none),
    requesters without a meeting, time; and the counts of meetings per participant for the
    plot."""
    bound = float(result.upper_bound)
    weight = float(result.stats.get("tier_weight", 0.0))
    requesters = (
        np.zeros(len(scores), dtype=bool) if requests is None else np.asarray(requests).any(axis=1)
    )
    ours_meetings = [(m.slot, m.a, m.b) for m in result.meetings]
    methods = {
        OURS: (ours_meetings, np.asarray(result.meetings_per_participant), solve_s),
        **baselines,
    }
    quality: dict[str, Any] = {}
    histograms: dict[str, list[int]] = {}
    for m, (meetings, counts, seconds) in methods.items():
        value = float(result.objective) if m == OURS else None
        if value is None:
            value = schedule_value(meetings, scores, requests, weight)
        quality[f"{m}.meetings"] = len(meetings)
        quality[f"{m}.share_of_bound_pct"] = round(100 * value / bound, 4) if bound else None
        if optimum:
            quality[f"{m}.share_of_optimum_pct"] = round(100 * value / optimum, 4)
        quality.update({f"{m}.{k}": v for k, v in meetings_figures(counts).items()})
        quality[f"{m}.requesters_without_meeting"] = int((requesters & (counts == 0)).sum())
        quality[f"{m}.time_s"] = round(seconds, 4)
        histograms[m] = counts_histogram(counts, slots)
    for m in baselines:
        margin = quality[f"{OURS}.share_of_bound_pct"] - quality[f"{m}.share_of_bound_pct"]
        quality[f"margin_vs_{m}_pct"] = round(margin, 4)
    quality["distributions"] = {"meetings_per_participant": histograms}
    return quality


# --- pairs.dense, pairs.networkx ------------------------------------------------------------


def _dense_scores(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The engine's own dense scores of the registry; the exact optimum of the full dense graph
    by rustworkx (the reference; by networkx too where it is affordable) and the baselines,
    each timed once, in the same process."""
    from matchmaker.score import make_scorer, score_matrix

    scores, _ = score_matrix(_profiles(prepared, params), make_scorer())
    scores = scores.astype(np.float64)
    refs = pair_references(scores, exact=params.get("exact", ("rustworkx",)))
    return {"scores": scores, "refs": refs}


def _pairs_dense(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.pairs import solve_pairs

    t0 = time.perf_counter()
    result = solve_pairs(state["scores"])
    solve_s = time.perf_counter() - t0
    refs = state["refs"]
    quality = pairs_quality(state["scores"], result, solve_s, refs)
    exact = exact_optimum(state["scores"], refs)
    reference_s = refs["rustworkx"][1]
    return {
        "n": len(state["scores"]),
        "method": result.stats.get("method"),
        "pairs": len(result.pairs),
        "objective": round(result.objective, 4),
        "upper_bound": round(result.upper_bound, 4),
        "gap_reported_pct": round(100 * result.gap, 4),
        "exact_objective": round(exact, 4),
        "gap_to_exact_pct": round(100 * (exact - result.objective) / exact, 5),
        "solve_s": round(solve_s, 3),
        "reference_s": round(reference_s, 2),
        "speedup": round(reference_s / solve_s, 1),
        **quality,
    }


def _exact_instances(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    instances = []
    for n in params["sizes"]:
        for _ in range(params["per_size"]):
            raw = rng.normal(size=(n, n))
            scores = (raw + raw.T) / 2
            scores[rng.random((n, n)) < 0.3] = -np.inf
            scores = np.minimum(scores, scores.T)
            instances.append(scores)
    return {"instances": instances}


def _pairs_exact(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.pairs import solve_pairs

    equal = 0
    for scores in state["instances"]:
        result = solve_pairs(scores)
        best = sum(scores[a, b] for a, b in networkx_matching(scores))
        equal += int(abs(best - result.objective) <= 1e-6 * max(1.0, abs(best)))
    total = len(state["instances"])
    return {"instances": total, "exact": equal, "exact_share": equal / total}


def _beats(methods: Sequence[str], what: str = "objective") -> list[Target]:
    return [
        Target(f"quality.margin_vs_{m}_pct", ">=", 0.0, f"{what} at least that of {m}")
        for m in methods
    ]


register(
    Case(
        name="pairs.dense",
        group="pairs",
        description="Partner pairs of an event with the engine's own dense scores; reference: "
        "rustworkx max_weight_matching on the full dense graph, in the same run; baselines: "
        "greedy and random matchings.",
        prepare=_registry_json,
        setup=_dense_scores,
        run=_pairs_dense,
        params={"quick": {"n": 400}, "full": {"n": 2_000}},
        repeats=3,
        frontier="objective_pct",
        series="pairs.dense",
        targets={
            "full": [
                Target("quality.gap_to_exact_pct", "<=", 0.1, "within 0.1 % of the exact optimum"),
                Target("quality.speedup", ">=", 20.0, "20 times faster than the full graph"),
                *_beats(("greedy", "random")),
            ],
            "quick": [
                Target("quality.gap_to_exact_pct", "<=", 0.1, "within 0.1 % of the exact optimum"),
                *_beats(("greedy", "random")),
            ],
        },
    )
)

register(
    Case(
        name="pairs.networkx",
        group="pairs",
        description="Partner pairs of an event small enough for networkx: the solver against "
        "the exact optima of networkx and rustworkx, greedy and random matchings.",
        prepare=_registry_json,
        setup=_dense_scores,
        run=_pairs_dense,
        params={
            "quick": {"n": 150, "exact": ["rustworkx", "networkx"]},
            "full": {"n": 300, "exact": ["rustworkx", "networkx"]},
        },
        repeats=3,
        frontier="objective_pct",
        targets={
            suite: [
                Target("quality.gap_to_exact_pct", "<=", 1e-6, "the exact optimum (networkx)"),
                *_beats(("greedy", "random")),
            ]
            for suite in ("quick", "full")
        },
    )
)

register(
    Case(
        name="pairs.exact",
        group="pairs",
        description="Seeded random instances up to 200 participants against networkx.",
        prepare=None,
        setup=_exact_instances,
        run=_pairs_exact,
        params={
            "quick": {"sizes": [20, 60, 120], "per_size": 3},
            "full": {"sizes": [50, 100, 150, 200], "per_size": 5},
        },
        repeats=1,
        targets={
            "full": [Target("quality.exact_share", ">=", 1.0, "exact on every instance <= 200")],
            "quick": [Target("quality.exact_share", ">=", 1.0, "exact on every instance")],
        },
    )
)


# --- schedule.brokerage ---------------------------------------------------------------------


def _brokerage(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A brokerage event: the engine's scores of ``n`` participants, and a random request graph
    of the given average degree (a third of the requests mutual), 85 % availability; then the
    first-fit baselines on it."""
    from matchmaker.score import make_scorer, score_matrix

    scores, _ = score_matrix(_profiles(prepared, params), make_scorer())
    n, slots = len(scores), int(params["slots"])
    rng = np.random.default_rng(3)
    requests = np.zeros((n, n), dtype=np.int8)
    target_pairs = int(params["degree"]) * n // 2  # undirected request pairs
    made = 0
    while made < target_pairs:
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a == b or requests[a, b] or requests[b, a]:
            continue
        requests[a, b] = 1
        if rng.random() < 1 / 3:
            requests[b, a] = 1
        made += 1
    availability = rng.random((n, slots)) < 0.85
    scores = scores.astype(np.float64)
    baselines = schedule_baselines(
        scores,
        slots=slots,
        tables=int(params["tables"]),
        availability=availability,
        requests=requests,
    )
    return {
        "scores": scores,
        "requests": requests,
        "availability": availability,
        "baselines": baselines,
    }


def _schedule(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.schedule import solve_schedule

    slots = int(params["slots"])
    t0 = time.perf_counter()
    result = solve_schedule(
        state["scores"],
        slots=slots,
        tables=int(params["tables"]),
        availability=state["availability"],
        requests=state["requests"],
        seed=0,
    )
    solve_s = time.perf_counter() - t0
    stats = result.stats
    counts = np.asarray(result.meetings_per_participant)
    quality = {
        "n": len(state["scores"]),
        "meetings": len(result.meetings),
        "share_of_lp_bound_pct": round(100 * result.objective / result.upper_bound, 4),
        "gap_pct": round(100 * result.gap, 4),
        "requesters": stats.get("requesters"),
        "requesters_without_meeting": stats.get("requesters_without_meeting"),
        "requesters_without_meeting_avoidable": int(stats.get("requesters_without_meeting", 0))
        - int(stats.get("requesters_without_meeting_unavoidable", 0)),
        "min_meetings_requesters": stats.get("requesters_min_meetings"),
        **meetings_figures(counts),
        "status": result.status,
    }
    compared = schedule_quality(
        state["scores"], state["requests"], result, solve_s, state["baselines"], slots
    )
    return {**quality, **compared}


register(
    Case(
        name="schedule.brokerage",
        group="schedule",
        description="1:1 schedule of a brokerage event: requests of average degree 20, a third "
        "mutual; reference: the LP bound of the same instance; baselines: greedy and random "
        "first-fit schedules.",
        prepare=_registry_json,
        setup=_brokerage,
        run=_schedule,
        params={
            "quick": {"n": 150, "slots": 12, "tables": 30, "degree": 10},
            "full": {"n": 500, "slots": 12, "tables": 60, "degree": 20},
        },
        repeats=3,
        frontier="share_of_bound_pct",
        targets={
            "full": [
                Target("time_s.median", "<=", 10.0, "500 participants, 12 slots, 60 tables"),
                Target("quality.share_of_lp_bound_pct", ">=", 97.0, "97 % of the LP bound"),
                Target(
                    "quality.requesters_without_meeting_avoidable",
                    "<=",
                    0,
                    "every requester meets someone where feasible",
                ),
                *_beats(("random",), "share of the bound"),
            ],
            "quick": [
                Target("time_s.median", "<=", 10.0 * 150 / 500, "the full target scaled by n"),
                Target("quality.share_of_lp_bound_pct", ">=", 97.0, "97 % of the LP bound"),
                Target(
                    "quality.requesters_without_meeting_avoidable",
                    "<=",
                    0,
                    "every requester meets someone where feasible",
                ),
                *_beats(("random",), "share of the bound"),
            ],
        },
    )
)


# --- schedule.fair, schedule.fair_large -----------------------------------------------------


def _fair_event(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A brokerage event without wishes: the engine's scores of ``n`` participants (TF-IDF
    profiles, so that the large case is not a test of the sentence model), 85 % availability
    (seed 3), no requests; then the first-fit baselines on it, which plan by score alone."""
    from matchmaker.score import make_scorer, score_matrix

    scores, _ = score_matrix(_profiles(prepared, {**params, "encoder": "tfidf"}), make_scorer())
    n, slots = len(scores), int(params["slots"])
    availability = np.random.default_rng(3).random((n, slots)) < 0.85
    scores = scores.astype(np.float64)
    baselines = schedule_baselines(
        scores,
        slots=slots,
        tables=int(params["tables"]),
        availability=availability,
        requests=None,
    )
    return {"scores": scores, "availability": availability, "baselines": baselines}


def _fair_schedule(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The schedule with fairness to everyone (the default): meetings per participant
    (min, median, max), the proven bound on the minimum and how far the minimum is from it,
    next to the first-fit baselines."""
    from matchmaker.solvers.schedule import solve_schedule

    slots = int(params["slots"])
    t0 = time.perf_counter()
    result = solve_schedule(
        state["scores"],
        slots=slots,
        tables=int(params["tables"]),
        availability=state["availability"],
        seed=0,
    )
    solve_s = time.perf_counter() - t0
    stats = result.stats
    figures = {
        "n": len(state["scores"]),
        "meetings": len(result.meetings),
        "fair_min_meetings": stats["meetings_min"],
        "fair_median_meetings": stats["meetings_median"],
        "fair_max_meetings": stats["meetings_max"],
        "fairness_bound": stats["fairness_bound"],
        "fairness_gap": stats["fairness_gap"],
        "share_of_lp_bound_pct": round(100 * result.objective / result.upper_bound, 4),
        "status": result.status,
    }
    compared = schedule_quality(state["scores"], None, result, solve_s, state["baselines"], slots)
    every = {OURS: result.meetings_per_participant}
    every.update({m: counts for m, (_, counts, _) in state["baselines"].items()})
    for m, counts in every.items():
        compared[f"{m}.max_meetings"] = int(np.max(counts)) if len(counts) else 0
    return {**figures, **compared}


def _fair_targets(least: int, seconds: float, size: str) -> list[Target]:
    return [
        Target("quality.fair_min_meetings", ">=", least, f"every participant {least}+ meetings"),
        Target("quality.fairness_gap", "<=", 0, "the minimum reaches its proven bound"),
        Target("time_s.median", "<=", seconds, size),
    ]


register(
    Case(
        name="schedule.fair",
        group="schedule",
        description="1:1 schedule of a brokerage event without wishes (scores only, 85 % "
        "availability): the smallest number of meetings per participant against its proven "
        "bound; baselines: greedy and random first-fit schedules (by score alone).",
        prepare=_registry_json,
        setup=_fair_event,
        run=_fair_schedule,
        params={
            "quick": {"n": 150, "slots": 12, "tables": 30},
            "full": {"n": 500, "slots": 12, "tables": 60},
        },
        repeats=3,
        frontier="min_meetings",
        targets={
            "full": _fair_targets(2, 10.0, "500 participants, 12 slots, 60 tables"),
            "quick": _fair_targets(4, 5.0, "150 participants, 12 slots, 30 tables"),
        },
    )
)

register(
    Case(
        name="schedule.fair_large",
        group="schedule",
        description="1:1 schedule of a large brokerage event without wishes: 1,500 "
        "participants, 16 slots, 300 tables, 85 % availability; the smallest number of "
        "meetings per participant against its proven bound.",
        prepare=_registry_json,
        setup=_fair_event,
        run=_fair_schedule,
        params={"full": {"n": 1_500, "slots": 16, "tables": 300}},
        repeats=1,
        frontier="min_meetings",
        targets={"full": _fair_targets(5, 90.0, "1,500 participants, 16 slots, 300 tables")},
    )
)
