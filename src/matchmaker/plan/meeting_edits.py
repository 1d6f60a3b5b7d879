"""Changes by hand to a stored 1:1 schedule: move, swap, cancel and add a meeting, and undo.

The organiser edits the schedule document (:func:`~matchmaker.plan.documents.schedule_document`)
cell by cell: a cell is a slot and a table (counted from 1, as the document counts them). Each
change is checked against the rules the solver keeps, by the solver's own check
(:func:`~matchmaker.solvers.rules.check_schedule`) on the meetings before and after the change;
a rule the change breaks is refused in words that name the people ("Ana Silva (Inova Lisboa) is
not available at 10:20"). An accepted change rewrites the document's meetings, agendas and
counting figures, marks the meetings it placed ``manual: true`` and logs itself in ``edits``
with the meetings it removed and added, so that :func:`undo_edit` restores the document as it
was, one change at a time.

Decisions
---------
- The rules come from the event as it is now (availability, "would rather not" requests,
  each participant's most meetings) over the participants and slots of the schedule: a change
  made today is checked against today's wishes. Colleagues of one organisation never meet (the
  solver gives them no score), so the check refuses them too.
- A change is refused for a hard rule it breaks, not for one already broken before it (the
  schedule may predate a participant's new unavailability): the violations of the meetings
  after the change that were not there before.
- The organiser may cancel a meeting that a participant marked "must meet": the change of plan
  is theirs to make (a no-show, a request withdrawn by mail), and the solver's ``required``
  rule is not checked on edits.
- The log holds only what each change removed and added (whole meeting entries, ``why`` and
  all), not copies of the document: an undo is exact and the document stays small.
- Figures that a change cannot recompute without the solver (its objective, bound and gap)
  stay as the solver left them; the counts (meetings, meetings per participant, requests met)
  follow every change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError, Problem
from matchmaker.models import Event, Preference
from matchmaker.plan.documents import agenda_entry, meetings_spread, schedule_counts
from matchmaker.solvers.result import Meeting
from matchmaker.solvers.rules import ScheduleInstance, ScheduleViolation, check_schedule

__all__ = [
    "ADDED",
    "EDIT_RULES",
    "MOVED",
    "Cell",
    "EditRefusal",
    "EditRefusedError",
    "ScheduleRules",
    "add_meeting",
    "cancel_meeting",
    "carry_manual",
    "move_meeting",
    "schedule_rules",
    "swap_meetings",
    "undo_edit",
]

Doc = dict[str, Any]
Action = Literal["move", "swap", "cancel", "add"]

#: The rules an edit is checked against, in the order a refusal names the first broken one.
EDIT_RULES = ("availability", "double_booking", "tables", "would_rather_not", "pair_twice",
              "max_meetings")  # fmt: skip

#: The why of a meeting the organiser added (written for each of the two).
ADDED = "Added by the organiser."
#: Said after the why of a meeting the organiser moved.
MOVED = "Moved by the organiser."


@dataclass(frozen=True)
class Cell:
    """A place of the grid: a slot's id and a table counted from 1."""

    slot: str
    table: int


@dataclass(frozen=True)
class EditRefusal:
    """Why a change is refused: the rule (one of :data:`EDIT_RULES`), the people concerned
    (participant ids) and the reason in words."""

    rule: str
    people: tuple[str, ...]
    detail: str


class EditRefusedError(InvalidInputError):
    """A change to a schedule breaks a rule; ``refusal`` says which and whose."""

    def __init__(self, refusal: EditRefusal) -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal


@dataclass(frozen=True, eq=False)
class ScheduleRules:
    """The rules of a stored schedule as :func:`check_schedule` takes them, with the labels of
    its rows (participants, in the document's agenda order) and columns (slots)."""

    instance: ScheduleInstance
    participants: tuple[str, ...]
    slots: tuple[str, ...]
    names: tuple[str, ...]
    organisations: npt.NDArray[np.int64]
    rather_not: frozenset[tuple[int, int]]


def _label(agenda: Mapping[str, Any]) -> str:
    who = agenda.get("person") or agenda["participant"]
    org = agenda.get("organisation_name") or agenda.get("organisation")
    return f"{who} ({org})" if org else str(who)


