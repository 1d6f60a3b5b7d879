"""The bad-input corpus, second round: rules that are malformed rather than infeasible, such as
groups naming one participant twice or an unknown one.

Every rule list of the event document (keep-apart, keep-together, pins, requests and must-meets,
availability) is checked for repeated and unknown members when the document is read, so the
command line, the API and the stored documents refuse them alike, before any run.

Entries here join :func:`reliability.corpus.corpus`; see that module for what an entry is.
"""

from __future__ import annotations

from typing import Any

from reliability.corpus import BREAKOUTS, IMPORT, SCHEDULE, Entry, both, event, put, rules


def _rules(name: str, data: bytes, *expect: str, schedule: bool = False) -> Entry:
    run = SCHEDULE if schedule else BREAKOUTS
    return Entry(f"malformed rule: {name}", "rules", "event.json", expect, (IMPORT, run), data)


def _pin(participant: str, room: str, round: str | None = None) -> dict[str, Any]:
    pin = {"participant": participant, "room": room}
    return pin if round is None else {**pin, "round": round}


def entries() -> list[Entry]:
    """This area's entries, in a fixed order."""
    return [
        _rules(
            "keep-apart names one participant twice",
            event(rules(keep_apart=[["P1", "P1"]])),
            "keep_apart[0] names participant 'P1' more than once; list each participant once",
        ),
        _rules(
            "keep-apart names one participant twice among others",
            event(rules(keep_apart=[["P1", "P2"], ["P3", "P4", "P3"]])),
            "keep_apart[1] names participant 'P3' more than once",
        ),
        _rules(
            "keep-together names one participant twice",
            event(rules(keep_together=[["P2", "P3", "P2"]])),
            "keep_together[0] names participant 'P2' more than once",
        ),
        _rules(
            "keep-apart names an unknown participant",
            event(rules(keep_apart=[["P1", "nobody"]])),
            "keep_apart: participant 'nobody' is not in the event",
        ),
        _rules(
            "keep-together names an unknown participant",
            event(rules(keep_together=[["ghost", "P2"]])),
            "keep_together: participant 'ghost' is not in the event",
        ),
        _rules(
            "a keep-apart group of one",
            event(rules(keep_apart=[["P1"]])),
            "keep_apart[0] needs at least two participants",
        ),
        _rules(
            "one pin given twice",
            event(rules(pins=[_pin("P1", "r1"), _pin("P1", "r1")])),
            "participant 'P1' is pinned twice to room 'Energy' in every round",
        ),
        _rules(
            "a pin for every round and another for one round",
            event(rules(pins=[_pin("P1", "r1"), _pin("P1", "r2", "R2")])),
            "participant 'P1' is pinned to rooms 'Energy' and 'Health' in round 2 ('R2')",
        ),
        _rules(
            "a pin of an unknown participant",
            event(rules(pins=[_pin("nobody", "r1")])),
            "pin: participant 'nobody' is not in the event",
        ),
        _rules(
            "a pin to an unknown room",
            event(rules(pins=[_pin("P1", "attic")])),
            "pin: room 'attic' is not a room of the event",
        ),
        _rules(
            "a pin in an unknown round",
            event(rules(pins=[_pin("P1", "r1", "R9")])),
            "pin: round 'R9' is not a round of the event",
        ),
        _rules(
            "a must-meet named twice",
            event(
                put(
                    "participants.0.requests",
                    [
                        {"organisation": "org-1", "preference": "must_meet"},
                        {"organisation": "org-1", "preference": "would_like"},
                    ],
                )
            ),
            "requests name organisation 'org-1' more than once",
            schedule=True,
        ),
        _rules(
            "a must-meet with an unknown organisation",
            event(
                put(
                    "participants.0.requests",
                    [{"organisation": "org-99", "preference": "must_meet"}],
                )
            ),
            "requested organisation 'org-99' is not in the event",
            schedule=True,
        ),
        _rules(
            "a must-meet with one's own organisation",
            event(put("participants.0.requests", [{"organisation": "org-0"}])),
            "participant 'P1' requests its own organisation",
            schedule=True,
        ),
        _rules(
            "availability in an unknown slot",
            event(put("participants.0.available", ["S1", "S9"])),
            "participant 'P1': slot 'S9' is not a slot of the event",
            schedule=True,
        ),
        _rules(
            "two participants with one id in a keep-apart group",
            event(
                both(
                    put("participants.1.id", "P1"),
                    rules(keep_apart=[["P1", "P3"]]),
                )
            ),
            "participant id 'P1' appears more than once",
        ),
    ]
