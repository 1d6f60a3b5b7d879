"""Benchmark cases of the grouping engine on the published MDGPLIB and CCPLIB instances.

The instances are read from ``shared/data/benchmarks`` beside the repository. Where that folder
is absent, the cases are registered as skipped, with the reason (the run records them and goes
on). The cases with full-suite parameters only are skipped in the quick suite. Each case runs
on one core: numba is told to use one thread.

Next to the engine's iterated tabu search, on the same instances and in the same run: a random
allocation, greedy room filling, and a plain first-improvement swap local search from the
random allocation (:mod:`benchmarks.baselines`); each method's value is given as a share of the
reference value of the instance (the best value listed beside the instances).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.core import Case, Target, register

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"
MDGP = DATA / "mdgplib"
OURS = "matchmaker"
BASELINES = ("random", "greedy", "swap_ls")

# Values reached by a simple iterated local search at the literature time limits (a floor),
# and the same search given ten times longer (see the README beside the instances).
FLOOR = {
    "RanReal_n120_ss_01": 46768.54,
    "RanInt_n120_ss_01": 47253,
    "Geo_n120_ss_01": 101608.56,
    "RanReal_n120_ds_01": 49513.98,
    "RanInt_n120_ds_01": 49679,
    "Geo_n120_ds_01": 110262.34,
    "RanReal_n240_ss_01": 152338.73,
    "RanInt_n240_ss_01": 153300,
    "Geo_n240_ss_01": 188836.76,
    "RanReal_n240_ds_01": 157860.34,
    "RanInt_n240_ds_01": 158563,
    "Geo_n240_ds_01": 200146.96,
    "RanReal_n480_ss_01": 371630.10,
}
TEN_TIMES_LONGER = {"RanReal_n120_ss_01": 46874.80, "RanInt_n120_ss_01": 47538}
CCP_BEST = 225003.70  # RanReal240_01, best value reported in the literature


def _path(name: str) -> str:
    return str(MDGP / name.split("_")[0] / f"{name}.txt")


def _one_core() -> None:
    # The kernels are serial; this keeps numba's thread pool (if anything starts it) to one.
    os.environ["NUMBA_NUM_THREADS"] = "1"
    import numba

    numba.set_num_threads(1)


def _load(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Read the instances and compile the engine once (untimed)."""
    _one_core()
    from benchmarks.instances import read_instance
    from matchmaker.solvers.grouping import local_search

    local_search(np.ones((4, 4)) - np.eye(4), np.ones(4, dtype=np.int64), [2, 2], [2, 2])
    return {"instances": {n: read_instance(p) for n, p in params["instances"].items()}}


def _reference(name: str) -> float:
    """The best value listed beside the instance (ten times longer, else the floor)."""
    return float(TEN_TIMES_LONGER.get(name, FLOOR[name]))


