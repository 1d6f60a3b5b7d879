"""Solver results as JSON documents, and back.

A job stores its answer as one JSON document (``store.save_result``); the endpoints read it,
edit it (moves) and rebuild from it what the core needs to re-plan or export. Three kinds:

- **allocation** (breakout rooms): rounds, rooms, people with their organisation, seats, pins
  and why; each room's quality; the plan's objective, bound, gap, status, repeats and soft-rule
  violations. :func:`plan_from_allocation` rebuilds a
  :class:`~matchmaker.plan.breakouts.BreakoutPlan` for
  :func:`~matchmaker.plan.breakouts.replan_breakouts` and the
  exports of :mod:`matchmaker.export.breakouts`.
- **schedule** (1:1 meetings): slots, tables, meetings with why, each participant's agenda and
  the figures (meetings per participant, the share of the LP bound, the gap).
  :func:`published_meetings` gives what :func:`~matchmaker.plan.meetings.replan_schedule` keeps;
  :func:`schedule_event` and :func:`schedule_meetings` what :mod:`matchmaker.export.agenda` exports.
- **pairs**: who meets whom, with the score, the request and why.

Decisions
---------
- A document holds everything its exports and re-plans need (the rooms, rounds and slots as
  planned, the people with their organisation's name, region and type), so that it stays true
  and exportable after the event changes.
- Entropies are Shannon entropies **in bits** (``scipy.stats.entropy(..., base=2)``) of the
  room's countries and organisation types; 0 for a room of one kind.
- A room's ``fit`` is the share of its people whose profile matches one of the room's themes
  (their explanation names one), ``null`` for a room without themes or without people.
- Violations of soft rules (``max_per_country``, ``mix_types``, ``shared_language``) are
  measured on the allocation, with the event's labels, by the same rules as the solver
  (:func:`~matchmaker.solvers.rules.check_allocation`); so they stay true after a move.
- Numbers that JSON cannot carry (an infinite bound or gap) are written as ``null``.
- Each document is described by a model of :mod:`matchmaker.plan.document_models` (what the
  API's schema shows). The schedule and pairs builders validate their document against it
  before returning it (well under 1% of building one); the allocation is validated by the
  tests only, as its validation costs about an eighth of building it (the partners of every
  person) and a move edits it in place.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker import taxonomy
from matchmaker.errors import MatchmakerError
from matchmaker.explain import reasons
from matchmaker.models import Event, HelixRole, Organisation, OrgType, Participant, Rules
from matchmaker.plan.breakouts import BreakoutPlan, Explanation, Partner
from matchmaker.plan.document_models import PairsDocument, ScheduleDocument
from matchmaker.plan.meetings import EventMatrices, PublishedMeeting
from matchmaker.quality.rooms import room_quality
from matchmaker.score import DEFAULT_PRESET, Scorer, make_scorer, pair_components
from matchmaker.solvers.result import Meeting
from matchmaker.solvers.rules import BreakoutsInstance, check_allocation
from matchmaker.vectorise import ProfileSpace

__all__ = [
    "ENTROPY_UNIT",
    "MOVED",
    "AllocationArrays",
    "allocation_arrays",
    "allocation_document",
    "allocation_violations",
    "pairs_document",
    "plan_from_allocation",
    "published_meetings",
    "refresh_allocation",
    "schedule_document",
    "schedule_event",
    "schedule_meetings",
]

Doc = dict[str, Any]

ENTROPY_UNIT = "bits"
#: The why of a person placed by the organiser (the solver did not choose the room).
MOVED = "Placed in this room by the organiser."


def _number(value: Any) -> float | None:
    """A float JSON can carry: ``None`` for infinities and NaN."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _finite(value: Any) -> Any:
    """``value`` with every float JSON cannot carry (infinity, NaN) replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def scorer_of(value: str | Scorer) -> Scorer:
    """A scorer from a preset's name, or the scorer itself (a learned one)."""
    return value if isinstance(value, Scorer) else make_scorer(value)


def _scorer_fields(scorer: Scorer) -> dict[str, Any]:
    """What a result document keeps of its scorer: the name it was asked by (``preset``, a
    preset's or a learned scorer's) and the settings to score again with (re-plans, reasons)."""
    return {
        "preset": scorer.label,
        "scorer": {
            "preset": scorer.preset,
            "weights": {c: round(w, 6) for c, w in scorer.as_dict().items()},
        },
    }


