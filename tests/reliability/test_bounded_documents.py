"""Regression tests of issue 19: one set of limits for event documents, CLI options and API
parameters (``matchmaker.limits``); rule lists without repeated or unknown members; ids that
every route can address; capped CLI warnings.

Each test is named after the defect it guards against. Refusing the huge documents is measured
in a child process: the refusal itself must take at most 2 s and the whole process at most
200 MB (generous bounds, for a loaded 2-core machine; a refusal takes well under a second and a
few MB).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from matchmaker.cli import main, print_warnings
from matchmaker.errors import InvalidInputError, Problem
from matchmaker.io import read_event
from matchmaker.limits import LIMITS
from matchmaker.models import Event, Rules
from matchmaker.service.app import create_app
from matchmaker.service.settings import Settings
from reliability.corpus import base_event, good_event_json, jbytes

MAX_SECONDS = 2.0
MAX_PEAK_MIB = 200


def _event(change: Any = None) -> dict[str, Any]:
    doc = copy.deepcopy(base_event())
    if change is not None:
        change(doc)
    return doc


def _refused(doc: dict[str, Any]) -> str:
    """The problems ``read_event`` prints for ``doc`` (which it must refuse)."""
    with pytest.raises(InvalidInputError) as info:
        read_event(jbytes(doc))
    return "\n".join(str(p) for p in info.value.problems)


# --- 4. rule lists with repeated or unknown members --------------------------------------------


@pytest.mark.parametrize("rule", ["keep_apart", "keep_together"])
def test_a_group_naming_one_participant_twice_is_refused(rule: str) -> None:
    text = _refused(_event(lambda d: d.update(rules={rule: [["P1", "P2", "P1"]]})))
    assert f"{rule}[0] names participant 'P1' more than once; list each participant once" in text


def test_a_group_naming_one_participant_twice_is_refused_by_the_rules_alone() -> None:
    with pytest.raises(ValidationError, match="keep_apart\\[1\\] names participant 'P3'"):
        Rules(keep_apart=[["P1", "P2"], ["P3", "P3"]])


@pytest.mark.parametrize("rule", ["keep_apart", "keep_together"])
def test_a_group_naming_an_unknown_participant_is_refused(rule: str) -> None:
    text = _refused(_event(lambda d: d.update(rules={rule: [["P1", "nobody"]]})))
    assert f"{rule}: participant 'nobody' is not in the event" in text


@pytest.mark.parametrize(
    ("pins", "expected"),
    [
        (
            [{"participant": "P1", "room": "r1"}, {"participant": "P1", "room": "r1"}],
            "participant 'P1' is pinned twice to room 'Energy' in every round",
        ),
        (
            [
                {"participant": "P1", "room": "r1", "round": "R1"},
                {"participant": "P1", "room": "r2", "round": "R1"},
            ],
            "participant 'P1' is pinned to rooms 'Energy' and 'Health' in round 1 ('R1')",
        ),
        (
            [
                {"participant": "P1", "room": "r2", "round": "R2"},
                {"participant": "P1", "room": "r1"},
            ],
            "participant 'P1' is pinned to rooms 'Health' and 'Energy' in round 2 ('R2')",
        ),
    ],
    ids=["the same pin twice", "two rooms in one round", "one round and every round"],
)
def test_a_participant_pinned_twice_in_one_round_is_refused(
    pins: list[dict[str, str]], expected: str
) -> None:
    assert expected in _refused(_event(lambda d: d.update(rules={"pins": pins})))


def test_pins_in_different_rounds_are_kept() -> None:
    pins = [
        {"participant": "P1", "room": "r1", "round": "R1"},
        {"participant": "P1", "room": "r2", "round": "R2"},
    ]
    event = read_event(jbytes(_event(lambda d: d.update(rules={"pins": pins}))))
    assert len(event.rules.pins) == 2


def test_a_request_naming_one_organisation_twice_is_refused() -> None:
    requests = [
        {"organisation": "org-1", "preference": "must_meet"},
        {"organisation": "org-1", "preference": "would_rather_not"},
    ]
    text = _refused(_event(lambda d: d["participants"][0].update(requests=requests)))
    assert "requests name organisation 'org-1' more than once" in text


def test_a_request_naming_an_unknown_organisation_is_refused() -> None:
    requests = [{"organisation": "org-404", "preference": "must_meet"}]
    text = _refused(_event(lambda d: d["participants"][0].update(requests=requests)))
    assert "requested organisation 'org-404' is not in the event" in text


def test_a_slot_named_twice_in_availability_is_kept_once() -> None:
    event = read_event(
        jbytes(_event(lambda d: d["participants"][0].update(available=["S1", "S2", "S1"])))
    )
    assert event.participants[0].available == ["S1", "S2"]


def test_a_keep_apart_group_that_succeeds_keeps_its_rule(tmp_path: Path) -> None:
    """A run that succeeds never reports its hard rule broken."""
    from matchmaker.plan.breakouts import plan_breakouts

    event = read_event(jbytes(_event(lambda d: d.update(rules={"keep_apart": [["P1", "P2"]]}))))
    plan = plan_breakouts(event, seed=0, time_limit=5)
    assert not [v for v in plan.result.violations if "apart" in v], plan.result.violations
    for rnd in event.rounds:
        rooms_of = {pid: room for room, ids in plan.assignment[rnd.id].items() for pid in ids}
        assert rooms_of["P1"] != rooms_of["P2"]


# --- 8. every number of a document has a range ---------------------------------------------------


def _rounds(n: int) -> list[dict[str, str]]:
    return [{"id": f"R{k + 1}"} for k in range(n)]


def _participants_of_one_organisation(n: int) -> list[dict[str, str]]:
    return [{"id": f"P{k + 1}", "organisation": "org-0"} for k in range(n)]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("rounds", _rounds(50_000), f"at most {LIMITS.rounds} items"),
        (
            "participants",
            _participants_of_one_organisation(20_000),
            f"at most {LIMITS.participants} items",
        ),
        ("participants.0.min_meetings", 10**6, "less than or equal to 500; got 1000000"),
        ("rules.min_meetings", 10**6, "less than or equal to 500; got 1000000"),
        ("rules.max_meetings", 10**6, "less than or equal to 500; got 1000000"),
        ("rooms.0.capacity", True, "must be a whole number; got true"),
        ("rooms.0.capacity", 4.0, "must be a whole number; got 4.0"),
        ("rooms.0.capacity", 10**6, f"less than or equal to {LIMITS.room_capacity}"),
        ("rooms.0.min_size", 10**9, f"less than or equal to {LIMITS.room_capacity}"),
        ("participants.0.seats", False, "must be a whole number; got false"),
        ("tables", 10**5, f"less than or equal to {LIMITS.tables}; got 100000"),
        ("tables", 2.5, "must be a whole number; got 2.5"),
        ("rules.max_per_country", 10**9, f"less than or equal to {LIMITS.participants}"),
        ("organisations.0.size", 10**4000, "size must be a head count from 0 to 10,000,000"),
        ("organisations.0.size", True, "size true is neither a head count nor a size class"),
        ("date", "9999-12-31", "must be a date in the years 1970 to 2999; got 9999-12-31"),
        ("slots.0.start", "9999-12-31T23:00:00", "must be a date in the years 1970 to 2999"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_every_number_of_an_event_document_is_bounded(path: str, value: Any, expected: str) -> None:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    text = _refused(_event(change))
    shown = path.replace(".0.", "[0].")
    assert shown in text, text
    assert expected in text, text


def test_a_number_of_4000_digits_is_named_by_its_length_not_printed() -> None:
    text = _refused(_event(lambda d: d["rooms"][0].update(capacity=10**4000)))
    assert "got a number of 4001 digits" in text
    assert "0" * 100 not in text


def test_the_documents_use_the_bounds_of_the_options() -> None:
    """The limits the CLI checks are the ones documents have: a document at the upper bound
    passes, one above it does not."""
    doc = _event(lambda d: d.update(rounds=_rounds(LIMITS.rounds)))
    assert len(read_event(jbytes(doc)).rounds) == LIMITS.rounds
    doc = _event(lambda d: d.update(rounds=_rounds(LIMITS.rounds + 1)))
    assert f"at most {LIMITS.rounds} items" in _refused(doc)


# Runs one command in a fresh interpreter after reading a valid event (which loads the
# taxonomies), and reports the exit code, the seconds the command took and the peak resident set
# of the whole process.
_MEASURE = """
import contextlib, io, json, sys, time
from matchmaker.cli import main
from matchmaker.io import read_event

