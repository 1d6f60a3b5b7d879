"""``matchmaker mapping`` and ``matchmaker import FILE --event ID``: a registration export read by
a mapping file the organiser edits, kept with the event for the next import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matchmaker.cli import main
from matchmaker.io import validate_registrations
from matchmaker.models import Event
from matchmaker.store import Store

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
CVENT = EXPORTS / "cvent-mobility.xlsx"
EXPECTED: dict[str, Any] = json.loads(
    (EXPORTS / "cvent-mobility.xlsx.expected.json").read_text(encoding="utf-8")
)
IGNORED = "Registration Status"  # the column the organiser sets to "ignore"

BAD = (
    "First name,Last name,Organisation,Organisation type,Country\n"
    "Anna,Nowak,Alpha Cluster,Cluster,Germany\n"
    "Ben,Ode,Beta Labs,SME,Atlantis\n"
    "Cy,Zed,Gamma University,University,Atlantis\n"
)


def _event(url: str, event_id: str = "mob") -> Event | None:
    with Store(url) as store:
        return store.get_event(event_id)


def _stored(url: str, event_id: str = "mob") -> Event:
    ev = _event(url, event_id)
    assert ev is not None
    return ev


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mm.db'}"


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """The proposed mapping of the Cvent export, with one column set to 'ignore'."""
    target = tmp_path / "m.json"
    assert main(["mapping", str(CVENT), "--out", str(target)]) == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    [column] = [c for c in doc["columns"] if c["header"] == IGNORED]
    assert column["field"] == "extra"
    column["field"] = "ignore"
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


@pytest.fixture
def imported(edited: Path, db: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Event 'mob' imported from the Cvent export with the edited mapping; the database."""
    argv = ["import", str(CVENT), "--event", "mob", "--event-name", "Mobility days"]
    assert main([*argv, "--mapping", str(edited), "--db", db]) == 0
    out = capsys.readouterr().out
    n = EXPECTED["participants"]
    assert f"imported {n} participants of {EXPECTED['organisations']} organisations" in out
    assert f"{n} added, 0 changed, 0 removed" in out
    return db


