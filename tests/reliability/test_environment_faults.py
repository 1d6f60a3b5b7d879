"""Environment faults: a full disk, a file that is not a database, a read-only database, a
database server that does not answer (issue 19, item 16).

Each is met with a real SQLite file and a real process: the ``matchmaker`` command line and a
``matchmaker-server`` in child processes. The user reads one message that names the database
(never its credentials), the cause and the fix; the command exits with 1 and no traceback;
the API answers ``503`` with a problem document (``Retry-After`` when trying again may help);
and nothing stored is lost.

- **Disk full** is made with SQLite's ``PRAGMA max_page_count`` (the database cannot grow past
  its size), set on every connection of the child process by a ``sitecustomize`` module of this
  test (``MATCHMAKER_TEST_MAX_PAGES``); the product's code is the one installed.
- **Read-only**: the file and its folder are not writable by the process. Under root, which
  may write anything, the process runs as ``nobody`` (``setpriv``); otherwise the modes do it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import reliability.server as server_module
from api_support import assert_problem
from matchmaker.errors import StoreUnavailableError
from matchmaker.store import Store
from matchmaker.synth import generate_event
from reliability.server import ROOT, ServerProcess, server_command

_SITE = """
import os
pages = os.environ.get("MATCHMAKER_TEST_MAX_PAGES")
if pages:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _disk_full(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={int(pages)}")  # clamped to the current size
        cursor.close()
"""
NOBODY = 65534


def _cli(
    *args: str, env: dict[str, str] | None = None, user: bool = False
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "matchmaker.cli", *args]
    if user:
        command = [*_as_reader(), *command]
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _as_reader() -> list[str]:
    """The prefix that runs a command as a user who cannot write the read-only files."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: no user to be denied writing")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _bulk_csv(n: int, prefix: str) -> bytes:
    rows = ["id,name,type,region,sectors,languages,description"]
    filler = "A description long enough to need new pages of the database file. " * 4
    for i in range(n):
        rows.append(f"{prefix}-{i:05d},{prefix.title()} {i},sme,DE11,C22,en,{filler}")
    return ("\n".join(rows) + "\n").encode()


def _seeded(path: Path) -> tuple[str, str]:
    """A database with organisations, an event and an admin key; returns its URL and the key."""
    url = f"sqlite:///{path}"
    with Store(url) as store:
        event = generate_event(n_participants=30, seed=3)
        store.import_organisations(list(event.organisations))
        store.create_event(event, owner=None)
        _, key = store.create_api_key(role="admin", subject="admin", name="faults")
    return url, str(key)


def _content(path: Path) -> list[tuple[object, ...]]:
    """Every row of every table, in order, and the integrity check: what must not change."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        rows: list[tuple[object, ...]] = []
        for t in sorted(tables):
            rows += [(t, *r) for r in conn.execute(f'select * from "{t}" order by 1')]
    return rows


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert "Traceback" not in done.stdout


# --- disk full ---------------------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path: Path) -> dict[str, str]:
    """The environment of a child process whose SQLite databases cannot grow."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SITE, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "MATCHMAKER_TEST_MAX_PAGES": "1"}


def test_disk_full_on_the_command_line(tmp_path: Path, full_disk: dict[str, str]) -> None:
    db = tmp_path / "full.db"
    url, _ = _seeded(db)
    before = _content(db)
    bulk = tmp_path / "bulk.csv"
    bulk.write_bytes(_bulk_csv(2000, "full"))

    done = _cli("import", str(bulk), "--db", url, env=full_disk)
    _no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: the database '")
    assert str(db) in done.stderr
    assert "the disk is full" in done.stderr
    assert "free space" in done.stderr
    assert _content(db) == before

    # Reading still works on the full disk; with space again, the same import goes in whole.
    done = _cli("summary", "--db", url, env=full_disk)
    assert done.returncode == 0, done.stderr
    done = _cli("import", str(bulk), "--db", url)
    assert done.returncode == 0, done.stderr
    with Store(url) as store:
        assert sum(o.id.startswith("full-") for o in store.organisations()) == 2000