def schedule_rules(doc: Mapping[str, Any], event: Event) -> ScheduleRules:
    """The rules a change to the schedule ``doc`` must keep, from ``event`` as it is now.

    Rows are the schedule's participants (its agendas); a participant no longer in the event
    keeps the availability the schedule recorded and has no requests. Slots and tables are the
    schedule's.

    Notes
    -----
    O(p² + r) for p participants and r requests (the pairs that must not meet).
    """
    agendas = doc["agendas"]
    ids = tuple(str(a["participant"]) for a in agendas)
    slots = tuple(str(s["id"]) for s in doc["slots"])
    slot_index = {s: k for k, s in enumerate(slots)}
    now = {p.id: p for p in event.participants}
    n, k = len(ids), len(slots)
    avail = np.zeros((n, k), dtype=bool)
    hi = np.full(n, event.rules.max_meetings or k, dtype=np.int64)
    labels: dict[str, int] = {}
    org = np.array(
        [labels.setdefault(str(a["organisation"]), len(labels)) for a in agendas], dtype=np.int64
    )
    never = org[:, None] == org[None, :]
    by_org: dict[int, list[int]] = {}
    for i, o in enumerate(org.tolist()):
        by_org.setdefault(o, []).append(i)
    rather_not: set[tuple[int, int]] = set()
    for i, pid in enumerate(ids):
        p = now.get(pid)
        available = p.available if p is not None else agendas[i].get("available")
        if available is None:
            avail[i] = True
        else:
            avail[i, [slot_index[s] for s in available if s in slot_index]] = True
        if p is None:
            continue
        if p.max_meetings is not None:
            hi[i] = p.max_meetings
        for r in p.requests:
            if r.preference is Preference.WOULD_RATHER_NOT and r.organisation in labels:
                for j in by_org[labels[r.organisation]]:
                    never[i, j] = never[j, i] = True
                    rather_not.add((i, j))
    np.fill_diagonal(never, True)
    instance = ScheduleInstance(
        tables=np.full(k, int(doc["tables"]), dtype=np.int64), avail=avail, never=never, hi=hi
    )
    return ScheduleRules(
        instance=instance,
        participants=ids,
        slots=slots,
        names=tuple(_label(a) for a in agendas),
        organisations=org,
        rather_not=frozenset(rather_not),
    )


# --- the document's meetings as indices ----------------------------------------------------------


def _index(rules: ScheduleRules) -> tuple[dict[str, int], dict[str, int]]:
    return (
        {p: i for i, p in enumerate(rules.participants)},
        {s: k for k, s in enumerate(rules.slots)},
    )


def _as_meetings(rules: ScheduleRules, entries: Sequence[Mapping[str, Any]]) -> list[Meeting]:
    people, slots = _index(rules)
    out = []
    for m in entries:
        a, b = people[m["participants"][0]], people[m["participants"][1]]
        out.append(Meeting(slot=slots[m["slot"]], table=int(m["table"]) - 1, a=a, b=b))
    return out


def _time(doc: Mapping[str, Any], slot: int) -> str:
    """The slot's start in words: "10:20", with the date when the schedule spans days."""
    starts = [dt.datetime.fromisoformat(s["start"]) for s in doc["slots"]]
    at = starts[slot]
    if len({s.date() for s in starts}) > 1:
        return f"{at:%H:%M} on {at:%d %B %Y}".replace(" 0", " ")
    return f"{at:%H:%M}"


