"""``python -m benchmarks``: run the cases of a suite and write results.json and report.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.core import CASES, child, prepare_only, results_document, run_case

SHORT_QUALITY = 8  # more figures than this go to the report's quality section only


def _figure(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def _short_quality(quality: dict[str, Any]) -> str:
    if len(quality) > SHORT_QUALITY:
        return f"{len(quality)} figures, see Quality"
    return ", ".join(f"{k}={v}" for k, v in quality.items())


def _quality_sections(cases: list[dict[str, Any]]) -> list[str]:
    """Quality figures per group: plain figures as one row per case; ``method.metric`` figures
    as a table of metric rows and method columns per case."""
    lines: list[str] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in cases:
        if c["quality"]:
            groups.setdefault(c["group"], []).append(c)
    if not groups:
        return lines
    lines += ["", "## Quality"]
    for group, members in groups.items():
        lines += ["", f"### {group}"]
        plain = [c for c in members if not any("." in k for k in c["quality"])]
        if plain:
            keys = list(dict.fromkeys(k for c in plain for k in c["quality"]))
            lines += ["", "| case | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
            for c in plain:
                row = [_figure(c["quality"][k]) if k in c["quality"] else "" for k in keys]
                lines.append(f"| {c['name']} | " + " | ".join(row) + " |")
        for c in members:
            if c in plain:
                continue
            split = [k.split(".", 1) for k in c["quality"] if "." in k]
            methods = list(dict.fromkeys(m for m, _ in split))
            metrics = list(dict.fromkeys(x for _, x in split))
            params = ", ".join(f"{k}={v}" for k, v in c["params"].items())
            lines += [
                "",
                f"`{c['name']}` ({params})",
                "",
                "| metric | " + " | ".join(methods) + " |",
                "|---" * (len(methods) + 1) + "|",
            ]
            for metric in metrics:
                row = [_figure(c["quality"].get(f"{m}.{metric}", "")) for m in methods]
                lines.append(f"| {metric} | " + " | ".join(row) + " |")
            rest = {k: v for k, v in c["quality"].items() if "." not in k}
            if rest:
                lines += ["", ", ".join(f"{k} = {_figure(v)}" for k, v in rest.items())]
    return lines


def _report(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [
        f"# Benchmark report ({doc['suite']} suite)",
        "",
        f"Commit {doc['commit']}, {doc['created']}; {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gib']} GiB, Python {m['python']}.",
        "",
        "| case | params | median s | min s | max s | runs | peak MiB | vs reference | quality |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    by_name = {c["name"]: c for c in doc["cases"]}
    for c in doc["cases"]:
        ref = by_name.get(c["reference"] or "")
        ratio = (
            f"{c['time_s']['median'] / ref['time_s']['median']:.1f}x {ref['name']}" if ref else ""
        )
        params = ", ".join(f"{k}={v}" for k, v in c["params"].items())
        quality = _short_quality(c["quality"])
        t = c["time_s"]
        lines.append(
            f"| {c['name']} | {params} | {t['median']:.3f} | {t['min']:.3f} | {t['max']:.3f} | "
            f"{c['repeats']} | {c['peak_memory_mib']:.0f} | {ratio} | {quality} |"
        )
    lines += _quality_sections(doc["cases"])
    lines += ["", "## Targets", "", "| case | target | got | verdict |", "|---|---|---|---|"]
    for c in doc["cases"]:
        for t in c["targets"]:
            got = t["got"]
            verdict = "met" if t["met"] else ("not met" if t["met"] is False else "n/a")
            if isinstance(got, int | float) and t["met"] is not None:
                margin = (t["value"] - got) if t["op"] == "<=" else (got - t["value"])
                share = abs(margin) / t["value"] if t["value"] else 0.0
                if margin:
                    # a share of a near-zero target (a margin of 0.0001) says nothing
                    shown = f", {share:.0%}" if share <= 10 else ""
                    verdict += f" (by {abs(margin):,.4g}{shown})"
                got = f"{got:,}" if isinstance(got, int) else f"{got:,.4g}"
            lines.append(
                f"| {c['name']} | {t['metric']} {t['op']} {t['value']:g} ({t['note']}) "
                f"| {got} | {verdict} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--suite", choices=["quick", "full"], default="quick")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases")
    parser.add_argument("--out", default="benchmarks/out", help="output folder")
    parser.add_argument("--repeats", type=int, help="timed runs per case (default: per case)")
    parser.add_argument("--list", action="store_true", help="list the cases")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    parser.add_argument("--_prepare", help=argparse.SUPPRESS)
    parser.add_argument("--prepared", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    from benchmarks import cases  # noqa: F401  (registers the cases)

    out_dir = Path(args.out)
    if args._child:
        child(args._child, args.suite, args.prepared or "{}", args.repeats or 1)
        return 0
    if args._prepare:
        prepare_only(args._prepare, args.suite, out_dir)
        return 0
    if args.list:
        for c in CASES.values():
            print(f"{c.name:28} {c.description}")
        return 0
    names = args.only or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"error: unknown case {unknown}; the cases are: {', '.join(CASES)}", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for name in names:
        print(f"running {name} ({args.suite}) ...", flush=True)
        result = run_case(CASES[name], args.suite, out_dir, args.repeats)
        t = result["time_s"]
        print(
            f"  median {t['median']:.3f} s over {result['repeats']} runs, "
            f"peak {result['peak_memory_mib']:.0f} MiB, {_short_quality(result['quality'])}"
        )
        results.append(result)
    doc = results_document(results, args.suite)
    (out_dir / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    report = _report(doc)
    (out_dir / "report.md").write_text(report)
    print(f"\nwrote {out_dir / 'results.json'} and {out_dir / 'report.md'}")
    missed = [(c["name"], t) for c in results for t in c["targets"] if t["met"] is False]
    for name, t in missed:
        print(f"target missed: {name}: {t['metric']} {t['op']} {t['value']} (got {t['got']})")
    return 1 if missed else 0
