"""The organiser's page in a browser: from the Leuven registration list to rooms, pins, a
re-run and the downloaded room lists; a bad file; a version conflict; the keyboard; a phone."""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import InvalidInputError
from matchmaker.io import read_registrations  # type: ignore[attr-defined]

if TYPE_CHECKING:
    from e2e.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
REGISTRATIONS = DEMO_DATA / "leuven-2018" / "registrations.csv"
BAD_REGISTRATIONS = DEMO_DATA / "leuven-2018" / "registrations-bad.csv"
ROOMS = [
    ("Innovation and technology transfer", 12, "innovation; technology transfer; TP-INDMOD"),
    ("Interregional cooperation", 12, "interregional cooperation; value chains"),
    ("Cluster policy", 12, "cluster policy; SME competitiveness"),
]
JOB_TIMEOUT_MS = 60_000

Shot = Callable[..., Path]
SignIn = Callable[[Page, str], None]
Assignment = dict[str, dict[str, str]]  # round -> participant -> room


def _registered() -> Any:
    return read_registrations(REGISTRATIONS)


# --- reading the screen ------------------------------------------------------------------------


def _cards(page: Page) -> list[dict[str, Any]]:
    """Every room card on screen: round, room, capacity, seats shown, and its people."""
    return list(
        page.locator("article.room-card").evaluate_all(
            """cards => cards.map(card => ({
                round: card.dataset.round,
                room: card.dataset.room,
                capacity: Number(card.dataset.capacity),
                seats: Number(card.dataset.seats),
                seatsText: card.querySelector('.seats').textContent,
                people: [...card.querySelectorAll('li.person')].map(li => ({
                    participant: li.dataset.participant,
                    organisation: li.dataset.organisation,
                    seats: Number(li.dataset.seats),
                    pinned: li.dataset.pinned === 'true',
                })),
            }))"""
        )
    )


def _assignment(cards: list[dict[str, Any]]) -> Assignment:
    out: Assignment = defaultdict(dict)
    for card in cards:
        for person in card["people"]:
            assert person["participant"] not in out[card["round"]], (
                f"{person['participant']} shown twice in {card['round']}"
            )
            out[card["round"]][person["participant"]] = card["room"]
    return out


def _check_rooms(
    cards: list[dict[str, Any]], people: set[str], keep_apart: list[list[str]]
) -> Assignment:
    """Capacities, everyone once per round, keep-apart sets and colleagues apart, on screen."""
    assert cards
    for card in cards:
        used = sum(p["seats"] for p in card["people"])
        assert used == card["seats"]
        assert card["seats"] <= card["capacity"], card
        assert card["seatsText"].startswith(f"{card['seats']} / {card['capacity']}")
    placed = _assignment(cards)
    assert set(placed) == {"R1", "R2"}
    organisation = {p["participant"]: p["organisation"] for c in cards for p in c["people"]}
    colleagues = Counter(organisation.values())
    rooms = len({c["room"] for c in cards})
    for where in placed.values():
        assert set(where) == people, "everyone once in every round"
        for group in keep_apart:
            assert len({where[p] for p in group}) == len(group), f"keep-apart {group}: {where}"
        # An organisation with no more people than rooms has each of them in another room.
        by_org: dict[str, list[str]] = defaultdict(list)
        for pid, room in where.items():
            by_org[organisation[pid]].append(room)
        for org, their_rooms in by_org.items():
            if 1 < colleagues[org] <= rooms:
                assert len(set(their_rooms)) == len(their_rooms), f"colleagues of {org} together"
    return placed


def _run(page: Page) -> None:
    """Run the allocation and wait until the new one is shown (not only "Done": the words of
    an earlier run say it too, and the rooms shown must be the run's own)."""
    shown = page.locator("div.rounds")
    before = shown.get_attribute("data-result") if shown.count() else None
    page.get_by_role("button", name="Run the allocation").click()
    expect(page.locator(".progress-words").first).to_have_text(
        re.compile("Done"), timeout=JOB_TIMEOUT_MS
    )
    if before:
        expect(shown).not_to_have_attribute("data-result", before, timeout=JOB_TIMEOUT_MS)
    expect(page.locator("article.room-card")).to_have_count(6)


def _person(page: Page, round_id: str, participant: str) -> Locator:
    return page.locator(
        f'section.round[data-round="{round_id}"] li.person[data-participant="{participant}"]'
    )


def _open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


# --- set-up through the API, for the tests that start from rooms already made ---------------------


