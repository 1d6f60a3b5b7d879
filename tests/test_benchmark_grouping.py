"""``python -m benchmarks.grouping``: one instance file, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.grouping import main

MDGP = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks" / "mdgplib"
RANREAL = MDGP / "RanReal" / "RanReal_n010_ss_01.txt"
needs_instances = pytest.mark.skipif(
    not RANREAL.is_file(), reason=f"MDGPLIB instances not found at {MDGP}"
)


@needs_instances
def test_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(RANREAL), "--time-limit", "0.5", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("RanReal_n010_ss_01: value ")
    assert "(n=10, groups=2)" in out


@needs_instances
def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(RANREAL), "--time-limit", "0.5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "RanReal_n010_ss_01"
    assert doc["kind"] == "mdgp"
    assert doc["n"] == 10
    assert doc["value"] > 0


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nowhere.txt", "--time-limit", "1"]) == 1
    assert "error: instance file 'nowhere.txt' does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--time-limit", "inf"], "--time-limit must be above 0 and at most 3600 seconds; got inf"),
        (["--time-limit", "0"], "--time-limit must be above 0"),
        (["--time-limit", "1", "--seed", "-5"], "--seed must be from 0"),
    ],
)
def test_bounded_options(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["none.txt", *option]) == 1  # checked before the file is looked for
    assert message in capsys.readouterr().err
