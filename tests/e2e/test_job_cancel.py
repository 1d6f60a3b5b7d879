"""The page's Cancel button beside a running job's progress (issue 19, item 12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.store import Store

if TYPE_CHECKING:
    from e2e.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
EVENT = "leuven-cancel"
Shot = Callable[..., Path]
SignIn = Callable[[Page, str], None]


def test_a_running_allocation_is_cancelled_from_the_page(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    document = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
    document.update(id=EVENT, name=f"Leuven ({EVENT})")
    with server.client() as http:
        r = http.post("/api/events", json=document)
        assert r.status_code == 201, r.text
    sign_in(page, server.organiser_key)
    page.get_by_role("link", name=f"Leuven ({EVENT})").click()
    page.get_by_role("tab", name="Breakouts").click()
    page.get_by_text("More settings").click()
    page.get_by_label("Time limit in seconds (optional)").fill("30")
    page.get_by_role("button", name="Run the allocation").click()
    cancel = page.get_by_role("button", name="Cancel run")
    expect(page.locator(".progress-words").first).to_contain_text("Running", timeout=30_000)
    expect(cancel).to_be_visible()
    shot(page, "running", full_page=False)
    cancel.click()
    error = page.locator("#panel-breakouts .message.error").first
    expect(error).to_contain_text("cancelled by", timeout=10_000)
    expect(error).to_contain_text("nothing of it was kept")
    expect(cancel).to_be_hidden()
    shot(page, "cancelled", full_page=False)
    with Store(server.database_url) as store:
        (job,) = [j for j in store.list_jobs(event_id=EVENT)]
        assert job.status == "cancelled"
        assert store.latest_result(EVENT, "breakouts") is None
