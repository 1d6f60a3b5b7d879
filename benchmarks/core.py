"""The benchmark machinery: cases, the child process that measures one, and the result format.

Every case runs in a fresh child process, so that its peak memory (the child's maximum resident
set size) belongs to it alone; data a case needs is prepared beforehand, by the parent, and
cached under the output folder.
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
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "matchmaker-bench/1"
ROOT = Path(__file__).resolve().parents[1]  # the repository: fixtures/, src/, benchmarks/
QUICK_MAX_REPEATS = 3  # the quick suite is a smoke test: at most this many timed runs a case


def lookup(obj: Any, path: str) -> Any:
    """The value at a dotted ``path``; a key may hold dots itself (``quality.full.ndcg@10``
    is ``obj["quality"]["full.ndcg@10"]``): at each level the longest matching key wins."""
    parts = path.split(".")
    while parts:
        if not isinstance(obj, dict):
            return None
        for k in range(len(parts), 0, -1):
            key = ".".join(parts[:k])
            if key in obj:
                obj, parts = obj[key], parts[k:]
                break
        else:
            return None
    return obj


@dataclass(frozen=True)
class Target:
    """A goal of a case: ``metric`` (a dotted path in the case's result) ``op`` ``value``."""

    metric: str
    op: str  # "<=" or ">="
    value: float
    note: str = ""

    def check(self, result: dict[str, Any]) -> dict[str, Any]:
        got = lookup(result, self.metric)
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
    returns its quality figures (the last run's are kept). A figure ``distributions`` (a dict)
    is taken out of the quality figures and kept apart, for the plots.

    ``skip`` says why the case cannot run here (its data is missing); a case with ``params``
    for some suites only is skipped in the others. ``frontier`` names the quality figure
    plotted against time for each method (``<method>.<frontier>`` against ``<method>.time_s``);
    ``series`` names the scaling series the case is a point of (its size is ``params["n"]``).
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
    skip: str | None = None
    frontier: str | None = None
    series: str | None = None

    def skip_reason(self, suite: str) -> str | None:
        """Why the case does not run in ``suite`` (``None``: it runs)."""
        if self.skip:
            return self.skip
        if self.params and suite not in self.params:
            return f"not part of the {suite} suite (runs in: {', '.join(self.params)})"
        return None


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
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"a quality figure must be JSON: {type(value).__name__} {value!r}")


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
    measured = {"times": times, "quality": quality, "peak_memory_mib": peak_kib / 1024}
    print(json.dumps(measured, default=_plain))


def _child_env() -> dict[str, str]:
    """The environment of the child processes: this package importable whatever the folder."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), path) if p)}


def repeats_of(case: Case, suite: str, repeats: int | None) -> int:
    """Timed runs of ``case``: as asked, else the case's own (at most 3 in the quick suite)."""
    if repeats:
        return repeats
    return min(case.repeats, QUICK_MAX_REPEATS) if suite == "quick" else case.repeats


def run_case(case: Case, suite: str, out_dir: Path, repeats: int | None) -> dict[str, Any]:
    params = case.params.get(suite, {})
    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    prepared: dict[str, Any] = {}
    env = _child_env()
    started = time.perf_counter()
    if case.prepare is not None:
        # Prepared here, in the parent: only the child's memory and time are measured, and
        # the data is cached, so most cases find it ready.
        try:
            prepared = json.loads(json.dumps(case.prepare(params, data_dir)))
        except Exception:
            raise RuntimeError(f"preparing {case.name} failed:\n{traceback.format_exc()}") from None
    n = repeats_of(case, suite, repeats)
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
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"case {case.name} failed:\n{proc.stderr}")
    measured = json.loads(proc.stdout.strip().splitlines()[-1])
    times = measured["times"]
    quality = dict(measured["quality"])
    distributions = quality.pop("distributions", None)
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
        # the whole case: data preparation, the child's imports and setup, every timed run
        "wall_s": round(time.perf_counter() - started, 2),
        "quality": quality,
        "reference": case.reference,
    }
    if case.frontier:
        result["frontier"] = case.frontier
    if case.series:
        result["series"] = case.series
    if distributions:
        result["distributions"] = distributions
    result["targets"] = [t.check(result) for t in case.targets.get(suite, [])]
    return result


def results_document(
    cases: list[dict[str, Any]],
    suite: str,
    *,
    skipped: list[dict[str, Any]] | None = None,
    series: dict[str, Any] | None = None,
    elapsed_s: float | None = None,
) -> dict[str, Any]:
    """The results document (format ``matchmaker-bench/1``): the run, the machine, the cases,
    the cases skipped and why, and the fitted scaling series."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "suite": suite,
        "commit": git_commit(),
        "machine": machine(),
        "cases": cases,
        "skipped": skipped or [],
        "series": series or {},
    }
    if elapsed_s is not None:
        doc["elapsed_s"] = round(elapsed_s, 1)
    return doc
