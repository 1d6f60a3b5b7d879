"""A user's own data as a benchmark dataset: ``--data FILE [--links FILE]``.

- An organisation registry (CSV, XLSX or JSON, the import format): ``user.import`` (read and
  validate it) and ``user.ranking`` (top-10 suggestions of every organisation). With a links
  file of known partner pairs, the ranking metrics of the product and of the single-signal
  baselines are computed against them; without one, the pair-score distribution, catalogue
  coverage and exposure Gini of the suggestions. Time and peak memory in both cases.
- An event file (JSON with participants): ``user.pairs``, ``user.schedule`` (slots added when
  the event has none) and ``user.breakouts`` (the event's rooms, or one room per ten
  participants), with the same baselines as the Leuven cases.

The parent process checks the files first (a message that names the file, row and value, not
a traceback) and passes them to the child processes in the environment.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.core import Case, register

ENV_DATA = "MATCHMAKER_BENCH_DATA"
ENV_LINKS = "MATCHMAKER_BENCH_LINKS"
K = 10
SCORE_SAMPLE = 3_000  # pair scores of at most this many organisations make the distribution


class UserDataError(ValueError):
    """A user's file cannot serve as a dataset; the message says which file and why."""


def is_event(path: Path) -> bool:
    """An event file: a JSON object with participants (organisations alone are not one)."""
    if path.suffix.casefold() != ".json":
        return False
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False  # the organisation reader says what is wrong with it
    return isinstance(doc, dict) and "participants" in doc


