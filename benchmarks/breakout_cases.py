"""Benchmark cases of breakout rooms: an event of generated participants over three rounds with
every rule, timed; hard rules counted independently; diversity per room; and the baselines
(random allocation, greedy room filling, swap local search) on the same rules and weights. A
second case gives the rooms seats to spare and measures how even the rooms are."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.baselines import breakout_baselines
from benchmarks.core import Case, Target, register
from benchmarks.metrics import diversity_figures, hard_violations, repeats, room_entropies
from benchmarks.suggest_cases import _organisations, _profiles, _registry_json

Array = npt.NDArray[Any]

OURS = "matchmaker"
RANDOM_RUNS = 5  # random allocations whose repeats are averaged (the reference of repeats)


# --- shared with the event cases ------------------------------------------------------------


def evaluate(
    affinity: Array, sizes: Sequence[tuple[int, int]], kwargs: dict[str, Any], rooms: Array
) -> Any:
    """The solver's own account of an allocation (objective, bound, soft-rule shortfalls,
    repeats): ``solve_breakouts`` started from ``rooms`` with no move allowed. It also checks
    that ``rooms`` keeps every hard rule (it raises otherwise)."""
    from matchmaker.solvers.breakouts import solve_breakouts

    given = {k: v for k, v in kwargs.items() if k not in ("max_iterations", "time_limit")}
    return solve_breakouts(affinity, sizes, **given, initial=rooms, max_iterations=0)


def _hard_rules(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        "seats": kwargs.get("seats"),
        "apart": kwargs.get("apart") or (),
        "together": kwargs.get("together") or (),
        "pins": kwargs.get("pins") or (),
    }


def method_figures(
    result: Any,
    rooms: Array,
    time_s: float,
    bound: float,
    sizes: Sequence[tuple[int, int]],
    kwargs: dict[str, Any],
    country: Sequence[Any],
    kind: Sequence[Any],
) -> dict[str, Any]:
    """The figures of one method's allocation, all measured the same way."""
    return {
        "objective": round(float(result.objective), 4),
        "objective_pct": round(100 * float(result.objective) / bound, 3) if bound else None,
        **diversity_figures(rooms, country, kind),
        "repeats": repeats(rooms),
        "hard_violations": hard_violations(rooms, sizes, **_hard_rules(kwargs)),
        "soft_violations": len(result.violations),
        "time_s": round(time_s, 4),
    }


def baseline_setup(
    affinity: Array,
    sizes: Sequence[tuple[int, int]],
    kwargs: dict[str, Any],
    country: Sequence[Any],
    kind: Sequence[Any],
    seed: int = 0,
) -> dict[str, Any]:
    """Run and measure the baselines (untimed setup of a case): ``{method: (rooms, figures)}``
    without the bound, which comes from the solver's run."""
    found = breakout_baselines(affinity, sizes, kwargs, seed)
    out: dict[str, Any] = {}
    for method, (rooms, seconds) in found.items():
        out[method] = {"rooms": rooms, "result": evaluate(affinity, sizes, kwargs, rooms)}
        out[method]["time_s"] = seconds
    return out


def compare_methods(
    ours: Any,
    ours_s: float,
    baselines: dict[str, Any],
    sizes: Sequence[tuple[int, int]],
    kwargs: dict[str, Any],
    country: Sequence[Any],
    kind: Sequence[Any],
) -> dict[str, Any]:
    """``<method>.<figure>`` for the solver and every baseline, the margins of the solver's
    objective over each baseline, and the per-room entropies for the plots."""
    bound = float(ours.upper_bound)
    methods = {OURS: (ours, np.asarray(ours.rooms), ours_s)}
    for name, b in baselines.items():
        methods[name] = (b["result"], b["rooms"], b["time_s"])
    quality: dict[str, Any] = {}
    entropies: dict[str, dict[str, list[float]]] = {"country": {}, "type": {}}
    for name, (result, rooms, seconds) in methods.items():
        figures = method_figures(result, rooms, seconds, bound, sizes, kwargs, country, kind)
        quality.update({f"{name}.{k}": v for k, v in figures.items()})
        entropies["country"][name] = room_entropies(rooms, country)
        entropies["type"][name] = room_entropies(rooms, kind)
    for name in baselines:
        margin = quality[f"{OURS}.objective_pct"] - quality[f"{name}.objective_pct"]
        quality[f"margin_vs_{name}_pct"] = round(margin, 3)
    quality["upper_bound"] = round(bound, 4)
    quality["distributions"] = {
        "room_country_entropy": entropies["country"],
        "room_type_entropy": entropies["type"],
    }
    return quality


