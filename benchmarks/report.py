"""``report.md``: a summary first (targets met, the missed ones and by how much, the skipped
cases and why, the scaling exponents, the comparison with an older run), then the tables
(cases, quality per group, targets, scaling), the comparison and the plots."""

from __future__ import annotations

from typing import Any

from benchmarks import compare

SHORT_QUALITY = 8  # more figures than this go to the report's quality section only


def figure(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def short_quality(quality: dict[str, Any]) -> str:
    if len(quality) > SHORT_QUALITY:
        return f"{len(quality)} figures, see Quality"
    return ", ".join(f"{k}={v}" for k, v in quality.items())


def params_text(params: dict[str, Any]) -> str:
    """Parameters in a table cell: a folder of instances is named by its count."""
    parts = []
    for k, v in params.items():
        if isinstance(v, dict):
            parts.append(f"{k}: {len(v)}")
        elif isinstance(v, str) and ("/" in v or "\\" in v):
            parts.append(f"{k}={v.replace(chr(92), '/').rsplit('/', 1)[-1]}")
        else:
            parts.append(f"{k}={v}")
    return ", ".join(parts)


def margin(target: dict[str, Any]) -> str:
    """``met`` / ``not met``, and by how much (absolute, and as a share of the target)."""
    got = target["got"]
    verdict = "met" if target["met"] else ("not met" if target["met"] is False else "n/a")
    if isinstance(got, int | float) and target["met"] is not None:
        gap = (target["value"] - got) if target["op"] == "<=" else (got - target["value"])
        share = abs(gap) / abs(target["value"]) if target["value"] else 0.0
        if gap:
            # a share of a near-zero target (a margin of 0.0001) says nothing
            shown = f", {share:.0%}" if share <= 10 else ""
            verdict += f" (by {abs(gap):,.4g}{shown})"
    return verdict


def _got(target: dict[str, Any]) -> str:
    got = target["got"]
    if isinstance(got, int | float) and not isinstance(got, bool):
        return f"{got:,}" if isinstance(got, int) else f"{got:,.4g}"
    return str(got)


def _summary(doc: dict[str, Any], comparison: dict[str, Any] | None) -> list[str]:
    targets = [(c["name"], t) for c in doc["cases"] for t in c["targets"]]
    met = sum(t["met"] is True for _, t in targets)
    missed = [(n, t) for n, t in targets if t["met"] is False]
    undecided = [(n, t) for n, t in targets if t["met"] is None]
    lines = ["", "## Summary", ""]
    verdict = "all met" if not missed and not undecided else f"{len(missed)} missed"
    lines.append(f"- **Targets: {met} of {len(targets)} met** ({verdict}).")
    for name, t in missed:
        lines.append(
            f"  - missed: `{name}`: {t['metric']} {t['op']} {t['value']:g} ({t['note']}); "
            f"got {_got(t)}, {margin(t)}"
        )
    for name, t in undecided:
        lines.append(f"  - not measured: `{name}`: {t['metric']} (the case gave no such figure)")
    failed = doc.get("failed", [])
    if failed:
        lines.append(f"- **Failed: {len(failed)} cases** (see the end of the report).")
    skipped = doc.get("skipped", [])
    absent = [s for s in skipped if not s["reason"].startswith("not part of")]
    other_suite = [s["name"] for s in skipped if s["reason"].startswith("not part of")]
    for s in absent:
        lines.append(f"- Skipped `{s['name']}`: {s['reason']}.")
    if other_suite:
        lines.append(
            f"- Not part of the {doc['suite']} suite ({len(other_suite)}): "
            + ", ".join(f"`{n}`" for n in other_suite)
            + "."
        )
    for name, s in doc.get("series", {}).items():
        if s.get("exponent") is not None:
            sizes = ", ".join(f"{n:,}" for n in s["sizes"])
            lines.append(
                f"- Scaling of `{name}`: time ~ n^{s['exponent']:.2f} (n = {sizes}; "
                f"R² of the fit {s['r2']:.3f})."
            )
    if comparison is not None:
        c, old = comparison["counts"], comparison["old"]
        lines.append(
            f"- Compared with commit {old.get('commit')} ({old.get('created')}): "
            f"**{c['regression']} regressions**, {c['improvement']} improvements, "
            f"{c['unchanged']} unchanged."
        )
    return lines


def _cases_table(doc: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Cases",
        "",
        "| case | params | median s | min s | max s | runs | peak MiB | vs reference | quality "
        "| wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_name = {c["name"]: c for c in doc["cases"]}
    for c in doc["cases"]:
        ref = by_name.get(c["reference"] or "")
        ratio = (
            f"{c['time_s']['median'] / ref['time_s']['median']:.1f}x {ref['name']}" if ref else ""
        )
        t = c["time_s"]
        lines.append(
            f"| {c['name']} | {params_text(c['params'])} | {t['median']:.3f} | {t['min']:.3f} | "
            f"{t['max']:.3f} | {c['repeats']} | {c['peak_memory_mib']:.0f} | {ratio} | "
            f"{short_quality(c['quality'])} | {c.get('wall_s', '')} |"
        )
    return lines


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
                row = [figure(c["quality"][k]) if k in c["quality"] else "" for k in keys]
                lines.append(f"| {c['name']} | " + " | ".join(row) + " |")
        for c in members:
            if c in plain:
                continue
            split = [k.split(".", 1) for k in c["quality"] if "." in k]
            methods = list(dict.fromkeys(m for m, _ in split))
            metrics = list(dict.fromkeys(x for _, x in split))
            lines += [
                "",
                f"`{c['name']}` ({params_text(c['params'])})",
                "",
                "| metric | " + " | ".join(methods) + " |",
                "|---" * (len(methods) + 1) + "|",
            ]
            for metric in metrics:
                row = [figure(c["quality"].get(f"{m}.{metric}", "")) for m in methods]
                lines.append(f"| {metric} | " + " | ".join(row) + " |")
            rest = {k: v for k, v in c["quality"].items() if "." not in k}
            if rest:
                lines += ["", ", ".join(f"{k} = {figure(v)}" for k, v in rest.items())]
    return lines


def _targets_table(doc: dict[str, Any]) -> list[str]:
    lines = ["", "## Targets", "", "| case | target | got | verdict |", "|---|---|---|---|"]
    for c in doc["cases"]:
        for t in c["targets"]:
            lines.append(
                f"| {c['name']} | {t['metric']} {t['op']} {t['value']:g} ({t['note']}) "
                f"| {_got(t)} | {margin(t)} |"
            )
    return lines


def _scaling_table(doc: dict[str, Any]) -> list[str]:
    series = doc.get("series", {})
    if not series:
        return []
    lines = [
        "",
        "## Scaling",
        "",
        "Least squares on log(median time) against log(n); the exponent k of t ~ n^k.",
        "",
        "| series | n | median s | exponent | R² |",
        "|---|---|---|---|---|",
    ]
    for name, s in series.items():
        sizes = ", ".join(f"{n:,}" for n in s["sizes"])
        times = ", ".join(f"{t:.3g}" for t in s["median_s"])
        k = "" if s.get("exponent") is None else f"{s['exponent']:.2f}"
        r2 = "" if s.get("r2") is None else f"{s['r2']:.3f}"
        lines.append(f"| {name} | {sizes} | {times} | {k} | {r2} |")
    return lines


def render(
    doc: dict[str, Any],
    *,
    plots: dict[str, str] | None = None,
    plot_messages: list[str] | None = None,
    comparison: dict[str, Any] | None = None,
) -> str:
    """The whole report.md of a results document."""
    m = doc["machine"]
    elapsed = f", {doc['elapsed_s']:,.0f} s in all" if doc.get("elapsed_s") is not None else ""
    lines = [
        f"# Benchmark report ({doc['suite']} suite)",
        "",
        f"Commit {doc['commit']}, {doc['created']}{elapsed}; machine: {m['cpu']}, "
        f"{m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, {m['platform']}.",
    ]
    if doc.get("note"):
        lines += ["", f"Note: {doc['note']}"]
    lines += _summary(doc, comparison)
    lines += _cases_table(doc)
    lines += _quality_sections(doc["cases"])
    lines += _targets_table(doc)
    lines += _scaling_table(doc)
    if comparison is not None:
        lines += compare.render(comparison)
    if plots or plot_messages:
        lines += ["", "## Plots"]
        for title, path in (plots or {}).items():
            lines += ["", f"### {title}", "", f"![{title}]({path})"]
        if plot_messages:
            lines += [""] + [f"- {msg}" for msg in plot_messages]
    failed = doc.get("failed", [])
    if failed:
        lines += ["", "## Failed cases", ""]
        for f in failed:
            lines += [f"### {f['name']}", "", "```", f["error"].strip()[-3000:], "```", ""]
    return "\n".join(lines) + "\n"
