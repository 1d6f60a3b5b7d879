"""Breakouts with exactly as many seats as people: the move dialog shows every room's size and
capacity and offers a swap into a full room; the two people change places. The Breakouts tab
shows the rooms in words and the room charts of every round."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page, expect

from matchmaker.demo import DATA as DEMO_DATA

if TYPE_CHECKING:
    from e2e.conftest import Server

EVENT = "leuven-swap"
NAME = "Leuven (full rooms)"
Shot = Callable[..., Path]
SignIn = Callable[[Page, str], None]


def _event_with_full_rooms(server: Server) -> dict[str, Any]:
    """The Leuven workshop (32 people) in rooms of 11, 11 and 10 seats, planned once."""
    document = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
    assert len(document["participants"]) == 32
    for room, capacity in zip(document["rooms"], (11, 11, 10), strict=True):
        room["capacity"] = capacity
    # Colleagues may share a room here, so that any two people can swap.
    document["rules"]["apart_same_organisation"] = False
    document.update(id=EVENT, name=NAME)
    with server.client() as http:
        r = http.post("/api/events", json=document)
        assert r.status_code == 201, r.text
        r = http.post(f"/api/events/{EVENT}/breakouts", json={"seed": 0})
        assert r.status_code == 202, r.text
        job = r.headers["Location"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = http.get(job).json()["status"]
            if status not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert status == "succeeded", status
        allocation: dict[str, Any] = http.get(f"/api/events/{EVENT}/breakouts").json()
    return allocation


def _person(page: Page, round_id: str, room: str, pid: str) -> Any:
    return page.locator(
        f'section.round[data-round="{round_id}"] article[data-room="{room}"] '
        f'li[data-participant="{pid}"]'
    )


def test_a_swap_between_full_rooms_and_the_room_charts(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    allocation = _event_with_full_rooms(server)
    r1 = next(r for r in allocation["rounds"] if r["id"] == "R1")
    sizes = {room["id"]: len(room["people"]) for room in r1["rooms"]}
    assert sizes == {"wg1": 11, "wg2": 11, "wg3": 10}
    x = r1["rooms"][0]["people"][0]["participant"]
    y = r1["rooms"][1]["people"][0]["participant"]

    sign_in(page, server.organiser_key)
    page.get_by_role("link", name=NAME).click()
    page.get_by_role("tab", name="Breakouts").click()
    panel = page.locator("#panel-breakouts")
    expect(_person(page, "R1", "wg1", x)).to_be_visible()

    # The figures in words; the technical ones only behind their toggle.
    words = panel.locator(".plain-figures")
    expect(words.locator('[data-figure="sizes"]')).to_have_text("Rooms have 10 to 11 people.")
    expect(words.locator('[data-figure="mix"]')).to_contain_text(
        re.compile(r"^Rooms mix [\d.]+ countries and [\d.]+ types of organisation on average\.$")
    )
    expect(words.locator('[data-figure="quality"]')).to_contain_text(
        re.compile(r"(best possible rooms|at least \d+ % as good as the best possible)")
    )
    expect(words.locator('[data-figure="repeats"]')).to_be_visible()
    technical = panel.locator("details.technical").first
    expect(technical).not_to_have_attribute("open", "")
    expect(technical.locator("dd").first).to_be_hidden()
    summary_text = panel.locator(".summary").inner_text()
    assert "bits" not in summary_text
    assert "Gap to the upper bound" not in summary_text  # closed details are not rendered text

    # The room charts of each round, drawn from the allocation.
    for rnd in allocation["rounds"]:
        section = page.locator(f'section.round[data-round="{rnd["id"]}"]')
        for name in ("room-sizes", "room-countries", "room-types"):
            expect(section.locator(f'figure[data-chart="{name}"] svg')).to_be_visible()
        bars = section.locator('figure[data-chart="room-sizes"] rect.chart-bar')
        expect(bars).to_have_count(3)
        assert [int(bars.nth(k).get_attribute("data-value") or 0) for k in range(3)] == [
            len(room["people"]) for room in rnd["rooms"]
        ]
        for k, room in enumerate(rnd["rooms"]):
            expect(bars.nth(k).locator("title")).to_contain_text(f"{room['name']}: ")
        countries = section.locator('figure[data-chart="room-countries"] rect.chart-bar')
        assert [int(countries.nth(k).get_attribute("data-value") or 0) for k in range(3)] == [
            len({p["country"] for p in room["people"]}) for room in rnd["rooms"]
        ]
        parts = section.locator('figure[data-chart="room-types"] rect.chart-part')
        total = sum(
            int(parts.nth(k).get_attribute("data-value") or 0) for k in range(parts.count())
        )
        assert total == 32
    shot(page, "charts")

    # The move dialog: every room with its people and seats; a full room offers a swap.
    _person(page, "R1", "wg1", x).get_by_role("button", name=re.compile("^Move ")).click()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    here = dialog.locator('input[type=radio][value="wg1"]')
    expect(here).to_be_disabled()
    target = dialog.locator('input[type=radio][value="wg2"]')
    expect(target).to_be_enabled()
    expect(target).to_have_attribute("data-capacity", "11")
    expect(target).to_have_attribute("data-seats", "11")
    expect(dialog.locator("#move-rooms")).to_contain_text("11 people, 11 of 11 seats taken")
    expect(dialog.locator("#move-rooms")).to_contain_text("10 people, 10 of 10 seats taken")
    expect(dialog.locator("#move-swap")).to_be_hidden()
    target.check()
    swap = dialog.get_by_label("Swap with", exact=True)
    expect(swap).to_be_visible()
    expect(dialog.locator("#move-swap-hint")).to_contain_text("is full (11 of 11 seats)")
    # Without a choice of whom, the swap is not sent.
    dialog.get_by_role("button", name="Swap", exact=True).click()
    expect(dialog.locator("#move-error")).to_contain_text("choose whom to swap with")
    expect(swap).to_be_focused()
    swap.select_option(y)
    shot(page, "swap-dialog", full_page=False)
    dialog.get_by_role("button", name="Swap", exact=True).click()
    expect(dialog).to_be_hidden()

    # The two changed places; the rooms are as full as before.
    expect(_person(page, "R1", "wg2", x)).to_be_visible()
    expect(_person(page, "R1", "wg1", y)).to_be_visible()
    expect(_person(page, "R1", "wg1", x)).to_have_count(0)
    for room, seats in (("wg1", 11), ("wg2", 11), ("wg3", 10)):
        card = page.locator(f'section.round[data-round="R1"] article[data-room="{room}"]')
        expect(card).to_have_attribute("data-seats", str(seats))
    expect(page.locator("#status")).to_contain_text("changed places")
    with server.client() as http:
        stored = http.get(f"/api/events/{EVENT}/breakouts").json()
    assert stored["edits"][-1]["swap_with"] == y
    shot(page, "swapped")


def test_the_breakouts_tab_at_360_px(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    """The charts and the move dialog fit a phone's width (no sideways scrolling)."""
    with server.client() as http:
        if http.get(f"/api/events/{EVENT}/breakouts").status_code != 200:
            _event_with_full_rooms(server)
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, server.organiser_key)
    page.get_by_role("link", name=NAME).click()
    page.get_by_role("tab", name="Breakouts").click()
    expect(page.locator('figure[data-chart="room-types"]').first).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, wide
    page.locator('button[data-action="move"]').first.click()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 360
    shot(page, "narrow-dialog", full_page=False)