def _api_event(server: Server, event_id: str, *, run: bool) -> dict[str, Any]:
    """An event with the Leuven participants, 3 rooms x 2 rounds (and an allocation)."""
    with server.client() as http:
        made = http.post("/api/events", json={"id": event_id, "name": f"Leuven ({event_id})"})
        assert made.status_code == 201, made.text
        with REGISTRATIONS.open("rb") as fh:
            up = http.post(
                f"/api/events/{event_id}/participants",
                files={"file": (REGISTRATIONS.name, fh, "text/csv")},
                headers={"If-Match": made.headers["ETag"]},
            )
        assert up.status_code == 200, up.text
        got = http.get(f"/api/events/{event_id}")
        doc = got.json()
        doc["rooms"] = [
            {"id": f"room-{i + 1}", "name": name, "capacity": cap, "themes": themes.split("; ")}
            for i, (name, cap, themes) in enumerate(ROOMS)
        ]
        doc["rounds"] = [{"id": "R1", "name": "Round 1"}, {"id": "R2", "name": "Round 2"}]
        put = http.put(
            f"/api/events/{event_id}", json=doc, headers={"If-Match": got.headers["ETag"]}
        )
        assert put.status_code == 200, put.text
        if run:
            started = http.post(f"/api/events/{event_id}/breakouts", json={"seed": 1})
            assert started.status_code == 202, started.text
            job = started.json()["job"]
            deadline = time.monotonic() + 60
            while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
                time.sleep(0.2)
                job = http.get(f"/api/jobs/{job['id']}").json()
            assert job["status"] == "succeeded", job
        result: dict[str, Any] = http.get(f"/api/events/{event_id}").json()
        return result


@pytest.fixture(scope="module")
def ready_event(server: Server) -> str:
    """An event whose rooms were already allocated, for the keyboard and phone tests."""
    _api_event(server, "leuven-ready", run=True)
    return "leuven-ready"


# --- the tests ---------------------------------------------------------------------------------


