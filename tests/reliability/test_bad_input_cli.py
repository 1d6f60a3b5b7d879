"""The bad-input corpus through the real command line.

Every entry goes through each of its commands: the exit code is 1 (2 for wrong usage), the
message holds the expected substrings, there is never a traceback, nothing is stored in the
database and no output is written. Most entries run in this process (``matchmaker.cli.main``);
a sample, and every huge file, run the installed ``matchmaker`` command in a child process, which
also measures how much memory refusing a huge file takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaker.cli import main
from matchmaker.store import Store
from reliability.corpus import (
    DB,
    FILE,
    GOOD_EVENT,
    GOOD_ORGS,
    OUT,
    Entry,
    corpus,
    good_event_json,
    good_organisations_csv,
    good_xlsx,
    orgs_json,
)

CORPUS = corpus()
EXE = Path(sys.executable).with_name("matchmaker")
# Refusing a file must not take memory in proportion to it: the huge files are 256 MiB and
# more (the zip bomb inflates to 2 GiB); a refusal may grow the peak resident set this much.
MAX_GROWTH_MIB = 64

Case = tuple[Entry, tuple[str, ...]]
CASES: list[Case] = [(e, argv) for e in CORPUS for argv in e.commands]
SMALL = [c for c in CASES if not c[0].huge]
# Every twelfth small case also runs as a child process: the installed console script, its
# exit code, its streams as a user sees them.
SAMPLE = SMALL[::12]
HUGE = [c for c in CASES if c[0].huge]


def _case_id(case: Case) -> str:
    entry, argv = case
    return f"{entry.name} [{argv[0]}]"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Valid files the entries refer to (``{good_orgs}``, ``{good_event}``)."""
    folder = tmp_path_factory.mktemp("shared")
    orgs = folder / "good.csv"
    orgs.write_bytes(good_organisations_csv())
    ev = folder / "good-event.json"
    ev.write_bytes(good_event_json())
    return {GOOD_ORGS: orgs, GOOD_EVENT: ev}


def _argv(argv: tuple[str, ...], path: Path, folder: Path, shared: dict[str, Path]) -> list[str]:
    values = {
        FILE: str(path),
        DB: f"sqlite:///{folder / 'store.db'}",
        OUT: str(folder / "out"),
        **{k: str(v) for k, v in shared.items()},
    }
    return [values.get(a, a) for a in argv]


def _check(
    entry: Entry, argv: tuple[str, ...], folder: Path, code: int, out: str, err: str
) -> None:
    text = out + err
    assert code == entry.exit_code, text[-2000:]
    assert "Traceback" not in text, text[-2000:]
    for expected in entry.expect:
        assert expected in text, f"{expected!r} not in:\n{text[-2000:]}"
    if entry.exit_code == 1 and argv[0] != "validate":
        assert err.startswith("error: "), err[:500]
    if DB in argv:
        _assert_nothing_stored(folder / "store.db")
    if OUT in argv:
        written = list((folder / "out").rglob("*")) if (folder / "out").exists() else []
        assert written == [], f"output written after a refusal: {written}"
    assert not list(folder.glob("**/*.part")), "a half-written file was left behind"


def _assert_nothing_stored(db: Path) -> None:
    if not db.exists():
        return  # refused before the database was opened
    with Store(f"sqlite:///{db}") as store:
        assert store.count_organisations() == 0
        assert store.event_ids() == []


@pytest.mark.parametrize("case", SMALL, ids=[_case_id(c) for c in SMALL])
def test_bad_input_is_refused_in_process(
    case: Case,
    tmp_path: Path,
    shared: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry, argv = case
    monkeypatch.chdir(tmp_path)
    path = entry.materialise(tmp_path)
    try:
        code = main(_argv(argv, path, tmp_path, shared))
    except SystemExit as exc:  # argparse: wrong usage
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    _check(entry, argv, tmp_path, code, captured.out, captured.err)


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("case", SAMPLE, ids=[_case_id(c) for c in SAMPLE])
def test_bad_input_is_refused_by_the_console_script(
    case: Case, tmp_path: Path, shared: dict[str, Path]
) -> None:
    entry, argv = case
    path = entry.materialise(tmp_path)
    proc = _run(_argv(argv, path, tmp_path, shared), tmp_path)
    _check(entry, argv, tmp_path, proc.returncode, proc.stdout, proc.stderr)


# Runs a command after a warm-up on a valid file of the same kind (which imports everything the
# command needs), and reports how far the peak resident set grew during the command itself.
_MEASURE = """
import contextlib, io, json, resource, sys
from matchmaker.cli import main

warm, argv = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    assert main(warm) == 0, "the warm-up failed"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = main(argv)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stdout.write("\\n" + json.dumps({"code": code, "growth_kib": after - before}) + "\\n")
"""


def _warm_file(entry: Entry, folder: Path, shared: dict[str, Path]) -> Path:
    """A valid file of the entry's kind."""
    if entry.kind in {"event", "rules"}:
        return shared[GOOD_EVENT]
    data = {"csv": good_organisations_csv(), "xlsx": good_xlsx(), "json": orgs_json()}
    path = folder / f"warm{Path(entry.filename).suffix}"
    path.write_bytes(data[entry.kind])
    return path


@pytest.mark.parametrize("case", HUGE, ids=[_case_id(c) for c in HUGE])
def test_huge_input_is_refused_without_reading_it_whole(
    case: Case, tmp_path: Path, shared: dict[str, Path]
) -> None:
    entry, argv = case
    path = entry.materialise(tmp_path)
    args = _argv(argv, path, tmp_path, shared)
    warm_folder = tmp_path / "warm"
    warm_folder.mkdir()
    warm = _argv(argv, _warm_file(entry, warm_folder, shared), warm_folder, shared)
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(warm), json.dumps(args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    _check(entry, argv, tmp_path, figures["code"], proc.stdout, proc.stderr)
    growth_mib = figures["growth_kib"] / 1024
    assert growth_mib < MAX_GROWTH_MIB, (
        f"refusing {path.stat().st_size:,} bytes grew the peak memory by {growth_mib:.0f} MiB"
    )


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    assert len(CORPUS) >= 120
    kinds = {e.kind for e in CORPUS}
    assert {"csv", "xlsx", "json", "event", "rules"} <= kinds
    assert sum(e.huge for e in CORPUS) >= 5


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", GOOD_ORGS),
        ("import", GOOD_ORGS, "--db", DB),
        ("breakouts", GOOD_EVENT, "--export", OUT),
        ("schedule", GOOD_EVENT, "--export", OUT),
        ("import", GOOD_EVENT, "--db", DB),
    ],
    ids=lambda argv: argv[0],
)
def test_the_valid_base_files_pass(
    argv: tuple[str, ...],
    tmp_path: Path,
    shared: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control: the files the entries are made from pass, so each refusal is due to what
    the entry changed."""
    monkeypatch.chdir(tmp_path)
    assert main(_argv(argv, tmp_path / "unused", tmp_path, shared)) == 0, capsys.readouterr().err
