"""The benchmark entry point runs, writes its result format and checks its targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.core import FORMAT, Target

ROOT = Path(__file__).resolve().parents[1]


def test_target_check() -> None:
    result = {"time_s": {"median": 3.0}, "quality": {"valid": 10}}
    assert Target("time_s.median", "<=", 5.0).check(result)["met"] is True
    assert Target("time_s.median", "<=", 2.0).check(result)["met"] is False
    assert Target("quality.valid", ">=", 10).check(result)["met"] is True
    assert Target("quality.missing", ">=", 1).check(result)["met"] is None


def test_quick_import_case_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--suite",
            "quick",
            "--repeats",
            "1",
            "--out",
            str(tmp_path),
            "--only",
            "import.csv",
            "import.csv.reader",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
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
