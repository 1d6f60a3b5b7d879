"""The command line, run as a user runs it: exit codes, messages, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matchmaker import __version__
from matchmaker.cli import main
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.store import Store

GOOD = "id,name,type,region\nA,Alpha,cluster,FR10\nB,Beta,university,BE33\n"
BAD = "id,name,type,region\nA,Alpha,cluster,FR99\nB,Beta,university,BE33\n"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"matchmaker {__version__}"


def test_validate_valid(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out.startswith(f"{good}: valid, 2 organisations")


def test_validate_invalid(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert (
        "row 2, column 'region': region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?"
        in out
    )


def test_validate_json(bad: Path, good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(bad), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "row": 2,
            "column": "region",
            "value": "FR99",
            "message": "region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?",
        }
    ]
    assert main(["validate", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_import_all_or_nothing(
    bad: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    assert main(["import", str(bad), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 1 problem in 1 row; nothing was imported")
    assert Store(str(db)).count_organisations() == 0


def test_import_partial_with_report(
    bad: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, report = tmp_path / "x.db", tmp_path / "problems.csv"
    assert main(["import", str(bad), "--db", str(db), "--partial", "--report", str(report)]) == 0
    assert "imported 1 organisations (1 new, 0 replaced)" in capsys.readouterr().out
    assert Store(str(db)).count_organisations() == 1
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,message"
    assert lines[1].startswith("2,region,FR99,")


def test_import_twice_is_refused_then_replaced(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert main(["import", str(good), "--db", db]) == 0
    assert main(["import", str(good), "--db", db]) == 1
    assert "2 organisation ids are already in the database" in capsys.readouterr().err
    assert main(["import", str(good), "--db", db, "--replace"]) == 0
    assert "(0 new, 2 replaced)" in capsys.readouterr().out


def test_import_into_postgresql(good: Path, db_url: str) -> None:
    assert main(["import", str(good), "--db", db_url]) == 0
    assert Store(db_url).count_organisations() == 2


def test_export_round_trip(good: Path, tmp_path: Path) -> None:
    db, out = str(tmp_path / "x.db"), tmp_path / "out.xlsx"
    assert main(["import", str(good), "--db", db]) == 0
    assert main(["export", "--db", db, "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0


def test_missing_file_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.csv")]) == 1
    assert (
        capsys.readouterr().err.strip() == f"error: file '{tmp_path / 'nope.csv'}' does not exist"
    )


def test_bad_database_url_is_a_message(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(good), "--db", "nosuchdb://x"]) == 1
    assert "database URL 'nosuchdb://x' cannot be used" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: matchmaker" in capsys.readouterr().out


def test_console_script_runs_without_traceback(bad: Path) -> None:
    exe = Path(sys.executable).with_name("matchmaker")
    proc = subprocess.run(
        [str(exe), "validate", str(bad)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr


def test_demo_imports_the_demo_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the data ships with the package: no ./fixtures needed
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "registry medium-200.json: 200 organisations (200 added)" in out
    assert "event 'leuven-2018': 32 participants, 20 organisations (added)" in out
    assert "Event 'leuven-2018'" in out
    with Store(str(db)) as store:
        assert store.count_organisations() >= 200
        assert set(store.event_ids()) == {"leuven-2018", "brokerage-b2b"}


def test_import_event_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = DEMO_DATA / "leuven-2018" / "event.json"
    db = str(tmp_path / "x.db")
    assert main(["import", str(event), "--db", db]) == 0
    assert "its 20 organisations: 20 new, 0 replaced" in capsys.readouterr().out
    assert main(["import", str(event), "--db", db]) == 1
    assert "event 'leuven-2018' is already in the database" in capsys.readouterr().err
    assert main(["import", str(event), "--db", db, "--replace"]) == 0
    with Store(db) as store:
        assert store.count_organisations() == 20
        ev = store.get_event("leuven-2018")
        assert ev is not None
        assert len(ev.participants) == 32


def test_partial_import_writes_a_report_by_default(
    bad: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(bad), "--db", str(tmp_path / "x.db"), "--partial"]) == 0
    lines = (tmp_path / "bad.problems.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("2,region,FR99,region 'FR99' is not a NUTS 2021/2024 code")


LEUVEN = DEMO_DATA / "leuven-2018" / "organisations.csv"
ECOPLUS = "ecoplus-the-business-agency-of-lower-austria"


def test_suggest_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", str(LEUVEN), "--org", ECOPLUS, "-k", "3", "--explain"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Partners for ecoplus. The Business Agency of Lower Austria")
    assert out.count("\n   1  ") == 1
    assert "            - " in out


def test_suggest_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["suggest", str(LEUVEN), "--org", ECOPLUS, "-k", "4", "--json", "--preset", "research"]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [set(s) for s in payload["suggestions"]] == [
        {"id", "score", "components", "reasons"}
    ] * 4
    scores = [s["score"] for s in payload["suggestions"]]
    assert scores == sorted(scores, reverse=True)


def test_suggest_unknown_org_is_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", str(LEUVEN), "--org", "nobody"]) == 1
    assert "organisation 'nobody' is not in the registry" in capsys.readouterr().err


def test_suggest_all_and_a_reused_space(tmp_path: Path) -> None:
    out, space = tmp_path / "all.jsonl", tmp_path / "space.npz"
    assert (
        main(["suggest-all", str(LEUVEN), "-k", "5", "--out", str(out), "--space", str(space)]) == 0
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 20
    assert all(len(r["suggestions"]) == 5 for r in rows)
    assert space.exists()
    assert main(["suggest", str(LEUVEN), "--org", ECOPLUS, "--space", str(space)]) == 0


def test_suggest_from_the_database(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert main(["import", str(LEUVEN), "--db", db]) == 0
    assert main(["suggest", db, "--org", ECOPLUS, "-k", "2"]) == 0


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_pairs_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pairs", str(DEMO_DATA / "leuven-2018" / "event.json"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)  # the pairs document of the API
    assert (payload["kind"], payload["event"]) == ("pairs", "leuven-2018")
    assert payload["status"] == "optimal"
    assert payload["gap"] == 0
    seen = [p["participant"] for pair in payload["pairs"] for p in pair["participants"]]
    assert len(seen) == len(set(seen)) == 32
    assert payload["unpaired"] == []
    assert all(pair["why"] and pair["request"] for pair in payload["pairs"])  # reasons too


def test_pairs_with_sides_from_a_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "b2b.csv"
    path.write_text(
        "id,name,type,region,role,offers,needs\n"
        "a,Alpha,sme,DE11,buyer,Testing lab,Pilot line\n"
        "b,Beta,sme,FR10,supplier,Pilot line,Testing lab\n"
        "c,Gamma,sme,BE33,buyer,Testing lab,Pilot line\n"
        "d,Delta,sme,NL42,supplier,Pilot line,Testing lab\n"
    )
    assert main(["pairs", str(path), "--sides", "role", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    roles = {"a": "buyer", "b": "supplier", "c": "buyer", "d": "supplier"}
    assert payload["pairs"]
    for pair in payload["pairs"]:
        a, b = (p["participant"] for p in pair["participants"])
        assert roles[a] != roles[b]
    assert main(["pairs", str(path), "--sides", "colour"]) == 1
    assert "--sides colour: no such column" in capsys.readouterr().err


def test_schedule_with_calendars(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = DEMO_DATA / "brokerage" / "event.json"
    ics = tmp_path / "ics"
    assert main(["schedule", str(event), "--json", "--ics-dir", str(ics)]) == 0
    payload = json.loads(capsys.readouterr().out)
    slots: dict[str, set[str]] = {}
    tables: dict[tuple[str, int], int] = {}
    assert payload["kind"] == "schedule"
    for m in payload["meetings"]:
        people = slots.setdefault(m["slot"], set())
        a, b = m["participants"]
        assert a not in people
        assert b not in people
        people.update((a, b))
        tables[m["slot"], m["table"]] = tables.get((m["slot"], m["table"]), 0) + 1
    assert max(tables.values()) == 1
    # One calendar per participant, named after the person and their organisation.
    names = sorted(p.name for p in ics.glob("*.ics"))
    assert len(names) == 150
    assert all(" - " in name for name in names)


def test_schedule_makes_slots_for_an_event_without_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = DEMO_DATA / "leuven-2018" / "event.json"
    args = ["schedule", str(event), "--slots", "4", "--tables", "6", "--start", "2018-06-20T14:00"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "14:00-14:20" in out
    assert "meetings per participant" in out
    assert main(["schedule", str(event)]) == 1
    assert "has no time slots; give --slots N" in capsys.readouterr().err


def test_replanning_keeps_published_meetings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event_path = DEMO_DATA / "brokerage" / "event.json"
    first = tmp_path / "first.json"
    assert main(["schedule", str(event_path), "--json"]) == 0
    first.write_text(capsys.readouterr().out)
    doc = json.loads(event_path.read_text())
    gone = {doc["participants"][0]["id"], doc["participants"][5]["id"]}
    doc["participants"] = [p for p in doc["participants"] if p["id"] not in gone]
    doc["participants"].append({"id": "LATE1", "organisation": doc["organisations"][0]["id"]})
    second = tmp_path / "event2.json"
    second.write_text(json.dumps(doc))
    args = ["schedule", str(second), "--previous", str(first), "--json", "--export", str(tmp_path)]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)

    def key(m: dict[str, Any]) -> tuple[str, int, str, str]:
        return (m["slot"], m["table"], *m["participants"])

    before = {key(m) for m in json.loads(first.read_text())["meetings"]}
    after = {key(m) for m in payload["meetings"]}
    still_there = {m for m in before if not gone & {m[2], m[3]}}
    assert still_there <= after
    cancelled = {key(m) for m in payload["changes"]["cancelled"]}
    assert cancelled == before - still_there
    assert any("LATE1" in (m[2], m[3]) for m in after)
    for name in ("grid.csv", "grid.xlsx", "agendas.csv", "agendas.xlsx", "agendas.html"):
        assert (tmp_path / name).stat().st_size > 0


def _generated_registry(folder: Path, n: int, seed: int) -> tuple[Path, list[Any]]:
    """A generated registry written as JSON (its projects are its partnerships)."""
    from matchmaker.io import write_organisations
    from matchmaker.synth import generate_registry

    registry = folder / "registry.json"
    orgs = generate_registry(n, seed=seed).organisations
    write_organisations(orgs, registry)
    return registry, orgs


def test_learn_then_suggest_and_schedule_with_the_learned_scorer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry, orgs = _generated_registry(tmp_path, 300, 9)
    names = sorted({p for o in orgs for p in o.projects})
    dates = tmp_path / "projects.csv"
    dates.write_text(
        "project,start\n" + "".join(f"{n},20{10 + k % 12:02d}-03-01\n" for k, n in enumerate(names))
    )
    scorer = tmp_path / "learned.json"
    args = ["learn", str(registry), "--projects", str(dates), "--out", str(scorer)]
    assert main([*args, "--name", "reg300"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"learned scorer 'reg300' written to {scorer}")
    assert "validated on projects starting from 20" in out
    for preset in ("business", "policy_learning", "research", "reg300"):
        assert f"\n  {preset} " in out
    doc = json.loads(scorer.read_text())
    assert doc["format"] == "matchmaker-scorer/1"
    assert abs(sum(doc["weights"].values()) - 1) < 1e-3
    query = ["suggest", str(registry), "--org", orgs[0].id, "-k", "3", "--scorer", str(scorer)]
    assert main([*query, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["preset"] == "reg300"
    assert (
        main(["schedule", str(DEMO_DATA / "brokerage" / "event.json"), "--scorer", str(scorer)])
        == 0
    )
    capsys.readouterr()


def test_learn_reports_bad_dates_by_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dates = tmp_path / "projects.csv"
    dates.write_text("project,start\nREMIX,2016-04-01\nNANO,April 2019\n")
    assert main(["learn", str(LEUVEN), "--projects", str(dates), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "1 problem" in err
    assert "April 2019" in err
    assert "must be a date like 2018-01-31" in err


def test_an_output_folder_that_does_not_exist_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "x.jsonl"
    assert main(["suggest-all", str(LEUVEN), "--out", str(missing)]) == 1
    assert f"the folder of --out '{missing}' does not exist" in capsys.readouterr().err
    assert main(["learn", str(LEUVEN), "--out", str(missing)]) == 1
    assert "does not exist; create it first" in capsys.readouterr().err


def test_learn_warns_when_it_had_few_partnerships(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry, orgs = _generated_registry(tmp_path, 80, 4)
    dates = tmp_path / "projects.csv"
    named = sorted({p for o in orgs for p in o.projects})
    dates.write_text("project,start\n" + f"{named[0]},2019-01-01\nNOT-A-PROJECT,2020-01-01\n")
    out = tmp_path / "learned.json"
    assert main(["learn", str(registry), "--out", str(out), "--projects", str(dates)]) == 0
    text = capsys.readouterr().out
    assert "warning: learned from" in text
    assert "the weights are unreliable" in text
    assert f"have no start date in {dates}" in text
    assert "1 projects of" in text
    assert "not-a-project" in text
