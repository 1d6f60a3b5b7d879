"""The indefinite article of every reason's noun (matchmaker.explain.indefinite): said, not
spelt."""

from __future__ import annotations

import pytest

from matchmaker.explain import indefinite, type_phrase
from matchmaker.models import OrgType


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("university", "a university"),
        ("agency", "an agency"),
        ("SME", "an SME"),
        ("NGO", "an NGO"),
        ("EU body", "an EU body"),
        ("UN agency", "a UN agency"),
        ("European network", "a European network"),
        ("hour", "an hour"),
        ("honest broker", "an honest broker"),
        ("one-stop shop", "a one-stop shop"),
        ("user group", "a user group"),
        ("other", "an other"),
        ("large company", "a large company"),
        ("innovation agency", "an innovation agency"),
        ("research organisation", "a research organisation"),
        ("public authority", "a public authority"),
        ("regional or innovation agency", "a regional or innovation agency"),
    ],
)
def test_the_article_follows_the_sound(noun: str, expected: str) -> None:
    assert indefinite(noun) == expected


@pytest.mark.parametrize("kind", list(OrgType))
def test_every_type_reads_with_its_article(kind: OrgType) -> None:
    phrase = type_phrase(kind)
    assert phrase.startswith(("a ", "an "))
    assert phrase not in ("an university", "a SME", "an other", "a other")
    if kind is OrgType.OTHER:
        assert phrase == "an organisation of another kind"
    else:
        assert phrase == indefinite(kind.label)
