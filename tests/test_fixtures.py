"""The committed fixtures and the packaged demo dataset load without problems and agree with
``fixtures/build.py``."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event, read_organisations
from matchmaker.synth import generate_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

ORGANISATION_FILES = [
    DEMO_DATA / "leuven-2018" / "organisations.csv",
    FIXTURES / "generated" / "medium-200.csv",
    DEMO_DATA / "medium-200.json",
    FIXTURES / "generated" / "easy-50.csv",
]
EVENT_FILES = [DEMO_DATA / "leuven-2018" / "event.json", DEMO_DATA / "brokerage" / "event.json"]


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fixtures_build", FIXTURES / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read_links(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["organisation_a", "organisation_b"]
    return [(a, b) for a, b in rows[1:]]


@pytest.mark.parametrize("path", ORGANISATION_FILES, ids=lambda p: p.name)
def test_organisation_files_load(path: Path) -> None:
    report = read_organisations(path)
    assert report.problems == []
    assert report.warnings == []
    assert report.organisations


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.parent.name)
def test_event_files_load(path: Path) -> None:
    event = read_event(path)
    assert event.participants
    assert event.organisations


def test_rebuild_gives_identical_files(tmp_path: Path) -> None:
    build = load_build()
    written = build.build(tmp_path / "fixtures", tmp_path / "demo")
    assert len(written) == 11
    for path in written:
        part = path.relative_to(tmp_path)
        root, rest = (
            (FIXTURES, part.relative_to("fixtures"))
            if part.parts[0] == "fixtures"
            else (
                DEMO_DATA,
                part.relative_to("demo"),
            )
        )
        committed = root / rest
        assert committed.is_file(), f"{committed} is not committed; run fixtures/build.py"
        assert path.read_bytes() == committed.read_bytes(), f"{committed} differs from a rebuild"


def test_build_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = load_build()
    assert build.main(["--out", str(tmp_path)]) == 0
    assert "event.json" in capsys.readouterr().out
    assert (tmp_path / "demo" / "brokerage" / "event.json").is_file()
    assert (tmp_path / "generated" / "easy-50.csv").is_file()


def test_generated_files_are_the_generator_output() -> None:
    reg = generate_registry(200, seed=1, difficulty="medium")
    for path in (FIXTURES / "generated" / "medium-200.csv", DEMO_DATA / "medium-200.json"):
        read = read_organisations(path).organisations
        assert [o.model_dump() for o in read] == [o.model_dump() for o in reg.organisations]
    assert read_links(FIXTURES / "generated" / "medium-200-links.csv") == reg.links


def test_links_refer_to_organisations() -> None:
    for registry, links in (
        ("generated/medium-200.csv", "generated/medium-200-links.csv"),
        ("generated/easy-50.csv", "generated/easy-50-links.csv"),
    ):
        ids = {o.id for o in read_organisations(FIXTURES / registry).organisations}
        pairs = read_links(FIXTURES / links)
        assert pairs
        assert all(a in ids and b in ids and a < b for a, b in pairs)
    event = read_event(DEMO_DATA / "brokerage" / "event.json")
    ids = {o.id for o in event.organisations}
    pairs = read_links(DEMO_DATA / "brokerage" / "links.csv")
    assert pairs
    assert all(a in ids and b in ids for a, b in pairs)


def test_brokerage_event() -> None:
    event = read_event(DEMO_DATA / "brokerage" / "event.json")
    assert len(event.participants) == 150
    assert len(event.slots) == 12
    assert event.tables > 0
    assert sum(len(p.requests) for p in event.participants) > 100


# --- Leuven 2018 --------------------------------------------------------------------------


def leuven_source() -> list[dict[str, str]]:
    with (DEMO_DATA / "leuven-2018" / "participants.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_leuven_source_is_the_shared_table() -> None:
    shared = Path("/work/shared/data/events/leuven-2018/participants.csv")
    if not shared.exists():
        pytest.skip("the shared data folder is not here")
    assert (DEMO_DATA / "leuven-2018" / "participants.csv").read_bytes() == shared.read_bytes()


def test_leuven_event() -> None:
    rows = leuven_source()
    event = read_event(DEMO_DATA / "leuven-2018" / "event.json")
    assert len(event.participants) == 32
    assert [p.id for p in event.participants] == [r["participant"] for r in rows]
    names = {o.id: o.name for o in event.organisations}
    assert [names[p.organisation] for p in event.participants] == [r["organisation"] for r in rows]
    assert [r.name for r in event.rooms] == [
        "Clusters as drivers of innovation and technology transfer",
        "Clusters supporting interregional cooperation",
        "Clusters supporting and engaging SMEs",
    ]
    assert all(r.themes for r in event.rooms)
    assert sum(r.capacity for r in event.rooms) >= 32
    assert len(event.rounds) == 2
    assert event.rules.apart_same_organisation
    assert str(event.date) == "2018-06-20"


def test_leuven_organisations() -> None:
    rows = leuven_source()
    orgs = read_organisations(DEMO_DATA / "leuven-2018" / "organisations.csv").organisations
    assert [o.name for o in orgs] == list(dict.fromkeys(r["organisation"] for r in rows))
    event = read_event(DEMO_DATA / "leuven-2018" / "event.json")
    assert [o.model_dump() for o in orgs] == [o.model_dump() for o in event.organisations]
    first: dict[str, dict[str, str]] = {}
    projects: dict[str, set[str]] = {}
    for r in rows:
        first.setdefault(r["organisation"], r)
        if r["project"]:
            projects.setdefault(r["organisation"], set()).add(r["project"])
    build = load_build()
    for org in orgs:
        row = first[org.name]
        assert org.region == row["region_nuts"]
        assert org.type == build.LEUVEN_TYPES[row["org_type"]]
        assert set(org.projects) == projects.get(org.name, set())
        assert "Needs and offers written for this fixture" in org.description
    assert sum(1 for o in orgs if o.offers) >= 19
