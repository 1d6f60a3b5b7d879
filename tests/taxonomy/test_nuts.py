"""NUTS register: counts, normalisation, hierarchy, neighbours, points and error messages."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInputError, UnknownCodeError
from matchmaker.taxonomy import Nuts, Region, nuts


@pytest.fixture(scope="module")
def register() -> Nuts:
    return nuts()


def test_accessor_is_cached(register: Nuts) -> None:
    assert nuts() is register


# -- counts (data/nuts/SOURCE.md; the NUTS2 figures exclude Extra-Regio) -----------------


@pytest.mark.parametrize(
    ("level", "version", "count"),
    [
        (0, "2021", 27),
        (1, "2021", 92),
        (2, "2021", 242),
        (3, "2021", 1166),
        (0, "2024", 27),
        (1, "2024", 92),
        (2, "2024", 244),
        (3, "2024", 1165),
        (1, "UK2016", 12),
        (2, "UK2016", 41),
        (3, "UK2016", 179),
    ],
)
def test_counts(register: Nuts, level: int, version: str, count: int) -> None:
    assert len(register.codes(level=level, version=version)) == count


def test_extra_regio_only_on_request(register: Nuts) -> None:
    assert "FRZZ" not in register.codes(level=2, version="2021")
    with_extra = register.codes(level=2, version="2021", extra_regio=True)
    assert len(with_extra) == 242 + 27
    assert register.region("FRZZ").extra_regio


def test_codes_are_sorted(register: Nuts) -> None:
    codes = register.codes()
    assert codes == sorted(codes)


def test_codes_bad_level(register: Nuts) -> None:
    with pytest.raises(InvalidInputError, match=r"level must be 0, 1, 2 or 3; got 4"):
        register.codes(level=4)


def test_codes_bad_version(register: Nuts) -> None:
    with pytest.raises(InvalidInputError, match=r"version must be one of .*; got '2016'"):
        register.codes(version="2016")


# -- normalisation and validity -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("fr10", "FR10"), (" FR 10 ", "FR10"), ("gr30", "EL30"), ("GB", "UK"), ("gbi3", "UKI3")],
)
def test_normalise(raw: str, expected: str) -> None:
    assert Nuts.normalise(raw) == expected


@pytest.mark.parametrize("code", ["fr10", "FR10", "GR30", "EL30", "UKI3", "GBI3", "CH01", "CH"])
def test_valid(register: Nuts, code: str) -> None:
    assert register.is_valid(code)
    assert code in register


@pytest.mark.parametrize("code", ["FR99", "XX", "", "EL3000"])
def test_invalid(register: Nuts, code: str) -> None:
    assert not register.is_valid(code)
    assert register.get(code) is None


def test_aliases_resolve_to_nuts_codes(register: Nuts) -> None:
    assert register.region("GR30").code == "EL30"
    assert register.country("GR30") == "EL"
    assert register.country("GBI3") == "UK"


def test_region_record(register: Nuts) -> None:
    assert register.region("BE211") == Region(
        code="BE211",
        level=3,
        country="BE",
        label="Arr. Antwerpen",
        label_latin="Arr. Antwerpen",
        parent="BE21",
        versions=frozenset({"2021", "2024"}),
        extra_regio=False,
    )


def test_versions(register: Nuts) -> None:
    assert register.region("NL35").versions == {"2024"}
    assert register.region("NL31").versions == {"2021"}
    assert register.region("CH01").versions == {"SR2021", "SR2024"}
    assert register.region("BA").versions == {"SR2024"}
    assert register.region("UKI3").versions == {"UK2016"}


def test_uk_and_non_eu_countries(register: Nuts) -> None:
    assert register.level("UK") == 0
    assert register.label("CH01") == "Région lémanique"
    assert register.country_name("UK") == "United Kingdom"
    assert register.country_name("GB") == "United Kingdom"
    assert register.country_name("CH") == "Switzerland"
    assert register.country_name("GR") == "Greece"
    assert register.country_name("FR10") == "France"
    assert register.country_name("AD") == "Andorra"


def test_country_name_unknown(register: Nuts) -> None:
    with pytest.raises(UnknownCodeError, match=r"^region 'QQ' is not a NUTS 2021/2024 code"):
        register.country_name("QQ")


def test_latin_labels(register: Nuts) -> None:
    assert register.label("EL30") == "Aττική"
    assert register.label("EL30", latin=True) == "Attiki"
    assert register.label("FR10", latin=True) == register.label("FR10")


def test_northern_ireland_codes_follow_nuts_2016(register: Nuts) -> None:
    # The source list writes them UKN10-UKN16 under a parent that does not exist.
    assert register.label("UKN0A") == "Derry City and Strabane"
    assert register.parents("UKN0G") == ["UKN0", "UKN", "UK"]
    assert not register.is_valid("UKN10")


# -- errors and suggestions ---------------------------------------------------------------


def test_unknown_region_message(register: Nuts) -> None:
    with pytest.raises(UnknownCodeError) as info:
        register.region("FR99")
    assert str(info.value) == "region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?"
    assert info.value.code == "FR99"
    assert info.value.suggestions[0] == "FR10"


def test_unknown_region_lists_ties(register: Nuts) -> None:
    with pytest.raises(
        UnknownCodeError,
        match=(
            r"^region 'DE21X' is not a NUTS 2021/2024 code; "
            r"did you mean DE21A, DE21B or DE21C\?$"
        ),
    ):
        register.region("DE21X")


def test_unknown_region_without_suggestion(register: Nuts) -> None:
    with pytest.raises(UnknownCodeError, match=r"^region '' is not a NUTS 2021/2024 code$"):
        register.region("")


def test_unknown_uk_region(register: Nuts) -> None:
    with pytest.raises(
        UnknownCodeError,
        match=r"^region 'UKZ9' is not a NUTS 2016 code of the United Kingdom; did you mean UKM9\?$",
    ):
        register.region("UKZ9")


def test_unknown_statistical_region(register: Nuts) -> None:
    with pytest.raises(
        UnknownCodeError, match=r"^region 'CH09' is not a statistical region code \(EFTA"
    ):
        register.region("CH09")


def test_closest(register: Nuts) -> None:
    assert register.closest("FR99")[0] == "FR10"
    assert register.closest("fr99", n=1) == ["FR10"]
    assert all(code.startswith("DE21") for code in register.closest("DE21X"))
    assert register.closest("", n=3) == []
    assert "FRZZ" not in register.closest("FRZ9", n=10)


# -- hierarchy ------------------------------------------------------------------------------


def test_parents(register: Nuts) -> None:
    assert register.parents("BE211") == ["BE21", "BE2", "BE"]
    assert register.parents("be211") == ["BE21", "BE2", "BE"]
    assert register.parents("BE") == []


def test_children(register: Nuts) -> None:
    assert register.children("NL3") == ["NL31", "NL32", "NL33", "NL34", "NL35", "NL36"]
    assert register.children("NL3", version="2024") == ["NL32", "NL34", "NL35", "NL36"]
    assert register.children("NL3", version="2021") == ["NL31", "NL32", "NL33", "NL34"]
    assert register.children("BE211") == []


def test_every_parent_is_in_the_register(register: Nuts) -> None:
    for code in register.codes(extra_regio=True):
        parent = register.region(code).parent
        assert parent is None or parent in register, code


# -- neighbours and distances ---------------------------------------------------------------


def test_cross_border_neighbours(register: Nuts) -> None:
    assert register.are_neighbours("NL42", "BE33")
    assert register.are_neighbours("BE33", "NL42")
    assert {"DE12", "DE13", "DEB3", "CH02", "CH03"} <= set(register.neighbours("FRF1"))


@pytest.mark.parametrize("island", ["MT00", "CY00", "PT30", "FRY1"])
def test_islands_have_no_neighbours(register: Nuts, island: str) -> None:
    assert register.neighbours(island) == []


def test_2024_only_code_has_no_neighbours(register: Nuts) -> None:
    assert register.neighbours("NL35") == []


def test_country_and_nuts1_neighbours(register: Nuts) -> None:
    assert register.neighbours("BE") == ["DE", "FR", "LU", "NL"]
    assert register.neighbours("GB") == ["IE"]
    assert register.neighbours("BE2") == ["BE1", "BE3", "FRE", "NL3", "NL4"]


def test_neighbours_are_symmetric_and_same_level(register: Nuts) -> None:
    for code in register.codes(level=3, version="2021"):
        for other in register.neighbours(code):
            assert register.level(other) == 3
            assert code in register.neighbours(other)


def test_neighbours_unknown_code(register: Nuts) -> None:
    with pytest.raises(UnknownCodeError, match=r"^region 'FR99' is not a NUTS 2021/2024 code"):
        register.neighbours("FR99")


def test_points(register: Nuts) -> None:
    assert register.point("FR10") == (48.7196, 2.5234)
    # NL35 (NUTS 2024 only) takes the point of NL3.
    assert register.point("NL35") == register.point("NL3")
    assert register.point("BA") is None


def test_distance_brussels_paris(register: Nuts) -> None:
    for a, b in [("BE10", "FR10"), ("BE100", "FR101")]:
        distance = register.distance_km(a, b)
        assert distance is not None
        assert 255 < distance < 275
    assert register.distance_km("BE10", "BE10") == 0.0
    assert register.distance_km("BE10", "BA") is None
