"""The sheet writer: typed cells, the layout of every sheet, names for sheets and files."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from matchmaker.io.sheets import Sheet, name_stems, sheet_names, xlsx_bytes


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_cells_keep_their_types_and_text_is_never_a_formula() -> None:
    aware = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    rows = [
        [aware, dt.date(2025, 3, 10), 3, 2.5, None, '=HYPERLINK("http://x","y")'],
        [dt.datetime(2025, 3, 10, 10), None, 0, -1.25, "plain", "+1"],
    ]
    ws = _book(xlsx_bytes([("S", ["when", "day", "n", "x", "empty", "text"], rows)]))["S"]
    first = ws[2]
    # The wall clock as given (09:30), not the UTC instant; shown as date and time.
    assert first[0].value == dt.datetime(2025, 3, 10, 9, 30)
    assert first[0].is_date
    assert first[0].number_format == "yyyy-mm-dd hh:mm"
    assert first[1].value == dt.datetime(2025, 3, 10)
    assert first[1].number_format == "yyyy-mm-dd"
    assert (first[2].value, first[2].data_type) == (3, "n")
    assert (first[3].value, first[3].data_type) == (2.5, "n")
    assert first[4].value is None
    assert (first[5].value, first[5].data_type) == ('\'=HYPERLINK("http://x","y")', "s")
    second = ws[3]
    assert (second[5].value, second[5].data_type) == ("'+1", "s")


def test_every_sheet_has_a_frozen_filtered_header_and_sized_columns() -> None:
    long = "x" * 200
    data = xlsx_bytes(
        [
            ("Plain", ["id", "name"], [["a", "Ana"], ["b", long]]),
            Sheet("Titled", ["Start", "Who"], [[dt.datetime(2025, 1, 1, 9), "Bo"]], intro=("Bo",)),
            Sheet("Grid", ["Slot", "Start", "End", "T1"], [["s", None, None, ""]], fixed_columns=3),
            ("Empty", ["a"], []),
        ]
    )
    book = _book(data)
    plain, titled, grid, empty = (book[n] for n in ("Plain", "Titled", "Grid", "Empty"))
    assert plain.freeze_panes == "A2"
    assert plain.auto_filter.ref == "A1:B3"
    assert plain.column_dimensions["A"].width == 8  # at least 8
    assert plain.column_dimensions["B"].width == 60  # at most 60
    # An intro line, a blank line, then the header on row 3.
    assert titled["A1"].value == "Bo"
    assert titled["A1"].font.bold
    assert [c.value for c in titled[3]] == ["Start", "Who"]
    assert titled.freeze_panes == "A4"
    assert titled.auto_filter.ref == "A3:B4"
    assert titled.column_dimensions["A"].width == len("yyyy-mm-dd hh:mm") + 2
    assert grid.freeze_panes == "D2"
    assert empty.auto_filter.ref == "A1:A2"


def test_sheet_names_of_people() -> None:
    names = ["Ana Silva", "ANA SILVA", "a/b:c*d?[e]", "'x'", "History", "", "\x01 Bo\nLi", "é" * 40]
    assert sheet_names(names) == [
        "Ana Silva",
        "ANA SILVA~2",
        "a_b_c_d__e_",
        "x",
        "History_",
        "sheet",
        "Bo Li",
        "é" * 31,
    ]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Ana Silva - Inova Lisboa", "Ana Silva - Inova Lisboa"),
        ('a<b>c:d"e/f\\g|h?i*j', "a_b_c_d_e_f_g_h_i_j"),
        ("  spaced\tout\n name ", "spaced out name"),
        ("Ltd.", "Ltd"),
        ("...", "file"),
        ("nul", "nul_"),
        ("COM1.txt", "COM1.txt_"),
        ("Łódź Uniwersytet", "Łódź Uniwersytet"),
        ("e\u0301", "é"),  # one way of writing é, so that equal names make equal files
    ],
)
def test_name_stems_are_safe(name: str, stem: str) -> None:
    assert name_stems([name]) == [stem]


def test_name_stems_are_distinct_regardless_of_case() -> None:
    assert name_stems(["Ana", "ana", "ANA", "Ana (2)"]) == [
        "Ana",
        "ana (2)",
        "ANA (3)",
        "Ana (2) (2)",
    ]
    assert len(name_stems(["y" * 300])[0]) == 100
