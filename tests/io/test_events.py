"""Event files: read, problems by field path, write and read back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.io import dump_event, read_event, write_event
from matchmaker.models import Organisation


def _doc(org: Callable[..., Organisation]) -> dict[str, object]:
    return {
        "id": "ev",
        "name": "Clusters meet Regions",
        "organisations": [
            org().model_dump(mode="json"),
            org(id="b", name="B").model_dump(mode="json"),
        ],
        "participants": [
            {"id": "p1", "organisation": "nanomat"},
            {"id": "p2", "organisation": "b"},
        ],
        "rooms": [{"id": "r1", "name": "Energy", "capacity": 12, "themes": ["TP-ENERGY"]}],
    }


def test_read_write_round_trip(org: Callable[..., Organisation], tmp_path: Path) -> None:
    ev = read_event(json.dumps(_doc(org)).encode())
    path = write_event(ev, tmp_path / "event.json")
    assert read_event(path) == ev
    assert read_event(dump_event(ev)) == ev
    assert read_event(json.dumps({"event": _doc(org)}).encode()) == ev


def test_problems_name_the_field_path(org: Callable[..., Organisation]) -> None:
    doc = _doc(org)
    doc["participants"] = [{"id": "p1", "organisation": "nanomat", "seats": 0}]
    doc["rooms"] = [{"id": "r1", "name": "Energy", "capacity": "many"}]
    with pytest.raises(InvalidInputError) as info:
        read_event(json.dumps(doc).encode())
    got = [(p.column, p.message) for p in info.value.problems]
    assert got == [
        ("participants[0].seats", "Input should be greater than or equal to 1; got 0"),
        (
            "rooms[0].capacity",
            "Input should be a valid integer, unable to parse string as an integer; got many",
        ),
    ]
    assert info.value.message == "2 problems in the event file"


def test_broken_json() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_event(b'{"id": ')
    assert [p.message for p in info.value.problems] == [
        "not valid JSON at line 1, column 8: expecting value"
    ]


def test_unknown_s3_code_in_an_embedded_organisation(org: Callable[..., Organisation]) -> None:
    doc = _doc(org)
    orgs = doc["organisations"]
    assert isinstance(orgs, list)
    orgs[0]["s3_priorities"] = ["BLUE-1"]
    with pytest.raises(InvalidInputError, match="1 problem in the event file"):
        read_event(json.dumps(doc).encode())
    doc["vocabulary"] = {"BLUE-1": "Blue economy"}
    assert read_event(json.dumps(doc).encode()).organisations[0].s3_priorities == ["BLUE-1"]
