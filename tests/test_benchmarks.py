"""The benchmark entry point runs, writes its result format and checks its targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks import core
from benchmarks.core import FORMAT, Case, Target
from benchmarks.suggest_cases import BASELINES, _top_k
from matchmaker.demo import DATA as DEMO_DATA

ROOT = Path(__file__).resolve().parents[1]


def test_target_check() -> None:
    result = {"time_s": {"median": 3.0}, "quality": {"valid": 10}}
    assert Target("time_s.median", "<=", 5.0).check(result)["met"] is True
    assert Target("time_s.median", "<=", 2.0).check(result)["met"] is False
    assert Target("quality.valid", ">=", 10).check(result)["met"] is True
    assert Target("quality.missing", ">=", 1).check(result)["met"] is None


def _bench(out: Path, *names: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["--suite", "quick", "--repeats", "1", "--out", str(out), "--only", *names]
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_setup_runs_once_and_its_state_reaches_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        calls.append("setup")
        return {"from_setup": prepared["path"].upper()}

    def run(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        calls.append("run")
        return {"state": state["from_setup"]}

    monkeypatch.setitem(core.CASES, "test.setup", Case("test.setup", "test", run, setup=setup))
    core.child("test.setup", "quick", json.dumps({"path": "a"}), repeats=3)
    measured = json.loads(capsys.readouterr().out)
    assert calls == ["setup", "run", "run", "run"]
    assert measured["quality"] == {"state": "A"}
    assert len(measured["times"]) == 3


def test_top_k_leaves_out_the_query_only() -> None:
    n, k = 30, 29
    ranked = _top_k(lambda rows: np.ones((len(rows), n)), n, k, np.random.default_rng(0), chunk=7)
    for q, row in enumerate(ranked):
        assert sorted(row) == [j for j in range(n) if j != q]


def test_top_k_orders_by_score_and_breaks_ties_at_random() -> None:
    n = 50
    scores = np.zeros((n, n))
    scores[:, 7] = 1.0  # one item every query prefers, then ties only
    ranked = _top_k(lambda rows: scores[rows], n, 3, np.random.default_rng(0))
    assert (ranked[np.arange(n) != 7, 0] == 7).all()
    assert len({tuple(r[1:]) for r in ranked}) > n // 2


def test_quick_import_case_runs(tmp_path: Path) -> None:
    proc = _bench(tmp_path, "import.csv", "import.csv.reader")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["format"] == FORMAT
    assert doc["machine"]["cores"] == os.cpu_count()
    case = {c["name"]: c for c in doc["cases"]}["import.csv"]
    assert case["params"] == {"n": 10_000}
    assert case["quality"]["valid"] == 10_000
    assert case["peak_memory_mib"] > 0
    assert all(t["met"] for t in case["targets"])
    report = (tmp_path / "report.md").read_text()
    assert "| import.csv | n=10000 |" in report
    assert "x import.csv.reader" in report


def test_quick_score_and_ranking_cases_run(tmp_path: Path) -> None:
    proc = _bench(tmp_path, "score.matrix", "quality.ranking")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    doc = json.loads((tmp_path / "results.json").read_text())
    case = {c["name"]: c for c in doc["cases"]}
    assert case["score.matrix"]["quality"]["n"] == 500
    quality = case["quality.ranking"]["quality"]
    assert quality["n"] == 1_000
    for method in ("full", *BASELINES, "ablation_complementarity_only"):
        assert 0.0 <= quality[f"{method}.ndcg@10"] <= 1.0
    assert {t["metric"] for t in case["quality.ranking"]["targets"]} == {
        f"quality.margin_vs_{b}" for b in BASELINES
    }
    assert all(t["met"] for c in doc["cases"] for t in c["targets"])
    report = (tmp_path / "report.md").read_text()
    assert "## Quality" in report
    assert "| metric | full | random | s3_overlap | text_similarity | sector_overlap |" in report
    assert "| ndcg@10 |" in report


# --- targets, selection, skipped cases ------------------------------------------------------


def test_target_reads_figures_whose_names_hold_dots() -> None:
    result = {"quality": {"matchmaker.gap_pct": 0.0, "values": {"RanReal_n120_ss_01": 5.0}}}
    assert Target("quality.matchmaker.gap_pct", "<=", 0.1).check(result)["met"] is True
    assert Target("quality.values.RanReal_n120_ss_01", ">=", 6).check(result)["met"] is False
    assert Target("quality.matchmaker.missing", "<=", 1).check(result)["got"] is None


def test_select_by_name_group_prefix_and_part() -> None:
    from benchmarks.run import select

    def case(name: str, group: str) -> Case:
        return Case(name, group, lambda state, params: {})

    cases = {
        c.name: c
        for c in (
            case("pairs.dense", "pairs"),
            case("pairs.leuven", "pairs"),
            case("schedule.leuven", "schedule"),
            case("mdgp.n120", "grouping"),
            case("mdgp.exact", "grouping"),
        )
    }
    assert select(["pairs.dense"], cases) == ["pairs.dense"]
    assert select(["grouping"], cases) == ["mdgp.n120", "mdgp.exact"]
    assert select(["mdgp"], cases) == ["mdgp.n120", "mdgp.exact"]
    assert select(["leuven", "pairs.dense"], cases) == [
        "pairs.dense",
        "pairs.leuven",
        "schedule.leuven",
    ]
    with pytest.raises(LookupError, match=r"no case matches 'nope'; the cases are: pairs.dense"):
        select(["pairs", "nope"], cases)


def test_a_skipped_case_is_recorded_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import cases  # noqa: F401  (registers the real cases first)
    from benchmarks.run import main

    def never(state: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("a skipped case must not run")

    skipped = Case("test.absent", "test", never, skip="its data folder is missing")
    full_only = Case("test.full", "test", never, params={"full": {"n": 1}})
    monkeypatch.setitem(core.CASES, skipped.name, skipped)
    monkeypatch.setitem(core.CASES, full_only.name, full_only)
    assert main(["--only", "test.absent", "test.full", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["cases"] == []
    assert {s["name"]: s["reason"] for s in doc["skipped"]} == {
        "test.absent": "its data folder is missing",
        "test.full": "not part of the quick suite (runs in: full)",
    }
    report = (tmp_path / "report.md").read_text()
    assert "- Skipped `test.absent`: its data folder is missing." in report
    assert "Not part of the quick suite (1): `test.full`" in report


def test_quick_suite_keeps_at_most_three_runs() -> None:
    case = Case("test.runs", "test", lambda state, params: {}, repeats=5)
    assert core.repeats_of(case, "quick", None) == 3
    assert core.repeats_of(case, "full", None) == 5
    assert core.repeats_of(case, "quick", 7) == 7


# --- the scaling fit --------------------------------------------------------------------------


def test_fit_exponent_recovers_a_known_power_law() -> None:
    from benchmarks.metrics import fit_exponent

    n = np.array([250, 500, 1000, 2000, 4000])
    fit = fit_exponent(n, 3e-7 * n**1.5)
    assert fit["exponent"] == pytest.approx(1.5)
    assert fit["coefficient"] == pytest.approx(3e-7)
    assert fit["r2"] == pytest.approx(1.0)
    noisy = 2e-6 * n**2.0 * np.array([1.05, 0.97, 1.02, 0.99, 1.01])
    assert fit_exponent(n, noisy)["exponent"] == pytest.approx(2.0, abs=0.05)
    with pytest.raises(ValueError, match="two or more distinct sizes"):
        fit_exponent([100, 100], [1.0, 2.0])


def test_series_are_fitted_from_the_cases_of_the_run() -> None:
    from benchmarks.run import _series

    def point(name: str, n: int, median: float) -> dict[str, Any]:
        return {"name": name, "params": {"n": n}, "series": "op", "time_s": {"median": median}}

    results = [point("op", 1000, 0.4), point("op.small", 500, 0.1), point("op.big", 2000, 1.6)]
    series = _series([*results, {"name": "other", "params": {}, "time_s": {"median": 1.0}}])
    assert list(series) == ["op"]
    assert series["op"]["sizes"] == [500, 1000, 2000]
    assert series["op"]["cases"] == ["op.small", "op", "op.big"]
    assert series["op"]["exponent"] == pytest.approx(2.0)


# --- comparison with an older run -------------------------------------------------------------


def _case(name: str, runs: list[float], quality: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "params": extra.get("params", {"n": 10}),
        "time_s": {"median": float(np.median(runs)), "min": min(runs), "max": max(runs)},
        "peak_memory_mib": extra.get("memory", 100.0),
        "quality": quality,
    }


def _doc(*cases: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "commit": "abc1234", "created": "2026-01-01", "cases": list(cases)}


def _verdicts(comparison: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(e["case"], e["figure"]): e["verdict"] for e in comparison["entries"]}


def test_compare_flags_a_slower_case_and_a_worse_figure() -> None:
    from benchmarks.compare import compare

    old = _doc(_case("a", [1.0, 1.01, 0.99], {"full.ndcg@10": 0.50, "matchmaker.gap_pct": 0.0}))
    new = _doc(_case("a", [1.3, 1.31, 1.29], {"full.ndcg@10": 0.45, "matchmaker.gap_pct": 0.3}))
    result = compare(old, new)
    verdicts = _verdicts(result)
    assert verdicts[("a", "time_s.median")] == "regression"  # +30 % > max(20 %, 3 x 2 %)
    assert verdicts[("a", "full.ndcg@10")] == "regression"  # higher is better: -0.05
    assert verdicts[("a", "matchmaker.gap_pct")] == "regression"  # lower is better: +0.3
    assert result["counts"]["regression"] == 3
    assert result["old"]["commit"] == "abc1234"


def test_compare_does_not_flag_noise() -> None:
    from benchmarks.compare import compare

    # Runs spread by 20 % of the median: only a change beyond 3 x 20 % = 60 % counts.
    old = _doc(_case("a", [0.9, 1.0, 1.1], {"full.ndcg@10": 0.50}, memory=100.0))
    new = _doc(_case("a", [1.4, 1.5, 1.6], {"full.ndcg@10": 0.495}, memory=104.0))
    verdicts = _verdicts(compare(old, new))
    assert verdicts[("a", "time_s.median")] == "unchanged"
    assert verdicts[("a", "full.ndcg@10")] == "unchanged"  # within 0.01
    assert verdicts[("a", "peak_memory_mib")] == "unchanged"


def test_compare_counts_improvements_and_leaves_baselines_and_sizes_out() -> None:
    from benchmarks.compare import compare, render

    quality_old = {"matchmaker.objective_pct": 95.0, "random.objective_pct": 40.0, "n": 10}
    quality_new = {"matchmaker.objective_pct": 99.0, "random.objective_pct": 10.0, "n": 20}
    old = _doc(
        _case("a", [2.0, 2.0, 2.0], quality_old),
        _case("b", [1.0], {}, params={"n": 5}),
    )
    new = _doc(
        _case("a", [1.0, 1.0, 1.0], quality_new),
        _case("b", [9.0], {}, params={"n": 50}),
        _case("c", [1.0], {}),
    )
    result = compare(old, new)
    verdicts = _verdicts(result)
    assert verdicts[("a", "time_s.median")] == "improvement"
    assert verdicts[("a", "matchmaker.objective_pct")] == "improvement"
    assert ("a", "random.objective_pct") not in verdicts  # a baseline's figure
    assert ("a", "n") not in verdicts  # a size, not a quality
    assert result["counts"]["regression"] == 0
    assert {x["case"]: x["why"] for x in result["not_compared"]} == {
        "b": "other parameters",
        "c": "not in the old run",
    }
    text = "\n".join(render(result))
    assert "## Compared with" in text
    assert "**0 regressions**, 2 improvements" in text
    assert "| a | matchmaker.objective_pct (higher is better) | 95 | 99 | +4 (+4.2 %) |" in text


def test_compare_refuses_a_file_of_another_format(tmp_path: Path) -> None:
    from benchmarks.compare import load

    path = tmp_path / "old.json"
    path.write_text('{"format": "other/1"}')
    with pytest.raises(ValueError, match=r"not a results.json of format matchmaker-bench/1"):
        load(path)
    with pytest.raises(ValueError, match="cannot be read"):
        load(tmp_path / "missing.json")


# --- a user's own file ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def user_registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from matchmaker.io import write_organisations
    from matchmaker.synth import generate_registry

    folder = tmp_path_factory.mktemp("user")
    registry = generate_registry(40, seed=5, difficulty="easy")
    data = write_organisations(registry.organisations, folder / "mine.csv")
    links = folder / "links.csv"
    links.write_text("id_a,id_b\n" + "".join(f"{a},{b}\n" for a, b in registry.links))
    return data, links


def test_user_registry_with_links_gives_ranking_metrics(
    user_registry: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.user_cases import check, register_user_cases

    data, links = user_registry
    assert check(str(data), str(links)) == "registry"
    for name in ("user.import", "user.ranking"):
        monkeypatch.delitem(core.CASES, name, raising=False)
    names = register_user_cases(str(data), str(links), "registry")
    assert names == ["user.import", "user.ranking"]
    case = core.CASES["user.ranking"]
    assert case.setup is not None
    params = case.params["quick"]
    quality = case.run(case.setup({}, params), params)
    assert quality["n"] == 40
    assert quality["links"] > 0
    for method in ("full", "random", "s3_overlap", "text_similarity", "sector_overlap"):
        assert 0.0 <= quality[f"{method}.ndcg@10"] <= 1.0
    assert quality["margin_vs_random"] > 0  # planted links at 'easy' are found
    scores = quality["distributions"]["scores"]
    assert sum(scores["counts"]) == 40 * 39 // 2
    imported = core.CASES["user.import"].run({}, params)
    assert imported == {"rows": 40, "valid": 40}


def test_user_registry_without_links_gives_exposure_figures(
    user_registry: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.user_cases import register_user_cases

    data, _ = user_registry
    monkeypatch.delitem(core.CASES, "user.ranking", raising=False)
    monkeypatch.delitem(core.CASES, "user.import", raising=False)
    register_user_cases(str(data), None, "registry")
    case = core.CASES["user.ranking"]
    assert case.setup is not None
    params = case.params["quick"]
    quality = case.run(case.setup({}, params), params)
    assert 0.0 < quality["coverage"] <= 1.0
    assert 0.0 <= quality["exposure_gini"] <= 1.0
    assert not any(k.endswith("ndcg@10") for k in quality)


def test_user_files_with_problems_are_named(
    user_registry: tuple[Path, Path], tmp_path: Path
) -> None:
    from benchmarks.user_cases import UserDataError, check

    data, _ = user_registry
    bad = tmp_path / "bad_links.csv"
    bad.write_text("id_a,id_b\norg-000001,org-000002\norg-000003,nope\norg-000004\n")
    with pytest.raises(UserDataError, match=r"row 3: id 'nope' is not an organisation of the data"):
        check(str(data), str(bad))
    with pytest.raises(UserDataError, match=r"row 4: needs two ids"):
        check(str(data), str(bad))
    with pytest.raises(UserDataError, match=r"data file 'missing\.csv' does not exist"):
        check("missing.csv", None)
    event = DEMO_DATA / "leuven-2018" / "event.json"
    with pytest.raises(UserDataError, match="--links goes with an organisation registry"):
        check(str(event), str(bad))
    assert check(str(event), None) == "event"


# --- plots ------------------------------------------------------------------------------------


def test_plots_are_written_from_a_results_document(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from benchmarks.plots import make_plots

    case = {
        "name": "breakouts.x",
        "params": {"n": 30},
        "frontier": "objective_pct",
        "quality": {
            "matchmaker.objective_pct": 90.0,
            "matchmaker.time_s": 0.5,
            "random.objective_pct": 40.0,
            "random.time_s": 0.001,
        },
        "distributions": {
            "scores": {"edges": [0.0, 0.5, 1.0], "counts": [3, 1], "n": 4, "mean": 0.4},
            "meetings_per_participant": {"matchmaker": [0, 2, 5], "greedy": [1, 3, 3]},
            "room_country_entropy": {"matchmaker": [1.0, 1.5], "random": [0.5, 1.2]},
            "room_type_entropy": {"matchmaker": [1.1, 1.3], "random": [0.9, 1.0]},
        },
    }
    series = {"op": {"sizes": [10, 20], "median_s": [1.0, 4.0], "exponent": 2.0,
                     "coefficient": 0.01, "r2": 1.0}}  # fmt: skip
    written, messages = make_plots({"cases": [case], "series": series}, tmp_path)
    assert messages == []
    assert sorted(written.values()) == [
        "plots/meetings_per_participant.png",
        "plots/quality_vs_time.png",
        "plots/room_diversity.png",
        "plots/scaling.png",
        "plots/score_distributions.png",
    ]
    for path in written.values():
        assert (tmp_path / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written, messages = make_plots({"cases": [], "series": {}}, tmp_path)
    assert written == {}
    assert len(messages) == 5
    assert not (tmp_path / "plots" / "scaling.png").exists()  # an older plot is not left


# --- the command line -------------------------------------------------------------------------


def test_the_runner_lists_the_cases(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.run import main

    assert main(["--list", "--suite", "quick"]) == 0
    out = capsys.readouterr().out
    assert "pairs.leuven" in out
    assert "breakouts.event" in out
    assert "[skipped in the quick suite: not part of the quick suite (runs in: full)]" in out


def test_the_runner_names_an_unknown_case(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.run import main

    assert main(["--only", "nope", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert "error: no case matches 'nope'; the cases are: " in err
    assert "pairs.leuven" in err
    assert "the groups: breakouts, grouping" in err
