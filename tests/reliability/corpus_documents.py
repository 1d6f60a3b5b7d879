"""The bad-input corpus, second round: bounded numbers in event documents and command-line
options. One set of limits (``matchmaker.limits``) for the documents, the CLI and the API; ids
valid wherever they are used.

Entries here join :func:`reliability.corpus.corpus`; see that module for what an entry is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from matchmaker.limits import LIMITS
from reliability.corpus import (
    BASE_EVENT_JSON,
    BREAKOUTS,
    FILE,
    GOOD_EVENT,
    GOOD_ORGS,
    IMPORT,
    OUT,
    SCHEDULE,
    Entry,
    both,
    event,
    put,
    raw_event,
    rules,
)

WHOLE = "must be a whole number"
DATES = f"must be a date in the years {LIMITS.first_year} to {LIMITS.last_year}"
SLASH = "holds '/', which no address can carry"


def _doc(name: str, data: bytes, *expect: str, schedule: bool = False) -> Entry:
    commands = (IMPORT, SCHEDULE) if schedule else (IMPORT, BREAKOUTS)
    return Entry(f"document: {name}", "event", "event.json", expect, commands, data)


def _option(name: str, argv: tuple[str, ...], *expect: str) -> Entry:
    return Entry(f"option: {name}", "options", "unused.txt", expect, (argv,), b"")


def _rounds(n: int) -> Any:
    return [{"id": f"R{k + 1}"} for k in range(n)]


def _rooms(n: int) -> Any:
    return [{"id": f"r{k}", "name": f"Room {k}", "capacity": 4} for k in range(n)]


def _slots(n: int) -> Any:
    first = dt.datetime(2025, 3, 4, 8, 0)
    return [
        {
            "id": f"S{k}",
            "start": (first + dt.timedelta(minutes=20 * k)).isoformat(),
            "end": (first + dt.timedelta(minutes=20 * (k + 1))).isoformat(),
        }
        for k in range(n)
    ]


def _one_organisation(n: int) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["participants"] = [{"id": f"P{k + 1}", "organisation": "org-0"} for k in range(n)]

    return change


def _document_entries() -> list[Entry]:
    return [
        _doc(
            "50,000 rounds",
            event(put("rounds", _rounds(50_000))),
            "rounds",
            f"at most {LIMITS.rounds} items",
            "not 50000",
        ),
        _doc(
            "20,000 participants of one organisation",
            event(_one_organisation(20_000)),
            "participants",
            f"at most {LIMITS.participants} items",
            "not 20000",
        ),
        _doc(
            "a minimum of 10^6 meetings with 3 slots",
            event(put("participants.0.min_meetings", 10**6)),
            "participants[0].min_meetings",
            f"less than or equal to {LIMITS.meetings}; got 1000000",
            schedule=True,
        ),
        _doc(
            "a rules minimum of 10^6 meetings",
            event(rules(min_meetings=10**6)),
            "rules.min_meetings",
            f"less than or equal to {LIMITS.meetings}; got 1000000",
            schedule=True,
        ),
        _doc(
            "a room capacity of true",
            event(put("rooms.0.capacity", True)),
            "rooms[0].capacity",
            f"{WHOLE}; got true",
        ),
        _doc(
            "seats of 2.0",
            event(put("participants.0.seats", 2.0)),
            "participants[0].seats",
            f"{WHOLE}; got 2.0",
        ),
        _doc(
            "3.5 tables",
            event(put("tables", 3.5)),
            "tables",
            f"{WHOLE}; got 3.5",
            schedule=True,
        ),
        _doc(
            "tables of false",
            event(put("tables", False)),
            "tables",
            f"{WHOLE}; got false",
            schedule=True,
        ),
        _doc(
            "an organisation size of 10^4000",
            raw_event(BASE_EVENT_JSON.replace('"languages": ["en"]', '"size": 1' + "0" * 4000, 1)),
            "organisations[0].size",
            f"size must be a head count from 0 to {LIMITS.headcount:,}",
            "a number of 4001 digits",
        ),
        _doc(
            "a room capacity of 10^4000",
            raw_event(BASE_EVENT_JSON.replace('"capacity": 4', '"capacity": 1' + "0" * 4000, 1)),
            "rooms[0].capacity",
            f"less than or equal to {LIMITS.room_capacity}",
            "a number of 4001 digits",
        ),
        _doc(
            "a room capacity of 1e400",
            raw_event(BASE_EVENT_JSON.replace('"capacity": 4', '"capacity": 1e400', 1)),
            "rooms[0].capacity",
            "finite number",
        ),
        _doc(
            "a room of 10^6 seats",
            event(put("rooms.0.capacity", 10**6)),
            "rooms[0].capacity",
            f"less than or equal to {LIMITS.room_capacity}; got 1000000",
        ),
        _doc(
            "a room minimum of 10^9",
            event(put("rooms.0.min_size", 10**9)),
            "rooms[0].min_size",
            f"less than or equal to {LIMITS.room_capacity}; got 1000000000",
        ),
        _doc(
            "2,000 rooms",
            event(put("rooms", _rooms(2000))),
            "rooms",
            f"at most {LIMITS.rooms} items",
        ),
        _doc(
            "600 slots",
            event(put("slots", _slots(600))),
            "slots",
            f"at most {LIMITS.slots} items",
            schedule=True,
        ),
        _doc(
            "a participant available in 600 slots",
            event(put("participants.0.available", [f"S{k}" for k in range(600)])),
            "participants[0].available",
            f"at most {LIMITS.slots} items",
            schedule=True,
        ),
        _doc(
            "a max per country of 10^9",
            event(rules(max_per_country=10**9)),
            "rules.max_per_country",
            f"less than or equal to {LIMITS.participants}; got 1000000000",
        ),
        _doc(
            "10,001 keep-apart groups",
            event(rules(keep_apart=[["P1", "P2"]] * (LIMITS.groups + 1))),
            "rules.keep_apart",
            f"at most {LIMITS.groups} items",
        ),
        _doc(
            "a slot starting 9999-12-31T23:00",
            event(
                both(
                    put("slots.2.start", "9999-12-31T23:00:00"),
                    put("slots.2.end", "9999-12-31T23:20:00"),
                )
            ),
            "slots[2].start",
            DATES,
            "got 9999-12-31T23:00:00",
            schedule=True,
        ),
        _doc(
            "an event date in the year 1",
            event(put("date", "0001-01-01")),
            "date",
            DATES,
            "got 0001-01-01",
        ),
        _doc(
            "a round starting in the year 3000",
            event(put("rounds.0.start", "3000-01-01T09:00:00")),
            "rounds[0].start",
            DATES,
        ),
        _doc(
            "10,001 codes of an own vocabulary",
            event(put("vocabulary", {f"OWN-{k}": f"Theme {k}" for k in range(10_001)})),
            "vocabulary",
            f"at most {LIMITS.vocabulary_codes} items",
        ),
        _doc("an event id with '/'", event(put("id", "fair/2025")), "column 'id'", SLASH),
        _doc(
            "a participant id with '/'",
            event(put("participants.0.id", "org-0/P1")),
            "participants[0].id",
            "id 'org-0/P1' holds '/'",
        ),
        _doc(
            "an organisation id with '/'",
            event(
                both(
                    put("organisations.0.id", "acme/fr"),
                    put("participants.0.organisation", "acme/fr"),
                )
            ),
            "organisations[0].id",
            "id 'acme/fr' holds '/'",
        ),
        _doc(
            "a room id with '/'",
            event(put("rooms.0.id", "hall/1")),
            "rooms[0].id",
            "id 'hall/1' holds '/'",
        ),
        _doc(
            "a round id with '/'",
            event(put("rounds.0.id", "day1/R1")),
            "rounds[0].id",
            "id 'day1/R1' holds '/'",
        ),
        _doc(
            "a slot id with '/'",
            event(put("slots.0.id", "am/S1")),
            "slots[0].id",
            "id 'am/S1' holds '/'",
            schedule=True,
        ),
    ]


def _option_entries() -> list[Entry]:
    sched = ("schedule", GOOD_EVENT, "--export", OUT)
    brk = ("breakouts", GOOD_EVENT, "--export", OUT)
    return [
        _option(
            "schedule --slots 10^8",
            ("schedule", GOOD_EVENT, "--slots", "100000000"),
            f"--slots must be from 1 to {LIMITS.slots}; got 100000000",
        ),
        _option(
            "breakouts --rounds 10^9",
            (*brk, "--rounds", "1000000000"),
            f"--rounds must be from 1 to {LIMITS.rounds}; got 1000000000",
        ),
        _option(
            "breakouts --rooms 10^7",
            (*brk, "--rooms", "10000000"),
            f"--rooms must be from 1 to {LIMITS.rooms}; got 10000000",
        ),
        _option(
            "breakouts --time-limit inf",
            (*brk, "--time-limit", "inf"),
            "--time-limit must be above 0 and at most 3600 seconds; got inf",
        ),
        _option(
            "breakouts --time-limit 10^6",
            (*brk, "--time-limit", "1000000"),
            "--time-limit must be above 0 and at most 3600 seconds; got 1000000",
        ),
        _option(
            "breakouts --seed -5",
            (*brk, "--seed", "-5"),
            f"--seed must be from 0 to {LIMITS.seed_max}; got -5",
        ),
        _option(
            "breakouts --seed 2^70",
            (*brk, "--seed", str(2**70)),
            f"--seed must be from 0 to {LIMITS.seed_max}; got {2**70}",
        ),
        _option(
            "schedule --minutes 10^9",
            (*sched, "--tables", "2", "--minutes", "1000000000"),
            f"--minutes must be from 1 to {LIMITS.minutes}; got 1000000000",
        ),
        _option(
            "schedule --tables 10^9",
            (*sched, "--tables", "1000000000"),
            f"--tables must be from 1 to {LIMITS.tables}; got 1000000000",
        ),
        _option(
            "schedule --tables 0",
            (*sched, "--tables", "0"),
            f"--tables must be from 1 to {LIMITS.tables}; got 0",
        ),
        _option(
            "schedule --seed -1",
            (*sched, "--seed", "-1"),
            f"--seed must be from 0 to {LIMITS.seed_max}; got -1",
        ),
        _option(
            "schedule --start 9999-12-31T23:30",
            (*sched, "--tables", "2", "--start", "9999-12-31T23:30"),
            f"--start {DATES}; got 9999-12-31T23:30:00",
        ),
        _option(
            "pairs --capacity 10^9",
            ("pairs", GOOD_EVENT, "--capacity", "1000000000"),
            f"--capacity must be from 1 to {LIMITS.partners}; got 1000000000",
        ),
        _option(
            "pairs --seed 2^70",
            ("pairs", GOOD_EVENT, "--seed", str(2**70)),
            f"--seed must be from 0 to {LIMITS.seed_max}",
        ),
        _option(
            "suggest -k 10^9",
            ("suggest", GOOD_ORGS, "--org", "A", "-k", "1000000000"),
            f"-k must be from 1 to {LIMITS.suggestions}; got 1000000000",
        ),
        _option(
            "suggest --max-per-country -1",
            ("suggest", GOOD_ORGS, "--org", "A", "--max-per-country", "-1"),
            f"--max-per-country must be from 0 to {LIMITS.participants}; got -1",
        ),
        _option(
            "learn --seed -1",
            ("learn", GOOD_ORGS, "--out", "scorer.json", "--seed", "-1"),
            f"--seed must be from 0 to {LIMITS.seed_max}; got -1",
        ),
    ]


def _rooms_file_entries() -> list[Entry]:
    many = "id,name,capacity\n" + "".join(f"r{k},Room {k},4\n" for k in range(LIMITS.rooms + 1))
    return [
        Entry(
            "rooms file: 1,001 rooms",
            "rooms",
            "rooms.csv",
            (f"has {LIMITS.rooms + 1:,} rooms; the limit is {LIMITS.rooms:,}",),
            (("breakouts", GOOD_EVENT, "--rooms", FILE, "--export", OUT),),
            many.encode(),
        ),
        Entry(
            "rooms file: a capacity of 10^4000",
            "rooms",
            "rooms.csv",
            ("capacity", f"less than or equal to {LIMITS.room_capacity}"),
            (("breakouts", GOOD_EVENT, "--rooms", FILE, "--export", OUT),),
            ("id,name,capacity\na,A,1" + "0" * 4000 + "\nb,B,9\n").encode(),
        ),
    ]


def entries() -> list[Entry]:
    """This area's entries, in a fixed order."""
    return _document_entries() + _option_entries() + _rooms_file_entries()
