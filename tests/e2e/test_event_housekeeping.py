"""Event housekeeping on the organiser's page: rename, duplicate, delete with a confirmation, a
keep-apart group chosen with the person picker, the out-of-date warning, a progress bar that
follows the job, and every tab at 360 px wide."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from matchmaker.demo import DATA as DEMO_DATA

if TYPE_CHECKING:
    from e2e.conftest import Server

Shot = Callable[..., Path]
SignIn = Callable[[Page, str], None]
JOB_TIMEOUT_MS = 60_000


def _leuven(event_id: str, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DEMO_DATA / "leuven-2018" / "event.json").read_text())
    document.update(id=event_id, name=name)
    return document


def _create(http: httpx.Client, document: dict[str, Any]) -> None:
    r = http.post("/api/events", json=document)
    assert r.status_code == 201, r.text


def _run(http: httpx.Client, path: str, body: dict[str, Any]) -> None:
    r = http.post(path, json=body)
    assert r.status_code == 202, r.text
    location = r.headers["Location"]
    deadline = time.monotonic() + 90
    while True:
        job = http.get(location).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            assert job["status"] == "succeeded", job
            return
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def _open(page: Page, server: Server, sign_in: SignIn, event_id: str, tab: str) -> None:
    sign_in(page, server.organiser_key)
    page.goto(f"/#/event/{event_id}/{tab}")
    expect(page.locator(f"#panel-{tab}")).to_be_visible()


def test_rename_duplicate_and_delete_with_a_confirmation(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    event_id = "hk-rename"
    with server.client() as http:
        _create(http, _leuven(event_id, "Leuven housekeeping"))
    _open(page, server, sign_in, event_id, "participants")
    title = page.locator(".event-head h1")
    expect(title).to_have_text("Leuven housekeeping")

    # Rename, with a new date: the title follows; the service has the new name.
    page.get_by_text("Rename or change the date").click()
    name = page.get_by_role("textbox", name="Name", exact=True)
    expect(name).to_have_value("Leuven housekeeping")
    name.fill("Leuven cluster day")
    page.get_by_label("Date (optional)").fill("2026-05-14")
    page.get_by_role("button", name="Save the name").click()
    expect(title).to_have_text("Leuven cluster day")
    expect(page.locator(".event-head .meta")).to_contain_text("Date 2026-05-14")
    with server.client() as http:
        stored = http.get(f"/api/events/{event_id}").json()
    assert (stored["name"], stored["date"], stored["version"]) == (
        "Leuven cluster day",
        "2026-05-14",
        2,
    )
    shot(page, "renamed")

    # Duplicate: the copy opens, with the participants and rooms, under a new id.
    page.get_by_role("button", name="Duplicate").click()
    expect(page).to_have_url(f"{server.url}/#/event/{event_id}-copy/participants")
    expect(title).to_have_text("Leuven cluster day (copy)")
    expect(page.locator(".event-head .meta")).to_contain_text("32 participants · 3 rooms")
    with server.client() as http:
        copy = http.get(f"/api/events/{event_id}-copy").json()
    assert len(copy["participants"]) == 32
    assert copy["rooms"] == stored["rooms"]

    # Delete the copy: the dialog names it and what goes with it; "Keep it" keeps it.
    page.get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("dialog", name="Delete this event?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        "“Leuven cluster day (copy)” will be deleted with its 32 participants, 3 rooms, "
        "2 rounds, 0 time slots"
    )
    expect(dialog).to_contain_text("This cannot be undone.")
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    shot(page, "confirm-delete", full_page=False)
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Delete…")).to_be_focused()
    with server.client() as http:
        assert http.get(f"/api/events/{event_id}-copy").status_code == 200
    # Escape closes it as well.
    page.get_by_role("button", name="Delete…").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Delete…").click()
    dialog.get_by_role("button", name="Delete the event").click()
    expect(page.get_by_role("heading", name="Your events")).to_be_visible()
    expect(page.locator("#view .message.note").first).to_contain_text(
        "The event “Leuven cluster day (copy)” was deleted"
    )
    expect(page.get_by_role("link", name="Leuven cluster day (copy)")).to_have_count(0)
    expect(page.get_by_role("link", name="Leuven cluster day", exact=True)).to_be_visible()
    with server.client() as http:
        assert http.get(f"/api/events/{event_id}-copy").status_code == 404
        assert http.get(f"/api/events/{event_id}").status_code == 200


def test_a_keep_apart_group_is_chosen_with_the_person_picker(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    event_id = "hk-picker"
    document = _leuven(event_id, "Leuven picker")
    orgs = {o["id"]: o["name"] for o in document["organisations"]}
    first, second = document["participants"][0], document["participants"][5]
    with server.client() as http:
        _create(http, document)
    _open(page, server, sign_in, event_id, "rooms")
    page.get_by_role("button", name="Add a group (keep apart)").click()
    picker = page.get_by_role("combobox", name="Add a person to Keep apart, group 1")
    expect(picker).to_be_focused()

    # Keyboard: part of the organisation's name, Down, Enter.
    org_name = orgs[first["organisation"]]
    picker.press_sequentially(org_name[:12])
    listbox = page.get_by_role("listbox", name="Add a person to Keep apart, group 1")
    expect(listbox).to_be_visible()
    expect(picker).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    ids = [options.nth(i).get_attribute("data-participant") for i in range(options.count())]
    assert first["id"] in ids, ids
    for _ in range(ids.index(first["id"])):
        picker.press("ArrowDown")
    active = picker.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("data-participant") == first["id"]
    picker.press("Enter")
    group = page.locator('.group[data-group="0"] li[data-participant]')
    expect(group).to_have_count(1)
    expect(group.first).to_contain_text(org_name)
    # The picker stays in the group, focused, and no longer offers the person chosen.
    picker = page.get_by_role("combobox", name="Add a person to Keep apart, group 1")
    expect(picker).to_be_focused()
    picker.fill(first["id"])
    expect(page.locator(f'[role=option][data-participant="{first["id"]}"]')).to_have_count(0)

    # Mouse: the second person by id.
    picker.fill(second["id"])
    page.locator(f'[role=option][data-participant="{second["id"]}"]').click()
    expect(group).to_have_count(2)
    shot(page, "group-chosen")
    page.get_by_role("button", name="Save rooms and rounds").click()
    expect(page.locator("#panel-rooms .message.success")).to_contain_text("Saved")
    with server.client() as http:
        rules = http.get(f"/api/events/{event_id}").json()["rules"]
    assert rules["keep_apart"] == [[first["id"], second["id"]]]

    # Removing one leaves a group of one: refused before anything is sent.
    page.get_by_role(
        "button", name=f"Remove {first['id']} ({org_name}) from Keep apart, group 1"
    ).click()
    page.get_by_role("button", name="Save rooms and rounds").click()
    expect(page.locator("#panel-rooms .message.error")).to_be_visible()
    expect(page.locator("#panel-rooms")).to_contain_text("Group 1 needs at least two participants.")


def test_the_out_of_date_warning_after_a_participant_change(
    page: Page, server: Server, sign_in: SignIn, shot: Shot, tmp_path: Path
) -> None:
    event_id = "hk-stale"
    path = f"/api/events/{event_id}"
    with server.client() as http:
        _create(http, _leuven(event_id, "Leuven stale"))
        _run(http, f"{path}/breakouts", {"seed": 1, "time_limit": 0.3})
        first = http.get(f"{path}/breakouts").json()["id"]
    _open(page, server, sign_in, event_id, "breakouts")
    warning = page.locator('[data-stale="breakouts"]')
    expect(page.locator("#panel-breakouts .rounds")).to_have_attribute("data-result", f"{first}/1")
    expect(warning).to_be_hidden()
    # A rename does not make the rooms wrong.
    page.get_by_text("Rename or change the date").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Leuven stale, renamed")
    page.get_by_role("button", name="Save the name").click()
    expect(page.locator(".event-head h1")).to_have_text("Leuven stale, renamed")
    expect(warning).to_be_hidden()

    # Someone else changes a participant: back on the tab (no reload), it says so and offers
    # to run again.
    with server.client() as http:
        r = http.get(path)
        document = r.json()
        document["participants"][0]["person"] = "Late Changed"
        r = http.put(path, json=document, headers={"If-Match": r.headers["ETag"]})
        assert r.status_code == 200, r.text
    expect(warning).to_be_hidden()
    page.get_by_role("tab", name="Participants").click()
    page.get_by_role("tab", name="Breakouts").click()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        "Out of date: the participants have changed since these rooms were made."
    )
    shot(page, "out-of-date", full_page=False)
    warning.get_by_role("button", name="Run the allocation again").click()
    expect(page.locator("#panel-breakouts .progress-words")).to_contain_text(
        "Done", timeout=JOB_TIMEOUT_MS
    )
    rounds = page.locator("#panel-breakouts .rounds")
    expect(rounds).not_to_have_attribute("data-result", f"{first}/1", timeout=JOB_TIMEOUT_MS)
    second = rounds.get_attribute("data-result")
    expect(warning).to_be_hidden()

    # A new registration list imported on the page, without the last person: the Breakouts
    # tab says so at once (no reload).
    lines = (DEMO_DATA / "leuven-2018" / "registrations.csv").read_text().splitlines()
    fewer = tmp_path / "registrations-one-less.csv"
    fewer.write_text("\n".join(lines[:-1]) + "\n")
    page.get_by_role("tab", name="Participants").click()
    page.get_by_label("Registration list (CSV, XLSX or JSON)").set_input_files(fewer)
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#upload-report .message.success")).to_contain_text(
        f"{len(lines) - 2} participants"
    )
    page.get_by_role("tab", name="Breakouts").click()
    expect(rounds).to_have_attribute("data-result", str(second))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("the participants have changed since these rooms were made.")


def test_the_progress_bar_follows_the_jobs_reports(
    page: Page, server: Server, sign_in: SignIn
) -> None:
    """The job's reports are played by the test (the solver's own are tested with the jobs):
    the bar and its words move with each one."""
    event_id = "hk-progress"
    with server.client() as http:
        _create(http, _leuven(event_id, "Leuven progress"))
    report: dict[str, Any] = {"status": "queued", "progress": 0.0, "message": ""}

    def job(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        real = route.fetch()
        body = {**real.json(), **report}
        route.fulfill(response=real, json=body)

    page.route("**/api/jobs/*", job)
    _open(page, server, sign_in, event_id, "breakouts")
    page.get_by_role("button", name="Run the allocation").click()
    bar = page.locator("#panel-breakouts progress")
    words = page.locator("#panel-breakouts .progress-words")
    expect(words).to_contain_text("Waiting for a free worker")
    seen = []
    for fraction, message in (
        (0.2, "phase 1 of 3: scoring"),
        (0.55, "phase 2 of 3: searching"),
        (0.9, "phase 3 of 3: writing"),
    ):
        report.update(status="running", progress=fraction, message=message)
        expect(words).to_have_text(f"Running {round(fraction * 10) * 10} %: {message}")
        value = float(bar.evaluate("b => b.value"))
        assert value == pytest.approx(fraction)
        seen.append(value)
    assert seen == sorted(seen)
    report.update(status="succeeded", progress=1.0, message="done")
    expect(words).to_contain_text("Done", timeout=JOB_TIMEOUT_MS)
    assert float(bar.evaluate("b => b.value")) == 1.0


@pytest.fixture
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    """A tab 360 px wide, as a phone shows the page."""
    context = browser.new_context(base_url=server.url, viewport={"width": 360, "height": 740})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"errors in the page: {errors}"


#: The buttons and fields of the visible panel that stick out of the screen (not counting those
#: inside a box that scrolls, such as a wide table).
OUTSIDE = """(panel) => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of panel.querySelectorAll("button, input, select, textarea, a")) {
    // Wide tables and the meeting grid scroll inside their own box.
    if (!el.offsetParent || el.closest(".table-wrap, .grid-scroll")) continue;
    const r = el.getBoundingClientRect();
    const what = el.textContent || el.name || el.getAttribute("aria-label");
    if (r.left < -1 || r.right > width + 1) out.push(`${el.tagName} ${what} ${r.left}..${r.right}`);
  }
  return out;
}"""


def test_every_tab_fits_360_px(phone: Page, server: Server, sign_in: SignIn, shot: Shot) -> None:
    event_id = "hk-phone"
    path = f"/api/events/{event_id}"
    document = _leuven(event_id, "Leuven on a phone")
    with server.client() as http:
        _create(http, {**document, "date": "2026-05-14"})
        _run(http, f"{path}/breakouts", {"seed": 1, "time_limit": 0.3})
        body = {"slots": 4, "tables": 8, "start": "2026-05-14T10:00:00", "time_limit": 2}
        _run(http, f"{path}/schedule", body)
    sign_in(phone, server.organiser_key)
    for tab in ("participants", "rooms", "breakouts", "meetings"):
        phone.goto(f"/#/event/{event_id}/{tab}")
        panel = phone.locator(f"#panel-{tab}")
        expect(panel).to_be_visible()
        if tab == "breakouts":
            expect(panel.locator(".cards").first).to_be_visible()
        if tab == "meetings":
            expect(panel).to_contain_text("Agendas")
            expect(panel.locator('[data-stale="schedule"]')).to_be_hidden()
            # An agenda found with the person picker, by the organisation's name.
            person = document["participants"][3]
            org = next(o for o in document["organisations"] if o["id"] == person["organisation"])
            finder = phone.get_by_role("combobox", name="Find a participant")
            finder.fill(org["name"])
            finder.press("Enter")
            expect(panel.locator("select[name=participant]")).to_have_value(person["id"])
            expect(panel.locator(".agenda")).to_contain_text(person["id"])
        phone.wait_for_timeout(300)
        widths = phone.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{tab}: the page is {widths[0]} px wide at {widths[1]}"
        assert panel.evaluate(OUTSIDE) == [], tab
        shot(phone, f"360-{tab}")