def test_a_wrong_key_and_a_lost_connection_are_explained_in_words(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    page.goto("/")
    page.get_by_role("textbox", name="Key").fill("mm_00000000_" + "x" * 43)
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#key-error .message.error")
    expect(error).to_contain_text("sign in again")
    expect(error).not_to_contain_text("{")
    shot(page, "wrong-key")

    sign_in(page, server.organiser_key)
    page.route("**/api/events", lambda route: route.abort())
    page.reload()
    expect(page.locator(".message.error").first).to_contain_text("could not be reached")
    shot(page, "offline")


def test_organiser_allocates_pins_reruns_and_downloads_the_room_lists(
    page: Page, server: Server, sign_in: SignIn, shot: Shot, artifacts: Path
) -> None:
    registered = _registered()
    people = {p.id for p in registered.participants}
    sign_in(page, server.organiser_key)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your events")

    # Create the event.
    page.get_by_label("Name", exact=True).fill("Leuven workshop, browser test")
    page.get_by_label("Identifier (optional)").fill("leuven-e2e")
    page.get_by_label("Date (optional)").fill("2018-06-20")
    page.get_by_role("button", name="Create the event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leuven workshop, browser test")
    expect(page).to_have_url(re.compile(r"#/event/leuven-e2e/participants$"))

    # Upload the registration list; the participants appear.
    page.get_by_label("Registration list (CSV, XLSX or JSON)").set_input_files(REGISTRATIONS)
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#upload-report .message.success")).to_contain_text(
        f"{len(people)} participants"
    )
    rows = page.locator("table.participants tbody tr")
    expect(rows).to_have_count(len(people))
    assert set(rows.locator("td:first-child").all_inner_texts()) == people
    shot(page, "participants")

    # Three rooms, two rounds, and a keep-apart set of three people of other organisations.
    _open_tab(page, "Rooms and rounds")
    for i, (name, capacity, themes) in enumerate(ROOMS, start=1):
        page.get_by_role("button", name="Add a room").click()
        page.get_by_label(f"Name of room {i}").fill(name)
        page.get_by_label(f"Capacity of room {i}").fill(str(capacity))
        page.get_by_label(f"Themes of room {i}").fill(themes)
    page.get_by_label("Number of rounds").fill("2")
    seen: set[str] = set()
    apart: list[str] = []
    page.get_by_role("button", name="Add a group (keep apart)").click()
    picker = page.get_by_role("combobox", name="Add a person to Keep apart, group 1")
    for p in registered.participants:
        if p.organisation not in seen and len(apart) < 3:
            seen.add(p.organisation)
            apart.append(p.id)
            # Chosen with the person picker: a name typed, the person clicked in the list.
            picker.fill(p.person or p.id)
            page.locator(f'[role=option][data-participant="{p.id}"]').click()
    expect(page.locator('.group[data-group="0"] li[data-participant]')).to_have_count(3)
    page.get_by_role("button", name="Save rooms and rounds").click()
    expect(page.locator("#panel-rooms .message.success")).to_contain_text("Saved")
    shot(page, "rooms")

    # Run: a progress indicator, then six room cards that keep every rule.
    _open_tab(page, "Breakouts")
    expect(page.get_by_text("No allocation yet")).to_be_visible()
    _run(page)
    first = _check_rooms(_cards(page), people, [apart])
    shot(page, "allocated")

    # Pin one person where they are; move another (to a room with a free seat) and pin them.
    pinned_here = apart[0]
    room_here = first["R1"][pinned_here]
    _person(page, "R1", pinned_here).get_by_role("button", name=re.compile("^Pin ")).click()
    expect(_person(page, "R1", pinned_here)).to_have_attribute("data-pinned", "true")
    expect(_person(page, "R1", pinned_here).locator(".badge")).to_have_text("pinned")

    cards = _cards(page)
    org_of = {p["participant"]: p["organisation"] for c in cards for p in c["people"]}

    def fits(pid: str, card: dict[str, Any]) -> bool:
        """Another room of round 1 with a free seat and no colleague of ``pid``."""
        return (
            card["round"] == "R1"
            and card["room"] != first["R1"][pid]
            and card["seats"] < card["capacity"]
            and all(org_of[q["participant"]] != org_of[pid] for q in card["people"])
        )

    mover, target = next(
        (pid, c["room"]) for pid in sorted(people - set(apart)) for c in cards if fits(pid, c)
    )
    _person(page, "R1", mover).get_by_role("button", name=re.compile("^Move ")).click()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    dialog.locator(f'input[type=radio][value="{target}"]').check()
    dialog.get_by_label(re.compile("^Pin there")).check()
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(
        page.locator(
            f'section.round[data-round="R1"] article[data-room="{target}"] '
            f'li[data-participant="{mover}"]'
        )
    ).to_have_attribute("data-pinned", "true")
    shot(page, "pinned")

    # A move that breaks the keep-apart set is refused in words, inside the dialog.
    cards = _cards(page)
    free = {c["room"] for c in cards if c["round"] == "R1" and c["seats"] < c["capacity"]}
    now = _assignment(cards)["R1"]
    refused = [(a, now[b]) for a in apart[1:] for b in apart if now[b] in free - {now[a]}]
    if refused:
        who, where = refused[0]
        _person(page, "R1", who).get_by_role("button", name=re.compile("^Move ")).click()
        dialog.locator(f'input[type=radio][value="{where}"]').check()
        dialog.get_by_role("button", name="Move", exact=True).click()
        message = dialog.locator("#move-error .message.error")
        expect(message).to_be_visible()
        expect(message).not_to_contain_text("{")
        shot(page, "move-refused", full_page=False)
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()
        assert _assignment(_cards(page))["R1"][who] == now[who]

    # Run again: the pins are kept, and so is every rule.
    _run(page)
    again = _check_rooms(_cards(page), people, [apart])
    assert again["R1"][pinned_here] == room_here
    assert again["R1"][mover] == target
    expect(_person(page, "R1", pinned_here)).to_have_attribute("data-pinned", "true")
    expect(_person(page, "R1", mover)).to_have_attribute("data-pinned", "true")
    shot(page, "rerun")

    # The room lists as CSV: every participant once per round, in the room shown on screen.
    with page.expect_download() as info:
        page.get_by_role("button", name="Room lists (CSV)").click()
    saved = artifacts / "leuven-e2e-rooms.csv"
    info.value.save_as(saved)
    rows_csv = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows_csv) == 2 * len(people)
    for round_id in ("R1", "R2"):
        in_round = [r for r in rows_csv if r["round"] == round_id]
        assert Counter(r["participant_id"] for r in in_round) == Counter(people)
        assert {r["participant_id"]: r["room"] for r in in_round} == again[round_id]

    with page.expect_download() as info:
        page.get_by_role("button", name="Room lists (XLSX)").click()
    assert info.value.suggested_filename.endswith(".xlsx")

    # A room's printable page names the room and its people.
    card = page.locator('section.round[data-round="R1"] article.room-card').first
    with page.expect_download() as info:
        card.get_by_role("button", name=re.compile("^Printable page")).click()
    printable = Path(info.value.path()).read_text(encoding="utf-8")
    assert card.locator("h4").inner_text() in printable
    for pid in card.locator("li.person").evaluate_all("li => li.map(x => x.dataset.participant)"):
        assert pid in printable

    # Unpin the mover: the badge goes, and the Rooms and rounds tab no longer lists the pin.
    _person(page, "R1", mover).get_by_role("button", name=re.compile("^Unpin ")).click()
    expect(_person(page, "R1", mover)).to_have_attribute("data-pinned", "false")
    _open_tab(page, "Rooms and rounds")
    pins = page.locator("ul.pins")
    expect(pins).to_contain_text(pinned_here)
    expect(pins).not_to_contain_text(mover)


