"""``--compare OLD/results.json``: what got worse (or better) beyond noise since an older run.

Per case present in both runs with the same parameters:

- **time** (``time_s.median``) is a regression when the new median exceeds the old one by more
  than ``max(20 %, 3 x spread)``, where the spread of a run is ``(max - min) / median`` of its
  timed runs and the larger spread of the two runs counts; an improvement when it is below the
  old one by the same margin. **Peak memory** by more than 20 % (and 5 MiB).
- **quality figures** of the solver (not of the baselines and references, whose figures are
  there to read) are compared by :data:`RULES`: each figure has a direction (higher or lower
  is better) and a tolerance, absolute or relative; a figure without a rule (a count, a size)
  is not compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchmarks.core import FORMAT

Direction = Literal["higher", "lower"]

TIME_FLOOR = 0.20  # a time must move by at least 20 % ...
TIME_SPREADS = 3.0  # ... and by at least 3 times the spread of the runs
MEMORY_SHARE = 0.20
MEMORY_FLOOR_MIB = 5.0

# Methods whose figures are references or baselines, not the solver's own.
NOT_OURS = re.compile(
    r"^(random|greedy|swap_ls|rustworkx|networkx|s3_overlap|text_similarity|sector_overlap|"
    r"tfidf_needs_offers|popularity|common_neighbours|adamic_adar|tfidf_text|policy_learning|"
    r"business|research|ablation_\w+)\."
)


@dataclass(frozen=True)
class Rule:
    """How a quality figure is compared: ``pattern`` matches the figure's own name (after a
    ``method.`` prefix); ``direction`` ``None`` means the figure is not compared."""

    pattern: str
    direction: Direction | None
    tolerance: float = 0.0
    relative: bool = False

    def allowed(self, old: float) -> float:
        return self.tolerance * abs(old) if self.relative else self.tolerance


# First match wins. Tolerances: deterministic figures (seeded, no time limit) get none or a
# rounding margin; figures of time-limited searches get 0.5 %; times within quality the 20 %.
RULES: tuple[Rule, ...] = (
    Rule(r"bound|^optimum$|^exact_objective$|^random_repeats$|^reference_s$|^links$", None),
    Rule(r"(^|_)time_s$|_ms(_|$)|^solve_s$", "lower", TIME_FLOOR, relative=True),
    Rule(r"^speedup", "higher", 2 * TIME_FLOOR, relative=True),  # a ratio of two times
    Rule(
        r"violations$|^problems$|^unmatched$|^below_floor$|_better$|_avoidable$|without_meeting$",
        "lower",
    ),
    Rule(r"^gap_to_best_pct$", "lower", 0.25),  # a time-limited search: percentage points
    Rule(r"^gap", "lower", 0.1),
    Rule(r"^share_with_none_pct$", "lower", 0.5),
    Rule(r"^repeats(_vs_random)?$", "lower", 0.05, relative=True),
    Rule(r"^exposure_gini$", "lower", 0.01),
    Rule(r"^(precision|recall|ndcg)@\d+$|^mrr$|^coverage$|^reciprocal_hit_rate$", "higher", 0.01),
    Rule(r"^margin_vs_\w+_pct$", "higher", 0.5),
    Rule(r"^margin_vs_|^margin_learned_vs_", "higher", 0.01),
    Rule(r"^ratio_\w+_vs_", "higher", 0.05, relative=True),
    Rule(r"_entropy_(mean|min)$", "higher", 0.05),
    Rule(r"_pct(_mean|_min)?$", "higher", 0.5),  # shares of an optimum, bound or reference
    Rule(r"^exact_share$|^optimal$|^valid$|^full_lists$|^min_meetings", "higher"),
    Rule(r"^median_meetings$", "higher", 0.5),
    Rule(r"^(objective|value)$|^values\.", "higher", 0.005, relative=True),
)


def rule_for(figure: str) -> Rule | None:
    """The rule of a (flattened) figure name, or ``None`` when it is not compared."""
    if NOT_OURS.match(figure):
        return None
    name = figure
    if "." in figure and not figure.startswith("values."):
        name = figure.split(".", 1)[1]
    for rule in RULES:
        if re.search(rule.pattern, name):
            return rule if rule.direction else None
    return None


def flatten(quality: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Numeric figures as ``(dotted name, value)``; nested dicts are walked."""
    for key, value in quality.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield name, float(value)


def spread(case: dict[str, Any]) -> float:
    """``(max - min) / median`` of the timed runs of a case (0 for one run)."""
    t = case["time_s"]
    return (t["max"] - t["min"]) / t["median"] if t["median"] > 0 else 0.0


