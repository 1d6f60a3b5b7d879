"""Benchmark cases of the grouping engine on the published MDGPLIB and CCPLIB instances.

The instances are read from ``shared/data/benchmarks`` beside the repository. Where that folder
is absent, no case of this module is registered (the run reports nothing for them rather than
failing). The cases marked "full suite only" return ``{"skipped": 1}`` and no target in the
quick suite. Each case runs on one core: numba is told to use one thread.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from benchmarks.core import Case, Target, register

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"
MDGP = DATA / "mdgplib"

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
    if "instances" not in params:
        return {}
    import numpy as np

    from matchmaker.io.grouping_instances import read_instance
    from matchmaker.solvers._grouping import local_search

    local_search(np.ones((4, 4)) - np.eye(4), np.ones(4, dtype=np.int64), [2, 2], [2, 2])
    return {name: read_instance(path) for name, path in params["instances"].items()}


SKIPPED = {"skipped": 1, "reason": "full suite only"}


def _solve_each(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers._grouping import local_search

    values: dict[str, Any] = {}
    for name, inst in state.items():
        _, value = local_search(
            inst.weights, inst.seats, inst.lo, inst.hi, time_limit=params.get("time_limit")
        )
        values[name] = round(value, 3)
    return values


def _exact(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    optima = json.loads((MDGP / "exact_optima_n10_n12.json").read_text())
    values = _solve_each(state, params)
    missed = [n for n, v in values.items() if abs(v - optima[n]) > 1e-3 * max(1.0, optima[n])]
    return {"instances": len(values), "optimal": len(values) - len(missed), "missed": missed}


def _values(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if "instances" not in params:
        return SKIPPED
    values = _solve_each(state, params)
    below = [n for n, v in values.items() if v < FLOOR.get(n, CCP_BEST * 0.995)]
    return {"values": values, "below_floor": len(below), "time_limit_s": params["time_limit"]}


def _ccp(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if "instances" not in params:
        return SKIPPED
    values = _solve_each(state, params)
    value = values["RanReal240_01"]
    return {
        "value": value,
        "gap_to_best_pct": round(100 * (CCP_BEST - value) / CCP_BEST, 4),
        "time_limit_s": params["time_limit"],
    }


def _instances(names: list[str]) -> dict[str, str]:
    return {name: _path(name) for name in names}


def _floor_targets(names: list[str]) -> list[Target]:
    targets = [Target("quality.below_floor", "<=", 0, "above the floor on every instance")]
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


def _register() -> None:
    optima = json.loads((MDGP / "exact_optima_n10_n12.json").read_text())
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
            description="MDGPLIB n = 120 instances _01 at the literature limit, 3 s each.",
            setup=_load,
            run=_values,
            params={
                "quick": {"instances": _instances(quick_120), "time_limit": 3.0},
                "full": {"instances": _instances(N120), "time_limit": 3.0},
            },
            repeats=1,
            targets={"quick": _floor_targets(quick_120), "full": _floor_targets(N120)},
        )
    )
    register(
        Case(
            name="mdgp.n240",
            group="grouping",
            description="MDGPLIB n = 240 instances _01 at the literature limit, 20 s each.",
            setup=_load,
            run=_values,
            params={"full": {"instances": _instances(N240), "time_limit": 20.0}},
            repeats=1,
            targets={"full": _floor_targets(N240)},
        )
    )
    register(
        Case(
            name="mdgp.n480",
            group="grouping",
            description="MDGPLIB RanReal_n480_ss_01 at the literature limit, 120 s.",
            setup=_load,
            run=_values,
            params={"full": {"instances": _instances(N480), "time_limit": 120.0}},
            repeats=1,
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
            targets={
                "full": [Target("quality.gap_to_best_pct", "<=", 0.5, "within 0.5 % of the best")]
            },
        )
    )


# Without the instances there is nothing to measure: no case is registered.
if (MDGP / "exact_optima_n10_n12.json").is_file():
    _register()
