"""One run of the grouping local search on a published instance file (MDGPLIB or CCPLIB):

    python -m benchmarks.grouping ../shared/data/benchmarks/mdgplib/RanReal/RanReal_n120_ss_01.txt \
        --time-limit 3 [--seed 0] [--json]

It prints the value found and the time taken. The benchmark suite's ``mdgp`` and ``ccp``
cases (``./dev bench --only mdgp``) run the same search over whole instance classes, beside
the baselines; this is for one instance at a time. Exit codes: 0 done, 1 bad input, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.instances import read_instance
from matchmaker.errors import MatchmakerError
from matchmaker.limits import LIMITS, check_range, check_time_limit
from matchmaker.solvers.grouping import local_search

__all__ = ["main"]


def run(path: Path, *, time_limit: float, seed: int) -> dict[str, object]:
    """The value the local search finds on the instance at ``path`` within ``time_limit``."""
    check_time_limit("--time-limit", time_limit)
    check_range("--seed", seed, 0, LIMITS.seed_max)
    if not path.is_file():
        raise MatchmakerError(f"instance file '{path}' does not exist")
    inst = read_instance(path)
    started = time.perf_counter()
    _, found = local_search(
        inst.weights, inst.seats, inst.lo, inst.hi, time_limit=time_limit, seed=seed
    )
    return {
        "name": inst.name,
        "kind": inst.kind,
        "value": float(found),
        "seconds": round(time.perf_counter() - started, 3),
        "n": len(inst.seats),
        "groups": len(inst.lo),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grouping",
        description="run the grouping local search on an MDGPLIB or CCPLIB instance",
    )
    parser.add_argument("instance", help="an MDGPLIB or CCPLIB instance file")
    parser.add_argument(
        "--time-limit",
        type=float,
        required=True,
        metavar="S",
        help=f"seconds, above 0 and at most {LIMITS.time_limit_s:g}",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    try:
        found = run(Path(args.instance), time_limit=args.time_limit, seed=args.seed)
    except MatchmakerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(found, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(
            f"{found['name']}: value {found['value']:.6g} found in {found['seconds']:.2f} s "
            f"(n={found['n']}, groups={found['groups']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
