"""``matchmaker breakouts``, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matchmaker.cli import main
from matchmaker.demo import DATA as DEMO_DATA

LEUVEN = DEMO_DATA / "leuven-2018" / "event.json"


def test_breakouts_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["breakouts", str(LEUVEN), "--rooms", "3", "--rounds", "2", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)  # the allocation document of the API
    assert (doc["kind"], doc["event"]) == ("breakouts", "leuven-2018")
    assert {"objective", "repeats", "violations", "status", "message", "bound"} <= set(doc)
    assert [r["id"] for r in doc["rounds"]] == ["R1", "R2"]
    for rnd in doc["rounds"]:
        assert [room["id"] for room in rnd["rooms"]] == ["room-1", "room-2", "room-3"]
        people = [p["participant"] for room in rnd["rooms"] for p in room["people"]]
        assert len(people) == len(set(people)) == 32
        assert all(p["why"] for room in rnd["rooms"] for p in room["people"])  # reasons
    assert doc["status"] in ("optimal", "feasible")


def test_breakouts_text_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["breakouts", str(LEUVEN), "--export", str(out), "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert "Round 1:" in captured.out
    assert "seats)" in captured.out
    assert "wrote rooms.csv, rooms.xlsx, 6 room pages and 2 round pages" in captured.err
    assert (out / "rooms.csv").is_file()
    assert (out / "R2-wg3.html").is_file()
    assert (out / "R2-all-rooms.html").read_text(encoding="utf-8").count('class="room"') == 3


def test_breakouts_rooms_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rooms = tmp_path / "rooms.csv"
    rooms.write_text(
        "id,name,capacity,min_size,themes\na,Digital,17,5,IE05;data\nb,Industry,17,,TP-INDMOD\n"
    )
    assert main(["breakouts", str(LEUVEN), "--rooms", str(rooms), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for rnd in doc["rounds"]:
        assert [room["id"] for room in rnd["rooms"]] == ["a", "b"]
        assert all(5 <= len(room["people"]) <= 17 for room in rnd["rooms"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\na,A\n", "needs the columns id, name and capacity"),
        ("id,name,capacity\na,A,many\n", "row 2, column 'capacity': capacity must be a whole"),
        ("id,name,capacity\na,A,0\n", "row 2, column 'capacity'"),
        ("id,name,capacity\na,A,5\na,B,5\n", "room ids must be unique"),
        ("id,name,capacity,min_size\na,A,5,9\n", "min_size 9 is above capacity 5"),
    ],
)
def test_breakouts_bad_rooms_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    rooms = tmp_path / "rooms.csv"
    rooms.write_text(text)
    assert main(["breakouts", str(LEUVEN), "--rooms", str(rooms)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_breakouts_missing_rooms_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breakouts", str(LEUVEN), "--rooms", "nowhere.csv"]) == 1
    assert "error: file 'nowhere.csv' does not exist" in capsys.readouterr().err


def test_breakouts_too_few_seats(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("id,name,capacity\na,A,10\n")
    assert main(["breakouts", str(LEUVEN), "--rooms", str(rooms)]) == 1
    assert "need 32 seats but the 1 rooms hold 10" in capsys.readouterr().err


def test_breakouts_bad_rounds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breakouts", str(LEUVEN), "--rounds", "0"]) == 1
    assert "--rounds must be from 1 to 100; got 0" in capsys.readouterr().err
