"""Languages: ISO 639-1 normalisation and the languages of a country."""

from __future__ import annotations

import pytest

from matchmaker.errors import UnknownCodeError
from matchmaker.taxonomy import CountryLanguage, Languages, languages


@pytest.fixture(scope="module")
def langs() -> Languages:
    return languages()


def test_accessor_is_cached(langs: Languages) -> None:
    assert languages() is langs


def test_iso_639_1_codes(langs: Languages) -> None:
    assert len(langs.codes()) == 184


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("en", "en"),
        ("EN", "en"),
        (" en ", "en"),
        ("eng", "en"),
        ("English", "en"),
        ("english", "en"),
        ("ger", "de"),  # ISO 639-2/B
        ("deu", "de"),  # ISO 639-2/T and 639-3
        ("Greek", "el"),  # CLDR name
        ("Modern Greek (1453-)", "el"),  # ISO name
        ("Dutch", "nl"),
    ],
)
def test_normalise(langs: Languages, raw: str, code: str) -> None:
    assert langs.normalise(raw) == code
    assert langs.is_valid(raw)


def test_names(langs: Languages) -> None:
    assert langs.name("el") == "Greek"
    assert langs.name("EN") == "English"


def test_unknown_code_message(langs: Languages) -> None:
    with pytest.raises(
        UnknownCodeError, match=r"^language 'xx' is not an ISO 639-1 code; did you mean xh\?$"
    ):
        langs.normalise("xx")


def test_misspelt_name(langs: Languages) -> None:
    with pytest.raises(
        UnknownCodeError, match=r"^language 'Englsh' is not an ISO 639-1 code; did you mean en\?$"
    ):
        langs.name("Englsh")


def test_unknown_without_suggestion(langs: Languages) -> None:
    with pytest.raises(UnknownCodeError, match=r"^language '' is not an ISO 639-1 code$"):
        langs.normalise("")


def test_of_country_belgium(langs: Languages) -> None:
    assert langs.of_country("BE") == [
        ("en", 59.0, ""),
        ("nl", 55.0, "official"),
        ("fr", 38.0, "official"),
        ("de", 22.0, "official"),
        ("wa", 5.8, ""),
    ]
    assert langs.spoken("BE")[1] == CountryLanguage("nl", 55.0, "official")


def test_country_aliases(langs: Languages) -> None:
    assert langs.of_country("GR") == langs.of_country("EL")
    assert langs.of_country("gb") == langs.of_country("UK")


def test_languages_without_iso_639_1_code_are_left_out(langs: Languages) -> None:
    codes = [code for code, _, _ in langs.of_country("CH")]
    assert "gsw" not in codes
    assert codes[0] == "de"


def test_official(langs: Languages) -> None:
    assert langs.official("BE") == ["nl", "fr", "de"]
    assert langs.official("CH") == ["de", "fr", "it"]
    assert langs.official("EL") == ["el"]
    assert langs.official("GB") == ["en"]  # Welsh, Irish and Scottish Gaelic are regional
    assert langs.official("ES") == ["es"]


def test_unknown_country(langs: Languages) -> None:
    with pytest.raises(
        UnknownCodeError,
        match=(
            r"^country 'ZZ' is not a country code of the language data "
            r"\(NUTS or ISO 3166 codes of Europe\); did you mean AZ or CZ\?$"
        ),
    ):
        langs.official("ZZ")
