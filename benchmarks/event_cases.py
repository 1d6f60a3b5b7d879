"""Benchmark cases on event files: the Leuven 2018 workshop (pairs, a 1:1 schedule, breakout
rooms) and the brokerage fixture (a 1:1 schedule), each against its baselines in the same run.

The solvers get exactly what the event adapters (:mod:`matchmaker.plan.meetings`,
:mod:`matchmaker.plan.breakouts`) give them; only the solver call is timed. The same functions
serve a
user's own event file (``--data event.json``, :mod:`benchmarks.user_cases`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.baselines import schedule_optimum
from benchmarks.breakout_cases import baseline_setup, compare_methods
from benchmarks.core import ROOT, Case, Target, register
from benchmarks.meeting_cases import pair_references, pairs_quality, schedule_baselines
from benchmarks.meeting_cases import schedule_quality as _schedule_quality
from benchmarks.metrics import histogram, upper_triangle

LEUVEN = "src/matchmaker/demo/data/leuven-2018/event.json"
BROKERAGE = "src/matchmaker/demo/data/brokerage/event.json"
# Slots and tables given to an event without its own (Leuven has none): a morning of 1:1s.
DEFAULT_SLOTS = 6


def read(path: str) -> Any:
    """The event file at ``path`` (relative paths from the repository's folder)."""
    from matchmaker.io import read_event

    p = Path(path)
    return read_event(p if p.is_absolute() else ROOT / p)


def _labels(event: Any) -> tuple[list[str], list[str]]:
    """Country and organisation type of each participant."""
    orgs = {o.id: o for o in event.organisations}
    people = event.participants
    country = [orgs[p.organisation].country for p in people]
    kind = [str(orgs[p.organisation].type) for p in people]
    return country, kind


# --- pairs ----------------------------------------------------------------------------------


def pairs_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The event's matrices (scores, requests as wishes, forbidden and required pairs) and the
    references: networkx and rustworkx exact matchings, greedy and random."""
    from matchmaker.plan.meetings import event_matrices

    m = event_matrices(read(params["event"]))
    scores = np.where(np.isfinite(m.wishes), m.wishes, -np.inf)
    return {"m": m, "scores": scores, "refs": pair_references(scores, ("rustworkx", "networkx"))}


def pairs_run(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.pairs import solve_pairs

    m = state["m"]
    t0 = time.perf_counter()
    result = solve_pairs(m.wishes, forbidden=m.forbidden, required=m.required or None, seed=0)
    solve_s = time.perf_counter() - t0
    quality = {
        "n": len(m.ids),
        "method": result.stats.get("method"),
        "required": len(m.required),
        **pairs_quality(state["scores"], result, solve_s, state["refs"]),
    }
    quality["distributions"] = {"scores": histogram(upper_triangle(m.scores))}
    return quality


# --- schedules ------------------------------------------------------------------------------


def schedule_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The solver's inputs as :func:`matchmaker.plan.meetings.plan_schedule` builds them (slots
    added
    when the event has none), and the greedy and random first-fit baselines on them."""
    from matchmaker.plan.meetings import encode_schedule, with_slots
    from matchmaker.solvers.schedule import solve_schedule

    event = read(params["event"])
    if not event.slots or event.tables < 1:
        slots = len(event.slots) or int(params.get("slots", DEFAULT_SLOTS))
        event = with_slots(event, slots, tables=max(1, len(event.participants) // 2))
    problem, _ = encode_schedule(event)
    scores = problem.scores
    inputs = dict(problem.options)
    baselines = schedule_baselines(
        scores,
        slots=inputs["slots"],
        tables=inputs["tables"],
        availability=inputs["availability"],
        requests=inputs["requests"],
        max_meetings=inputs["max_meetings"],
        forbidden=inputs["forbidden"],
    )
    optimum = None
    if len(scores) <= int(params.get("exact_limit", 0)) and not inputs["requests"].any():
        # The solver puts fairness first: the reference is the best value among schedules as
        # fair as its own (each has at least the smallest number of meetings it reached; when
        # that is its proven bound, as fair as any schedule can be).
        fair = solve_schedule(scores, seed=0, **inputs)
        level = int(fair.stats["fairness_level"])
        optimum = schedule_optimum(
            scores,
            slots=inputs["slots"],
            tables=inputs["tables"],
            availability=inputs["availability"],
            max_meetings=inputs["max_meetings"],
            forbidden=inputs["forbidden"],
            min_meetings=np.minimum(level, np.asarray(fair.meetings_per_participant)),
        )
    return {"scores": scores, "inputs": inputs, "baselines": baselines, "optimum": optimum}


def schedule_run(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.schedule import solve_schedule

    inputs = state["inputs"]
    t0 = time.perf_counter()
    result = solve_schedule(state["scores"], seed=0, **inputs)
    solve_s = time.perf_counter() - t0
    stats = result.stats
    quality = {
        "n": len(state["scores"]),
        "slots": inputs["slots"],
        "tables": inputs["tables"],
        "share_of_lp_bound_pct": round(100 * result.objective / result.upper_bound, 4),
        "gap_pct": round(100 * result.gap, 4),
        "requesters": stats.get("requesters"),
        "requesters_without_meeting_avoidable": int(stats.get("requesters_without_meeting", 0))
        - int(stats.get("requesters_without_meeting_unavoidable", 0)),
        "soft_violations": len(result.violations),
    }
    compared = _schedule_quality(
        state["scores"],
        inputs["requests"],
        result,
        solve_s,
        state["baselines"],
        inputs["slots"],
        optimum=state["optimum"],
    )
    if state["optimum"]:
        quality["optimum"] = round(state["optimum"], 4)
    return {**quality, **compared}


# --- breakout rooms -------------------------------------------------------------------------


def breakouts_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The solver's inputs as :func:`matchmaker.plan.breakouts.plan_breakouts` builds them (the
    event's
    rooms and rounds, or ``rooms``/``rounds`` from the parameters) and the baselines on them."""
    from matchmaker.plan.breakouts import encode_breakouts

    event = read(params["event"])
    problem, _ = encode_breakouts(event, rooms=params.get("rooms"), rounds=params.get("rounds"))
    sizes = list(problem.sizes)
    kwargs = {**problem.options, "mode": params.get("mode", "affinity"), "seed": 0}
    country, kind = _labels(event)
    baselines = baseline_setup(problem.affinity, sizes, kwargs, country, kind)
    return {
        "affinity": problem.affinity,
        "sizes": sizes,
        "kwargs": kwargs,
        "country": country,
        "kind": kind,
        "baselines": baselines,
    }


def breakouts_run(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.breakouts import solve_breakouts

    sizes, kwargs = state["sizes"], state["kwargs"]
    t0 = time.perf_counter()
    result = solve_breakouts(state["affinity"], sizes, **kwargs)
    solve_s = time.perf_counter() - t0
    quality = {
        "n": int(result.rooms.shape[1]),
        "rooms": len(sizes),
        "rounds": int(result.rooms.shape[0]),
        "method": result.stats["method"],
        "gap_reported_pct": round(100 * result.gap, 2),
        "repeats_lower_bound": result.repeats_lower_bound,
    }
    compared = compare_methods(
        result, solve_s, state["baselines"], sizes, kwargs, state["country"], state["kind"]
    )
    return {**quality, **compared}


# --- registration ---------------------------------------------------------------------------


def _same(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"quick": params, "full": params}


def _both(targets: list[Target]) -> dict[str, list[Target]]:
    return {"quick": targets, "full": targets}


def _beats(methods: tuple[str, ...], what: str) -> list[Target]:
    return [
        Target(f"quality.margin_vs_{m}_pct", ">=", 0.0, f"{what} at least that of {m}")
        for m in methods
    ]


register(
    Case(
        name="pairs.leuven",
        group="pairs",
        description="Partner pairs of the 32 Leuven participants (colleagues never paired): "
        "the solver against networkx and rustworkx exact matchings, greedy and random.",
        setup=pairs_setup,
        run=pairs_run,
        params=_same({"event": LEUVEN}),
        repeats=5,
        frontier="objective_pct",
        targets=_both(
            [
                Target("quality.matchmaker.gap_pct", "<=", 1e-6, "the exact optimum (networkx)"),
                *_beats(("greedy", "random"), "objective"),
            ]
        ),
    )
)

register(
    Case(
        name="schedule.leuven",
        group="schedule",
        description=f"1:1 schedule of the Leuven participants over {DEFAULT_SLOTS} slots "
        "added to the event (tables for everyone); reference: the exact optimum (HiGHS "
        "MILP) among schedules as fair as the solver's; baselines: greedy and random "
        "first-fit.",
        setup=schedule_setup,
        run=schedule_run,
        params=_same({"event": LEUVEN, "slots": DEFAULT_SLOTS, "exact_limit": 60}),
        repeats=5,
        frontier="share_of_optimum_pct",
        targets=_both(
            [
                Target(
                    "quality.matchmaker.share_of_optimum_pct",
                    ">=",
                    97.0,
                    "97 % of the best possible, here the exact optimum",
                ),
                Target("quality.matchmaker.min_meetings", ">=", 1, "everybody meets someone"),
                *_beats(("random",), "share of the bound"),
            ]
        ),
    )
)

register(
    Case(
        name="schedule.brokerage_fixture",
        group="schedule",
        description="1:1 schedule of the brokerage fixture (150 participants, 12 slots, 60 "
        "tables, their requests and availability); baselines: greedy and random first-fit.",
        setup=schedule_setup,
        run=schedule_run,
        params=_same({"event": BROKERAGE}),
        repeats=3,
        frontier="share_of_bound_pct",
        targets=_both(
            [
                Target("time_s.median", "<=", 10.0 * 150 / 500, "the 500-participant target x n"),
                Target("quality.share_of_lp_bound_pct", ">=", 97.0, "97 % of the LP bound"),
                Target(
                    "quality.requesters_without_meeting_avoidable",
                    "<=",
                    0,
                    "every requester meets someone where feasible",
                ),
                *_beats(("random",), "share of the bound"),
            ]
        ),
    )
)

register(
    Case(
        name="breakouts.leuven",
        group="breakouts",
        description="The Leuven working groups: 3 rooms x 2 rounds with the event's rules "
        "(colleagues spread, type mix, shared language, few repeats); diversity per room; "
        "baselines: random allocation, greedy room filling, swap local search.",
        setup=breakouts_setup,
        run=breakouts_run,
        params=_same({"event": LEUVEN}),
        repeats=3,
        frontier="objective_pct",
        targets=_both(
            [
                Target("quality.matchmaker.hard_violations", "<=", 0, "no hard rule broken"),
                *_beats(("random", "greedy", "swap_ls"), "objective"),
            ]
        ),
    )
)