def test_disk_full_in_the_api(tmp_path: Path, full_disk: dict[str, str]) -> None:
    db = tmp_path / "full-api.db"
    url, key = _seeded(db)
    before = _content(db)
    server = ServerProcess(url, tmp_path / "server.log", full_disk)
    try:
        server.start()
        with server.client(key) as client:
            files = {"file": ("bulk.csv", _bulk_csv(2000, "api"), "text/csv")}
            r = client.post("/api/organisations/import", files=files)
            body = assert_problem(r, 503, "unavailable")
            assert r.headers["Retry-After"] == "30"
            assert "the disk is full" in body["detail"]
            assert str(db) in body["detail"]
            assert client.get("/api/organisations", params={"limit": 5}).status_code == 200
            assert client.get("/health").status_code == 200
    finally:
        server.stop()
    assert "Traceback" not in server.log_text()
    assert _content(db) == before


def _file_size_limit(limit: int) -> Callable[[], None]:
    def limited() -> None:  # in the child: a write past ``limit`` bytes fails with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def test_a_full_disk_while_writing_an_export(tmp_path: Path) -> None:
    """The export cannot be written whole: a message, no half file, the old file kept."""
    url, _ = _seeded(tmp_path / "registry.db")
    bulk = tmp_path / "bulk.csv"
    bulk.write_bytes(_bulk_csv(400, "big"))  # an export of some 200 KB
    assert _cli("import", str(bulk), "--db", url).returncode == 0
    out = tmp_path / "organisations.csv"
    out.write_text("the export of yesterday\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "matchmaker.cli", "export", "--db", url, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_file_size_limit(65536),  # above SQLite's 32 KiB -shm file
    )
    _no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert f"cannot write '{out}'" in done.stderr
    assert "nothing was written there" in done.stderr
    assert out.read_text(encoding="utf-8") == "the export of yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []
    # A folder that cannot be made is a message too.
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    event_file = tmp_path / "event.json"
    event_file.write_text(
        generate_event(n_participants=12, n_slots=8, seed=1).model_dump_json(), encoding="utf-8"
    )
    done = _cli("schedule", str(event_file), "--ics-dir", str(blocker / "calendars"))
    _no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert f"cannot write '{blocker / 'calendars'}'" in done.stderr


# --- a file that is not a database -------------------------------------------------------


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_bytes(b"Meeting notes, not a database.\n" * 200)
    return path


def test_not_a_database_on_the_command_line(not_a_database: Path) -> None:
    data = not_a_database.read_bytes()
    for args in (("summary",), ("export", "--out", str(not_a_database.with_suffix(".csv")))):
        done = _cli(*args, "--db", str(not_a_database))
        _no_traceback(done)
        assert done.returncode == 1, done.stderr
        assert f"the database '{not_a_database}' cannot be used" in done.stderr
        assert "not a SQLite database" in done.stderr
        assert "move this file away" in done.stderr
    assert not_a_database.read_bytes() == data