def document_scorer(doc: Mapping[str, Any]) -> Scorer:
    """The scorer a result document was made with (a preset for documents of older versions)."""
    kept = doc.get("scorer")
    if isinstance(kept, Mapping) and isinstance(kept.get("weights"), Mapping):
        return make_scorer(
            str(kept.get("preset") or DEFAULT_PRESET),
            weights=dict(kept["weights"]),
            name=str(doc.get("preset") or ""),
        )
    return make_scorer(str(doc.get("preset") or DEFAULT_PRESET))


def _organisation(org: Organisation | None, fallback: str) -> dict[str, Any]:
    if org is None:
        return {
            "organisation": fallback,
            "organisation_name": fallback,
            "region": None,
            "country": None,
            "type": None,
        }
    return {
        "organisation": org.id,
        "organisation_name": org.name,
        "region": org.region,
        "country": org.country,
        "type": org.type.value,
    }


def _light_organisations(people: Iterable[Mapping[str, Any]]) -> list[Organisation]:
    """The organisations of a document's people, with the fields the exports read."""
    out: dict[str, Organisation] = {}
    for p in people:
        oid = p["organisation"]
        if oid in out or p.get("region") is None or p.get("type") is None:
            continue
        out[oid] = Organisation.model_validate(
            {"id": oid, "name": p["organisation_name"], "type": p["type"], "region": p["region"]}
        )
    return list(out.values())


# --- allocation ---------------------------------------------------------------------------------


def _pinned(rules: Rules, participant: str, room: str, round_id: str) -> bool:
    return any(
        pin.participant == participant
        and pin.room == room
        and (pin.round is None or pin.round == round_id)
        for pin in rules.pins
    )


def _explanation_doc(explanation: Explanation | None) -> dict[str, Any]:
    if explanation is None:
        return {"themes": [], "partners": []}
    return {
        "themes": list(explanation.themes),
        "partners": [
            {
                "participant": p.id,
                "person": p.person,
                "organisation": p.organisation,
                "reasons": list(p.reasons),
            }
            for p in explanation.partners
        ],
    }


def _helix(type_value: str | None) -> str:
    if type_value is None:
        return HelixRole.OTHER.value
    return OrgType(type_value).helix.value


@dataclass(frozen=True, eq=False)
class AllocationArrays:
    """An allocation document's rounds as the arrays of
    :func:`~matchmaker.solvers.rules.check_allocation`, and the ids to read its answer with.

    ``rooms[r, i]`` is the room of ``participants[i]`` in ``round_ids[r]`` (-1: not in that
    round). The keep-apart and keep-together sets of ``instance`` are those of the rules, in
    their order (a violation's ``label`` is the group's index in the rules), each without the
    people the allocation does not hold. ``labels`` gives the words behind the ``country``
    and ``groups`` labels.
    """

    instance: BreakoutsInstance
    rooms: npt.NDArray[np.int64]
    participants: list[str]
    room_ids: list[str]
    round_ids: list[str]
    labels: dict[str, list[str]]


