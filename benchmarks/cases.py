"""The benchmark cases: registered here and in the modules imported at the end."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from benchmarks.core import Case, Target, register

IMPORT_SIZES = {"quick": {"n": 10_000}, "full": {"n": 100_000}}


def _registry_csv(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Generate a registry of ``n`` profiles (seed 1) as CSV, once; cached by size."""
    from matchmaker.io import write_organisations
    from matchmaker.synth import generate_registry

    n = int(params["n"])
    path = data_dir / f"registry_{n}_seed1.csv"
    if not path.exists():
        registry = generate_registry(n, seed=1)
        write_organisations(registry.organisations, path)
    return {"path": str(path), "bytes": path.stat().st_size}


def _import_csv(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.io import read_organisations

    report = read_organisations(prepared["path"])
    return {
        "rows": report.rows,
        "valid": len(report.organisations),
        "problems": len(report.problems),
        "file_mib": round(prepared["bytes"] / 2**20, 1),
    }


def _plain_csv(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    # The floor: decoding and splitting the same file, with no validation at all.
    with open(prepared["path"], encoding="utf-8-sig", newline="") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    return {"rows": rows}


register(
    Case(
        name="import.csv",
        group="import",
        description="Read and validate a generated registry from CSV (all or nothing).",
        prepare=_registry_csv,
        run=_import_csv,
        params=IMPORT_SIZES,
        repeats=5,
        reference="import.csv.reader",
        targets={
            "full": [
                Target("time_s.median", "<=", 20.0, "100,000 profiles in at most 20 s on 2 cores"),
                Target("peak_memory_mib", "<=", 2048.0, "at most 2 GiB peak memory"),
                Target("quality.valid", ">=", 100_000, "every generated profile is valid"),
            ],
            "quick": [
                Target("quality.valid", ">=", 10_000, "every generated profile is valid"),
                Target("time_s.median", "<=", 2.0 * 2, "a tenth of the full target, doubled"),
            ],
        },
    )
)

register(
    Case(
        name="import.csv.reader",
        group="import",
        description="Reference: csv.reader over the same file, no validation.",
        prepare=_registry_csv,
        run=_plain_csv,
        params=IMPORT_SIZES,
        repeats=5,
    )
)

# Registered after the import cases, so that those come first in the report.
from benchmarks import (  # noqa: E402
    breakout_cases,  # noqa: F401
    cordis_cases,  # noqa: F401
    event_cases,  # noqa: F401
    mdgp_cases,  # noqa: F401
    meeting_cases,  # noqa: F401
    refusal_cases,  # noqa: F401
    registration_cases,  # noqa: F401
    scaling_cases,  # noqa: F401
    suggest_cases,  # noqa: F401
    user_cases,
)

# A user's own data (--data FILE): the parent names it in the environment of every child.
user_cases.register_from_environment()
