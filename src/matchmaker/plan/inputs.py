"""What a result was built from: a fingerprint of an event's participants and of its settings.

A result document records the fingerprints of the event it was planned from
(``document["inputs"]``); the event as the API shows it carries the fingerprints of the event
as it is now. When they differ, the result is out of date, and which part differs says why:
the participants, or the settings of that kind of result.

Decisions
---------
- Two parts, not one version number. The event's version also moves on a rename, a new date
  or a pin, none of which makes rooms or meetings wrong; and an organiser is told more by
  "the participants changed" than by "the event changed".
- Each kind of result reads its own settings: rooms and rounds do not make a schedule out of
  date, nor time slots an allocation. Pins are left out: they are made from a result (a move
  or *Pin here*) and the allocation already holds them. A field of the event that is not
  named below counts as a setting of every kind, so that a field added later errs on the side
  of a warning.
- A fingerprint is the SHA-256 of the canonical JSON (sorted keys) of the part, cut to
  16 hex digits: enough to tell versions of one event apart, short in a document.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from matchmaker.models import Event

__all__ = ["KINDS", "ResultKind", "changed_parts", "document_inputs", "result_inputs"]

ResultKind = Literal["breakouts", "schedule", "pairs"]
#: The kinds of result that are planned from an event's participants.
KINDS: tuple[ResultKind, ...] = ("breakouts", "schedule", "pairs")

#: Fields of the event that are neither participants nor a setting of any result.
_LABELS = frozenset({"id", "name", "date", "registration_mapping"})
#: The participants, with everything the reader keeps about them.
_PEOPLE = frozenset({"participants", "organisations", "vocabulary"})
#: The settings read by one kind of result only.
_OWN: dict[ResultKind, frozenset[str]] = {
    "breakouts": frozenset({"rooms", "rounds"}),
    "schedule": frozenset({"slots", "tables"}),
    "pairs": frozenset(),
}
#: Rules read by the schedule only; every other rule (but pins) is read by the rooms.
_SCHEDULE_RULES = frozenset({"min_meetings", "max_meetings"})
_NO_RULES = frozenset({"pins"})


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _settings(document: dict[str, Any], kind: ResultKind) -> dict[str, Any]:
    others = set().union(*(_OWN[k] for k in KINDS if k != kind))
    part = {
        k: v for k, v in document.items() if k not in _LABELS | _PEOPLE | others and k != "rules"
    }
    rules = document.get("rules", {})
    if kind == "breakouts":
        part["rules"] = {k: v for k, v in rules.items() if k not in _NO_RULES | _SCHEDULE_RULES}
    elif kind == "schedule":
        part["rules"] = {k: v for k, v in rules.items() if k in _SCHEDULE_RULES}
    return part


def result_inputs(event: Event) -> dict[ResultKind, dict[str, str]]:
    """The fingerprints of the event's participants and of each kind's settings.

    Parameters
    ----------
    event:
        The event as it is stored.

    Returns
    -------
    dict
        For each kind of result (``breakouts``, ``schedule``, ``pairs``):
        ``{"participants": ..., "settings": ...}``, two 16-digit hex strings.

    Notes
    -----
    Linear in the size of the event (one JSON dump and three hashes).

    Examples
    --------
    >>> from matchmaker.models import Event
    >>> a = result_inputs(Event(id="e", name="Workshop"))
    >>> b = result_inputs(Event(id="e", name="Renamed workshop"))
    >>> a == b
    True
    """
    return document_inputs(event.model_dump(mode="json", exclude_none=True))


def document_inputs(document: dict[str, Any]) -> dict[ResultKind, dict[str, str]]:
    """:func:`result_inputs` of an event already dumped to JSON
    (``event.model_dump(mode="json", exclude_none=True)``), to dump it once."""
    people = _digest({k: document.get(k) for k in sorted(_PEOPLE)})
    return {
        kind: {"participants": people, "settings": _digest(_settings(document, kind))}
        for kind in KINDS
    }


def changed_parts(built_from: Any, now: dict[str, str]) -> list[str] | None:
    """The parts (``participants``, ``settings``) whose fingerprint differs from the ones a
    result records; ``None`` when the result records none (made by an older version)."""
    if not isinstance(built_from, dict) or not built_from:
        return None
    return [part for part in sorted(now) if built_from.get(part) != now[part]]