def test_not_a_database_at_server_start(not_a_database: Path) -> None:
    data = not_a_database.read_bytes()
    done = subprocess.run(
        [*server_command(), "--db", str(not_a_database), "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    _no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert "not a SQLite database" in done.stderr
    assert str(not_a_database) in done.stderr
    assert not_a_database.read_bytes() == data


# --- a read-only database ----------------------------------------------------------------


@pytest.fixture
def read_only() -> Iterator[tuple[Path, str]]:
    """A seeded database in a folder of its own, neither writable by the reader."""
    folder = Path(tempfile.mkdtemp(prefix="matchmaker-ro-"))
    try:
        db = folder / "registry.db"
        _, key = _seeded(db)
        db.chmod(0o644)
        folder.chmod(0o755)  # readable by all, writable by the owner only
        if os.geteuid() != 0:
            db.chmod(0o444)
            folder.chmod(0o555)
        yield db, key
    finally:
        folder.chmod(stat.S_IRWXU)
        shutil.rmtree(folder, ignore_errors=True)


def test_read_only_database_on_the_command_line(read_only: tuple[Path, str]) -> None:
    db, _ = read_only
    before = _content(db)
    files = {p.name: p.read_bytes() for p in db.parent.iterdir()}
    done = _cli("summary", "--db", str(db), user=True)
    assert done.returncode == 0, done.stderr
    assert "Organisations: " in done.stdout
    out = Path(tempfile.mkdtemp(prefix="matchmaker-out-"))
    try:
        out.chmod(0o777)
        done = _cli("export", "--db", str(db), "--out", str(out / "all.csv"), user=True)
        assert done.returncode == 0, done.stderr
        assert (out / "all.csv").read_text(encoding="utf-8-sig").count("\n") > 10
        bulk = out / "more.csv"
        bulk.write_bytes(_bulk_csv(3, "ro"))
        done = _cli("import", str(bulk), "--db", str(db), user=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    _no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert f"the database '{db}' cannot be used" in done.stderr
    assert "not writable" in done.stderr
    assert "make the file and its folder writable" in done.stderr
    assert _content(db) == before
    assert {p.name: p.read_bytes() for p in db.parent.iterdir()} == files


def test_read_only_database_in_the_api(
    read_only: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, key = read_only
    before = _content(db)
    prefix = _as_reader()
    monkeypatch.setattr(server_module, "server_command", lambda: [*prefix, *server_command()])
    server = ServerProcess(f"sqlite:///{db}", tmp_path / "server.log")
    try:
        server.start()
        with server.client(key) as client:
            r = client.get("/api/organisations", params={"limit": 500})
            assert r.status_code == 200, r.text
            assert r.json()["total"] > 10
            assert client.get("/api/events").status_code == 200
            files = {"file": ("more.csv", _bulk_csv(3, "ro"), "text/csv")}
            r = client.post("/api/organisations/import", files=files)
            body = assert_problem(r, 503, "unavailable")
            assert "Retry-After" not in r.headers  # only an administrator can change it
            assert "not writable" in body["detail"]
    finally:
        server.stop()
    log = server.log_text()
    assert "Traceback" not in log
    assert "read-only" in log
    assert _content(db) == before


# --- a database server that does not answer ----------------------------------------------


def _closed_port() -> int:
    with contextlib.closing(__import__("socket").socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the socket is


def test_an_unreachable_postgresql_is_a_message_without_credentials() -> None:
    url = f"postgresql+psycopg://ana:s3cret@127.0.0.1:{_closed_port()}/registry"
    with pytest.raises(StoreUnavailableError, match="does not answer or refuses") as info:
        Store(url)
    assert info.value.retry_after == 30
    assert info.value.database == f"postgresql+psycopg://127.0.0.1:{url.split(':')[3]}"
    done = _cli("summary", "--db", url)
    _no_traceback(done)
    assert done.returncode == 1
    assert "check that PostgreSQL is running" in done.stderr
    assert "s3cret" not in done.stderr
    assert "ana" not in done.stderr


def test_a_refusing_api_database_is_a_503(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A store that loses its database while serving answers 503 with Retry-After."""
    from fastapi.testclient import TestClient

    from matchmaker.service.app import create_app
    from matchmaker.service.settings import Settings

    url, key = _seeded(tmp_path / "api.db")
    with TestClient(create_app(Settings(database_url=url, background_refit=False))) as client:
        store = client.app.state.store  # type: ignore[attr-defined]

        def refused(*_args: object, **_kw: object) -> None:
            raise StoreUnavailableError(
                "postgresql+psycopg://db.example/registry",
                "the database server does not answer or refuses the connection",
                "check that PostgreSQL is running",
                retry_after=30,
            )

        monkeypatch.setattr(store, "_run", refused)
        r = client.get("/api/organisations", headers={"Authorization": f"Bearer {key}"})
        body = assert_problem(r, 503, "unavailable")
        assert r.headers["Retry-After"] == "30"
        assert "db.example/registry" in body["detail"]
        assert body["cause"].startswith("the database server does not answer")