def _words(
    doc: Mapping[str, Any],
    rules: ScheduleRules,
    v: ScheduleViolation,
    after: Sequence[Meeting],
) -> EditRefusal:
    """A violation of the meetings ``after`` a change, in the organiser's words."""
    name, ids = rules.names, rules.participants
    people = tuple(ids[i] for i in v.participants)
    when = _time(doc, v.slot) if v.slot is not None and 0 <= v.slot < len(rules.slots) else ""
    if v.rule == "availability":
        x = v.participants[0]
        text = f"{name[x]} is not available at {when}" if when else f"{name[x]} has no such slot"
    elif v.rule == "double_booking":
        x = v.participants[0]
        other = next(
            (m for m in after if m.slot == v.slot and x in (m.a, m.b) and m.table != v.table),
            None,
        )
        partner = "" if other is None else f" with {name[other.b if other.a == x else other.a]}"
        table = "" if other is None else f" at table {other.table + 1}"
        text = f"{name[x]} already has a meeting at {when}{table}{partner}"
    elif v.rule == "tables":
        a, b = v.participants
        held = next(
            (m for m in after if m.slot == v.slot and m.table == v.table and {m.a, m.b} != {a, b}),
            None,
        )
        if held is not None:
            people = (*people, ids[held.a], ids[held.b])
            text = (
                f"table {(v.table or 0) + 1} at {when} already holds the meeting of "
                f"{name[held.a]} and {name[held.b]}"
            )
        else:
            text = f"there are {v.limit} tables at {when}; table {(v.table or 0) + 1} is not one"
    elif v.rule == "would_rather_not":
        a, b = v.participants
        if rules.organisations[a] == rules.organisations[b]:
            text = f"{name[a]} and {name[b]} are colleagues of one organisation; they do not meet"
        else:
            asker, asked = (a, b) if (a, b) in rules.rather_not else (b, a)
            text = f"{name[asker]} would rather not meet {name[asked]}"
    elif v.rule == "pair_twice":
        a, b = v.participants
        first = next(
            (m for m in after if {m.a, m.b} == {a, b} and m.slot != v.slot),
            None,
        )
        again = "" if first is None else f" at {_time(doc, first.slot)}"
        text = f"{name[a]} and {name[b]} already meet{again}"
    else:  # max_meetings
        x = v.participants[0]
        text = (
            f"{name[x]} would have {sum(x in (m.a, m.b) for m in after)} meetings; "
            f"at most {v.limit} {'is' if v.limit == 1 else 'are'} allowed"
        )
    return EditRefusal(v.rule, people, text[:1].upper() + text[1:] + ".")


def _refusal(
    doc: Mapping[str, Any],
    rules: ScheduleRules,
    kept: Sequence[Mapping[str, Any]],
    removed: Sequence[Mapping[str, Any]],
    added: Sequence[Mapping[str, Any]],
) -> EditRefusal | None:
    """The first rule broken by replacing ``removed`` with ``added`` (``kept`` stay)."""
    base = _as_meetings(rules, kept)
    before = [*base, *_as_meetings(rules, removed)]
    after = [*base, *_as_meetings(rules, added)]

    def key(v: ScheduleViolation) -> tuple[Any, ...]:
        return (v.rule, v.slot, v.table, v.participants)

    old = {key(v) for v in check_schedule(rules.instance, before) if v.rule in EDIT_RULES}
    new = [
        v
        for v in check_schedule(rules.instance, after)
        if v.rule in EDIT_RULES and key(v) not in old
    ]
    if not new:
        return None
    first = min(new, key=lambda v: EDIT_RULES.index(v.rule))
    return _words(doc, rules, first, after)


# --- the document after a change -----------------------------------------------------------------


def _refresh(doc: Doc, rules: ScheduleRules | None = None) -> None:
    """Agendas and counting figures from the meetings (sorted by slot, then table); with
    ``rules``, also the fewest, median and most meetings of those who count for fairness
    (``figures.fairness``, when the document has it: everyone who may have a meeting, that is
    who has a slot and may have one or more meetings)."""
    order = {s["id"]: k for k, s in enumerate(doc["slots"])}
    doc["meetings"].sort(key=lambda m: (order[m["slot"]], int(m["table"])))
    agendas = doc["agendas"]
    by_id = {a["participant"]: a for a in agendas}
    for a in agendas:
        a["meetings"] = []
    for k, m in enumerate(doc["meetings"]):
        for me, other in (m["participants"], reversed(m["participants"])):
            by_id[me]["meetings"].append(agenda_entry(m, k, by_id[other]))
    counts = [len(a["meetings"]) for a in agendas]
    figures = doc["figures"]
    figures.update(schedule_counts(doc["meetings"], agendas))
    fairness = figures.get("fairness")
    if isinstance(fairness, dict) and rules is not None:
        inst = rules.instance
        may: npt.NDArray[np.bool_] = np.asarray(inst.avail.any(axis=1), dtype=bool)
        if inst.hi is not None:
            may &= np.asarray(inst.hi) > 0
        counted = [c for c, ok in zip(counts, may.tolist(), strict=True) if ok]
        if counted:
            spread = meetings_spread(counted)
            fairness.update(min=spread["min"], median=spread["median"], max=spread["max"])
            if fairness.get("bound") is not None:
                fairness["gap"] = int(fairness["bound"]) - min(counted)


