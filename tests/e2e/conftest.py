"""End-to-end fixtures: the real service and a real browser.

A uvicorn process serves ``matchmaker.service.app:create_app`` on a free loopback port with a fresh
SQLite
database; the registry holds the Leuven organisations and the keys are made through the store.
Headless Chromium (Debian's ``/usr/bin/chromium``, or ``MATCHMAKER_CHROMIUM``) is driven by
Playwright's sync API. Screenshots go to ``MATCHMAKER_TEST_ARTIFACTS`` (default
``tests/e2e/artifacts``), with the server's log and a screenshot of every failed test.

Without Chromium or Playwright the tests are skipped with the reason; in CI (``CI=true``) they
fail instead, so that the browser tests cannot silently stop running there.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_organisations
from matchmaker.store import Store

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
LEUVEN = DEMO_DATA / "leuven-2018"
CHROMIUM = Path(os.environ.get("MATCHMAKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"]
ARTIFACTS = Path(os.environ.get("MATCHMAKER_TEST_ARTIFACTS") or ROOT / "tests/e2e/artifacts")
MEMBER_ORG = "kemin-digipolis-oy"
TIMEOUT_MS = 20_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip, or in CI fail: the browser tests must run there."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium executable; skips (fails in CI) when it or Playwright is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) "
            "or set MATCHMAKER_CHROMIUM to a Chromium executable"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed: pip install -e '.[dev]'")
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("FAILED-*.png"):
        stale.unlink()
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """The running service: its address and keys."""

    url: str
    database_url: str
    organiser_key: str
    member_key: str
    member_org: str

    def client(self, key: str | None = None) -> httpx.Client:
        """An HTTP client with the organiser's key (or ``key``), for setting up a test."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {key or self.organiser_key}"},
            timeout=30,
        )


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start-up:\n{log.read_text()[-4000:]}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(f"{url}/health", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health within 60 s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def server(
    chromium: Path, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """uvicorn on a free loopback port, a fresh SQLite database, an organiser and a member key."""
    folder = tmp_path_factory.mktemp("e2e-server")
    database_url = f"sqlite:///{folder / 'e2e.db'}"
    with Store(database_url) as store:
        store.import_organisations(read_organisations(LEUVEN / "organisations.csv").organisations)
        _, organiser_key = store.create_api_key(
            role="organiser", subject="e2e-organiser", name="E2E organiser"
        )
        _, member_key = store.create_api_key(role="member", subject=MEMBER_ORG, name="Kemin member")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MATCHMAKER_DATABASE_URL": database_url,
        "MATCHMAKER_RATE_LIMIT_PER_MINUTE": "100000",
        "MATCHMAKER_JOB_WORKERS": "1",
    }
    env.pop("MATCHMAKER_ADMIN_KEY", None)
    log = artifacts / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "matchmaker.service.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(url, process, log)
        yield Server(url, database_url, str(organiser_key), str(member_key), MEMBER_ORG)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield b
        b.close()


_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def page(
    browser: Browser, server: Server, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser tab (1280 x 900) on the service; fails the test on an uncaught error."""
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # The service sends a Content-Security-Policy: an inline script or style would be refused.
    tab.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield tab
    reports = request.node.stash.get(_REPORTS, {})
    if "call" in reports and reports["call"].failed:
        with contextlib.suppress(Exception):
            failed = artifacts / f"FAILED-{_slug(request.node.name)}.png"
            tab.screenshot(path=failed, full_page=True)
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def shot(artifacts: Path, request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``shot(page, "step")`` saves a screenshot (the full page unless ``full_page=False``)
    named after the test and the step."""
    counter = iter(range(1, 100))

    def take(tab: Page, step: str, *, full_page: bool = True) -> Path:
        path = artifacts / f"{_slug(request.node.name)}-{next(counter):02d}-{_slug(step)}.png"
        tab.screenshot(path=path, full_page=full_page)
        return path

    return take


@pytest.fixture
def sign_in(server: Server) -> Callable[[Page, str], None]:
    """``sign_in(page, key)``: open the page, type the key, press Enter, wait for the role."""

    def go(tab: Page, key: str) -> None:
        tab.goto("/")
        tab.get_by_role("textbox", name="Key").fill(key)
        tab.get_by_role("textbox", name="Key").press("Enter")
        tab.locator("#who").wait_for(state="visible")

    return go