def read_links(path: Path, known: set[str]) -> list[tuple[str, str]]:
    """Known partner pairs from a CSV of two columns ``id_a,id_b`` (a header row is optional:
    a first row naming no known organisation is taken as one).

    Raises
    ------
    UserDataError
        Naming the row and the value of every bad row (at most 10 shown): not two ids, an id
        not in the registry, an organisation paired with itself.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UserDataError(f"links file '{path}' cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UserDataError(f"links file '{path}' is not UTF-8 text") from None
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(c.strip() for c in row)
    ]
    if rows and not {c.strip() for c in rows[0][1][:2]} & known:
        rows = rows[1:]  # a header
    problems: list[str] = []
    links: list[tuple[str, str]] = []
    for number, row in rows:
        cells = [c.strip() for c in row if c.strip()]
        if len(cells) != 2:
            problems.append(f"row {number}: needs two ids (id_a,id_b); got {row!r}")
            continue
        a, b = cells
        missing = [x for x in (a, b) if x not in known]
        if missing:
            problems.append(f"row {number}: id '{missing[0]}' is not an organisation of the data")
        elif a == b:
            problems.append(f"row {number}: '{a}' is paired with itself")
        else:
            links.append((a, b))
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise UserDataError(f"links file '{path}': {shown}{more}")
    if not links:
        raise UserDataError(f"links file '{path}' has no pair of ids (id_a,id_b)")
    return links


def check(data: str, links: str | None) -> str:
    """Read the user's files once, before any case runs; returns ``"event"`` or
    ``"registry"``.

    Raises
    ------
    UserDataError
        The data or links file is missing, links go with an event file, or a links row is bad.
    matchmaker.errors.InvalidInputError
        The registry or event has problems (every problem listed).
    """
    path = Path(data)
    if not path.is_file():
        raise UserDataError(f"data file '{data}' does not exist")
    if links is not None and not Path(links).is_file():
        raise UserDataError(f"links file '{links}' does not exist")
    if is_event(path):
        from matchmaker.io import read_event

        if links is not None:
            raise UserDataError(
                "--links goes with an organisation registry; an event file is measured on "
                "its pairs, schedule and breakout rooms"
            )
        read_event(path)
        return "event"
    from matchmaker.io import read_organisations

    orgs = read_organisations(path).organisations
    if len(orgs) < 2:
        raise UserDataError(f"data file '{data}' has {len(orgs)} organisation; at least 2")
    if links is not None:
        read_links(Path(links), {o.id for o in orgs})
    return "registry"


# --- the registry cases ---------------------------------------------------------------------


def _import(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.io import read_organisations

    report = read_organisations(params["file"])
    return {"rows": report.rows, "valid": len(report.organisations)}


def _ranking_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.io import read_organisations
    from matchmaker.quality.ranking import relevant_from_links
    from matchmaker.vectorise import ProfileSpace

    orgs = list(read_organisations(params["file"]).organisations)
    space = ProfileSpace().fit(orgs)
    profiles = space.transform(orgs)
    relevant = None
    if params.get("links"):
        pairs = read_links(Path(params["links"]), {o.id for o in orgs})
        relevant = relevant_from_links(pairs, profiles.index, len(profiles))
    rng = np.random.default_rng(0)
    sample = orgs
    if len(orgs) > SCORE_SAMPLE:
        sample = [orgs[int(i)] for i in rng.choice(len(orgs), SCORE_SAMPLE, replace=False)]
    return {
        "profiles": profiles,
        "sample": space.transform(sample),
        "relevant": relevant,
        "links": 0 if relevant is None else sum(len(r) for r in relevant) // 2,
    }


def _ranking(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.metrics import histogram, upper_triangle
    from benchmarks.suggest_cases import BASELINES, _rankings, _scorer_ranking
    from matchmaker.quality.ranking import catalogue_coverage, exposure_gini, ranking_report
    from matchmaker.score import make_scorer, score_matrix

    profiles, relevant = state["profiles"], state["relevant"]
    n = len(profiles)
    k = min(K, n - 1)
    quality: dict[str, Any] = {"n": n, "links": state["links"]}
    if relevant is not None:
        ndcg = f"ndcg@{k}"
        for method, ranked in _rankings(profiles, k).items():
            report = ranking_report(ranked, relevant, n_items=n, k=k)
            quality["queries"] = report.pop("queries")
            quality.update({f"{method}.{m}": round(v, 4) for m, v in report.items()})
        for baseline in BASELINES:
            margin = quality[f"full.{ndcg}"] - quality[f"{baseline}.{ndcg}"]
            quality[f"margin_vs_{baseline}"] = round(margin, 4)
    else:
        ranked = _scorer_ranking(profiles, make_scorer(), k)
        quality["coverage"] = round(catalogue_coverage(ranked, n, k), 4)
        quality["exposure_gini"] = round(exposure_gini(ranked, n, k), 4)
    scores, _ = score_matrix(state["sample"], make_scorer())
    pair_scores = upper_triangle(scores)
    quality["score_mean"] = round(float(pair_scores.mean()), 4)
    quality["distributions"] = {"scores": histogram(pair_scores)}
    return quality


# --- registration ---------------------------------------------------------------------------


def register_user_cases(data: str, links: str | None, kind: str) -> list[str]:
    """Register the cases of the user's file; returns their names."""
    from benchmarks import event_cases

    file = str(Path(data).resolve())
    params: dict[str, Any] = {"file": file, "event": file, "exact_limit": 60}
    if links:
        params["links"] = str(Path(links).resolve())
    same = {"quick": params, "full": params}
    label = Path(data).name
    cases: list[Case]
    if kind == "registry":
        cases = [
            Case("user.import", "user", _import, params=same, repeats=3,
                 description=f"Read and validate {label}."),
            Case("user.ranking", "user", _ranking, setup=_ranking_setup, params=same, repeats=1,
                 description=f"Top-{K} suggestions of every organisation of {label}"
                 + (", against the known links, with the baselines." if links else ".")),
        ]  # fmt: skip
    else:
        cases = [
            Case("user.pairs", "user", event_cases.pairs_run, setup=event_cases.pairs_setup,
                 params=same, repeats=3, frontier="objective_pct",
                 description=f"Partner pairs of {label} with the references and baselines."),
            Case("user.schedule", "user", event_cases.schedule_run,
                 setup=event_cases.schedule_setup, params=same, repeats=3,
                 frontier="share_of_bound_pct",
                 description=f"1:1 schedule of {label} with the baselines."),
            Case("user.breakouts", "user", event_cases.breakouts_run,
                 setup=_breakouts_setup, params=same, repeats=1, frontier="objective_pct",
                 description=f"Breakout rooms of {label} with the baselines."),
        ]  # fmt: skip
    for case in cases:
        register(case)
    return [c.name for c in cases]


def _breakouts_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The event's rooms, or one room per ten participants, over its rounds (at least one)."""
    from benchmarks import event_cases

    event = event_cases.read(params["event"])
    extra: dict[str, Any] = {}
    if not event.rooms:
        extra["rooms"] = max(2, round(len(event.participants) / 10))
    if not event.rounds:
        extra["rounds"] = 1
    return event_cases.breakouts_setup(prepared, {**params, **extra})


def register_from_environment() -> list[str]:
    """In a child process: the user's cases, when the parent named a data file."""
    data = os.environ.get(ENV_DATA)
    if not data:
        return []
    links = os.environ.get(ENV_LINKS) or None
    kind = "event" if is_event(Path(data)) else "registry"
    return register_user_cases(data, links, kind)