def _at(doc: Mapping[str, Any], cell: Cell, field: str = "slot") -> int | None:
    """The index of the meeting at ``cell`` (``None`` when the cell is free); a slot or table
    the schedule does not have is a 422 naming ``field``."""
    slots = [s["id"] for s in doc["slots"]]
    if cell.slot not in slots:
        raise InvalidInputError(
            f"slot '{cell.slot}' is not a slot of the schedule",
            [
                Problem(
                    None,
                    field,
                    cell.slot,
                    f"slot '{cell.slot}' is not a slot of the schedule; the slots are: "
                    + ", ".join(slots[:20])
                    + (" ..." if len(slots) > 20 else ""),
                )
            ],
        )
    tables = int(doc["tables"])
    if not 1 <= cell.table <= tables:
        raise InvalidInputError(
            f"table {cell.table} is not a table of the schedule",
            [
                Problem(
                    None,
                    field.replace("slot", "table"),
                    str(cell.table),
                    f"table {cell.table} is not a table of the schedule; the tables are 1 to "
                    f"{tables}",
                )
            ],
        )
    for k, m in enumerate(doc["meetings"]):
        if m["slot"] == cell.slot and int(m["table"]) == cell.table:
            return k
    return None


def _meeting_at(doc: Mapping[str, Any], cell: Cell, field: str = "slot") -> int:
    k = _at(doc, cell, field)
    if k is None:
        raise InvalidInputError(
            f"no meeting at table {cell.table} in slot '{cell.slot}'",
            [
                Problem(
                    None,
                    field,
                    f"{cell.slot}/{cell.table}",
                    f"there is no meeting at table {cell.table} in slot '{cell.slot}'; reload "
                    "the schedule to see its meetings",
                )
            ],
        )
    return k


def _placed(doc: Mapping[str, Any], meeting: Mapping[str, Any], cell: Cell) -> Doc:
    """``meeting`` at ``cell``, marked as placed by hand."""
    slot = next(s for s in doc["slots"] if s["id"] == cell.slot)
    out = dict(meeting)
    moved = cell.slot != meeting["slot"] or cell.table != int(meeting["table"])
    if moved and not meeting.get("manual"):
        out["why"] = {pid: f"{text} {MOVED}".strip() for pid, text in dict(meeting["why"]).items()}
    out.update(slot=cell.slot, start=slot["start"], end=slot["end"], table=cell.table)
    out["manual"] = True
    return out


