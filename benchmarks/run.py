"""Run the benchmark cases of a suite and write results.json, report.md and plots.

``python -m benchmarks`` or ``./dev bench``, from a clone of the repository. Exit codes: 0
every target met; 1 a target missed, a case failed, a bad data file, or (with
``--fail-on-regression``) a regression against ``--compare``; 2 wrong usage (an unknown case).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from benchmarks.core import CASES, Case, child, results_document, run_case
from benchmarks.report import render, short_quality

SUITES = ("quick", "full")


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--suite", choices=SUITES, default="quick")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="run only these cases: a case name, a group (pairs, breakouts...), a prefix "
        "(mdgp) or a part of a name (leuven)",
    )
    parser.add_argument("--out", default="benchmarks/out", help="output folder")
    parser.add_argument("--repeats", type=int, help="timed runs per case (default: per case)")
    parser.add_argument(
        "--compare", metavar="OLD_RESULTS_JSON", help="flag regressions against an older run"
    )
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="with --compare: exit 1 when a regression is flagged",
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="your own dataset: an organisation registry (CSV, XLSX, JSON) or an event JSON",
    )
    parser.add_argument(
        "--links",
        metavar="FILE",
        help="with --data (a registry): known partner pairs, a CSV of id_a,id_b",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    parser.add_argument("--prepared", help=argparse.SUPPRESS)
    return parser


def select(tokens: list[str], cases: dict[str, Case]) -> list[str]:
    """The cases named by ``tokens``, in registration order: a token is a case name, a group,
    a prefix of names or a dotted part of a name.

    Raises
    ------
    LookupError
        Naming the tokens that match no case, and the cases and groups there are.
    """
    chosen: set[str] = set()
    unknown = []
    for token in tokens:
        found = {
            name
            for name, case in cases.items()
            if name == token
            or case.group == token
            or name.startswith(token)
            or token in name.split(".")
        }
        if not found:
            unknown.append(token)
        chosen |= found
    if unknown:
        groups = sorted({c.group for c in cases.values()})
        raise LookupError(
            f"no case matches {', '.join(repr(u) for u in unknown)}; the cases are: "
            f"{', '.join(cases)}; the groups: {', '.join(groups)} (see --list)"
        )
    return [name for name in cases if name in chosen]


def _print_list(suite: str, out: TextIO) -> None:
    for c in CASES.values():
        why = c.skip_reason(suite)
        note = f" [skipped in the {suite} suite: {why}]" if why else ""
        out.write(f"{c.name:30} {c.group:10} {c.description}{note}\n")


def _series(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Every scaling series of the run, with its fitted exponent when it has two sizes."""
    from benchmarks.metrics import fit_exponent

    points: dict[str, dict[int, tuple[float, str]]] = {}
    for r in results:
        n = r["params"].get("n")
        if r.get("series") and isinstance(n, int):
            points.setdefault(r["series"], {})[n] = (r["time_s"]["median"], r["name"])
    out: dict[str, Any] = {}
    for name, by_size in points.items():
        sizes = sorted(by_size)
        entry: dict[str, Any] = {
            "sizes": sizes,
            "median_s": [by_size[n][0] for n in sizes],
            "cases": [by_size[n][1] for n in sizes],
            "exponent": None,
            "coefficient": None,
            "r2": None,
        }
        if len(sizes) >= 2 and min(entry["median_s"]) > 0:
            entry.update(fit_exponent(sizes, entry["median_s"]))
        out[name] = entry
    return out


class _Progress:
    """A tqdm bar on a terminal (cases done / total, the current case); one line per case
    either way (through the bar on a terminal, plain when stderr is not one)."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped]

        self.tty = sys.stderr.isatty()
        self.bar = tqdm(
            total=total, unit="case", file=sys.stderr, disable=not self.tty, dynamic_ncols=True
        )
        self.total = total
        self.done = 0

    def start(self, name: str) -> None:
        self.bar.set_description(name)

    def finish(self, line: str) -> None:
        self.done += 1
        text = f"[{self.done}/{self.total}] {line}"
        if self.tty:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _line(result: dict[str, Any]) -> str:
    t = result["time_s"]
    targets = result["targets"]
    met = sum(x["met"] is True for x in targets)
    verdict = f", targets {met}/{len(targets)} met" if targets else ""
    return (
        f"{result['name']}: median {t['median']:.3f} s over {result['repeats']} runs, peak "
        f"{result['peak_memory_mib']:.0f} MiB{verdict}; {short_quality(result['quality'])}"
    )


def _user_data(args: argparse.Namespace) -> None:
    """Check the user's files and name them to this process and its children."""
    from benchmarks.user_cases import ENV_DATA, ENV_LINKS, check

    if args.links and not args.data:
        raise ValueError("--links goes with --data FILE (the registry the links are about)")
    if not args.data:
        return
    check(args.data, args.links)
    os.environ[ENV_DATA] = str(Path(args.data).resolve())
    if args.links:
        os.environ[ENV_LINKS] = str(Path(args.links).resolve())


