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