def _entry(
    case: str, figure: str, old: float, new: float, direction: Direction, allowed: float
) -> dict[str, Any]:
    worse = new - old if direction == "lower" else old - new
    verdict = "unchanged"
    if worse > allowed:
        verdict = "regression"
    elif -worse > allowed:
        verdict = "improvement"
    return {
        "case": case,
        "figure": figure,
        "old": old,
        "new": new,
        "change": new - old,
        "change_pct": 100 * (new - old) / abs(old) if old else None,
        "direction": direction,
        "allowed": allowed,
        "verdict": verdict,
    }


def _time_entry(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Slower by more than the noise is a regression; faster by more (``old > new x (1 +
    noise)``, the same ratio the other way) an improvement."""
    noise = max(TIME_FLOOR, TIME_SPREADS * max(spread(old), spread(new)))
    o, n = old["time_s"]["median"], new["time_s"]["median"]
    entry = _entry(new["name"], "time_s.median", o, n, "lower", noise * o)
    if n > o * (1 + noise):
        entry["verdict"] = "regression"
    elif o > n * (1 + noise):
        entry["verdict"] = "improvement"
    else:
        entry["verdict"] = "unchanged"
    entry["noise_pct"] = round(100 * noise, 1)
    return entry


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Every comparable figure of ``new`` against ``old`` (two results documents).

    Returns ``{"old": {commit, created, suite, machine}, "entries": [...], "counts":
    {regression, improvement, unchanged}, "not_compared": [{case, why}]}``; each entry has
    the case, figure, old and new values, the change, the direction, the allowed change and
    the verdict.
    """
    old_cases = {c["name"]: c for c in old.get("cases", [])}
    entries: list[dict[str, Any]] = []
    not_compared: list[dict[str, str]] = []
    for case in new["cases"]:
        before = old_cases.get(case["name"])
        if before is None:
            not_compared.append({"case": case["name"], "why": "not in the old run"})
            continue
        if before.get("params") != case.get("params"):
            not_compared.append({"case": case["name"], "why": "other parameters"})
            continue
        entries.append(_time_entry(before, case))
        o_mem, n_mem = before["peak_memory_mib"], case["peak_memory_mib"]
        allowed = max(MEMORY_SHARE * o_mem, MEMORY_FLOOR_MIB)
        entries.append(_entry(case["name"], "peak_memory_mib", o_mem, n_mem, "lower", allowed))
        old_q = dict(flatten(before.get("quality", {})))
        for figure, value in flatten(case.get("quality", {})):
            rule = rule_for(figure)
            if rule is None or figure not in old_q or rule.direction is None:
                continue
            was = old_q[figure]
            entries.append(
                _entry(case["name"], figure, was, value, rule.direction, rule.allowed(was))
            )
    counts = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    return {
        "old": {k: old.get(k) for k in ("commit", "created", "suite", "machine")},
        "entries": entries,
        "counts": counts,
        "not_compared": not_compared,
    }


VERDICTS = ("regression", "improvement", "unchanged")


def load(path: str | Path) -> dict[str, Any]:
    """An older results document.

    Raises
    ------
    ValueError
        When the file cannot be read or is not a results document of this format.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"--compare: '{path}' cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise ValueError(f"--compare: '{path}' is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ValueError(
            f"--compare: '{path}' is not a results.json of format {FORMAT} (format: {got!r})"
        )
    return doc


def _value(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1e5 else f"{v:,.4g}"


def render(comparison: dict[str, Any]) -> list[str]:
    """The "Compared with" section of the report."""
    old = comparison["old"]
    counts = comparison["counts"]
    machine = old.get("machine") or {}
    lines = [
        "",
        "## Compared with",
        "",
        f"The run of commit {old.get('commit')} ({old.get('created')}, {old.get('suite')} suite, "
        f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores): "
        f"**{counts['regression']} regressions**, {counts['improvement']} improvements, "
        f"{counts['unchanged']} unchanged (figures compared). Time: a change beyond "
        f"max({TIME_FLOOR:.0%}, {TIME_SPREADS:g} x the spread of the runs); quality: beyond "
        "the tolerance of each figure (benchmarks/README.md).",
    ]
    for verdict, title in (("regression", "Regressions"), ("improvement", "Improvements")):
        chosen = [e for e in comparison["entries"] if e["verdict"] == verdict]
        if not chosen:
            continue
        lines += [
            "",
            f"### {title}",
            "",
            "| case | figure | old | new | change | allowed |",
            "|---|---|---|---|---|---|",
        ]
        for e in chosen:
            pct = f" ({e['change_pct']:+.1f} %)" if e["change_pct"] is not None else ""
            better = "lower" if e["direction"] == "lower" else "higher"
            lines.append(
                f"| {e['case']} | {e['figure']} ({better} is better) | {_value(e['old'])} | "
                f"{_value(e['new'])} | {e['change']:+,.4g}{pct} | {_value(e['allowed'])} |"
            )
    if comparison["not_compared"]:
        shown = ", ".join(f"`{x['case']}` ({x['why']})" for x in comparison["not_compared"])
        lines += ["", f"Not compared: {shown}."]
    return lines