read_event(sys.argv[1])
argv = json.loads(sys.argv[2])
err = io.StringIO()
started = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
    code = main(argv)
seconds = time.perf_counter() - started
# VmHWM is this process's own peak; ru_maxrss would count the parent's at the fork.
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
print(json.dumps({"code": code, "seconds": seconds, "peak_mib": peak, "err": err.getvalue()}))
"""


def _measure(argv: list[str], folder: Path) -> dict[str, Any]:
    good = folder / "good.json"
    good.write_bytes(good_event_json())
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(good), json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=folder,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


HUGE_DOCUMENTS = {
    "50,000 rounds": (lambda d: d.update(rounds=_rounds(50_000)), "at most 100 items"),
    "20,000 participants of one organisation": (
        lambda d: d.update(participants=_participants_of_one_organisation(20_000)),
        "at most 10000 items",
    ),
    "a size of 10^4000": (
        lambda d: d["organisations"][0].update(size=10**4000),
        "a number of 4001 digits",
    ),
    "a capacity of 10^4000": (
        lambda d: d["rooms"][0].update(capacity=10**4000),
        "a number of 4001 digits",
    ),
}


@pytest.mark.parametrize("name", list(HUGE_DOCUMENTS))
@pytest.mark.parametrize("command", ["breakouts", "import"])
def test_refusing_a_huge_event_document_is_quick_and_small(
    name: str, command: str, tmp_path: Path
) -> None:
    change, expected = HUGE_DOCUMENTS[name]
    path = tmp_path / "event.json"
    path.write_bytes(jbytes(_event(change)))
    argv = [command, str(path)]
    if command == "import":
        argv += ["--db", f"sqlite:///{tmp_path / 'store.db'}"]
    figures = _measure(argv, tmp_path)
    assert figures["code"] == 1, figures["err"]
    assert expected in figures["err"]
    assert figures["seconds"] <= MAX_SECONDS, figures
    assert figures["peak_mib"] <= MAX_PEAK_MIB, figures


# --- 9. command-line options ------------------------------------------------------------------


@pytest.fixture
def good_event(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_bytes(good_event_json())
    return path


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["schedule", "{ev}", "--slots", "100000000"], "--slots must be from 1 to 500"),
        (["breakouts", "{ev}", "--rounds", "1000000000"], "--rounds must be from 1 to 100"),
        (["breakouts", "{ev}", "--rooms", "10000000"], "--rooms must be from 1 to 1000"),
        (
            ["breakouts", "{ev}", "--time-limit", "inf"],
            "--time-limit must be above 0 and at most 3600 seconds; got inf",
        ),
        (
            ["breakouts", "{ev}", "--time-limit", "1e9"],
            "--time-limit must be above 0 and at most 3600 seconds; got 1000000000",
        ),
        (["breakouts", "{ev}", "--seed", "-5"], "--seed must be from 0 to 4294967295; got -5"),
        (["breakouts", "{ev}", "--seed", str(2**70)], "--seed must be from 0 to 4294967295"),
        (
            ["schedule", "{ev}", "--tables", "2", "--minutes", "1000000000"],
            "--minutes must be from 1 to 1440",
        ),
        (["schedule", "{ev}", "--tables", "1000000000"], "--tables must be from 1 to 10000"),
        (["pairs", "{ev}", "--capacity", "1000000000"], "--capacity must be from 1 to 50"),
        (
            ["schedule", "{ev}", "--tables", "2", "--start", "9999-12-31T23:30"],
            "--start must be a date in the years 1970 to 2999; got 9999-12-31T23:30:00",
        ),
        (
            ["schedule", "{ev}", "--tables", "2", "--start", "half past nine"],
            "--start 'half past nine' is not a date and time",
        ),
        (["learn", "{ev}", "--out", "s.json", "--seed", "-1"], "--seed must be from 0"),
        (["suggest", "{ev}", "--org", "A", "-k", "1000000000"], "-k must be from 1 to 100"),
    ],
    ids=lambda v: " ".join(a for a in v if a != "{ev}") if isinstance(v, list) else "",
)
def test_every_numeric_option_is_bounded(
    argv: list[str],
    expected: str,
    good_event: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(good_event.parent)
    code, text = _cli([str(good_event) if a == "{ev}" else a for a in argv], capsys)
    assert code == 1, text
    assert text.startswith("error: "), text
    assert expected in text, text
    assert "Traceback" not in text


def test_huge_options_are_refused_before_any_work(tmp_path: Path) -> None:
    """``--slots 10^8`` and ``--rounds 10^9`` once ran for a minute into a MemoryError."""
    good = tmp_path / "event.json"
    good.write_bytes(good_event_json())
    for argv in (
        ["schedule", str(good), "--slots", "100000000"],
        ["breakouts", str(good), "--rounds", "1000000000", "--rooms", "10000000"],
    ):
        figures = _measure(argv, tmp_path)
        assert figures["code"] == 1, figures
        assert figures["seconds"] <= MAX_SECONDS, figures
        assert figures["peak_mib"] <= MAX_PEAK_MIB, figures


def test_new_slots_past_the_last_year_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _event(lambda d: d.update(slots=[], date="2999-12-30"))
    path = tmp_path / "event.json"
    path.write_bytes(jbytes(doc))
    code, text = _cli(
        ["schedule", str(path), "--slots", "500", "--minutes", "1440", "--tables", "2"], capsys
    )
    assert code == 1, text
    assert "500 slots of 1440 minutes from 2999-12-30T09:00:00 would end on" in text
    assert "after the year 2999" in text


def test_a_warning_of_each_kind_is_printed_a_few_times_with_a_count() -> None:
    """200,000 unknown columns once printed 200,001 lines."""
    warnings = [Problem(1, f"c{k}", f"c{k}", f"column 'c{k}' is not used") for k in range(200_000)]
    warnings += [Problem(None, None, None, "the e-mail 'x' is in the website column")]
    out = io.StringIO()
    print_warnings(warnings, out)
    lines = out.getvalue().splitlines()
    assert len(lines) <= LIMITS.warnings + 4
    assert "  warning: row 1, column 'c0': column 'c0' is not used" in lines
    assert any(
        "and 199,9" in line and "more like this: column … is not used" in line for line in lines
    )
    assert "  warning: the e-mail 'x' is in the website column" in lines


def test_validate_caps_the_warnings_of_unknown_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = [f"extra{k}" for k in range(900)]
    path = tmp_path / "orgs.csv"
    path.write_text(
        ",".join(["id", "name", "type", "region", *extra])
        + "\n"
        + ",".join(["A", "Alpha", "sme", "FR10", *["" for _ in extra]])
        + "\n",
        encoding="utf-8",
    )
    code, text = _cli(["validate", str(path)], capsys)
    assert code == 0, text
    warnings = [line for line in text.splitlines() if "warning:" in line]
    assert 0 < len(warnings) <= LIMITS.warnings
    assert "more like this" in text


# --- 10. ids every route can address ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", "fair/2025"),
        ("participants.0.id", "org-0/P1"),
        ("rooms.0.id", "hall/1"),
        ("rounds.0.id", "day1/R1"),
        ("slots.0.id", "am/S1"),
        ("organisations.0.id", "acme/fr"),
    ],
)
def test_an_id_with_a_slash_is_refused(path: str, value: str) -> None:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value

    text = _refused(_event(change))
    assert f"id '{value}' holds '/', which no address can carry" in text
    assert "letters, digits and . _ : @ -" in text


def test_the_id_rule_is_one_pattern() -> None:
    from matchmaker.models import ID_PATTERN

    assert "/" not in ID_PATTERN
    with pytest.raises(ValidationError):
        Event(id="a/b", name="x")
    assert Event(id="a:b@c.d-e_f", name="x").id == "a:b@c.d-e_f"


# --- the API: the same bounds, a 422 before any job ----------------------------------------------


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    client = TestClient(create_app(Settings(database_url=db_url, background_refit=False)))
    with client:
        store = client.app.state.store  # type: ignore[attr-defined]
        _, key = store.create_api_key(role="organiser", subject="limits", name="limits")
        yield client, {"Authorization": f"Bearer {key}"}


def _store_event(client: TestClient, headers: dict[str, str], doc: dict[str, Any]) -> str:
    response = client.post("/api/events", json=doc, headers=headers)
    assert response.status_code == 201, response.text
    return str(doc["id"])


def _problem_text(response: Any) -> str:
    assert response.status_code == 422, response.text[:2000]
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.text)


def test_an_event_id_with_a_slash_is_refused_by_the_api(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api
    response = client.post(
        "/api/events", json=_event(lambda d: d.update(id="a/b")), headers=headers
    )
    assert "holds '/'" in _problem_text(response)
    assert client.app.state.store.event_ids() == []  # type: ignore[attr-defined]


def test_a_group_naming_one_participant_twice_is_refused_by_the_api(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api
    doc = _event(lambda d: d.update(rules={"keep_apart": [["P1", "P1"]]}))
    text = _problem_text(client.post("/api/events", json=doc, headers=headers))
    assert "names participant 'P1' more than once" in text


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("schedule", {"start": "9999-12-31T23:00:00", "slots": 3}, "start"),
        ("schedule", {"slots": 10**8}, "slots"),
        ("schedule", {"tables": True}, "tables"),
        ("schedule", {"minutes": 10**9, "tables": 2}, "minutes"),
        ("schedule", {"seed": -5}, "seed"),
        ("schedule", {"time_limit": 1e9}, "time_limit"),
        ("breakouts", {"rounds": 10**9}, "rounds"),
        ("breakouts", {"rooms": 10**7}, "rooms"),
        ("breakouts", {"seed": 2**70}, "seed"),
        ("pairs", {"capacity": 10**9}, "capacity"),
        ("pairs", {"capacity": True}, "capacity"),
    ],
    ids=lambda v: v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict) else "",
)
def test_an_api_parameter_out_of_range_is_a_422_before_any_job(
    api: tuple[TestClient, dict[str, str]], kind: str, body: dict[str, Any], field: str
) -> None:
    client, headers = api
    event_id = _store_event(client, headers, _event())
    response = client.post(f"/api/events/{event_id}/{kind}", json=body, headers=headers)
    text = _problem_text(response)
    assert field in text


def test_new_slots_past_the_last_year_are_a_422_not_a_failed_job(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    """A schedule ``start`` of 9999-12-31T23:00 failed its job with an internal error."""
    client, headers = api
    event_id = _store_event(client, headers, _event(lambda d: d.update(slots=[])))
    body = {"start": "2999-12-31T23:00:00", "slots": 3, "tables": 2}
    text = _problem_text(
        client.post(f"/api/events/{event_id}/schedule", json=body, headers=headers)
    )
    assert "after the year 2999" in text
    doc = _event(lambda d: d.update(id="late", slots=[], date="2999-12-31"))
    _store_event(client, headers, doc)
    body = {"slots": 100, "minutes": 60, "tables": 2}
    text = _problem_text(client.post("/api/events/late/schedule", json=body, headers=headers))
    assert "must be a date in the years 1970 to 2999" in text


def test_suggestions_k_uses_the_same_bound(api: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = api
    store = client.app.state.store  # type: ignore[attr-defined]
    _, key = store.create_api_key(role="admin", subject="limits-admin", name="admin")
    response = client.get(
        f"/api/organisations/A/suggestions?k={LIMITS.suggestions + 1}",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422, response.text
    assert f"less than or equal to {LIMITS.suggestions}" in response.text


def test_a_date_of_the_event_past_the_last_year_is_refused_by_the_api(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api
    doc = _event(lambda d: d.update(date=(dt.date(3000, 1, 1)).isoformat()))
    assert "must be a date in the years" in _problem_text(
        client.post("/api/events", json=doc, headers=headers)
    )


def test_a_result_that_breaks_a_hard_rule_is_an_error_not_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever the search returns is checked against the hard rules before it is answered:
    a search that put two keep-apart participants together fails the run, it never succeeds
    with the rule reported broken."""
    import numpy as np

    from matchmaker.solvers import breakouts

    rng = np.random.default_rng(0)
    affinity = rng.random((8, 8))
    affinity = (affinity + affinity.T) / 2
    np.fill_diagonal(affinity, 0)
    kept = breakouts.solve_breakouts(affinity, [(4, 4), (4, 4)], apart=[[0, 1]], seed=0)
    assert kept.rooms[0][0] != kept.rooms[0][1]

    real = breakouts._hard_rule_breaks

    def everyone_in_one_room(p: Any, rooms: Any) -> list[str]:
        return real(p, np.zeros_like(rooms))

    monkeypatch.setattr(breakouts, "_hard_rule_breaks", everyone_in_one_room)
    with pytest.raises(RuntimeError, match=r"keep-apart set apart\[0\] shares a room"):
        breakouts.solve_breakouts(affinity, [(4, 4), (4, 4)], apart=[[0, 1]], seed=0)