def _with_baselines(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Read the instances, then run the baselines on each (untimed setup, timed one by one)."""
    from benchmarks.baselines import (
        greedy_grouping,
        grouping_value,
        random_grouping,
        swap_local_search,
    )

    state = _load(prepared, params)
    found: dict[str, dict[str, tuple[float, float]]] = {m: {} for m in BASELINES}
    for k, (name, inst) in enumerate(state["instances"].items()):
        w, seats, lo, hi = inst.weights, inst.seats, inst.lo, inst.hi
        rng = np.random.default_rng(k)
        t0 = time.perf_counter()
        start = random_grouping(w, seats, lo, hi, rng)
        random_s = time.perf_counter() - t0
        found["random"][name] = (grouping_value(w, start), random_s)
        t0 = time.perf_counter()
        assign, _ = swap_local_search(w, seats, start, rng)
        found["swap_ls"][name] = (grouping_value(w, assign), random_s + time.perf_counter() - t0)
        t0 = time.perf_counter()
        assign = greedy_grouping(w, seats, lo, hi, rng)
        found["greedy"][name] = (grouping_value(w, assign), time.perf_counter() - t0)
    state["baselines"] = found
    return state


def _solve_each(state: dict[str, Any], params: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The engine's value of each instance and the seconds it took."""
    from matchmaker.solvers.grouping import local_search

    out: dict[str, tuple[float, float]] = {}
    for name, inst in state["instances"].items():
        t0 = time.perf_counter()
        _, value = local_search(
            inst.weights, inst.seats, inst.lo, inst.hi, time_limit=params.get("time_limit")
        )
        out[name] = (round(float(value), 3), time.perf_counter() - t0)
    return out


def _method_figures(found: dict[str, dict[str, tuple[float, float]]]) -> dict[str, Any]:
    """``<method>.value_pct_mean`` / ``value_pct_min`` (of the reference value) and
    ``<method>.time_s`` (mean per instance) for every method."""
    quality: dict[str, Any] = {}
    for method, per in found.items():
        pct = [100 * value / _reference(name) for name, (value, _) in per.items()]
        quality[f"{method}.value_pct_mean"] = round(float(np.mean(pct)), 4)
        quality[f"{method}.value_pct_min"] = round(float(np.min(pct)), 4)
        quality[f"{method}.time_s"] = round(float(np.mean([s for _, s in per.values()])), 4)
    ours = found[OURS]
    for method in BASELINES:
        wins = sum(found[method][name][0] > ours[name][0] + 1e-6 for name in ours)
        quality[f"{method}_better"] = wins
    return quality


def _exact(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    optima = json.loads((MDGP / "exact_optima_n10_n12.json").read_text())
    values = {name: value for name, (value, _) in _solve_each(state, params).items()}
    missed = [n for n, v in values.items() if abs(v - optima[n]) > 1e-3 * max(1.0, optima[n])]
    return {"instances": len(values), "optimal": len(values) - len(missed), "missed": missed}


def _values(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    ours = _solve_each(state, params)
    values = {name: value for name, (value, _) in ours.items()}
    below = [n for n, v in values.items() if v < FLOOR[n]]
    quality: dict[str, Any] = {
        "values": values,
        "below_floor": len(below),
        "time_limit_s": params["time_limit"],
    }
    return {**quality, **_method_figures({OURS: ours, **state["baselines"]})}


def _ccp(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    value = _solve_each(state, params)["RanReal240_01"][0]
    return {
        "value": value,
        "gap_to_best_pct": round(100 * (CCP_BEST - value) / CCP_BEST, 4),
        "time_limit_s": params["time_limit"],
    }


def _instances(names: list[str]) -> dict[str, str]:
    return {name: _path(name) for name in names}


def _floor_targets(names: list[str]) -> list[Target]:
    targets = [
        Target("quality.below_floor", "<=", 0, "above the floor on every instance"),
        Target("quality.swap_ls_better", "<=", 0, "the swap local search better on none"),
    ]
    for name in names:
        targets.append(Target(f"quality.values.{name}", ">=", FLOOR[name], "floor"))
        if name in TEN_TIMES_LONGER:
            targets.append(
                Target(
                    f"quality.values.{name}",
                    ">=",
                    TEN_TIMES_LONGER[name],
                    "the floor search's value with ten times the time",
                )
            )
    return targets


N120 = [f"{s}_n120_{t}_01" for t in ("ss", "ds") for s in ("RanReal", "RanInt", "Geo")]
N240 = [f"{s}_n240_{t}_01" for t in ("ss", "ds") for s in ("RanReal", "RanInt", "Geo")]
N480 = ["RanReal_n480_ss_01"]


def _register(skip: str | None) -> None:
    optima = {} if skip else json.loads((MDGP / "exact_optima_n10_n12.json").read_text())
    exact = {"instances": _instances(sorted(optima))}
    register(
        Case(
            name="mdgp.exact",
            group="grouping",
            description="Every n = 10 and n = 12 MDGPLIB instance against its exact optimum "
            "(default deterministic budget).",
            setup=_load,
            run=_exact,
            params={"quick": exact, "full": exact},
            repeats=1,
            skip=skip,
            targets={
                suite: [Target("quality.optimal", ">=", len(optima), "the optimum on all")]
                for suite in ("quick", "full")
            },
        )
    )
    quick_120 = ["RanReal_n120_ss_01"]
    register(
        Case(
            name="mdgp.n120",
            group="grouping",
            description="MDGPLIB n = 120 instances _01 at the literature limit, 3 s each; "
            "baselines: random, greedy, swap local search.",
            setup=_with_baselines,
            run=_values,
            params={
                "quick": {"instances": _instances(quick_120), "time_limit": 3.0},
                "full": {"instances": _instances(N120), "time_limit": 3.0},
            },
            repeats=1,
            skip=skip,
            frontier="value_pct_mean",
            targets={"quick": _floor_targets(quick_120), "full": _floor_targets(N120)},
        )
    )
    register(
        Case(
            name="mdgp.n240",
            group="grouping",
            description="MDGPLIB n = 240 instances _01 at the literature limit, 20 s each; "
            "baselines: random, greedy, swap local search.",
            setup=_with_baselines,
            run=_values,
            params={"full": {"instances": _instances(N240), "time_limit": 20.0}},
            repeats=1,
            skip=skip,
            frontier="value_pct_mean",
            targets={"full": _floor_targets(N240)},
        )
    )
    register(
        Case(
            name="mdgp.n480",
            group="grouping",
            description="MDGPLIB RanReal_n480_ss_01 at the literature limit, 120 s; "
            "baselines: random, greedy, swap local search.",
            setup=_with_baselines,
            run=_values,
            params={"full": {"instances": _instances(N480), "time_limit": 120.0}},
            repeats=1,
            skip=skip,
            frontier="value_pct_mean",
            targets={"full": _floor_targets(N480)},
        )
    )
    ccp = {
        "instances": {"RanReal240_01": str(DATA / "ccplib" / "RanReal240" / "RanReal240_01.txt")},
        "time_limit": 60.0,
    }
    register(
        Case(
            name="ccp.ranreal240",
            group="grouping",
            description="CCPLIB RanReal240_01 (capacities on node weights), 60 s, against the "
            "best value reported in the literature.",
            setup=_load,
            run=_ccp,
            params={"full": ccp},
            repeats=1,
            skip=skip,
            targets={
                "full": [Target("quality.gap_to_best_pct", "<=", 0.5, "within 0.5 % of the best")]
            },
        )
    )


# Without the instances there is nothing to measure: the cases are recorded as skipped.
_register(
    None
    if (MDGP / "exact_optima_n10_n12.json").is_file()
    else f"MDGPLIB and CCPLIB not found in {DATA} (the shared data beside the repository)"
)