def test_mapping_writes_an_editable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "m.json"
    assert main(["mapping", str(CVENT), "--out", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    # The Cvent export has a title and a date row above its header.
    assert "cvent-mobility.xlsx: 30 rows, header in row 4, sheet 'Attendee List' of 1" in (
        captured.out
    )
    assert f"wrote the mapping to {target}" in captured.out
    assert "Company Name" in captured.out
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["format"] == "matchmaker-mapping/1"
    assert doc["header_row"] == 4
    assert doc["sheet"] == "Attendee List"
    assert doc["fields"]["ignore"] == "Not used"
    columns = {c["header"]: c for c in doc["columns"]}
    assert len(columns) == 17
    for c in doc["columns"]:
        assert {"header", "field", "samples"} <= c.keys()
        assert isinstance(c["samples"], list)
        assert c["field"] in doc["fields"]
    assert columns["Company Name"]["field"] == "organisation"
    assert columns["Email Address"]["field"] == "email"
    assert columns["First Name"]["samples"][0] == "Nicolas"
    assert columns[IGNORED]["field"] == "extra"


def test_import_with_an_edited_mapping(imported: str, edited: Path) -> None:
    ev = _stored(imported)
    assert ev.name == "Mobility days"
    assert len(ev.participants) == EXPECTED["participants"] == 30
    assert len(ev.organisations) == EXPECTED["organisations"] == 25
    assert ev.registration_mapping is not None
    kept = {c.header: c.field for c in ev.registration_mapping.columns}
    assert kept[IGNORED] == "ignore"
    assert kept["Registration Type"] == "extra"
    assert ev.registration_mapping.sheet == "Attendee List"
    for p, want in zip(ev.participants, EXPECTED["people"], strict=True):
        assert p.person == want["person"]
        assert IGNORED not in p.extra
        assert p.extra["Registration Type"] == want["extra"]["Registration Type"]


def test_a_second_import_reads_by_the_stored_mapping(
    imported: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(CVENT), "--event", "mob", "--db", imported]) == 0
    out = capsys.readouterr().out
    assert "into event 'mob' (version 2)" in out
    assert "0 added, 0 changed, 0 removed" in out
    ev = _stored(imported)
    assert ev.name == "Mobility days"
    assert len(ev.participants) == 30
    assert all(IGNORED not in p.extra for p in ev.participants)
    assert ev.registration_mapping is not None
    assert {c.header: c.field for c in ev.registration_mapping.columns}[IGNORED] == "ignore"


def test_an_event_s_participants_export_as_a_registration_list(
    imported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "participants.xlsx"
    assert main(["export", "--event", "mob", "--db", imported, "--out", str(target)]) == 0
    assert "wrote 30 participants of event 'mob'" in capsys.readouterr().out
    again = validate_registrations(target)
    assert again.problems == []
    ev = _stored(imported)
    assert [(p.person, p.email, p.extra) for p in again.participants] == [
        (p.person, p.email, p.extra) for p in ev.participants
    ]
    assert main(["export", "--event", "none", "--db", imported, "--out", str(target)]) == 1
    assert "no event 'none' in the database" in capsys.readouterr().err


def test_mapping_auto_proposes_again(imported: str) -> None:
    argv = ["import", str(CVENT), "--event", "mob", "--mapping", "auto", "--db", imported]
    assert main(argv) == 0
    ev = _stored(imported)
    assert len(ev.participants) == 30
    for p, want in zip(ev.participants, EXPECTED["people"], strict=True):
        assert p.extra[IGNORED] == want["extra"][IGNORED]
    assert ev.registration_mapping is not None
    assert {c.header: c.field for c in ev.registration_mapping.columns}[IGNORED] == "extra"


def test_a_bad_file_is_refused_whole_or_imported_in_part(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["import", str(bad), "--event", "bad", "--db", db]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    # One line per kind of problem, with its rows.
    assert (
        "  'Atlantis' in 2 rows (row 3, 4), column 'Country': country 'Atlantis' is not a "
        "country the product can place\n"
    ) in captured.err
    assert "error: 2 problems in 2 rows of bad.csv; nothing was imported" in captured.err
    assert _event(db, "bad") is None
    report = tmp_path / "p.csv"
    argv = ["import", str(bad), "--event", "bad", "--db", db, "--partial", "--report", str(report)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "imported 1 participants of 1 organisations" in out
    assert "skipped 2 rows with 2 problems" in out
    assert f"every problem is listed in {report}" in out
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        "row,column,value,message",
        "3,Country,Atlantis,country 'Atlantis' is not a country the product can place",
        "4,Country,Atlantis,country 'Atlantis' is not a country the product can place",
    ]
    ev = _stored(db, "bad")
    assert [p.person for p in ev.participants] == ["Anna Nowak"]
    assert ev.name == "bad"  # no --event-name: the id


def test_a_mapping_file_needs_an_event(
    edited: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(CVENT), "--mapping", str(edited), "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: --mapping reads a registration list into an event; give --event"
    with Store(db) as store:
        assert store.event_ids() == []
        assert store.count_organisations() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json at all\n", "error: the mapping file is not JSON"),
        ('{"columns": [{"header": "Country", "field": "nation"}]}', "fields: participant,"),
        ("[1, 2]", "error: the mapping file is not a mapping"),
    ],
    ids=["not-json", "unknown-field", "not-an-object"],
)
def test_a_bad_mapping_file_is_a_message(
    tmp_path: Path, db: str, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "m.json"
    mapping.write_text(text, encoding="utf-8")
    argv = ["import", str(CVENT), "--event", "mob", "--mapping", str(mapping), "--db", db]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""
    assert _event(db) is None
