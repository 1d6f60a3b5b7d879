"""Every sentence the page shows from a result (room reasons, each meeting's and pair's why,
messages) takes the indefinite article its next word is said with: "a university", "an SME"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event
from matchmaker.models import Event

#: "an" before a consonant sound, "a" before a vowel sound (words said with the other sound,
#: "a university", "an hour", are left out by the patterns), "a" before an acronym said
#: letter by letter from a vowel sound.
WRONG = [
    re.compile(r"\ban (?!hour|honest|honour|heir)[bcdfgjklmnpqrstvwyz][a-z]"),
    re.compile(r"\ba (?!uni|use|usu|uti|ure|eu|one|once)[aeiou][a-z]"),
    re.compile(r"\ba (SME|NGO|EU\b|R&D|HEI|RTO|LP\b)"),
    re.compile(r"\ban (uni|use|usu|uti|eu|one)"),
]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _leuven() -> Event:
    return read_event((DEMO_DATA / "leuven-2018" / "event.json").read_bytes())


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    from matchmaker.plan.breakouts import plan_breakouts
    from matchmaker.plan.documents import allocation_document, pairs_document, schedule_document
    from matchmaker.plan.meetings import event_matrices, plan_pairs, plan_schedule, with_slots

    event = _leuven()
    rooms = allocation_document(plan_breakouts(event, seed=1, time_limit=0.3), preset="business")
    timed = with_slots(event, 4, start=dt.datetime(2026, 5, 14, 10, 0), tables=8)
    result, matrices = plan_schedule(timed, scorer="business", seed=0, time_limit=1)
    schedule = schedule_document(timed, result, matrices, preset="business")
    matrices = event_matrices(event, scorer="research")
    found, pairs = plan_pairs(event, scorer="research", seed=0, matrices=matrices)
    return [rooms, schedule, pairs_document(event, found, pairs, matrices, preset="research")]


def test_every_article_follows_the_sound(documents: list[dict[str, Any]]) -> None:
    wrong = {
        m.group(0): text[:160]
        for doc in documents
        for text in _strings(doc)
        for pattern in WRONG
        for m in pattern.finditer(text)
    }
    assert wrong == {}
    # The check read sentences with articles: before a type said with a vowel, and others.
    said = {
        m.group(0)
        for doc in documents
        for text in _strings(doc)
        for m in re.finditer(r"\b(a|an) [A-Za-z]+", text)
    }
    assert "an SME" in said, said
    assert any(phrase.startswith("a ") for phrase in said), said


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("you are an university", True),
        ("you are a SME", True),
        ("they are a agency", True),
        ("an organisation of another kind", False),
        ("you are a university", False),
        ("you are an SME", False),
    ],
)
def test_the_check_tells_right_from_wrong(text: str, wrong: bool) -> None:
    assert any(p.search(text) for p in WRONG) is wrong
