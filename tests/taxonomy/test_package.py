"""Packaging: data files, lazy loading, ranking helper and docstring examples."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from importlib import import_module
from importlib.resources import files

import pytest

from matchmaker.taxonomy.closest import did_you_mean, rank, tied_best
from matchmaker.taxonomy.resources import read_rows

FOLDERS = ["nuts", "nuts_geo", "nace_rev2", "nace_rev2_1", "s3", "country_languages"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_data_folder_has_its_source_note(folder: str) -> None:
    source = files("matchmaker.taxonomy").joinpath("data", folder, "SOURCE.md")
    assert source.is_file()
    assert source.read_text(encoding="utf-8").startswith("# ")


def test_gzipped_file_is_read() -> None:
    rows = read_rows("nace_rev2", "nace_rev2_eurostat_full.csv.gz", delimiter=";")
    assert len(rows) == 996
    assert rows[0]["Code"] == "A"


def test_nothing_is_loaded_at_import() -> None:
    code = (
        "import matchmaker.taxonomy as t\n"
        "import importlib\n"
        "m = importlib.import_module('matchmaker.taxonomy.nace')\n"
        "assert all(f.cache_info().currsize == 0 for f in (t.nuts, t.nace, t.nace21, t.s3,"
        " t.languages))\n"
        "assert m._notes_rev2.cache_info().currsize == 0\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_did_you_mean() -> None:
    assert did_you_mean([]) == ""
    assert did_you_mean(["FR10"]) == "; did you mean FR10?"
    assert did_you_mean(["FR10", "FR1"]) == "; did you mean FR10 or FR1?"
    assert did_you_mean(["FR10", "FR1", "FRB"]) == "; did you mean FR10, FR1 or FRB?"


def test_rank_prefers_prefix_then_length_then_distance() -> None:
    candidates = ["HR02", "FR1", "FRB0", "FR10", "FR101"]
    assert [c for _, c in rank("FR99", candidates, 5)] == ["FR10", "FRB0", "FR1", "FR101", "HR02"]
    assert rank("", candidates, 3) == []
    assert rank("FR99", candidates, 0) == []


def test_tied_best() -> None:
    assert tied_best(rank("FR99", ["FR10", "FRB0"], 3)) == ["FR10"]
    assert tied_best(rank("DE21X", ["DE21A", "DE21B", "DE21C", "DE21D"], 4)) == [
        "DE21A",
        "DE21B",
        "DE21C",
    ]
    assert tied_best([]) == []


@pytest.mark.parametrize(
    "module",
    [
        "matchmaker.taxonomy",
        "matchmaker.taxonomy.nuts",
        "matchmaker.taxonomy.nace",
        "matchmaker.taxonomy.s3",
        "matchmaker.taxonomy.languages",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