def main(argv: list[str] | None = None, prog: str = "python -m benchmarks") -> int:
    args = build_parser(prog).parse_args(argv)
    out_dir = Path(args.out)
    if args._child:
        from benchmarks import cases  # registers the cases

        child(args._child, args.suite, args.prepared or "{}", args.repeats or 1)
        return 0

    from matchmaker.errors import InvalidInputError, MatchmakerError

    try:
        _user_data(args)
        old = None
        if args.compare:
            from benchmarks.compare import load

            old = load(args.compare)
    except InvalidInputError as exc:
        print(f"error: {args.data}: {exc.message}", file=sys.stderr)
        for p in exc.problems[:20]:
            print(f"  {p}", file=sys.stderr)
        return 1
    except (ValueError, MatchmakerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.repeats is not None and args.repeats < 1:
        print(f"error: --repeats must be 1 or more; got {args.repeats}", file=sys.stderr)
        return 2

    from benchmarks import cases  # noqa: F401  (registers the cases, the user's too)

    if args.list:
        _print_list(args.suite, sys.stdout)
        return 0
    if args.only:
        try:
            names = select(args.only, CASES)
        except LookupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    elif args.data:
        names = [n for n, c in CASES.items() if c.group == "user"]
    else:
        names = [n for n, c in CASES.items() if c.group != "user"]

    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    progress = _Progress(len(names))
    try:
        for name in names:
            case = CASES[name]
            progress.start(name)
            why = case.skip_reason(args.suite)
            if why:
                skipped.append({"name": name, "group": case.group, "reason": why})
                progress.finish(f"{name}: skipped, {why}")
                continue
            try:
                result = run_case(case, args.suite, out_dir, args.repeats)
            except RuntimeError as exc:
                failed.append({"name": name, "group": case.group, "error": str(exc)})
                progress.finish(f"{name}: FAILED (see report.md)")
                continue
            results.append(result)
            progress.finish(_line(result))
    finally:
        progress.close()

    doc = results_document(
        results,
        args.suite,
        skipped=skipped,
        series=_series(results),
        elapsed_s=time.perf_counter() - started,
    )
    if failed:
        doc["failed"] = failed
    comparison = None
    if old is not None:
        from benchmarks.compare import compare

        comparison = compare(old, doc)
        doc["compared_with"] = {
            **comparison["old"],
            "counts": comparison["counts"],
            "regressions": [e for e in comparison["entries"] if e["verdict"] == "regression"],
        }
    (out_dir / "results.json").write_text(json.dumps(doc, indent=2) + "\n")

    from benchmarks.plots import make_plots

    plots, messages = make_plots(doc, out_dir)
    for msg in messages:
        if msg.startswith("plots skipped"):
            print(msg, file=sys.stderr)
    report = render(doc, plots=plots, plot_messages=messages, comparison=comparison)
    (out_dir / "report.md").write_text(report)
    print(f"wrote {out_dir / 'results.json'}, {out_dir / 'report.md'} and {len(plots)} plots")

    code = 0
    missed = [(c["name"], t) for c in results for t in c["targets"] if t["met"] is False]
    for name, t in missed:
        print(f"target missed: {name}: {t['metric']} {t['op']} {t['value']} (got {t['got']})")
        code = 1
    for f in failed:
        print(f"case failed: {f['name']}", file=sys.stderr)
        code = 1
    if comparison is not None:
        regressions = [e for e in comparison["entries"] if e["verdict"] == "regression"]
        for e in regressions:
            print(f"regression: {e['case']}: {e['figure']} {e['old']:.4g} -> {e['new']:.4g}")
        if regressions and args.fail_on_regression:
            code = 1
    return code