def test_organiser_plans_meetings_and_downloads_an_agenda_calendar(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    _api_event(server, "meetings", run=False)
    sign_in(page, server.organiser_key)
    page.goto("/#/event/meetings/meetings")
    expect(page.get_by_text("No time slots yet")).to_be_visible()
    page.get_by_label("First slot starts").fill("2018-06-20T14:00")
    page.get_by_label("Number of slots").fill("4")
    page.get_by_role("button", name="Add these slots").click()
    expect(page.locator("table.slots-table tbody tr")).to_have_count(4)
    page.get_by_label("Tables", exact=True).fill("10")
    page.get_by_role("button", name="Save slots and tables").click()
    expect(page.locator("#panel-meetings .message.success")).to_contain_text("Saved")

    page.get_by_role("button", name="Plan the meetings").click()
    expect(page.locator("#panel-meetings .progress-words")).to_have_text(
        re.compile("Done"), timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator("#panel-meetings .facts")).to_contain_text("Meetings per person")

    # The participant with the most meetings: one row per meeting, never two at one time,
    # and a calendar with one event per meeting.
    select = page.get_by_label("Participant", exact=True)
    options = select.locator("option").all_inner_texts()
    busiest = max(options, key=lambda text: int(re.search(r"(\d+) meetings?$", text)[1]))
    n = int(re.search(r"(\d+) meetings?$", busiest)[1])
    assert 0 < n <= 4
    select.select_option(label=busiest)
    agenda = page.locator("table.agenda-table tbody tr")
    expect(agenda).to_have_count(n)
    times = agenda.locator("td:first-child").all_inner_texts()
    assert len(set(times)) == n
    shot(page, "agenda")
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile(r"^Calendar of .* \(ICS\)$")).click()
    assert info.value.suggested_filename.endswith(".ics")
    calendar = Path(info.value.path()).read_text(encoding="utf-8")
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert calendar.count("BEGIN:VEVENT") == n

    # Re-planning with nobody changed keeps every published meeting.
    meetings = page.locator("#panel-meetings .facts dd").first.inner_text()
    page.get_by_role("button", name="Re-plan, keeping the published meetings").click()
    expect(page.locator("#panel-meetings .facts")).to_contain_text(
        f"{meetings} kept, 0 cancelled, 0 added", timeout=JOB_TIMEOUT_MS
    )


def test_a_bad_registration_file_shows_the_rows_to_fix_and_changes_nothing(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    with pytest.raises(InvalidInputError) as bad:
        read_registrations(BAD_REGISTRATIONS)
    expected_rows = {p.row for p in bad.value.problems if p.row is not None}
    assert expected_rows

    with server.client() as http:
        assert http.post("/api/events", json={"id": "bad-file", "name": "Bad file"}).is_success
    sign_in(page, server.organiser_key)
    page.goto("/#/event/bad-file/participants")
    page.get_by_label("Registration list (CSV, XLSX or JSON)").set_input_files(BAD_REGISTRATIONS)
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Check the rows").click()

    report = page.locator("#upload-report")
    expect(report.locator(".message.error")).to_contain_text(re.compile("nothing was", re.I))
    table = report.locator("table.problems")
    expect(table).to_be_visible()
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["Row", "Column", "Value", "What to fix"]
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(bad.value.problems))
    shown_rows = {int(t) for t in rows.locator("td:first-child").all_inner_texts() if t.strip()}
    assert shown_rows == expected_rows
    for fix in rows.locator("td:nth-child(4)").all_inner_texts():
        assert fix.strip()
    text = report.inner_text()
    assert "{" not in text
    assert "Traceback" not in text
    expect(page.get_by_text("No participants yet")).to_be_visible()
    shot(page, "bad-file")


