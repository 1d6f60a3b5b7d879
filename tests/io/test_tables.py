"""The small tables beside an event (matchmaker.io.tables): rooms, an own vocabulary,
project dates, one column; every problem named by row, column, value and rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from matchmaker.errors import InvalidInputError, MatchmakerError
from matchmaker.io.tables import read_column, read_project_dates, read_rooms, read_vocabulary


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rooms(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "rooms.csv",
        "id,name,capacity,min_size,themes\na,Room A,10,4,Health; Energy\nb,Room B,8,,\n",
    )
    rooms = read_rooms(path)
    assert [(r.id, r.name, r.capacity, r.min_size) for r in rooms] == [
        ("a", "Room A", 10, 4),
        ("b", "Room B", 8, rooms[1].min_size),
    ]
    assert rooms[0].themes == ["Health", "Energy"]
    assert rooms[1].themes == []


def test_rooms_from_a_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Name", "Capacity"])
    sheet.append(["r1", "Green room", 12])
    path = tmp_path / "rooms.xlsx"
    book.save(path)
    assert [(r.id, r.capacity) for r in read_rooms(path)] == [("r1", 12)]


def test_rooms_problems_name_row_column_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "rooms.csv", "id,name,capacity\na,A,ten\nb,B,5\nb,B2,6\n")
    with pytest.raises(InvalidInputError) as caught:
        read_rooms(path)
    problems = caught.value.problems
    assert (problems[0].row, problems[0].column, problems[0].value) == (2, "capacity", "ten")
    assert "capacity must be a whole number" in problems[0].message
    assert problems[1].column == "id"
    assert problems[1].value == "b"
    assert "unique" in problems[1].message


def test_rooms_need_their_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "rooms.csv", "id,title\na,A\n")
    with pytest.raises(MatchmakerError, match="lacks name, capacity and has: id, title"):
        read_rooms(path)


def test_rooms_json_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "rooms.json", '[{"id": "a"}]')
    with pytest.raises(InvalidInputError, match="must be a CSV or XLSX table, not JSON"):
        read_rooms(path)


def test_vocabulary(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "Code;Label\nX1;Blue economy\nX2;Hydrogen\n")
    assert read_vocabulary(path) == {"X1": "Blue economy", "X2": "Hydrogen"}
    bad = _write(tmp_path, "w.csv", "code,name\nX1,Blue\n")
    with pytest.raises(MatchmakerError, match="needs the columns 'code' and 'label'"):
        read_vocabulary(bad)


def test_project_dates(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "project,start\nSTRING,2016-04-01\nREMIX,yesterday\n")
    with pytest.raises(InvalidInputError) as caught:
        read_project_dates(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "start", "yesterday")
    good = _write(tmp_path, "q.csv", "Project,Start\nSTRING,2016-04-01\n")
    assert read_project_dates(good) == {"STRING": dt.date(2016, 4, 1)}


def test_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "people.csv", "id,Role\na,buyer\nb,\n")
    assert read_column(path, "role") == ["buyer", ""]
    with pytest.raises(MatchmakerError, match="no such column 'colour'; the file has: id, Role"):
        read_column(path, "colour")
