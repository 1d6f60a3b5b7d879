"""S3 priority vocabulary: families, labels, NACE codes and custom entries."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInputError, UnknownCodeError
from matchmaker.taxonomy import S3Vocabulary, nace, s3


@pytest.fixture(scope="module")
def vocab() -> S3Vocabulary:
    return s3()


def test_accessor_is_cached(vocab: S3Vocabulary) -> None:
    assert s3() is vocab


def test_family_codes(vocab: S3Vocabulary) -> None:
    assert vocab.codes("ecosystem") == [f"IE{i:02d}" for i in range(1, 15)]
    assert vocab.codes("platform") == ["TP-AGRIFOOD", "TP-ENERGY", "TP-INDMOD"]
    assert vocab.codes("nabs") == [f"NABS{i:02d}" for i in range(1, 15)]
    assert vocab.codes("nace") == nace().codes()
    assert vocab.codes("custom") == []
    assert len(vocab.codes()) == 14 + 3 + 14 + 996


def test_bad_family(vocab: S3Vocabulary) -> None:
    with pytest.raises(InvalidInputError, match=r"S3 family must be one of .*; got 'nuts'"):
        vocab.codes("nuts")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "code", "family"),
    [
        ("IE02", "IE02", "ecosystem"),
        ("ie02", "IE02", "ecosystem"),
        ("tp-energy", "TP-ENERGY", "platform"),
        ("nabs07", "NABS07", "nabs"),
        ("C26", "C26", "nace"),
        ("c26.51", "C26.51", "nace"),
        ("NACE:2651", "C26.51", "nace"),
        ("nace: 26.5", "C26.5", "nace"),
    ],
)
def test_codes(vocab: S3Vocabulary, raw: str, code: str, family: str) -> None:
    assert vocab.normalise(raw) == code
    assert vocab.family(raw) == family
    assert vocab.is_valid(raw)


def test_bare_nace_code_must_be_canonical(vocab: S3Vocabulary) -> None:
    assert not vocab.is_valid("2651")
    assert vocab.is_valid("NACE:2651")


def test_labels(vocab: S3Vocabulary) -> None:
    assert vocab.label("IE05") == "Digital"
    assert vocab.label("TP-INDMOD") == "Industrial modernisation"
    assert vocab.label("NACE:A") == "Agriculture, forestry and fishing"


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Digital", "IE05"),
        ("  digital ", "IE05"),
        ("Agri-food", "IE02"),  # ecosystem wins over the platform TP-AGRIFOOD
        ("Health", "IE09"),  # ecosystem wins over NABS07
        ("Energy", "TP-ENERGY"),  # platform wins over NABS05
        ("Industrial modernisation", "TP-INDMOD"),
        ("Defence", "NABS14"),
    ],
)
def test_label_lookup(vocab: S3Vocabulary, label: str, code: str) -> None:
    assert vocab.normalise(label) == code


def test_unknown_code_message(vocab: S3Vocabulary) -> None:
    with pytest.raises(UnknownCodeError) as info:
        vocab.normalise("IE99")
    assert str(info.value) == (
        "S3 priority 'IE99' is not a code of the S3 vocabularies (EU industrial ecosystems, "
        "S3 thematic platforms, NABS chapters, NACE) or of the event's own vocabulary; "
        "did you mean IE09?"
    )
    assert info.value.suggestions[0] == "IE09"


def test_unknown_nace_code(vocab: S3Vocabulary) -> None:
    with pytest.raises(UnknownCodeError, match=r"^S3 priority 'NACE:99\.99' is not a code"):
        vocab.family("NACE:99.99")


def test_closest(vocab: S3Vocabulary) -> None:
    assert vocab.closest("ie99", n=1) == ["IE09"]
    assert vocab.closest("TP-ENERG", n=1) == ["TP-ENERGY"]


def test_custom_vocabulary(vocab: S3Vocabulary) -> None:
    event = vocab.with_custom({"AI": "Artificial intelligence", "blue": "Blue economy"})
    assert event is not vocab
    assert event.normalise("ai") == "AI"
    assert event.normalise("Blue economy") == "blue"
    assert event.family("AI") == "custom"
    assert event.label("blue") == "Blue economy"
    assert event.codes("custom") == ["AI", "blue"]
    assert event.custom == {"AI": "Artificial intelligence", "blue": "Blue economy"}
    assert event.normalise("IE02") == "IE02"
    assert not vocab.is_valid("AI")  # the shared vocabulary is unchanged
    assert event.closest("AJ", n=1) == ["AI"]


def test_custom_entries_accumulate(vocab: S3Vocabulary) -> None:
    event = vocab.with_custom({"AI": "AI"}).with_custom({"QT": "Quantum", "AI": "Artificial"})
    assert event.custom == {"AI": "Artificial", "QT": "Quantum"}


def test_custom_label_does_not_shadow_builtin_label(vocab: S3Vocabulary) -> None:
    event = vocab.with_custom({"X1": "Digital"})
    assert event.normalise("Digital") == "IE05"
    assert event.normalise("x1") == "X1"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            {"ie01": "Space"},
            r"custom S3 code 'ie01' clashes with the built-in code 'IE01' "
            r"\(EU industrial ecosystem\); choose another code",
        ),
        (
            {"C26": "Electronics"},
            r"custom S3 code 'C26' clashes with the built-in code 'C26' \(NACE\)",
        ),
        ({"NACE:X": "x"}, r"custom S3 code 'NACE:X' uses the reserved prefix 'NACE:'"),
        ({"x": "1", "X": "2"}, r"custom S3 code 'X' repeats 'x' \(codes ignore case\)"),
        ({" ": "x"}, r"a custom S3 code must not be empty"),
        ({"X": " "}, r"custom S3 code 'X' has an empty label"),
    ],
)
def test_custom_errors(vocab: S3Vocabulary, entries: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as info:
        vocab.with_custom(entries)
    assert len(info.value.problems) == 1


def test_custom_errors_are_all_reported(vocab: S3Vocabulary) -> None:
    with pytest.raises(InvalidInputError, match=r"'IE01'.* \(and 1 more\)") as info:
        vocab.with_custom({"IE01": "a", "TP-ENERGY": "b", "ok": "fine"})
    assert [p.value for p in info.value.problems] == ["IE01", "TP-ENERGY"]
