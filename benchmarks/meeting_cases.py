"""Benchmark cases of partner pairs and 1:1 schedules: time and quality against references
measured in the same run (the exact optimum of the full graph, the LP bound)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.core import Case, Target, register
from benchmarks.suggest_cases import _profiles, _registry_json


def _dense_scores(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The engine's own dense scores of the registry, and the exact optimum of the full dense
    graph by rustworkx (the reference, timed here once, in the same process)."""
    import rustworkx as rx

    from matchmaker.score import make_scorer, score_matrix
    from matchmaker.solvers.pairs import WEIGHT_BITS

    scores, _ = score_matrix(_profiles(prepared, params), make_scorer())
    scores = scores.astype(np.float64)
    n = len(scores)
    scale = float(2**WEIGHT_BITS) / float(scores.max())
    graph = rx.PyGraph()
    graph.add_nodes_from(range(n))
    iu, ju = np.triu_indices(n, k=1)
    keep = scores[iu, ju] > 0
    weights = np.rint(scores[iu, ju][keep] * scale).astype(np.int64)
    graph.add_edges_from(
        list(zip(iu[keep].tolist(), ju[keep].tolist(), weights.tolist(), strict=True))
    )
    t0 = time.perf_counter()
    matching = rx.max_weight_matching(graph, weight_fn=int)
    reference_s = time.perf_counter() - t0
    exact = float(sum(scores[a, b] for a, b in matching))
    return {"scores": scores, "exact": exact, "reference_s": reference_s}


def _pairs_dense(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.pairs import solve_pairs

    t0 = time.perf_counter()
    result = solve_pairs(state["scores"])
    solve_s = time.perf_counter() - t0
    exact = state["exact"]
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
        "reference_s": round(state["reference_s"], 2),
        "speedup": round(state["reference_s"] / solve_s, 1),
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
    import networkx as nx

    from matchmaker.solvers.pairs import solve_pairs

    equal = 0
    for scores in state["instances"]:
        result = solve_pairs(scores)
        n = len(scores)
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        for i in range(n):
            for j in range(i + 1, n):
                if np.isfinite(scores[i, j]) and scores[i, j] > 0:
                    graph.add_edge(i, j, weight=float(scores[i, j]))
        best = sum(graph[a][b]["weight"] for a, b in nx.max_weight_matching(graph))
        equal += abs(best - result.objective) <= 1e-6 * max(1.0, abs(best))
    total = len(state["instances"])
    return {"instances": total, "exact": equal, "exact_share": equal / total}


register(
    Case(
        name="pairs.dense",
        group="pairs",
        description="Partner pairs of an event with the engine's own dense scores; reference: "
        "rustworkx max_weight_matching on the full dense graph, in the same run.",
        prepare=_registry_json,
        setup=_dense_scores,
        run=_pairs_dense,
        params={"quick": {"n": 400}, "full": {"n": 2_000}},
        repeats=3,
        targets={
            "full": [
                Target("quality.gap_to_exact_pct", "<=", 0.1, "within 0.1 % of the exact optimum"),
                Target("quality.speedup", ">=", 20.0, "20 times faster than the full graph"),
            ],
            "quick": [
                Target("quality.gap_to_exact_pct", "<=", 0.1, "within 0.1 % of the exact optimum")
            ],
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


def _brokerage(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A brokerage event: the engine's scores of ``n`` participants, and a random request graph
    of the given average degree (a third of the requests mutual), 85 % availability."""
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
    return {
        "scores": scores.astype(np.float64),
        "requests": requests,
        "availability": availability,
    }


def _schedule(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.schedule import solve_schedule

    result = solve_schedule(
        state["scores"],
        slots=int(params["slots"]),
        tables=int(params["tables"]),
        availability=state["availability"],
        requests=state["requests"],
        seed=0,
    )
    stats = result.stats
    counts = np.asarray(result.meetings_per_participant)
    return {
        "n": len(state["scores"]),
        "meetings": len(result.meetings),
        "share_of_lp_bound_pct": round(100 * result.objective / result.upper_bound, 4),
        "gap_pct": round(100 * result.gap, 4),
        "requesters": stats.get("requesters"),
        "requesters_without_meeting": stats.get("requesters_without_meeting"),
        "requesters_without_meeting_avoidable": int(stats.get("requesters_without_meeting", 0))
        - int(stats.get("requesters_without_meeting_unavoidable", 0)),
        "min_meetings_requesters": stats.get("requesters_min_meetings"),
        "median_meetings": float(np.median(counts)) if len(counts) else 0.0,
        "share_with_none_pct": round(100 * float(np.mean(counts == 0)), 2) if len(counts) else 0.0,
        "status": result.status,
    }


register(
    Case(
        name="schedule.brokerage",
        group="schedule",
        description="1:1 schedule of a brokerage event: requests of average degree 20, a third "
        "mutual; reference: the LP bound of the same instance.",
        prepare=_registry_json,
        setup=_brokerage,
        run=_schedule,
        params={
            "quick": {"n": 150, "slots": 12, "tables": 30, "degree": 10},
            "full": {"n": 500, "slots": 12, "tables": 60, "degree": 20},
        },
        repeats=3,
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
            ],
            "quick": [
                Target("quality.share_of_lp_bound_pct", ">=", 97.0, "97 % of the LP bound"),
                Target(
                    "quality.requesters_without_meeting_avoidable",
                    "<=",
                    0,
                    "every requester meets someone where feasible",
                ),
            ],
        },
    )
)
