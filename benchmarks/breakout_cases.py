"""Benchmark cases of breakout rooms: an event of generated participants over three rounds with
every rule, timed; hard rules counted independently, repeats against a random allocation."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.core import Case, Target, register
from benchmarks.suggest_cases import _organisations, _profiles, _registry_json

Array = npt.NDArray[Any]


def _event(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The engine's scores of ``n`` generated organisations (one participant each) and the
    rules: colleagues of a synthetic organisation of 1-3 people apart, a few pairs together,
    a few pins, the country cap, the type mix and the shared language; and the repeats of a
    random allocation that keeps the room sizes and the together pairs (the reference)."""
    from matchmaker.score import make_scorer, score_matrix

    orgs = _organisations(prepared)
    scores, _ = score_matrix(_profiles(prepared, params), make_scorer())
    n, g, rounds = len(orgs), int(params["rooms"]), int(params["rounds"])
    rng = np.random.default_rng(11)
    order = rng.permutation(n)
    apart: list[list[int]] = []
    k = 0
    while k < n:
        size = int(rng.integers(1, 4))
        if size > 1:
            apart.append(sorted(order[k : k + size].tolist()))
        k += size
    loners = [int(i) for i in order if not any(i in s for s in apart)]
    together = [loners[2 * t : 2 * t + 2] for t in range(int(params["together"]))]
    pinned = loners[2 * len(together) : 2 * len(together) + int(params["pins"])]
    pins = [(i, t % g, None if t % 2 else t % rounds) for t, i in enumerate(pinned)]
    countries = sorted({o.country for o in orgs})
    country = np.array([countries.index(o.country) for o in orgs], dtype=np.int64)
    types = sorted({o.type for o in orgs})
    groups = np.array([types.index(o.type) for o in orgs], dtype=np.int64)
    codes = sorted({c for o in orgs for c in o.languages})
    language = np.array([[c in o.languages for c in codes] for o in orgs], dtype=bool)
    language[~language.any(axis=1)] = True  # no languages given: anyone
    sizes = [(int(params["min"]), int(params["max"]))] * g
    return {
        "affinity": scores.astype(np.float64),
        "sizes": sizes,
        "rounds": rounds,
        "apart": apart,
        "together": together,
        "pins": pins,
        "country": country,
        "max_per_country": int(params["max_per_country"]),
        "groups": groups,
        "language": language,
        "random_repeats": _random_repeats(n, sizes, rounds, together, rng),
    }


def _repeats(rooms: Array) -> int:
    met = np.zeros((rooms.shape[1],) * 2, dtype=np.int64)
    for row in rooms:
        met += row[:, None] == row[None, :]
    np.fill_diagonal(met, 0)
    return int(np.triu(np.maximum(met - 1, 0), 1).sum())


def _random_repeats(
    n: int, sizes: list[tuple[int, int]], rounds: int, together: list[list[int]], rng: Any
) -> float:
    """Mean repeats of 5 random allocations: rooms dealt in turn in a shuffled order, a
    together pair as one turn (so the sizes stay balanced and the pairs share a room)."""
    partner = {a: b for a, b in together} | {b: a for a, b in together}
    g = len(sizes)
    out = []
    for _ in range(5):
        rooms = np.full((rounds, n), -1, dtype=np.int64)
        for r in range(rounds):
            slot = 0
            for i in rng.permutation(n).tolist():
                if rooms[r, i] >= 0:
                    continue
                rooms[r, i] = slot % g
                if i in partner:
                    rooms[r, partner[i]] = rooms[r, i]
                slot += 1
        out.append(_repeats(rooms))
    return float(np.mean(out))


def _hard_violations(state: dict[str, Any], rooms: Array) -> int:
    """Every broken hard rule, counted without the solver's help."""
    bad = 0
    g = len(state["sizes"])
    for r, row in enumerate(rooms):
        used = np.bincount(row, minlength=g)
        bad += sum(not lo <= u <= hi for u, (lo, hi) in zip(used, state["sizes"], strict=True))
        bad += sum(len({int(row[i]) for i in s}) < len(s) for s in state["apart"])
        bad += sum(len({int(row[i]) for i in s}) > 1 for s in state["together"])
        bad += sum(int(row[i]) != room for i, room, rnd in state["pins"] if rnd in (None, r))
    return bad


def _breakouts(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.breakouts import solve_breakouts

    t0 = time.perf_counter()
    result = solve_breakouts(
        state["affinity"],
        state["sizes"],
        rounds=state["rounds"],
        apart=state["apart"],
        together=state["together"],
        pins=state["pins"],
        country=state["country"],
        max_per_country=state["max_per_country"],
        groups=state["groups"],
        language=state["language"],
        seed=0,
        max_iterations=params.get("max_iterations"),
    )
    solve_s = time.perf_counter() - t0
    rooms = result.rooms
    repeats = _repeats(rooms)
    return {
        "n": int(rooms.shape[1]),
        "rooms": len(state["sizes"]),
        "rounds": int(rooms.shape[0]),
        "method": result.stats["method"],
        "objective": round(result.objective, 3),
        "upper_bound": round(result.upper_bound, 3),
        "gap_reported_pct": round(100 * result.gap, 2),
        "hard_violations": _hard_violations(state, rooms),
        "soft_violations": len(result.violations),
        "repeats": repeats,
        "repeats_reported": result.repeats,
        "repeats_lower_bound": result.repeats_lower_bound,
        "random_repeats": state["random_repeats"],
        "repeats_vs_random": round(repeats / max(state["random_repeats"], 1.0), 4),
        "solve_s": round(solve_s, 2),
    }


register(
    Case(
        name="breakouts.event",
        group="breakouts",
        description="Breakout rooms of generated participants over 3 rounds with every rule "
        "(colleagues apart, together pairs, pins, country cap, type mix, shared language); "
        "reference: the repeats of a random allocation.",
        prepare=_registry_json,
        setup=_event,
        run=_breakouts,
        params={
            "quick": {
                "n": 200,
                "rooms": 10,
                "min": 18,
                "max": 22,
                "rounds": 3,
                "together": 4,
                "pins": 6,
                "max_per_country": 3,
            },
            "full": {
                "n": 1_000,
                "rooms": 50,
                "min": 18,
                "max": 22,
                "rounds": 3,
                "together": 10,
                "pins": 30,
                "max_per_country": 3,
                "max_iterations": 600,
            },
        },
        repeats=3,
        targets={
            "full": [
                Target("time_s.median", "<=", 30.0, "1,000 participants, 50 rooms, 3 rounds"),
                Target("quality.hard_violations", "<=", 0, "no hard rule broken"),
                Target(
                    "quality.repeats_vs_random",
                    "<=",
                    0.1,
                    "at most a tenth of the repeats of a random allocation",
                ),
            ],
            "quick": [
                Target("quality.hard_violations", "<=", 0, "no hard rule broken"),
                Target("quality.repeats_vs_random", "<=", 0.75, "fewer repeats than random"),
            ],
        },
    )
)
