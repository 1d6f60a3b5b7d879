"""Registration lists: participants with their organisations' profiles, one row each."""

from __future__ import annotations

import json

import pytest

from conftest import make_org
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.io import (
    dump_registrations,
    read_event,
    read_registrations,
    registration_rows,
    validate_registrations,
)
from matchmaker.models import Organisation, Participant

LEUVEN = DEMO_DATA / "leuven-2018"
HEADER = "participant,person,seats,id,name,type,region,sectors"


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def problems(data: bytes, name: str = "r.csv") -> list[tuple[int | None, str | None, str]]:
    report = validate_registrations(data, name=name)
    return [(p.row, p.column, p.message) for p in report.problems]


def test_the_leuven_list_gives_the_event_s_participants_and_organisations() -> None:
    event = read_event(LEUVEN / "event.json")
    report = read_registrations(LEUVEN / "registrations.csv")
    assert report.participants == event.participants
    assert report.organisations == event.organisations
    assert (report.rows, report.problems, report.warnings) == (32, [], [])
    assert report.summary() == (
        "32 rows read: 32 participants of 20 organisations, 0 rows with problems (0 problems)"
    )


def test_the_bad_leuven_list_names_each_mistake_with_its_row() -> None:
    with pytest.raises(InvalidInputError, match="3 problems in 3 rows; nothing") as info:
        read_registrations(LEUVEN / "registrations-bad.csv")
    found = {(p.row, p.column): p for p in info.value.problems}
    assert set(found) == {(7, "region"), (10, "sectors"), (12, "name")}
    assert found[7, "region"].value == "NL14"
    assert "region 'NL14' is not a NUTS 2021/2024 code; did you mean NL11" in (
        found[7, "region"].message
    )
    assert found[10, "sectors"].value == "M72.9"
    assert "did you mean M72.1 or M72.2?" in found[10, "sectors"].message
    assert found[12, "name"].message == "name is empty; it is required"
    # the other rows are read
    report = validate_registrations(LEUVEN / "registrations-bad.csv")
    assert len(report.participants) == 29
    assert report.rejected_rows == [7, 10, 12]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_round_trip(fmt: str) -> None:
    event = read_event(LEUVEN / "event.json")
    people = [
        event.participants[0].model_copy(update={"person": "Anna Virtanen", "seats": 2}),
        *event.participants[1:],
    ]
    data = dump_registrations(people, event.organisations, fmt)  # type: ignore[arg-type]
    report = read_registrations(data, name=f"list.{fmt}")
    assert report.participants == people
    assert report.organisations == event.organisations
    assert report.format == fmt


def test_participant_ids_default_to_the_organisation_s() -> None:
    data = csv(
        "id,name,type,region,participant",
        "acme,Acme,sme,FR10,",
        "acme,Acme,sme,FR10,",
        "lab,Lab,university,BE33,",
        "acme,Acme,sme,FR10,acme-3",  # written ids are kept, and not made again
        "acme,Acme,sme,FR10,",
    )
    report = read_registrations(data, name="r.csv")
    assert [(p.id, p.organisation) for p in report.participants] == [
        ("acme", "acme"),
        ("acme-2", "acme"),
        ("lab", "lab"),
        ("acme-3", "acme"),
        ("acme-4", "acme"),
    ]
    assert [o.id for o in report.organisations] == ["acme", "lab"]
    assert all(p.seats == 1 and p.person is None for p in report.participants)


def test_without_an_id_column_the_organisation_is_known_by_its_name() -> None:
    data = csv(
        "Organisation,Type,Country,Full name",
        "Université de Liège,University,Belgium,Ana",
        "Université de Liège,University,Belgium,Ben",
    )
    report = read_registrations(data, name="r.csv")
    assert [(p.id, p.person) for p in report.participants] == [
        ("universite-de-liege", "Ana"),
        ("universite-de-liege-2", "Ben"),
    ]
    assert [o.region for o in report.organisations] == ["BE"]