def _commit(
    doc: Doc,
    rules: ScheduleRules,
    action: Action,
    removed: Sequence[int],
    added: Sequence[Doc],
    by: str | None,
) -> Doc:
    """The document with the meetings ``removed`` (indices) replaced by ``added``, after the
    rules' check (:class:`EditRefusedError` when one is broken); the change is logged."""
    gone = [doc["meetings"][k] for k in removed]
    kept = [m for k, m in enumerate(doc["meetings"]) if k not in set(removed)]
    refusal = _refusal(doc, rules, kept, gone, added)
    if refusal is not None:
        raise EditRefusedError(refusal)
    doc["meetings"] = [*kept, *added]
    _refresh(doc, rules)
    doc.setdefault("edits", []).append(
        {
            "action": action,
            "removed": gone,
            "added": list(added),
            "by": by,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    )
    return doc


def _participant(doc: Mapping[str, Any], rules: ScheduleRules, pid: str, field: str) -> int:
    people, _ = _index(rules)
    if pid not in people:
        raise InvalidInputError(
            f"participant '{pid}' is not in the schedule",
            [
                Problem(
                    None,
                    field,
                    pid,
                    f"participant '{pid}' is not in the schedule; someone registered after it "
                    "was planned gets meetings by a re-plan",
                )
            ],
        )
    return people[pid]


def move_meeting(
    doc: Doc, rules: ScheduleRules, source: Cell, target: Cell, *, by: str | None = None
) -> Doc:
    """Move the meeting at ``source`` to the free cell ``target``; ``doc`` is changed in place
    and returned.

    Raises
    ------
    InvalidInputError
        No meeting at ``source``; a slot or table the schedule does not have.
    EditRefusedError
        The move breaks a rule (the target cell is taken, someone is not available or already
        meets someone then...).
    """
    k = _meeting_at(doc, source)
    _at(doc, target, "to_slot")
    return _commit(doc, rules, "move", [k], [_placed(doc, doc["meetings"][k], target)], by)


def swap_meetings(
    doc: Doc, rules: ScheduleRules, first: Cell, second: Cell, *, by: str | None = None
) -> Doc:
    """Exchange the places of the meetings at ``first`` and ``second`` (in place)."""
    a = _meeting_at(doc, first, "first")
    b = _meeting_at(doc, second, "second")
    if a == b:
        raise InvalidInputError(
            "a meeting cannot be swapped with itself",
            [Problem(None, "second", f"{second.slot}/{second.table}", "choose another meeting")],
        )
    meetings = doc["meetings"]
    added = [_placed(doc, meetings[a], second), _placed(doc, meetings[b], first)]
    return _commit(doc, rules, "swap", [a, b], added, by)


def cancel_meeting(doc: Doc, rules: ScheduleRules, cell: Cell, *, by: str | None = None) -> Doc:
    """Cancel the meeting at ``cell`` (in place)."""
    return _commit(doc, rules, "cancel", [_meeting_at(doc, cell)], [], by)


def add_meeting(
    doc: Doc,
    rules: ScheduleRules,
    event: Event,
    participants: tuple[str, str],
    cell: Cell,
    *,
    by: str | None = None,
) -> Doc:
    """Add a meeting of two participants at the free ``cell`` (in place). Its ``request`` says
    who of the two asked to meet the other's organisation, as the planner's does."""
    a = _participant(doc, rules, participants[0], "participants")
    b = _participant(doc, rules, participants[1], "participants")
    _at(doc, cell)
    ids = rules.participants
    now = {p.id: p for p in event.participants}

    def asks(x: int, y: int) -> bool:
        """Whether ``x`` asked to meet ``y``'s organisation."""
        me, them = now.get(ids[x]), now.get(ids[y])
        return (
            me is not None
            and them is not None
            and any(
                r.organisation == them.organisation
                and r.preference is not Preference.WOULD_RATHER_NOT
                for r in me.requests
            )
        )

    asked = [asks(a, b), asks(b, a)]
    request = "mutual" if all(asked) else "one-sided" if any(asked) else "suggested"
    notes = {
        ids[a]: "You both asked for this meeting." if all(asked) else
        "You asked for this meeting." if asked[0] else
        "They asked to meet you." if asked[1] else "",
        ids[b]: "You both asked for this meeting." if all(asked) else
        "You asked for this meeting." if asked[1] else
        "They asked to meet you." if asked[0] else "",
    }  # fmt: skip
    slot = next(s for s in doc["slots"] if s["id"] == cell.slot)
    meeting = {
        "slot": cell.slot,
        "start": slot["start"],
        "end": slot["end"],
        "table": cell.table,
        "participants": [ids[a], ids[b]],
        "request": request,
        "score": None,
        "why": {pid: f"{note} {ADDED}".strip() for pid, note in notes.items()},
        "manual": True,
    }
    return _commit(doc, rules, "add", [], [meeting], by)


def undo_edit(doc: Doc, rules: ScheduleRules | None = None) -> Doc:
    """Undo the last change of ``doc``'s log (in place): its added meetings go, its removed
    ones come back (``rules``: to count the fairness figures again, as a change does).

    Raises
    ------
    InvalidInputError
        Nothing to undo (the schedule is as the solver made it).
    """
    edits = doc.get("edits") or []
    if not edits:
        raise InvalidInputError(
            "nothing to undo: the schedule has no change by hand since it was planned",
            [Problem(None, "edits", None, "the schedule has no change by hand to undo")],
        )
    last = edits.pop()

    def cell(m: Mapping[str, Any]) -> tuple[Any, ...]:
        return (m["slot"], int(m["table"]), tuple(m["participants"]))

    added = {cell(m) for m in last["added"]}
    doc["meetings"] = [m for m in doc["meetings"] if cell(m) not in added] + list(last["removed"])
    _refresh(doc, rules)
    return doc


def carry_manual(previous: Mapping[str, Any], new: Doc) -> Doc:
    """Mark in ``new`` (a re-plan of ``previous``) the meetings ``previous`` had placed by
    hand and the re-plan kept where they were (in place)."""

    def cell(m: Mapping[str, Any]) -> tuple[Any, ...]:
        return (m["slot"], int(m["table"]), frozenset(m["participants"]))

    manual = {cell(m) for m in previous.get("meetings", []) if m.get("manual")}
    for m in new["meetings"]:
        if cell(m) in manual:
            m["manual"] = True
    return new
