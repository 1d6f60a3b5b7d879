"""A real ``matchmaker-server`` process for the fault, concurrency and security tests.

:class:`ServerProcess` runs the installed console script (uvicorn, one worker: the server is
that process, so ``SIGKILL`` to its pid kills everything it runs, job threads included) on a
free loopback port against a database URL, waits for ``/health``, and keeps its standard
output and error in a log file that the tests read. It can be killed (``SIGKILL``), stopped
(``SIGTERM``) and started again on the same port and database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "ROOT",
    "ServerProcess",
    "WorkerProcess",
    "free_port",
    "fresh_database",
    "running_server",
    "server_command",
]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path, *, optional: bool = False) -> Iterator[str | None]:
    """The URL of a new, empty database: a SQLite file in ``folder``, or a schema of its own
    in the PostgreSQL of ``MATCHMAKER_TEST_PG_URL`` (dropped at the end).

    As the ``db_url`` fixture of tests/conftest.py (for fixtures of a wider scope): without a
    PostgreSQL server the test is skipped (``optional``: ``None`` is given instead), in CI
    (``CI=true``) or with ``MATCHMAKER_TEST_PG_URL`` set it fails.
    """
    if kind == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'reliability.db'}"
        return
    import uuid

    import pytest
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    base = os.environ.get("MATCHMAKER_TEST_PG_URL") or PG_DEFAULT
    engine = create_engine(base)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        engine.dispose()
        if os.environ.get("CI") or os.environ.get("MATCHMAKER_TEST_PG_URL"):
            pytest.fail(f"PostgreSQL at {base} is not reachable: {exc.orig}")
        if optional:
            yield None
            return
        pytest.skip(f"PostgreSQL at {base} is not reachable (set MATCHMAKER_TEST_PG_URL)")
    schema = f"r_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        engine.dispose()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_command() -> list[str]:
    """The installed ``matchmaker-server`` next to this Python (or ``python -m
    matchmaker.service.server``)."""
    script = Path(sys.executable).with_name("matchmaker-server")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("matchmaker-server")
    return [found] if found else [sys.executable, "-m", "matchmaker.service.server"]


class ServerProcess:
    """``matchmaker-server --db <url>`` on a free loopback port.

    Parameters
    ----------
    database_url:
        The database the server uses (``--db``).
    log:
        File that receives the server's standard output and error (appended on restarts).
    env:
        ``MATCHMAKER_*`` settings (and anything else) added to this process's environment;
        ``MATCHMAKER_ADMIN_KEY`` and ``MATCHMAKER_DATABASE_URL`` of the environment are dropped.
    log_level:
        uvicorn's log level (``--log-level``).
    workers:
        Worker processes (``--workers``). With more than one, the process started is uvicorn's
        supervisor and the workers are its children: :meth:`kill` is meant for one worker.
    """

    def __init__(
        self,
        database_url: str,
        log: Path,
        env: Mapping[str, str] | None = None,
        *,
        log_level: str = "info",
        workers: int = 1,
    ) -> None:
        self.database_url = database_url
        self.log_level = log_level
        self.workers = workers
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in ("MATCHMAKER_ADMIN_KEY", "MATCHMAKER_DATABASE_URL")
        }
        self.env = {
            **base,
            # Suggestions are not asked here: no fit of the registry at start-up.
            "MATCHMAKER_BACKGROUND_REFIT": "false",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        """The server's process id (it must be running)."""
        assert self.process is not None, "the server is not started"
        return self.process.pid

    def start(self) -> ServerProcess:
        """Start the server and wait until ``/health`` answers 200."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts + 1} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [*server_command(), "--db", self.database_url, "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", self.log_level,
                 "--workers", str(self.workers)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.starts += 1
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server stopped at start-up (exit {self.process.returncode}):\n"
                    f"{self.log_text()[-4000:]}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(
            f"the server did not answer /health within {START_TIMEOUT:g} s:\n"
            f"{self.log_text()[-4000:]}"
        )

    def kill(self) -> None:
        """``SIGKILL`` the server and reap it: no shutdown code of the server runs."""
        assert self.process is not None, "the server is not started"
        assert self.workers == 1, "kill() would leave the workers of a supervisor running"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        """Stop the server as an operator would (``SIGTERM``), killing it after 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client of this server, sending ``key`` as a bearer token when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        kwargs.setdefault("timeout", 60)
        return httpx.Client(base_url=self.url, headers=headers, **kwargs)

    def log_text(self) -> str:
        """Everything the server wrote to its standard output and error so far."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def running_server(
    database_url: str, log: Path, env: Mapping[str, str] | None = None, *, log_level: str = "info"
) -> Iterator[ServerProcess]:
    """A started :class:`ServerProcess`, stopped at the end whatever happens."""
    server = ServerProcess(database_url, log, env, log_level=log_level)
    try:
        yield server.start()
    finally:
        server.stop()


class WorkerProcess:
    """``matchmaker worker --db <url>``: a job worker beside the servers, its output in
    ``log``. It can be killed (``SIGKILL``: its job's lease runs out), stopped (``SIGTERM``:
    its unfinished jobs go back to the queue) and started again."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        env: Mapping[str, str] | None = None,
        *,
        threads: int = 1,
    ) -> None:
        self.database_url = database_url
        self.log = log
        self.threads = threads
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in ("MATCHMAKER_ADMIN_KEY", "MATCHMAKER_DATABASE_URL")
        }
        self.env = {**base, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> WorkerProcess:
        """Start the worker and wait until it says it runs jobs."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        before = self.log_text().count("running jobs")
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts + 1} ---\n".encode())
            out.flush()
            script = Path(sys.executable).with_name("matchmaker")
            command = [str(script)] if script.is_file() else [
                sys.executable, "-m", "matchmaker.cli"]  # fmt: skip
            self.process = subprocess.Popen(
                [*command, "worker", "--db", self.database_url, "--threads", str(self.threads)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while self.log_text().count("running jobs") <= before:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker stopped at start-up:\n{self.log_text()[-4000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.log_text()[-4000:]}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """``SIGKILL`` the worker: no shutdown code runs, its leases are left to run out."""
        assert self.process is not None, "the worker is not started"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30) -> int | None:
        """``SIGTERM``, as a rolling restart does; the exit code (killed after ``timeout``)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
