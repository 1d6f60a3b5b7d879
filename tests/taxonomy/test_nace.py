"""NACE Rev. 2 and Rev. 2.1: counts, normalisation, hierarchy, correspondence, messages."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInputError, UnknownCodeError
from matchmaker.taxonomy import Activity, Nace, nace, nace21, to_rev2, to_rev21


def test_accessors_are_cached() -> None:
    assert nace() is nace()
    assert nace21() is nace21()
    assert nace().version == "2"
    assert nace21().version == "2.1"


@pytest.mark.parametrize(
    ("version", "counts"),
    [("2", {1: 21, 2: 88, 3: 272, 4: 615}), ("2.1", {1: 22, 2: 87, 3: 287, 4: 651})],
)
def test_counts(version: str, counts: dict[int, int]) -> None:
    classification = nace() if version == "2" else nace21()
    assert {level: len(classification.codes(level)) for level in counts} == counts
    assert len(classification.codes()) == sum(counts.values())


def test_bad_version() -> None:
    with pytest.raises(InvalidInputError, match=r"NACE version must be '2' or '2.1'; got '3'"):
        Nace("3")  # type: ignore[arg-type]


def test_bad_level() -> None:
    with pytest.raises(InvalidInputError, match=r"level must be 1, 2, 3 or 4; got 5"):
        nace().codes(5)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C26.51", "C26.51"),
        ("c26.51", "C26.51"),
        ("26.51", "C26.51"),
        ("2651", "C26.51"),
        ("C2651", "C26.51"),
        ("C 26.51", "C26.51"),
        (" 26 ", "C26"),
        ("26.5", "C26.5"),
        ("265", "C26.5"),
        ("C", "C"),
        ("c", "C"),
        ("01.1", "A01.1"),
        ("62.01", "J62.01"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert nace().normalise(raw) == expected
    assert nace().is_valid(raw)


def test_normalise_rev21_uses_its_own_sections() -> None:
    assert nace21().normalise("62.10") == "K62.10"
    assert not nace21().is_valid("J62.10")


def test_codes_are_canonical_and_in_classification_order() -> None:
    codes = nace().codes()
    assert codes[:4] == ["A", "A01", "A01.1", "A01.11"]
    assert codes == sorted(codes)


def test_activity_record() -> None:
    assert nace().activity("2651") == Activity(
        code="C26.51",
        level=4,
        section="C",
        label="Manufacture of instruments and appliances for measuring, testing and navigation",
        parent="C26.5",
        version="2",
    )
    assert nace().level("2651") == 4
    assert nace().activity("C26").level_name == "division"


def test_parents_and_children() -> None:
    assert nace().parents("2651") == ["C26.5", "C26", "C"]
    assert nace().parents("C") == []
    assert nace().children("C26.5") == ["C26.51", "C26.52"]
    assert nace().children("A")[:3] == ["A01", "A02", "A03"]
    assert nace().children("C26.51") == []


def test_section_titles() -> None:
    assert nace().label("A") == "AGRICULTURE, FORESTRY AND FISHING"
    assert nace().activity("A").title == "Agriculture, forestry and fishing"
    assert nace().title("A") == "Agriculture, forestry and fishing"
    assert nace().title("C26") == nace().label("C26")


def test_unknown_class_message() -> None:
    with pytest.raises(
        UnknownCodeError,
        match=r"^sector 'C26\.53' is not a NACE Rev\. 2 code; did you mean C26\.51 or C26\.52\?$",
    ):
        nace().normalise("C26.53")


def test_unknown_class_message_lists_ties() -> None:
    with pytest.raises(
        UnknownCodeError,
        match=(
            r"^sector 'C26\.99' is not a NACE Rev\. 2 code; "
            r"did you mean C26\.11, C26\.12 or C26\.20\?$"
        ),
    ) as info:
        nace().activity("C26.99")
    assert info.value.suggestions == ["C26.11", "C26.12", "C26.20"]


def test_wrong_section_letter() -> None:
    with pytest.raises(
        UnknownCodeError,
        match=r"^sector 'A26\.51' is not a NACE Rev\. 2 code; did you mean C26\.51\?$",
    ):
        nace().normalise("A26.51")


def test_unreadable_code() -> None:
    with pytest.raises(
        UnknownCodeError,
        match=(
            r"^sector 'foo' is not a NACE Rev\. 2 code "
            r"\(write it like C26\.51, 26\.51 or 2651\)$"
        ),
    ):
        nace().normalise("foo")


def test_unknown_rev21_message() -> None:
    with pytest.raises(UnknownCodeError, match=r"^sector 'J62\.10' is not a NACE Rev\. 2\.1 code"):
        nace21().normalise("J62.10")


def test_get_and_closest() -> None:
    assert nace().get("C26.99") is None
    assert nace().closest("2653") == ["C26.51", "C26.52", "C26.5"]
    assert nace().closest("no digits") == []


def test_notes() -> None:
    notes = nace().notes("26.51")
    assert notes is not None
    assert "navigation" in notes.includes
    assert nace().notes("A") is not None
    assert nace21().notes("K62.10") is None


def test_to_rev2() -> None:
    # Rows of nace21_to_nace2_correspondence.tsv: 62.20 -> 62.02, 62.03; 26.51 -> 26.30, 26.51.
    assert to_rev2("62.20") == ["J62.02", "J62.03"]
    assert to_rev2("K62.20") == ["J62.02", "J62.03"]
    assert to_rev2("2651") == ["C26.30", "C26.51"]
    assert to_rev2("K") == ["H", "J", "N"]
    assert to_rev2("46.89") == []  # no Rev. 2 counterpart


def test_to_rev21() -> None:
    assert to_rev21("J62.01") == ["K62.10"]
    assert "K62.20" in to_rev21("62.03")


def test_to_rev2_unknown() -> None:
    with pytest.raises(UnknownCodeError, match=r"^sector '99\.99' is not a NACE Rev\. 2\.1 code"):
        to_rev2("99.99")
