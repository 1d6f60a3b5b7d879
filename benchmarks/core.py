"""The benchmark machinery: cases, the child process that measures one, and the result format.

Every case runs in a fresh child process, so that its peak memory (the child's maximum resident
set size) belongs to it alone; data a case needs is prepared beforehand, by another process,
and cached under the output folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "matchmaker-bench/1"


@dataclass(frozen=True)
class Target:
    """A goal of a case: ``metric`` (a dotted path in the case's result) ``op`` ``value``."""

    metric: str
    op: str  # "<=" or ">="
    value: float
    note: str = ""

    def check(self, result: dict[str, Any]) -> dict[str, Any]:
        got: Any = result
        for part in self.metric.split("."):
            got = got.get(part) if isinstance(got, dict) else None
        met = None
        if isinstance(got, int | float):
            met = got <= self.value if self.op == "<=" else got >= self.value
        return {
            "metric": self.metric,
            "op": self.op,
            "value": self.value,
            "got": got,
            "met": met,
            "note": self.note,
        }


@dataclass(frozen=True)
class Case:
    """A benchmark case.

    ``prepare(params, data_dir)`` runs once in its own process and returns what ``run`` needs
    (paths, not objects); ``setup(prepared, params)``, when given, runs in the child before the
    timed runs (untimed, but within the child's peak memory) and returns the state ``run``
    receives instead of ``prepared``; ``run(state, params)`` is timed ``repeats`` times and
    returns its quality figures (the last run's are kept).
    """

    name: str
    group: str
    run: Callable[[Any, dict[str, Any]], dict[str, Any]]
    prepare: Callable[[dict[str, Any], Path], dict[str, Any]] | None = None
    setup: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # per suite
    targets: dict[str, list[Target]] = field(default_factory=dict)  # per suite
    repeats: int = 5
    description: str = ""
    reference: str | None = None  # name of the case it is compared with in the same run


CASES: dict[str, Case] = {}


def register(case: Case) -> Case:
    CASES[case.name] = case
    return case


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = round(pages / 2**30, 1)
    except (ValueError, OSError):
        memory = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def child(name: str, suite: str, prepared_json: str, repeats: int) -> None:
    """Run in the child: time the case and print one JSON line."""
    from benchmarks import cases  # noqa: F401  (registers the cases)

    case = CASES[name]
    params = case.params.get(suite, {})
    prepared = json.loads(prepared_json)
    state = prepared if case.setup is None else case.setup(prepared, params)
    times: list[float] = []
    quality: dict[str, Any] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        quality = case.run(state, params)
        times.append(time.perf_counter() - t0)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times": times, "quality": quality, "peak_memory_mib": peak_kib / 1024}))


def run_case(case: Case, suite: str, out_dir: Path, repeats: int | None) -> dict[str, Any]:
    params = case.params.get(suite, {})
    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    prepared: dict[str, Any] = {}
    if case.prepare is not None:
        # Prepared in a process of its own, so that its memory is not the case's.
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks",
                "--_prepare",
                case.name,
                "--suite",
                suite,
                "--out",
                str(out_dir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"preparing {case.name} failed:\n{proc.stderr}")
        prepared = json.loads(proc.stdout.strip().splitlines()[-1])
    n = repeats or case.repeats
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--_child",
            case.name,
            "--suite",
            suite,
            "--prepared",
            json.dumps(prepared),
            "--repeats",
            str(n),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"case {case.name} failed:\n{proc.stderr}")
    measured = json.loads(proc.stdout.strip().splitlines()[-1])
    times = measured["times"]
    result: dict[str, Any] = {
        "name": case.name,
        "group": case.group,
        "description": case.description,
        "params": params,
        "repeats": n,
        "time_s": {
            "median": statistics.median(times),
            "min": min(times),
            "max": max(times),
            "runs": times,
        },
        "peak_memory_mib": round(measured["peak_memory_mib"], 1),
        "quality": measured["quality"],
        "reference": case.reference,
    }
    result["targets"] = [t.check(result) for t in case.targets.get(suite, [])]
    return result


def prepare_only(name: str, suite: str, out_dir: Path) -> None:
    from benchmarks import cases  # noqa: F401

    case = CASES[name]
    assert case.prepare is not None
    prepared = case.prepare(case.params.get(suite, {}), out_dir / "data")
    print(json.dumps(prepared))


def results_document(cases: list[dict[str, Any]], suite: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "suite": suite,
        "commit": git_commit(),
        "machine": machine(),
        "cases": cases,
    }