def test_colleagues_rows_are_merged_and_only_the_region_must_agree() -> None:
    # Colleagues may word their organisation's profile differently: the organisation takes
    # the first name and the union of the lists; only where it is must agree.
    data = csv(
        HEADER,
        "p1,Ana,1,acme,Acme,sme,FR10,C26.51",
        "p2,Ben,1,acme,Acme,sme,FR10,2651",  # the same code, written otherwise
        "p3,Cleo,1,acme,Acme Ltd,sme,FR10,C26.52",
    )
    report = validate_registrations(data, name="r.csv")
    assert report.problems == []
    (org,) = report.organisations
    assert (org.name, org.sectors) == ("Acme", ["C26.51", "C26.52"])
    assert [p.organisation for p in report.participants] == ["acme"] * 3
    moved = csv(HEADER, "p1,Ana,1,acme,Acme,sme,FR10,", "p2,Ben,1,acme,Acme,sme,DE11,")
    assert validate_registrations(moved, name="r.csv").problems == [
        Problem(
            3,
            "region",
            "DE11",
            "rows 2 and 3 give organisation 'acme' different region: 'FR10' in row 2, 'DE11' "
            "in row 3; the rows of one organisation must agree on where it is",
        )
    ]


def test_a_region_that_differs_is_one_problem_not_two() -> None:
    data = csv(
        "id,name,type,region,country",
        "acme,Acme,sme,FR10,FR",
        "acme,Acme,sme,DE11,DE",
    )
    assert [(r, c) for r, c, _ in problems(data)] == [(3, "region")]


def test_duplicate_participant_ids() -> None:
    data = csv(HEADER, "p1,Ana,1,acme,Acme,sme,FR10,", "p1,Ben,1,lab,Lab,sme,BE33,")
    assert problems(data) == [
        (
            2,
            "participant",
            "participant id 'p1' is also used in row 3; each participant needs an id of its own",
        ),
        (
            3,
            "participant",
            "participant id 'p1' is also used in row 2; each participant needs an id of its own",
        ),
    ]


@pytest.mark.parametrize(
    ("seats", "expected"), [("", 1), ("2", 2), ("50", 50), ("3.0", 3), (" 4 ", 4)]
)
def test_valid_seats(seats: str, expected: int) -> None:
    data = csv(HEADER, f"p1,Ana,{seats},acme,Acme,sme,FR10,")
    assert read_registrations(data, name="r.csv").participants[0].seats == expected


@pytest.mark.parametrize("seats", ["0", "51", "2.5", "two", "-1"])
def test_seats_not_a_whole_number_from_1_to_50(seats: str) -> None:
    data = csv(HEADER, f"p1,Ana,{seats},acme,Acme,sme,FR10,")
    assert problems(data) == [
        (2, "seats", f"seats '{seats}' is not a whole number from 1 to 50"),
    ]


def test_participant_columns_are_read_under_other_names() -> None:
    data = csv(
        "Participant ID,Attendee name,Places,Organisation ID,Organisation,Type,NUTS",
        "x-1,Ana,2,acme,Acme,SME,FR10",
    )
    report = read_registrations(data, name="r.csv")
    assert report.participants == [
        Participant(id="x-1", organisation="acme", person="Ana", seats=2)
    ]
    assert report.warnings == []


def test_a_misspelt_or_doubled_header_is_mapped_with_a_reason() -> None:
    typo = validate_registrations(
        csv("id,name,type,region,Particpant", "acme,Acme,sme,FR10,p1"), name="r.csv"
    )
    assert typo.problems == []
    assert [p.id for p in typo.participants] == ["p1"]
    assert typo.mapping is not None
    column = typo.mapping.columns[4]
    assert (column.field, column.confidence) == ("participant", 0.6)
    assert "close to the header 'participant'" in column.why
    twice = validate_registrations(
        csv("id,name,type,region,person,full name", "acme,Acme,sme,FR10,Ana,Ana B."), name="r.csv"
    )
    assert twice.problems == []
    # Of two columns for one field, the more specific header gives it; the other is kept.
    assert [(p.person, p.extra) for p in twice.participants] == [("Ana B.", {"person": "Ana"})]
    assert twice.mapping is not None
    assert "'full name' already gives the full name" in twice.mapping.columns[4].why


def test_organisation_header_problems_are_reported_once() -> None:
    data = csv("id,type,region,participant", "a,sme,FR10,p1", "a,sme,FR10,p2", "a,sme,FR10,p3")
    found = problems(data)
    assert len(found) == 1
    assert found[0][2].startswith("missing column 'name'")


def test_formulas_and_bad_ids_in_participant_cells() -> None:
    data = csv(HEADER, "=1+1,Ana,1,acme,Acme,sme,FR10,", "bad id!,Ben,1,lab,Lab,sme,BE33,")
    assert problems(data) == [
        (
            2,
            "participant",
            "value '=1+1' is a spreadsheet formula; formulas are not imported, "
            "write the value instead",
        ),
        (
            3,
            "participant",
            "participant id 'bad id!' may hold only letters, digits and "
            ". _ : @ - , must start with a letter or digit, and has at most 64 characters",
        ),
    ]