def test_a_version_conflict_is_explained_and_reloads(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    _api_event(server, "conflict", run=False)
    sign_in(page, server.organiser_key)
    page.goto("/#/event/conflict/rooms")
    expect(page.get_by_label("Name of room 1")).to_have_value(ROOMS[0][0])

    # Someone else renames a room meanwhile.
    with server.client() as http:
        got = http.get("/api/events/conflict")
        doc = got.json()
        doc["rooms"][0]["name"] = "Renamed elsewhere"
        assert http.put(
            "/api/events/conflict", json=doc, headers={"If-Match": got.headers["ETag"]}
        ).is_success

    page.get_by_label("Capacity of room 2").fill("14")
    page.get_by_role("button", name="Save rooms and rounds").click()
    error = page.locator("#panel-rooms .message.error")
    expect(error).to_contain_text("Someone else changed this event")
    shot(page, "conflict")
    error.get_by_role("button", name="Reload").click()
    expect(page.get_by_label("Name of room 1")).to_have_value("Renamed elsewhere")
    expect(page.locator("#panel-rooms .message.note")).to_contain_text("Reloaded")


def test_keyboard_only(page: Page, server: Server, ready_event: str, shot: Shot) -> None:
    page.goto("/")
    # The key field has the focus; Enter signs in.
    expect(page.get_by_role("textbox", name="Key")).to_be_focused()
    page.keyboard.type(server.organiser_key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your events")

    def tab_to(locator: Locator, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if locator.evaluate("el => el === document.activeElement"):
                outline = locator.evaluate("el => getComputedStyle(el).outlineStyle")
                assert outline != "none", "the focused control shows its focus"
                return
        raise AssertionError(f"{locator} was not reached with Tab")

    tab_to(page.get_by_role("link", name=f"Leuven ({ready_event})"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Leuven ({ready_event})")

    # The tabs: arrow keys move between them.
    tab_to(page.get_by_role("tab", name="Participants"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    breakouts = page.get_by_role("tab", name="Breakouts")
    expect(breakouts).to_be_focused()
    expect(breakouts).to_have_attribute("aria-selected", "true")
    expect(page.locator("article.room-card")).to_have_count(6)

    # A person's "Move to..." opens the dialog with Enter; Escape closes it, focus comes back.
    move = page.locator('section.round[data-round="R1"] [data-action="move"]').first
    tab_to(move, limit=80)
    page.keyboard.press("Enter")
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[type=radio]:focus")).to_have_count(1)
    shot(page, "move-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(move).to_be_focused()

    # Space on the next person's "Why here?" opens the explanation.
    why = page.locator('section.round[data-round="R1"] li.person').nth(1).locator("details.why")
    tab_to(why.locator("summary"))
    page.keyboard.press("Space")
    expect(why).to_have_attribute("open", "")


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter(el => el.offsetParent !== null && el.type !== 'hidden')
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
    .map(el => el.outerHTML.slice(0, 120))"""


def test_every_control_has_a_label(page: Page, server: Server, ready_event: str) -> None:
    page.goto("/")
    assert page.evaluate(UNLABELLED) == []
    page.get_by_role("textbox", name="Key").fill(server.organiser_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your events")
    assert page.evaluate(UNLABELLED) == []
    page.goto(f"/#/event/{ready_event}/participants")
    for name in ("Participants", "Rooms and rounds", "Breakouts", "Meetings"):
        _open_tab(page, name)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(UNLABELLED) == [], name


def test_phone_width(
    page: Page, server: Server, sign_in: SignIn, ready_event: str, shot: Shot
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server.organiser_key)
    page.goto(f"/#/event/{ready_event}/breakouts")
    expect(page.locator("article.room-card")).to_have_count(6)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    for box in page.locator("article.room-card").evaluate_all(
        "cards => cards.map(c => c.getBoundingClientRect().width)"
    ):
        assert box <= 360
    shot(page, "phone-top", full_page=False)
    page.locator("article.room-card").first.scroll_into_view_if_needed()
    shot(page, "phone-room-card", full_page=False)
    page.goto(f"/#/event/{ready_event}/participants")
    expect(page.locator("table.participants")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "phone-participants", full_page=False)
