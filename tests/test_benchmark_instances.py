"""Readers of MDGPLIB and CCPLIB files: each format, detection, malformed files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.instances import read_ccp, read_instance, read_mdgp
from matchmaker.errors import InvalidInputError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"

MDGP_TEXT = "4 2 ds 1 3 1 3\n0 1 1.5\n0 2 2\n0 3 3\n1 2 4\n1 3 5\n2 3 6\n"
CCP_TEXT = "3 2 ds 1 4 2 5 W 1 2 3\n0 1 1.0\n0 2 0.5\n1 2 2.5\n"
HANDOVER_TEXT = "3\n2\n4.5\n1.25\n2\n3.5\n0 1 2 1 0 3 2 3 0"


def write(tmp_path: Path, text: str, name: str = "inst.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_mdgp(tmp_path: Path) -> None:
    inst = read_instance(write(tmp_path, MDGP_TEXT))
    assert inst.kind == "mdgp"
    assert inst.name == "inst"
    np.testing.assert_array_equal(inst.lo, [1, 1])
    np.testing.assert_array_equal(inst.hi, [3, 3])
    np.testing.assert_array_equal(inst.seats, [1, 1, 1, 1])
    assert inst.weights[3, 2] == inst.weights[2, 3] == 6.0
    assert np.all(np.diag(inst.weights) == 0)


def test_mdgp_ss(tmp_path: Path) -> None:
    inst = read_mdgp(write(tmp_path, MDGP_TEXT.replace("ds 1 3 1 3", "ss 2 2 2 2")))
    np.testing.assert_array_equal(inst.lo, inst.hi)


def test_ccp(tmp_path: Path) -> None:
    inst = read_instance(write(tmp_path, CCP_TEXT))
    assert inst.kind == "ccp"
    np.testing.assert_array_equal(inst.seats, [1, 2, 3])
    np.testing.assert_array_equal(inst.lo, [1, 2])
    np.testing.assert_array_equal(inst.hi, [4, 5])
    assert inst.weights[1, 2] == 2.5


def test_handover_scales_fractional_weights(tmp_path: Path) -> None:
    inst = read_instance(write(tmp_path, HANDOVER_TEXT, "20_2_1"))
    assert inst.kind == "ccp"
    assert inst.seat_scale == 100
    np.testing.assert_array_equal(inst.seats, [125, 200, 350])
    np.testing.assert_array_equal(inst.hi, [450, 450])
    np.testing.assert_array_equal(inst.lo, [0, 0])
    assert inst.weights[1, 2] == 3.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("4 2 xx 1 3 1 3\n", r"line 1: the type must be 'ss' or 'ds'; got 'xx'"),
        ("4 2 ds 1 3\n", r"line 1: expected 4 group bounds for G = 2; got 2"),
        ("4 2 ds 3 1 1 3\n", "line 1: group 0 has a lower bound 3 above its upper 1"),
        ("four 2 ds 1 3 1 3\n", r"line 1: n must be an integer; got 'four'"),
        (MDGP_TEXT.replace("1 2 4", "1 2"), r"line 5: expected 'i j d_ij' \(3 values\)"),
        (MDGP_TEXT.replace("1 2 4", "1 7 4"), "line 5: node 7 is out of range 0..3"),
        (MDGP_TEXT.replace("1 2 4", "1 2 x"), r"line 5: the weight of 1 2 must be a number"),
        (MDGP_TEXT.replace("1 2 4", "0 1 4"), "line 5: the pair 0 1 appears twice"),
        (MDGP_TEXT.replace("1 2 4\n", ""), "1 pairs have no weight line, the first 1 2"),
    ],
)
def test_malformed_mdgp(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidInputError, match=message) as exc:
        read_mdgp(path)
    assert str(path) in str(exc.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (CCP_TEXT.replace(" W", ""), "no node weights"),
        (CCP_TEXT.replace("W 1 2 3", "W 1 2"), "expected 3 node weights after 'W'; got 2"),
        (CCP_TEXT.replace("W 1 2 3", "W 1 0 3"), "node weight 2 must be >= 1; got 0"),
        (HANDOVER_TEXT[:-2], "holds 15 values"),
        (HANDOVER_TEXT.replace("1 0 3", "9 0 3"), "the matrix is not symmetric"),
    ],
)
def test_malformed_ccp(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        read_ccp(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        read_instance(tmp_path / "absent.txt")


@pytest.mark.skipif(not DATA.is_dir(), reason=f"benchmark instances not found at {DATA}")
def test_published_files() -> None:
    mdgp = read_instance(DATA / "mdgplib" / "RanReal" / "RanReal_n120_ds_01.txt")
    assert (mdgp.kind, mdgp.n, mdgp.groups) == ("mdgp", 120, 10)
    ccp = read_instance(DATA / "ccplib" / "RanReal240" / "RanReal240_01.txt")
    assert (ccp.kind, ccp.n, ccp.groups, int(ccp.hi[0])) == ("ccp", 240, 12, 125)
    for path in sorted((DATA / "ccplib" / "Handover").iterdir()):
        inst = read_instance(path)
        assert inst.n == int(path.name.split("_")[0])
        assert inst.seats.min() >= 1
    sparse = read_instance(DATA / "ccplib" / "Sparse82" / "Sparse82_01.txt")
    assert (sparse.n, sparse.groups) == (82, 8)