def test_every_problem_of_a_row_is_listed() -> None:
    data = csv(HEADER, "p1,Ana,0,acme,,sme,FR99,")
    assert [(r, c) for r, c, _ in problems(data)] == [(2, "name"), (2, "region"), (2, "seats")]


def test_json_list() -> None:
    items = [
        {"participant": "p1", "person": "Ana", "seats": 2, **_org_json("acme")},
        {"participant": "p2", **_org_json("acme")},
        {**_org_json("lab"), "seats": "1"},
    ]
    report = read_registrations(json.dumps(items).encode(), name="r.json")
    assert [(p.id, p.organisation, p.person, p.seats) for p in report.participants] == [
        ("p1", "acme", "Ana", 2),
        ("p2", "acme", None, 1),
        ("lab", "lab", None, 1),
    ]
    assert [o.id for o in report.organisations] == ["acme", "lab"]


def test_json_problems_name_the_item_and_the_field() -> None:
    items = [
        {"participant": "p1", **_org_json("acme")},
        {"participant": "p2", "seats": 0, **_org_json("acme", region="FR99")},
        {"participant": "p3", "seats": True, **_org_json("acme", name="Other")},
        "not an object",
    ]
    found = problems(json.dumps(items).encode(), "r.json")
    assert [(r, c) for r, c, _ in found] == [
        (2, "region"),
        (2, "seats"),
        (3, "seats"),
        (4, None),
    ]
    assert found[2][2] == "seats 'true' is not a whole number from 1 to 50"


def test_json_with_an_own_vocabulary() -> None:
    doc = {
        "vocabulary": {"MY-1": "Blue economy"},
        "registrations": [{**_org_json("acme"), "s3_priorities": ["MY-1"]}],
    }
    report = read_registrations(json.dumps(doc).encode(), name="r.json")
    assert report.organisations[0].s3_priorities == ["MY-1"]
    assert report.vocabulary == {"MY-1": "Blue economy"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[1, 2", "not valid JSON at line 1"),
        (b'{"people": []}', "'people' is not a key"),
        (b"", "the file is empty"),
    ],
)
def test_json_file_problems(data: bytes, message: str) -> None:
    found = problems(data, "r.json")
    assert len(found) == 1
    assert message in found[0][2]


def test_export_refuses_participants_of_unknown_organisations() -> None:
    with pytest.raises(MatchmakerError, match="organisation 'ghost', which is not given"):
        registration_rows([Participant(id="p", organisation="ghost")], [make_org()])


def test_public_export_leaves_out_contacts() -> None:
    org: Organisation = make_org()
    header, rows = registration_rows([Participant(id="p", organisation=org.id)], [org], public=True)
    assert "contact_email" not in header
    assert header[:3] == ["participant", "person", "seats"]
    assert rows[0][:3] == ["p", "", "1"]


def _org_json(org_id: str, **overrides: str) -> dict[str, object]:
    data = make_org(id=org_id).model_dump(mode="json", exclude_none=True, exclude={"country"})
    return {**data, **overrides}


def test_a_person_s_name_too_long() -> None:
    data = csv(HEADER, f"p1,{'A' * 301},1,acme,Acme,sme,FR10,")
    assert problems(data) == [(2, "person", "person has 301 characters; the limit is 300")]


def test_a_formula_in_an_xlsx_participant_cell() -> None:
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["participant", "seats", "id", "name", "type", "region"])
    ws.append(["p1", "=1+1", "acme", "Acme", "sme", "FR10"])
    ws.append(["p2", 2, "acme", "Acme", "sme", "FR10"])
    buffer = BytesIO()
    wb.save(buffer)
    report = validate_registrations(buffer.getvalue(), name="r.xlsx")
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "seats", "=1+1")]
    assert [(p.id, p.seats) for p in report.participants] == [("p2", 2)]


def test_names_that_make_one_id_are_one_organisation() -> None:
    data = csv("name,type,region", "Acme Inc,sme,FR10", '"Acme, Inc.",sme,FR10')
    report = validate_registrations(data, name="r.csv")
    assert report.problems == []
    assert [o.name for o in report.organisations] == ["Acme Inc"]
    assert [p.id for p in report.participants] == ["acme-inc", "acme-inc-2"]