def _label_array(values: Sequence[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Int labels of ``values``, numbered in sorted order (so that they sort as the words)."""
    words = sorted(set(values))
    index = {w: k for k, w in enumerate(words)}
    return np.array([index[v] for v in values], dtype=np.int64), words


def allocation_arrays(rounds: Sequence[Mapping[str, Any]], rules: Rules) -> AllocationArrays:
    """The rules ``rules`` over the allocation of ``rounds`` (an allocation document's).

    A room without ``capacity`` holds any number of seats, a person without ``seats`` takes
    one, a person without an organisation is nobody's colleague, without a country is of the
    country ``?``, and one whose organisation lists no language speaks any.
    """
    people: dict[str, Mapping[str, Any]] = {}
    room_docs: dict[str, Mapping[str, Any]] = {}
    for rnd in rounds:
        for room in rnd["rooms"]:
            room_docs.setdefault(room["id"], room)
            for p in room["people"]:
                people.setdefault(p["participant"], p)
    ids = list(people)
    index = {pid: i for i, pid in enumerate(ids)}
    room_ids = list(room_docs)
    room_index = {rid: k for k, rid in enumerate(room_ids)}
    round_ids = [rnd["id"] for rnd in rounds]
    round_index = {rid: t for t, rid in enumerate(round_ids)}
    n, n_rounds = len(ids), len(round_ids)
    alloc = np.full((n_rounds, n), -1, dtype=np.int64)
    for t, rnd in enumerate(rounds):
        for room in rnd["rooms"]:
            for p in room["people"]:
                alloc[t, index[p["participant"]]] = room_index[room["id"]]
    seats = np.array([int(p.get("seats", 1)) for p in people.values()], dtype=np.int64)
    everyone = int(seats.sum())
    hi = np.array(
        [
            int(r["capacity"]) if r.get("capacity") is not None else everyone
            for r in room_docs.values()
        ],
        dtype=np.int64,
    )
    lo = np.array([int(r.get("min_size") or 0) for r in room_docs.values()], dtype=np.int64)
    pins = np.full((n_rounds, n), -1, dtype=np.int64)
    for pin in rules.pins:
        if pin.participant not in index or pin.room not in room_index:
            continue
        if pin.round is None:
            pins[:, index[pin.participant]] = room_index[pin.room]
        elif pin.round in round_index:
            pins[round_index[pin.round], index[pin.participant]] = room_index[pin.room]

    def sets(groups: Sequence[Sequence[str]]) -> list[npt.NDArray[np.int64]]:
        return [np.array([index[q] for q in g if q in index], dtype=np.int64) for g in groups]

    labels: dict[str, list[str]] = {}
    colleagues = country = groups = language = None
    if rules.apart_same_organisation:
        colleagues, labels["colleagues"] = _label_array(
            [str(p.get("organisation") or f"participant:{pid}") for pid, p in people.items()]
        )
    if rules.max_per_country is not None:
        country, labels["country"] = _label_array(
            [p.get("country") or "?" for p in people.values()]
        )
    if rules.mix_types:
        groups, labels["groups"] = _label_array([_helix(p.get("type")) for p in people.values()])
    if rules.shared_language:
        codes = sorted({c for p in people.values() for c in p.get("languages") or ()})
        if codes:
            col = {c: k for k, c in enumerate(codes)}
            language = np.zeros((n, len(codes)), dtype=bool)
            for i, p in enumerate(people.values()):
                spoken = p.get("languages") or ()
                if spoken:
                    language[i, [col[c] for c in spoken]] = True
                else:
                    language[i] = True
    instance = BreakoutsInstance(
        seats=seats,
        lo=lo,
        hi=hi,
        pins=pins,
        apart=sets(rules.keep_apart),
        together=sets(rules.keep_together),
        names=room_ids,
        rounds=n_rounds,
        colleagues=colleagues,
        country=country,
        max_per_country=rules.max_per_country or 0,
        groups=groups,
        language=language,
    )
    return AllocationArrays(instance, alloc, ids, room_ids, round_ids, labels)


#: The triple-helix roles as an organiser says them.
_ROLE_WORDS = {
    HelixRole.INDUSTRY.value: "industry (companies)",
    HelixRole.ACADEMIA.value: "research (universities and research organisations)",
    HelixRole.GOVERNMENT.value: "government (public authorities and agencies)",
    HelixRole.INTERMEDIARY.value: "the intermediaries (clusters and networks)",
    HelixRole.OTHER.value: "the other organisations",
}


def _country_name(code: str) -> str:
    """'Finland (FI)', or the code alone when the taxonomy does not know it."""
    try:
        return f"{taxonomy.nuts().country_name(code)} ({code})"
    except MatchmakerError:
        return code


def allocation_violations(
    rounds: Sequence[Mapping[str, Any]], rules: Rules
) -> list[dict[str, str]]:
    """The soft rules an allocation misses, per round and room, with the event's labels.

    The rules are the solver's (:func:`~matchmaker.solvers.rules.check_allocation` on
    :func:`allocation_arrays`): at most ``max_per_country`` participants of a country in a
    room; every triple-helix role that has at least as many participants as there are rooms is
    in every room (``mix_types``); the people of a room share a language (``shared_language``;
    a person whose organisation lists none speaks any).
    """
    arrays = allocation_arrays(rounds, rules)
    # The sentences name rounds and rooms as the organiser named them.
    round_names = {r["id"]: r.get("name") or r["id"] for r in rounds}
    room_names = {
        room["id"]: room.get("name") or room["id"] for r in rounds for room in r.get("rooms", ())
    }
    out: list[dict[str, str]] = []
    for v in check_allocation(arrays.instance, arrays.rooms):
        if v.hard or v.room is None:
            continue
        round_id, room_id = arrays.round_ids[v.round], arrays.room_ids[v.room]
        round_name = round_names.get(round_id, round_id)
        if round_name == round_id and not round_id.lower().startswith("round"):
            round_name = f"round {round_id}"
        where = (
            f"{round_name[:1].upper()}{round_name[1:]}, room '{room_names.get(room_id, room_id)}'"
        )
        if v.rule == "max_per_country":
            country = _country_name(arrays.labels["country"][v.label or 0])
            message = (
                f"{where} has {len(v.participants)} participants from {country} (at most {v.limit})"
            )
        elif v.rule == "mix_types":
            role = arrays.labels["groups"][v.label or 0]
            message = f"{where} has nobody from {_ROLE_WORDS.get(role, role)}"
        else:
            message = f"{where} has no language shared by all {len(v.participants)} participants"
        out.append({"rule": v.rule, "round": round_id, "room": room_id, "message": message})
    return out


def allocation_document(
    plan: BreakoutPlan,
    *,
    preset: str | Scorer,
    event_version: int | None = None,
    seed: int | None = None,
    time_limit: float | None = None,
    moved: int | None = None,
) -> Doc:
    """The allocation document of a breakout plan (see docs/api.md).

    Parameters
    ----------
    plan:
        What :func:`~matchmaker.plan.breakouts.plan_breakouts` or
        :func:`~matchmaker.plan.breakouts.replan_breakouts` returned.
    preset:
        The scorer the plan was made with, or its preset's name (re-plans use it again).
    event_version:
        The version of the stored event that was planned.
    seed, time_limit:
        The solver's settings, kept to tell how the plan was made.
    moved:
        For a re-plan, how many people who stayed changed room.

    Returns
    -------
    dict
        A JSON-ready document; the store adds ``id``, ``version`` and ``created``.
    """
    event = plan.event
    result = plan.result
    orgs = {o.id: o for o in event.organisations}
    people = {p.id: p for p in event.participants}
    rounds: list[dict[str, Any]] = []
    for rnd in event.rounds:
        why = plan.explanations.get(rnd.id, {})
        rooms: list[dict[str, Any]] = []
        for room in event.rooms:
            entries = []
            for pid in plan.assignment.get(rnd.id, {}).get(room.id, []):
                p = people[pid]
                org = orgs.get(p.organisation)
                explanation = why.get(pid)
                entries.append(
                    {
                        "participant": pid,
                        "person": p.person,
                        **_organisation(org, p.organisation),
                        "languages": list(org.languages) if org is not None else [],
                        "seats": p.seats,
                        "pinned": _pinned(event.rules, pid, room.id, rnd.id),
                        "why": explanation.text if explanation is not None else "",
                        "reasons": _explanation_doc(explanation),
                    }
                )
            doc_room: dict[str, Any] = {
                "id": room.id,
                "name": room.name,
                "capacity": room.capacity,
                "min_size": room.min_size,
                "themes": list(room.themes),
                "people": entries,
            }
            doc_room["seats"] = sum(e["seats"] for e in entries)
            doc_room["quality"] = room_quality(doc_room)
            rooms.append(doc_room)
        rounds.append(
            {"id": rnd.id, "name": rnd.name or rnd.id, "start": _time(rnd.start), "rooms": rooms}
        )
    doc: Doc = {
        "kind": "breakouts",
        "event": event.id,
        "event_name": event.name,
        "event_version": event_version,
        "mode": plan.mode,
        **_scorer_fields(scorer_of(preset)),
        "seed": seed,
        "time_limit": time_limit,
        "status": str(result.status),
        "message": str(result.message),
        "objective": _number(result.objective),
        "bound": _number(getattr(result, "upper_bound", None)),
        "gap": _number(getattr(result, "gap", None)),
        "repeats": int(getattr(result, "repeats", 0)),
        "repeats_lower_bound": int(getattr(result, "repeats_lower_bound", 0)),
        "moved": moved,
        "entropy_unit": ENTROPY_UNIT,
        "rules": event.rules.model_dump(mode="json"),
        "violations": allocation_violations(rounds, event.rules),
        "edits": [],
        "rounds": rounds,
    }
    return dict(_finite(doc))


def refresh_allocation(doc: Doc, rules: Rules) -> Doc:
    """The document after an edit: seats, quality, pins and violations measured again under
    ``rules`` (the event's rules now). ``doc`` is changed in place and returned."""
    for rnd in doc["rounds"]:
        for room in rnd["rooms"]:
            for p in room["people"]:
                p["pinned"] = _pinned(rules, p["participant"], room["id"], rnd["id"])
            room["seats"] = sum(int(p["seats"]) for p in room["people"])
            room["quality"] = room_quality(room)
    doc["rules"] = rules.model_dump(mode="json")
    doc["violations"] = allocation_violations(doc["rounds"], rules)
    return doc


def plan_from_allocation(doc: Mapping[str, Any]) -> BreakoutPlan:
    """The :class:`~matchmaker.plan.breakouts.BreakoutPlan` an allocation document describes.

    The plan's event holds the rooms and rounds as planned, the participants and their
    organisations (name, region and type), and the rules; its ``result`` is ``None`` (the
    solver's figures are in the document). It is what
    :func:`~matchmaker.plan.breakouts.replan_breakouts` and the exports of
    :mod:`matchmaker.export.breakouts`
    need.
    """
    from matchmaker.models import Room, Round

    rounds = doc["rounds"]
    participants: dict[str, Participant] = {}
    everyone: list[Mapping[str, Any]] = []
    assignment: dict[str, dict[str, list[str]]] = {}
    explanations: dict[str, dict[str, Explanation]] = {}
    for rnd in rounds:
        per_room: dict[str, list[str]] = {}
        per_person: dict[str, Explanation] = {}
        for room in rnd["rooms"]:
            per_room[room["id"]] = [p["participant"] for p in room["people"]]
            for p in room["people"]:
                everyone.append(p)
                participants.setdefault(
                    p["participant"],
                    Participant(
                        id=p["participant"],
                        organisation=p["organisation"],
                        person=p.get("person"),
                        seats=int(p["seats"]),
                    ),
                )
                per_person[p["participant"]] = _explanation_from(p, rnd["id"], room["id"])
        assignment[rnd["id"]] = per_room
        explanations[rnd["id"]] = per_person
    first = rounds[0]["rooms"] if rounds else []
    rules = Rules.model_validate(doc.get("rules") or {}).restricted_to(
        set(participants), rooms={r["id"] for r in first}, rounds={r["id"] for r in rounds}
    )
    event = Event(
        id=doc["event"],
        name=doc.get("event_name") or doc["event"],
        organisations=_light_organisations(everyone),
        participants=list(participants.values()),
        rooms=[
            Room(
                id=r["id"],
                name=r["name"],
                capacity=int(r["capacity"]),
                min_size=int(r.get("min_size", 0)),
                themes=list(r.get("themes", [])),
            )
            for r in first
        ],
        rounds=[
            Round(
                id=r["id"],
                name=r.get("name"),
                start=dt.datetime.fromisoformat(r["start"]) if r.get("start") else None,
            )
            for r in rounds
        ],
        rules=rules,
    )
    return BreakoutPlan(
        event=event,
        result=None,
        assignment=assignment,
        explanations=explanations,
        mode=doc.get("mode", "affinity"),
        scorer=document_scorer(doc),
    )


def _explanation_from(person: Mapping[str, Any], round_id: str, room_id: str) -> Explanation:
    why = person.get("reasons") or {}
    if person.get("moved"):
        return Explanation(person["participant"], round_id, room_id, (MOVED.rstrip("."),), ())
    themes = tuple(why.get("themes", []))
    return Explanation(
        participant=person["participant"],
        round=round_id,
        room=room_id,
        themes=themes,
        partners=tuple(
            Partner(
                id=p["participant"],
                person=p["person"],
                organisation=p["organisation"],
                reasons=tuple(p.get("reasons", [])),
            )
            for p in why.get("partners", [])
        ),
    )


# --- reasons for pairs ------------------------------------------------------------------------


def _sentences(parts: Iterable[str]) -> str:
    out = []
    for part in parts:
        text = part.strip()
        if not text:
            continue
        text = f"{text[:1].upper()}{text[1:]}"
        out.append(text if text.endswith(".") else f"{text}.")
    return " ".join(out)


def _pair_reasons(
    event: Event, pairs: Sequence[tuple[int, int]], scorer: Scorer
) -> dict[tuple[int, int], list[str]]:
    """Reasons from each side: ``out[(i, j)]`` is written for participant ``i``."""
    if not pairs or not event.organisations:
        return {}
    profiles = ProfileSpace().fit_transform(event.organisations)
    row = np.array([profiles.index[p.organisation] for p in event.participants], dtype=np.int64)
    wanted: dict[int, list[int]] = {}
    for i, j in pairs:
        wanted.setdefault(i, []).append(j)
        wanted.setdefault(j, []).append(i)
    out: dict[tuple[int, int], list[str]] = {}
    for i, others in wanted.items():
        a = int(row[i])
        js = row[others]
        comps, relation = pair_components(profiles, a, js, scorer)
        for m, j in enumerate(others):
            values = {c: float(v[m]) for c, v in comps.items()}
            out[(i, j)] = reasons(profiles, a, int(js[m]), values, int(relation[m]), scorer)
    return out


def _request_notes(m: EventMatrices, i: int, j: int) -> tuple[str, str, str]:
    """The kind of request (``mutual``, ``one-sided``, ``suggested``) and a note for each side."""
    if m.asked[i, j] and m.asked[j, i]:
        return "mutual", "you both asked for this meeting", "you both asked for this meeting"
    if m.asked[i, j]:
        return "one-sided", "you asked for this meeting", "they asked to meet you"
    if m.asked[j, i]:
        return "one-sided", "they asked to meet you", "you asked for this meeting"
    return "suggested", "", ""


def _person_doc(event: Event, orgs: Mapping[str, Organisation], i: int) -> dict[str, Any]:
    p = event.participants[i]
    return {
        "participant": p.id,
        "person": p.person,
        **_organisation(orgs.get(p.organisation), p.organisation),
    }


def _why_pair(
    event: Event, m: EventMatrices, texts: Mapping[tuple[int, int], list[str]], i: int, j: int
) -> tuple[str, dict[str, str]]:
    kind, note_i, note_j = _request_notes(m, i, j)
    ids = event.participants
    return kind, {
        ids[i].id: _sentences([note_i, *texts.get((i, j), [])]),
        ids[j].id: _sentences([note_j, *texts.get((j, i), [])]),
    }


# --- schedule -----------------------------------------------------------------------------------


def meetings_spread(counts: Sequence[int]) -> dict[str, float | int | None]:
    """The fewest, median, most and mean of ``counts`` (meetings per participant)."""
    n = len(counts)
    return {
        "min": min(counts) if counts else None,
        "median": float(statistics.median(counts)) if counts else None,
        "max": max(counts) if counts else None,
        "mean": round(sum(counts) / n, 6) if n else None,
    }


def agenda_entry(meeting: Mapping[str, Any], index: int, partner: Mapping[str, Any]) -> Doc:
    """A meeting (the ``index``-th of a schedule document's ``meetings``) as it stands in the
    agenda of the participant who meets ``partner`` (an agenda or person entry)."""
    return {
        "slot": meeting["slot"],
        "start": meeting["start"],
        "end": meeting["end"],
        "status": "meeting",
        "table": meeting["table"],
        "partner_id": partner["participant"],
        "partner": partner.get("person") or partner["participant"],
        "organisation": partner["organisation_name"],
        "organisation_id": partner["organisation"],
        "country": partner.get("country"),
        "type": partner.get("type"),
        "request": meeting["request"],
        "meeting": index,
    }


def schedule_counts(
    meetings: Sequence[Mapping[str, Any]], agendas: Sequence[Mapping[str, Any]]
) -> Doc:
    """The counting figures of a schedule document: its meetings, meetings per participant,
    who has none and which requests the meetings meet. A change by hand counts them again."""
    counts = [len(a["meetings"]) for a in agendas]
    n, none = len(counts), sum(1 for c in counts if c == 0)
    return {
        "meetings": len(meetings),
        "participants": n,
        "meetings_per_participant": meetings_spread(counts),
        "without_meeting": none,
        "share_without_meeting": round(none / n, 6) if n else None,
        "requests_met": {
            "mutual": sum(1 for m in meetings if m["request"] == "mutual"),
            "one_sided": sum(1 for m in meetings if m["request"] == "one-sided"),
            "suggested": sum(1 for m in meetings if m["request"] == "suggested"),
        },
    }


def _fairness(stats: Mapping[str, Any]) -> dict[str, Any] | None:
    """The fairness figures among the ``stats`` of a schedule's solver
    (:func:`~matchmaker.solvers.schedule.solve_schedule`)."""
    if "fairness_participants" not in stats:
        return None
    counted = int(stats["fairness_participants"])
    return {
        "participants": counted,
        "min": int(stats["meetings_min"]) if counted else None,
        "median": float(stats["meetings_median"]) if counted else None,
        "max": int(stats["meetings_max"]) if counted else None,
        "bound": int(stats["fairness_bound"]) if counted else None,
        "gap": int(stats["fairness_gap"]) if counted else None,
        "not_wanting_meetings": int(stats.get("not_wanting_meetings", 0)),
        "without_possible_partner": int(stats.get("without_possible_partner", 0)),
    }


def schedule_document(
    event: Event,
    result: Any,
    matrices: EventMatrices,
    *,
    preset: str | Scorer,
    event_version: int | None = None,
    seed: int | None = None,
    changes: Mapping[str, Sequence[PublishedMeeting]] | None = None,
) -> Doc:
    """The schedule document of a 1:1 schedule of ``event``.

    Parameters
    ----------
    event:
        The event as scheduled (with its slots and tables).
    result:
        A :class:`~matchmaker.solvers.result.ScheduleResult`.
    matrices:
        The event's matrices (:func:`~matchmaker.plan.meetings.event_matrices`): who asked whom.
    preset:
        The scorer, or its preset's name.
    changes:
        For a re-plan, the ``kept``, ``cancelled`` and ``added`` meetings.

    Returns
    -------
    dict
        ``slots``, ``tables``, ``meetings`` (slot, start, end, table counted from 1,
        ``participants``, ``request``, ``score`` and ``why`` keyed by participant), ``agendas``
        (one per participant, in event order; each meeting with the columns of an agenda export:
        ``partner_id``, ``partner``, ``organisation``, ``country``, ``type``, and its index in
        ``meetings``) and ``figures``.
    """
    orgs = {o.id: o for o in event.organisations}
    scorer = scorer_of(preset)
    meetings: list[Meeting] = sorted(result.meetings)
    texts = _pair_reasons(event, [(mt.a, mt.b) for mt in meetings], scorer)
    people = event.participants
    agendas: list[dict[str, Any]] = [
        {
            **_person_doc(event, orgs, i),
            "available": None if p.available is None else list(p.available),
            "meetings": [],
        }
        for i, p in enumerate(people)
    ]
    docs: list[dict[str, Any]] = []
    for mt in meetings:
        slot = event.slots[mt.slot]
        kind, why = _why_pair(event, matrices, texts, mt.a, mt.b)
        a, b = people[mt.a], people[mt.b]
        docs.append(
            {
                "slot": slot.id,
                "start": _time(slot.start),
                "end": _time(slot.end),
                "table": mt.table + 1,
                "participants": [a.id, b.id],
                "request": kind,
                "score": _number(matrices.scores[mt.a, mt.b]),
                "why": why,
            }
        )
        for me, other in ((mt.a, mt.b), (mt.b, mt.a)):
            partner = _person_doc(event, orgs, other)
            agendas[me]["meetings"].append(agenda_entry(docs[-1], len(docs) - 1, partner))
    objective = _number(result.objective)
    bound = _number(result.upper_bound)
    share = None
    if objective is not None and bound:
        share = round(objective / bound, 6)
    elif objective is not None and bound == 0:
        share = 1.0
    stats = {k: v for k, v in dict(result.stats).items() if isinstance(v, int | float | str)}
    doc: Doc = {
        "kind": "schedule",
        "event": event.id,
        "event_name": event.name,
        "event_version": event_version,
        **_scorer_fields(scorer),
        "seed": seed,
        "status": str(result.status),
        "message": str(result.message),
        "objective": objective,
        "bound": bound,
        "gap": _number(result.gap),
        "slots": [{"id": s.id, "start": _time(s.start), "end": _time(s.end)} for s in event.slots],
        "tables": event.tables,
        "meetings": docs,
        "agendas": agendas,
        "figures": {
            **schedule_counts(docs, agendas),
            "share_of_bound": share,
            "gap": _number(result.gap),
            "fairness": _fairness(result.stats),
        },
        "stats": stats,
        "changes": None,
    }
    if changes is not None:
        doc["changes"] = {
            kind: [
                {"slot": pm.slot, "table": pm.table, "participants": [pm.a, pm.b]} for pm in items
            ]
            for kind, items in changes.items()
        }
    out = dict(_finite(doc))
    ScheduleDocument.model_validate(out)  # a document its model does not describe is a bug
    return out


def published_meetings(doc: Mapping[str, Any]) -> list[PublishedMeeting]:
    """The meetings of a schedule document, as :func:`~matchmaker.plan.meetings.replan_schedule`
    keeps them."""
    return [
        PublishedMeeting(
            slot=m["slot"], table=int(m["table"]), a=m["participants"][0], b=m["participants"][1]
        )
        for m in doc["meetings"]
    ]


def schedule_event(doc: Mapping[str, Any]) -> Event:
    """The event as scheduled: slots, tables, participants (with availability) and their
    organisations (name, region, type), enough for the exports of
    :mod:`matchmaker.export.agenda`."""
    from matchmaker.models import TimeSlot

    agendas = doc["agendas"]
    return Event(
        id=doc["event"],
        name=doc.get("event_name") or doc["event"],
        organisations=_light_organisations(agendas),
        participants=[
            Participant(
                id=a["participant"],
                organisation=a["organisation"],
                person=a.get("person"),
                available=a.get("available"),
            )
            for a in agendas
        ],
        slots=[
            TimeSlot(
                id=s["id"],
                start=dt.datetime.fromisoformat(s["start"]),
                end=dt.datetime.fromisoformat(s["end"]),
            )
            for s in doc["slots"]
        ],
        tables=int(doc["tables"]),
    )


def schedule_meetings(doc: Mapping[str, Any], event: Event) -> list[Meeting]:
    """The meetings of a schedule document as indices into ``event`` (from
    :func:`schedule_event`)."""
    index = {p.id: i for i, p in enumerate(event.participants)}
    slot = {s.id: k for k, s in enumerate(event.slots)}
    out = []
    for m in doc["meetings"]:
        a, b = index[m["participants"][0]], index[m["participants"][1]]
        out.append(
            Meeting(slot=slot[m["slot"]], table=int(m["table"]) - 1, a=min(a, b), b=max(a, b))
        )
    return out


# --- pairs --------------------------------------------------------------------------------------


def pairs_document(
    event: Event,
    result: Any,
    pairs: Sequence[tuple[str, str]],
    matrices: EventMatrices,
    *,
    preset: str | Scorer,
    capacity: int = 1,
    event_version: int | None = None,
    seed: int | None = None,
) -> Doc:
    """The pairs document: each pair's two participants, score, request and why; who is left
    without a partner; the objective, its bound and the gap."""
    orgs = {o.id: o for o in event.organisations}
    index = {p.id: i for i, p in enumerate(event.participants)}
    idx = [(index[a], index[b]) for a, b in pairs]
    scorer = scorer_of(preset)
    texts = _pair_reasons(event, idx, scorer)
    docs = []
    paired: set[int] = set()
    for i, j in idx:
        kind, why = _why_pair(event, matrices, texts, i, j)
        paired.update((i, j))
        docs.append(
            {
                "participants": [_person_doc(event, orgs, i), _person_doc(event, orgs, j)],
                "score": _number(matrices.scores[i, j]),
                "request": kind,
                "why": why,
            }
        )
    doc: Doc = {
        "kind": "pairs",
        "event": event.id,
        "event_name": event.name,
        "event_version": event_version,
        **_scorer_fields(scorer),
        "capacity": capacity,
        "seed": seed,
        "status": str(result.status),
        "message": str(result.message),
        "objective": _number(result.objective),
        "bound": _number(result.upper_bound),
        "gap": _number(result.gap),
        "pairs": docs,
        "unpaired": [p.id for i, p in enumerate(event.participants) if i not in paired],
    }
    out = dict(_finite(doc))
    PairsDocument.model_validate(out)  # a document its model does not describe is a bug
    return out