# --- the generated event --------------------------------------------------------------------


def _rules(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The engine's scores of ``n`` generated organisations (one participant each) and the
    rules: colleagues of a synthetic organisation of 1-3 people apart, a few pairs together,
    a few pins, the country cap, the type mix and the shared language."""
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
    affinity = scores.astype(np.float64)
    kwargs: dict[str, Any] = {
        "rounds": rounds,
        "apart": apart,
        "together": together,
        "pins": pins,
        "country": country,
        "max_per_country": int(params["max_per_country"]),
        "groups": groups,
        "language": language,
        "seed": 0,
        "max_iterations": params.get("max_iterations"),
    }
    return {
        "affinity": affinity,
        "sizes": sizes,
        "kwargs": kwargs,
        "country": country.tolist(),
        "kind": groups.tolist(),
    }


def _even(sizes: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """The most even sizes of ``n`` seats in rooms ``sizes``: what the solver searches (it
    balances the rooms), so what the baselines get too, on the same terms."""
    from matchmaker.solvers.rules import even_sizes

    lo, hi = even_sizes(n, [a for a, _ in sizes], [b for _, b in sizes])
    return list(zip(lo.tolist(), hi.tolist(), strict=True))


def _event(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """:func:`_rules`, then the baselines (on the solver's even sizes)."""
    state = _rules(prepared, params)
    affinity, kwargs = state["affinity"], state["kwargs"]
    sizes = _even(state["sizes"], affinity.shape[0])
    baselines = baseline_setup(affinity, sizes, kwargs, state["country"], state["kind"])
    random_runs = [baselines["random"]["rooms"]]
    extra = breakout_baselines_random(affinity, sizes, kwargs, RANDOM_RUNS - 1)
    return {
        **state,
        "baselines": baselines,
        "random_repeats": float(np.mean([repeats(r) for r in random_runs + extra])),
    }


def breakout_baselines_random(
    affinity: Array, sizes: Sequence[tuple[int, int]], kwargs: dict[str, Any], runs: int
) -> list[Array]:
    """``runs`` more random allocations (other seeds), for a steadier mean of repeats."""
    out = []
    for k in range(runs):
        found = breakout_baselines(affinity, sizes, kwargs, 1000 + 10 * k, methods=("random",))
        out.append(found["random"][0])
    return out


def _breakouts(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.breakouts import solve_breakouts

    t0 = time.perf_counter()
    result = solve_breakouts(state["affinity"], state["sizes"], **state["kwargs"])
    solve_s = time.perf_counter() - t0
    rooms = result.rooms
    kwargs, sizes = state["kwargs"], state["sizes"]
    n_repeats = repeats(rooms)
    quality = {
        "n": int(rooms.shape[1]),
        "rooms": len(sizes),
        "rounds": int(rooms.shape[0]),
        "method": result.stats["method"],
        "objective": round(result.objective, 3),
        "upper_bound": round(result.upper_bound, 3),
        "gap_reported_pct": round(100 * result.gap, 2),
        "hard_violations": hard_violations(rooms, sizes, **_hard_rules(kwargs)),
        "soft_violations": len(result.violations),
        "repeats": n_repeats,
        "repeats_reported": result.repeats,
        "repeats_lower_bound": result.repeats_lower_bound,
        "random_repeats": state["random_repeats"],
        "repeats_vs_random": round(n_repeats / max(state["random_repeats"], 1.0), 4),
        "solve_s": round(solve_s, 2),
    }
    compared = compare_methods(
        result, solve_s, state["baselines"], sizes, kwargs, state["country"], state["kind"]
    )
    compared.pop("upper_bound")
    return {**quality, **compared}


def _beats(methods: Sequence[str]) -> list[Target]:
    return [
        Target(f"quality.margin_vs_{m}_pct", ">=", 0.0, f"objective at least that of {m}")
        for m in methods
    ]


register(
    Case(
        name="breakouts.event",
        group="breakouts",
        description="Breakout rooms of generated participants over 3 rounds with every rule "
        "(colleagues apart, together pairs, pins, country cap, type mix, shared language); "
        "baselines on the same rules: random allocation, greedy room filling, swap local "
        "search; reference of repeats: random allocations.",
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
                "max_iterations": 600,
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
        frontier="objective_pct",
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
                *_beats(("random", "greedy", "swap_ls")),
            ],
            "quick": [
                Target(
                    "time_s.median", "<=", 30.0 / 25 * 2, "the full target scaled by n², doubled"
                ),
                Target("quality.hard_violations", "<=", 0, "no hard rule broken"),
                Target("quality.repeats_vs_random", "<=", 0.75, "fewer repeats than random"),
                *_beats(("random", "greedy", "swap_ls")),
            ],
        },
    )
)


# --- even rooms -----------------------------------------------------------------------------


def size_figures(rooms: Array, sizes: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """How even the rooms of an allocation (rounds x n, one seat each) are: the largest
    difference in people between two rooms of a round (``size_range``), and the most people a
    room lies outside the most even sizes its capacities and minimums allow
    (``size_excess``, :func:`~matchmaker.solvers.rules.size_spread`: 0 when the rooms are as
    even as the rules allow), over the rounds; with the sizes of every room for the plots."""
    from matchmaker.solvers.rules import size_spread

    lo = [a for a, _ in sizes]
    hi = [b for _, b in sizes]
    per_round = [np.bincount(row, minlength=len(sizes)) for row in np.asarray(rooms)]
    return {
        "size_range": int(max(int(m.max() - m.min()) for m in per_round)),
        "size_excess": int(max(size_spread(m, lo, hi) for m in per_round)),
        "smallest_room": int(min(int(m.min()) for m in per_round)),
        "largest_room": int(max(int(m.max()) for m in per_round)),
        "distributions": {"room_sizes": [m.tolist() for m in per_round]},
    }


def _balance_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """:func:`_rules`, and the rooms' sizes and the time without balance (``balance=False``:
    the search free to fill rooms to capacity), for comparison under the same load."""
    from matchmaker.solvers.breakouts import solve_breakouts

    state = _rules(prepared, params)
    t0 = time.perf_counter()
    free = solve_breakouts(state["affinity"], state["sizes"], **state["kwargs"], balance=False)
    seconds = time.perf_counter() - t0
    unbalanced = size_figures(np.asarray(free.rooms), state["sizes"])
    unbalanced.pop("distributions")
    return {**state, "unbalanced": {**unbalanced, "solve_s": round(seconds, 2)}}


def _balance(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers.breakouts import solve_breakouts

    sizes, kwargs = state["sizes"], state["kwargs"]
    t0 = time.perf_counter()
    result = solve_breakouts(state["affinity"], sizes, **kwargs)
    solve_s = time.perf_counter() - t0
    rooms = np.asarray(result.rooms)
    return {
        "n": int(rooms.shape[1]),
        "rooms": len(sizes),
        "rounds": int(rooms.shape[0]),
        "seats": int(sum(b for _, b in sizes)),
        **size_figures(rooms, sizes),
        "hard_violations": hard_violations(rooms, sizes, **_hard_rules(kwargs)),
        "soft_violations": len(result.violations),
        "gap_reported_pct": round(100 * result.gap, 2),
        "repeats": repeats(rooms),
        "solve_s": round(solve_s, 2),
        **{f"unbalanced.{k}": v for k, v in state["unbalanced"].items()},
    }


_EVEN = [
    Target("quality.size_range", "<=", 1, "room sizes within 1 of even"),
    Target("quality.size_excess", "<=", 0, "as even as the capacities and rules allow"),
    Target("quality.hard_violations", "<=", 0, "no hard rule broken"),
]

register(
    Case(
        name="breakouts.balance",
        group="breakouts",
        description="Breakout rooms with seats to spare (a fifth more seats than people, no "
        "minimum sizes) over 3 rounds with every rule: the rooms must be as even as their "
        "capacities and the rules allow, not filled to capacity with one room left short; "
        "unbalanced.*: the same search with balance=False, for comparison.",
        prepare=_registry_json,
        setup=_balance_setup,
        run=_balance,
        params={
            "quick": {
                "n": 200,
                "rooms": 9,
                "min": 0,
                "max": 27,
                "rounds": 3,
                "together": 4,
                "pins": 6,
                "max_per_country": 3,
                "max_iterations": 600,
            },
            "full": {
                "n": 1_000,
                "rooms": 48,
                "min": 0,
                "max": 25,
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
                Target("time_s.median", "<=", 30.0, "1,000 participants, 48 rooms, 3 rounds"),
                *_EVEN,
            ],
            "quick": [Target("time_s.median", "<=", 20.0, "runs in CI"), *_EVEN],
        },
    )
)
