"""Registration exports in the style of the platforms (``fixtures/exports``): each goes in on the
first try with the automatic mapping, and its content is checked field by field against the
expected file beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from matchmaker.io import validate_registrations
from matchmaker.io.registrations import RegistrationReport

EXPORTS = FIXTURES / "exports"
CASES = sorted(EXPORTS.glob("*.expected.json"))


def _read(expected: dict[str, Any]) -> RegistrationReport:
    return validate_registrations(EXPORTS / expected["file"], sheet=expected.get("sheet"))


@pytest.fixture(scope="module", params=CASES, ids=lambda p: p.name.split(".")[0])
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], RegistrationReport]:
    expected = json.loads(Path(request.param).read_text(encoding="utf-8"))
    return expected, _read(expected)


def test_there_are_at_least_twelve_exports() -> None:
    assert len(CASES) >= 12
    platforms = {json.loads(p.read_text(encoding="utf-8"))["platform"] for p in CASES}
    assert len(platforms) >= 10


def test_each_export_goes_in_whole_on_the_first_try(
    case: tuple[dict[str, Any], RegistrationReport],
) -> None:
    expected, report = case
    assert report.problems == [], report.problems[:5]
    assert len(report.participants) == expected["participants"]
    assert len(report.organisations) == expected["organisations"]
    if expected.get("encoding") in {"cp1250", "cp1252", "utf-16"}:
        assert report.encoding == expected["encoding"]


def test_each_person_is_read_field_by_field(
    case: tuple[dict[str, Any], RegistrationReport],
) -> None:
    expected, report = case
    orgs = {o.id: o for o in report.organisations}
    assert len(report.participants) == len(expected["people"])
    for want, got in zip(expected["people"], report.participants, strict=True):
        org = orgs[got.organisation]
        where = f"{expected['file']}: {want['person']}"
        assert got.person == want["person"], where
        assert got.email == want["email"], where
        assert (got.job_title or None) == want["job_title"], where
        assert org.name == want["organisation"], where
        assert org.type.value == want["type"], where
        assert org.country == want["country"], where
        if want["languages"]:  # none stated: the organisation's (a colleague's) stand in
            languages = got.languages or org.languages
            assert sorted(languages) == sorted(want["languages"]), where
        # A person's own offers and needs, or (when empty) the organisation's: a colleague's
        # may stand for someone who stated none.
        for key in ("offers", "needs"):
            if want[f"has_{key}"]:
                assert getattr(got, key) or getattr(org, key), (where, key)
            elif not getattr(org, key):
                assert not getattr(got, key), (where, key)
        if want["has_description"]:
            assert org.description, where
        # Columns the product has no field for are kept; a platform's attendee or
        # confirmation number may become the participant's id, its quantity the seats.
        for header, value in want["extra"].items():
            assert value in (got.extra.get(header), got.id, str(got.seats)), (where, header)


def test_a_cell_in_the_wrong_column_is_a_warning_on_that_cell(
    case: tuple[dict[str, Any], RegistrationReport],
) -> None:
    expected, report = case
    found = {(w.row, w.column) for w in report.warnings}
    for w in expected.get("warnings", []):
        assert (w["row"], w["column"]) in found, (expected["file"], w)
