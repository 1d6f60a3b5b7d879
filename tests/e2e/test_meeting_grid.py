"""The meeting grid of the Meetings tab in a browser: a move by drag and drop and by keyboard,
a swap, a refused move with its reason in words, undo, a meeting added with the person
pickers, the schedule's words and charts, the out-of-date warning, and a 360 px phone.

Each test makes its own event (eight participants of the brokerage demo, two of them
colleagues; four slots from 10:00, three tables) and stores a schedule made by hand, so that
every place of the grid is known: the first participant is not available at 10:20.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Locator, Page, expect

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event
from matchmaker.plan.documents import schedule_document
from matchmaker.plan.meetings import event_matrices
from matchmaker.solvers.result import Meeting, ScheduleResult
from matchmaker.store import Store

if TYPE_CHECKING:
    from e2e.conftest import Server

BROKERAGE = DEMO_DATA / "brokerage" / "event.json"
#: (slot, table from 1, a, b) by participant index.
PLANNED = [("S01", 1, 0, 1), ("S01", 2, 2, 3), ("S02", 1, 4, 5), ("S03", 1, 0, 4), ("S03", 2, 1, 5)]

Shot = Callable[..., Path]
SignIn = Callable[[Page, str], None]


def _event(event_id: str) -> dict[str, Any]:
    doc = dict(json.loads(BROKERAGE.read_text(encoding="utf-8")))
    chosen: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in doc["participants"]:
        if p["organisation"] not in seen and len(chosen) < 7:
            seen.add(p["organisation"])
            chosen.append(p)
    colleague = next(
        p
        for p in doc["participants"]
        if p["organisation"] == chosen[0]["organisation"] and p["id"] != chosen[0]["id"]
    )
    people = [copy.deepcopy(p) for p in [*chosen, colleague]]
    for p in people:
        p.pop("available", None)
        p["requests"] = []
    people[0]["available"] = ["S01", "S03", "S04"]
    people[6]["requests"] = [
        {"organisation": people[2]["organisation"], "preference": "would_like"}
    ]
    orgs = {p["organisation"] for p in people}
    doc.update(
        id=event_id,
        name=f"Grid ({event_id})",
        participants=people,
        organisations=[o for o in doc["organisations"] if o["id"] in orgs],
        tables=3,
        slots=[
            {
                "id": f"S0{k + 1}",
                "start": f"2025-03-18T{10 + (20 * k) // 60}:{(20 * k) % 60:02d}:00+01:00",
                "end": f"2025-03-18T{10 + (20 * k + 20) // 60}:{(20 * k + 20) % 60:02d}:00+01:00",
            }
            for k in range(4)
        ],
    )
    return doc


def _seed(server: Server, event_id: str) -> dict[str, Any]:
    """The event through the API and its schedule (:data:`PLANNED`) in the store."""
    document = _event(event_id)
    with server.client() as http:
        made = http.post("/api/events", json=document)
        assert made.status_code == 201, made.text
        version = made.json()["version"]
    event = read_event(json.dumps(document).encode())
    slots = [s.id for s in event.slots]
    meetings = tuple(
        sorted(Meeting(slots.index(s), t - 1, min(a, b), max(a, b)) for s, t, a, b in PLANNED)
    )
    counts = [sum(i in (m.a, m.b) for m in meetings) for i in range(len(event.participants))]
    result = ScheduleResult(
        objective=1.0,
        upper_bound=1.25,
        gap=0.2,
        status="feasible",
        message="made by hand",
        meetings=meetings,
        meetings_per_participant=tuple(counts),
    )
    doc = schedule_document(
        event, result, event_matrices(event), preset="business", event_version=version
    )
    with Store(server.database_url) as store:
        store.save_result(event_id, "schedule", doc, event_version=version)
    return document


def _name(document: dict[str, Any], i: int) -> str:
    p = document["participants"][i]
    org = next(o for o in document["organisations"] if o["id"] == p["organisation"])
    return f"{p['person']} ({org['name']})"


def _card(page: Page, slot: str, table: int) -> Locator:
    return page.locator(f'button.meeting-card[data-slot="{slot}"][data-table="{table}"]')


def _cell(page: Page, slot: str, table: int) -> Locator:
    return page.locator(f'table.meeting-grid td[data-slot="{slot}"][data-table="{table}"]')


def _stored(server: Server, event_id: str) -> dict[tuple[str, int], set[str]]:
    with server.client() as http:
        doc = http.get(f"/api/events/{event_id}/schedule").json()
    return {(m["slot"], m["table"]): set(m["participants"]) for m in doc["meetings"]}


def _open(page: Page, sign_in: SignIn, server: Server, event_id: str) -> None:
    sign_in(page, server.organiser_key)
    page.goto(f"/#/event/{event_id}/meetings")
    expect(page.locator("table.meeting-grid")).to_be_visible()


def _pair(document: dict[str, Any], a: int, b: int) -> set[str]:
    return {document["participants"][a]["id"], document["participants"][b]["id"]}


def test_drag_and_drop_moves_and_swaps_and_undo_takes_them_back(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    document = _seed(server, "grid-drag")
    _open(page, sign_in, server, "grid-drag")
    expect(page.locator("button.meeting-card")).to_have_count(len(PLANNED))
    first = _card(page, "S02", 1)
    expect(first).to_contain_text(document["participants"][4]["person"])

    # A move to a free place.
    first.drag_to(_cell(page, "S04", 2))
    moved = _card(page, "S04", 2)
    expect(moved).to_have_class(re.compile(r"\bmanual\b"))
    expect(_card(page, "S02", 1)).to_have_count(0)
    assert _stored(server, "grid-drag")[("S04", 2)] == _pair(document, 4, 5)

    # A drop on a taken place swaps the two meetings.
    _card(page, "S01", 2).drag_to(_cell(page, "S04", 2))
    expect(_card(page, "S01", 2)).to_contain_text(document["participants"][4]["person"])
    expect(_card(page, "S04", 2)).to_contain_text(document["participants"][2]["person"])
    stored = _stored(server, "grid-drag")
    assert stored[("S01", 2)] == _pair(document, 4, 5)
    assert stored[("S04", 2)] == _pair(document, 2, 3)
    shot(page, "after-swap")

    # Undo twice: the swap, then the move.
    undo = page.get_by_role("button", name="Undo the last change")
    undo.click()
    expect(_card(page, "S01", 2)).to_contain_text(document["participants"][2]["person"])
    expect(_card(page, "S04", 2)).to_contain_text(document["participants"][4]["person"])
    undo.click()
    expect(_card(page, "S02", 1)).to_contain_text(document["participants"][4]["person"])
    expect(_card(page, "S04", 2)).to_have_count(0)
    expect(undo).to_be_disabled()
    assert _stored(server, "grid-drag") == {(s, t): _pair(document, a, b) for s, t, a, b in PLANNED}


def test_keyboard_moves_a_meeting_with_enter_and_the_arrow_keys(
    page: Page, server: Server, sign_in: SignIn
) -> None:
    document = _seed(server, "grid-keys")
    _open(page, sign_in, server, "grid-keys")
    # The grid is one tab stop; the arrow keys go from meeting to meeting.
    expect(page.locator("button.meeting-card[tabindex='0']")).to_have_count(1)
    _card(page, "S01", 1).focus()
    page.keyboard.press("ArrowRight")
    expect(_card(page, "S01", 2)).to_be_focused()
    page.keyboard.press("ArrowDown")  # the meeting of 10:20 nearest to table 2
    card = _card(page, "S02", 1)
    expect(card).to_be_focused()
    expect(page.locator("button.meeting-card[tabindex='0']")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(card).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowDown")  # 10:40, table 1: taken
    page.keyboard.press("ArrowDown")  # 11:00, table 1: free
    page.keyboard.press("ArrowRight")  # 11:00, table 2
    expect(_cell(page, "S04", 2)).to_have_class(re.compile(r"\bdrop-target\b"))
    page.keyboard.press("Enter")
    expect(_card(page, "S04", 2)).to_be_visible()
    # The focus follows the meeting to its new place.
    expect(_card(page, "S04", 2)).to_be_focused()
    assert _stored(server, "grid-keys")[("S04", 2)] == _pair(document, 4, 5)

    # Escape puts a picked-up meeting back without a change.
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Escape")
    expect(_card(page, "S04", 2)).to_have_attribute("aria-pressed", "false")
    assert _stored(server, "grid-keys")[("S04", 2)] == _pair(document, 4, 5)

    # The "Move to" menu does the same without arrow keys.
    page.keyboard.press("Enter")
    page.get_by_label("Move to").select_option(label="10:20, table 3 (free)")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(_card(page, "S02", 3)).to_be_visible()
    assert _stored(server, "grid-keys")[("S02", 3)] == _pair(document, 4, 5)


def test_a_refused_move_shows_the_reason_in_words_and_changes_nothing(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    document = _seed(server, "grid-refused")
    _open(page, sign_in, server, "grid-refused")
    _card(page, "S01", 1).drag_to(_cell(page, "S02", 2))
    message = page.locator(".grid-message")
    expect(message).to_have_text(f"{_name(document, 0)} is not available at 10:20.")
    shot(page, "refused")
    expect(_card(page, "S01", 1)).to_be_visible()
    expect(_card(page, "S02", 2)).to_have_count(0)
    expect(page.get_by_role("button", name="Undo the last change")).to_be_disabled()
    assert _stored(server, "grid-refused") == {
        (s, t): _pair(document, a, b) for s, t, a, b in PLANNED
    }


def test_a_meeting_is_added_with_the_person_pickers(
    page: Page, server: Server, sign_in: SignIn
) -> None:
    document = _seed(server, "grid-add")
    _open(page, sign_in, server, "grid-add")
    six, two = document["participants"][6], document["participants"][2]
    first = page.get_by_role("combobox", name="First person")
    first.fill(six["person"].split()[0])
    expect(page.locator(f'li[role="option"][data-participant="{six["id"]}"]')).to_be_visible()
    first.press("Enter")
    org_two = next(o for o in document["organisations"] if o["id"] == two["organisation"])
    second = page.get_by_role("combobox", name="Second person")
    second.fill(org_two["name"].split()[0])
    page.locator(f'li[role="option"][data-participant="{two["id"]}"]').click()
    page.get_by_label("Time", exact=True).select_option(label="11:00")
    page.get_by_label("Table", exact=True).select_option(label="Table 3")
    page.get_by_role("button", name="Add the meeting").click()
    expect(_card(page, "S04", 3)).to_contain_text(six["person"])
    expect(_card(page, "S04", 3)).to_contain_text(two["person"])
    assert _stored(server, "grid-add")[("S04", 3)] == {six["id"], two["id"]}
    # The words follow the change: the one request (six asked for two's organisation) is met.
    expect(page.locator(".schedule-words")).to_contain_text("1 of 1 requests")


def test_words_charts_and_the_out_of_date_warning(
    page: Page, server: Server, sign_in: SignIn
) -> None:
    _seed(server, "grid-words")
    _open(page, sign_in, server, "grid-words")
    words = page.locator(".schedule-words")
    expect(words).to_contain_text("2 of 8 participants have no meeting; the others have 1 to 2.")
    expect(words).to_contain_text("0 of 1 requests to meet an organisation are met")
    expect(words).to_contain_text("5 meetings fill 42 % of the 12 places")
    # The technical figures are behind a toggle.
    details = page.locator("details.technical")
    expect(details.locator("summary")).to_have_text(re.compile("Technical details"))
    expect(details.locator(".tech-facts")).to_be_hidden()
    details.locator("summary").click()
    expect(details.locator(".tech-facts")).to_contain_text("at most 20 %")

    histogram = page.locator('figure[data-chart="meetings-per-participant"]')
    bars = histogram.locator("rect.chart-bar")
    expect(bars).to_have_count(3)
    assert bars.evaluate_all("b => b.map(x => [x.dataset.label, Number(x.dataset.value)])") == [
        ["0", 2],
        ["1", 2],
        ["2", 4],
    ]
    requests = page.locator('figure[data-chart="requests-met"] rect.chart-bar')
    assert requests.evaluate_all("b => b.map(x => Number(x.dataset.value))") == [0, 0, 5]
    expect(page.locator('[data-stale="schedule"]')).to_be_hidden()

    # A participant changes after the schedule was planned: the tab says it is out of date.
    with server.client() as http:
        got = http.get("/api/events/grid-words")
        doc = got.json()
        doc["participants"][7]["person"] = "Someone Else"
        put = http.put(
            "/api/events/grid-words", json=doc, headers={"If-Match": got.headers["ETag"]}
        )
        assert put.status_code == 200, put.text
    page.reload()
    expect(page.locator('[data-stale="schedule"]')).to_contain_text(
        "changed since this schedule was planned"
    )
    expect(page.get_by_role("button", name="Plan the meetings again")).to_be_visible()


def test_the_meetings_tab_fits_a_360_px_phone(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    _seed(server, "grid-phone")
    page.set_viewport_size({"width": 360, "height": 740})
    _open(page, sign_in, server, "grid-phone")
    expect(page.locator('figure[data-chart="meetings-per-participant"]')).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    box = page.locator(".grid-scroll")
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth, b.getBoundingClientRect().right]")
    assert sizes[0] > sizes[1], "the grid scrolls inside its own box"
    assert sizes[2] <= 360
    _card(page, "S01", 1).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".grid-selection")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "phone-grid", full_page=False)


#: Visible controls of the Meetings tab without a name a screen reader can read.
UNNAMED = """() => [...document.querySelectorAll('#panel-meetings :is(input, select, button)')]
    .filter(el => el.offsetParent !== null && el.type !== 'hidden')
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
    .map(el => el.outerHTML.slice(0, 120))"""


def test_every_control_of_the_grid_has_a_name(page: Page, server: Server, sign_in: SignIn) -> None:
    _seed(server, "grid-names")
    _open(page, sign_in, server, "grid-names")
    assert page.evaluate(UNNAMED) == []
    _card(page, "S01", 1).click()  # the selection's controls: "Move to", cancel, put back
    expect(page.locator(".grid-selection")).to_be_visible()
    assert page.evaluate(UNNAMED) == []
    cards = page.locator("button.meeting-card").evaluate_all(
        "cs => cs.map(c => c.getAttribute('aria-label'))"
    )
    assert all(re.match(r"^.+ \(.+\) and .+ \(.+\), \d\d:\d\d, table \d$", c) for c in cards), cards


def test_someone_elses_change_is_explained_and_the_grid_reloads(
    page: Page, server: Server, sign_in: SignIn
) -> None:
    document = _seed(server, "grid-conflict")
    _open(page, sign_in, server, "grid-conflict")
    with server.client() as http:
        r = http.post(
            "/api/events/grid-conflict/schedule/meetings/cancel",
            json={"slot": "S03", "table": 2},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
    _card(page, "S02", 1).drag_to(_cell(page, "S04", 1))
    expect(page.locator(".grid-message")).to_contain_text("Someone else changed")
    expect(_card(page, "S04", 1)).to_have_count(0)
    assert ("S04", 1) not in _stored(server, "grid-conflict")
    page.get_by_role("button", name="Reload the schedule").click()
    expect(_card(page, "S03", 2)).to_have_count(0)
    _card(page, "S02", 1).drag_to(_cell(page, "S04", 1))
    expect(_card(page, "S04", 1)).to_contain_text(document["participants"][4]["person"])


def test_people_marked_as_wanting_no_meetings_get_none(
    page: Page, server: Server, sign_in: SignIn
) -> None:
    document = _seed(server, "grid-none")
    _open(page, sign_in, server, "grid-none")
    three = document["participants"][3]
    box = page.locator("fieldset.no-meetings")
    expect(box).to_contain_text("Nobody: everyone may have meetings.")
    picker = box.get_by_role("combobox", name="Add a person to People who want no meetings")
    picker.fill(three["person"].split()[0])
    picker.press("Enter")
    expect(box.locator(f'li[data-participant="{three["id"]}"]')).to_be_visible()
    page.get_by_role("button", name="Save slots and tables").click()
    expect(page.locator("#panel-meetings")).to_contain_text("Saved. Plan the meetings below.")
    with server.client() as http:
        stored = http.get("/api/events/grid-none").json()
    marked = {p["id"]: p.get("max_meetings") for p in stored["participants"]}
    assert marked[three["id"]] == 0
    assert [pid for pid, most in marked.items() if most == 0] == [three["id"]]
    # The schedule planned now leaves them out, and the box still lists them.
    expect(page.locator("fieldset.no-meetings")).to_contain_text(three["person"])
    page.get_by_role("button", name="Plan the meetings", exact=True).click()
    expect(page.locator("#panel-meetings .progress-words")).to_contain_text("Done", timeout=60_000)
    planned = {tuple(sorted(m["participants"])) for m in _schedule_doc(server, "grid-none")}
    assert planned, "the schedule has meetings"
    assert not any(three["id"] in pair for pair in planned)
    assert not any(card.inner_text().count(three["person"]) for card in _cards(page))


def _schedule_doc(server: Server, event_id: str) -> list[dict[str, Any]]:
    with server.client() as http:
        got = http.get(f"/api/events/{event_id}/schedule")
        assert got.status_code == 200, got.text
        meetings: list[dict[str, Any]] = got.json()["meetings"]
        return meetings


def _cards(page: Page) -> list[Locator]:
    return page.locator("button.meeting-card").all()
