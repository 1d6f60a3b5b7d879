"""The result documents, typed: what :mod:`matchmaker.plan.documents` builds, field by field.

Three documents, each a pydantic model: :class:`AllocationDocument` (breakout rooms),
:class:`ScheduleDocument` (1:1 meetings) and :class:`PairsDocument` (partners). The builders
(:func:`~matchmaker.plan.documents.allocation_document`,
:func:`~matchmaker.plan.documents.schedule_document`,
:func:`~matchmaker.plan.documents.pairs_document`) validate what they build against these
models and return the same dict; the API declares them (with the stored result's ``id``,
``version`` and times) so that the OpenAPI schema describes its answers.

Decisions
---------
- Every model refuses unknown fields (``extra="forbid"``): a field added to a builder without
  its model fails at once. Models are frozen: a document is read, never changed through them.
- The documents stay dicts (stored as JSON, printed by the CLI, read by the page): the models
  check and describe them, they do not re-serialise them.
- A number JSON cannot carry (an infinite bound, NaN) is ``null``: every float a solver gives
  may be ``None``.
- Fields the service adds after building (``replanned_from``, a person's ``moved``, a
  meeting's ``manual``, a schedule's ``edits``) are optional and absent from a fresh document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from matchmaker.models import OrgType, Rules

__all__ = [
    "Agenda",
    "AgendaMeeting",
    "AllocationDocument",
    "AllocationEdit",
    "AllocationPerson",
    "AllocationRoom",
    "AllocationRound",
    "DocumentPerson",
    "Fairness",
    "MeetingChange",
    "MeetingChanges",
    "MeetingsPerParticipant",
    "Pair",
    "PairsDocument",
    "PartnerReason",
    "PersonReasons",
    "RequestsMet",
    "RoomQuality",
    "ScheduleDocument",
    "ScheduleEdit",
    "ScheduleFigures",
    "ScheduleMeeting",
    "ScheduleSlot",
    "ScorerSettings",
    "SoftRuleViolation",
]

Request = Literal["mutual", "one-sided", "suggested"]
#: A solver's figure; ``None`` when JSON cannot carry it (infinite, NaN) or it is unknown.
Figure = float | None


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- shared ---------------------------------------------------------------------------------


class ScorerSettings(_Doc):
    """The scorer's settings, enough to score again (re-plans, reasons)."""

    preset: str = Field(description="the preset the scorer starts from")
    weights: dict[str, float] = Field(description="the weight of each score component")


class _Header(_Doc):
    """What every result document starts with: the event and how the plan was made."""

    event: str = Field(description="the event's id")
    event_name: str = Field(description="the event's name")
    event_version: int | None = Field(description="the version of the event that was planned")
    preset: str = Field(description="the scorer asked for: a preset's or a learned scorer's name")
    scorer: ScorerSettings = Field(description="the scorer's settings")
    seed: int | None = Field(description="the solver's random seed")
    status: str = Field(description="the solver's status (optimal, feasible, ...)")
    message: str = Field(description="the solver's message, in words")
    objective: Figure = Field(description="the plan's total score")
    bound: Figure = Field(description="an upper bound on the total score (null: none known)")
    gap: Figure = Field(
        description="how far the objective may be from the best: (bound - objective) / bound"
    )


class DocumentPerson(_Doc):
    """A participant with their organisation."""

    participant: str = Field(description="the participant's id")
    person: str | None = Field(description="the person's name")
    organisation: str = Field(description="the organisation's id")
    organisation_name: str = Field(description="the organisation's name")
    region: str | None = Field(description="the organisation's region (null: unknown)")
    country: str | None = Field(description="the organisation's country (null: unknown)")
    type: OrgType | None = Field(description="the organisation's type (null: unknown)")


# --- allocation -----------------------------------------------------------------------------


class PartnerReason(_Doc):
    """Someone a person meets in their room, and why."""

    participant: str = Field(description="the partner's participant id")
    person: str = Field(description="the partner's name")
    organisation: str = Field(description="the partner's organisation")
    reasons: list[str] = Field(description="why the two should meet")


class PersonReasons(_Doc):
    """Why a person is in a room, in parts."""

    themes: list[str] = Field(description="the room's themes the person's profile fits")
    partners: list[PartnerReason] = Field(description="people in the room worth meeting")


class AllocationPerson(DocumentPerson):
    """A person in a room of one round."""

    languages: list[str] = Field(description="the languages the organisation speaks")
    seats: int = Field(description="seats the participant takes")
    pinned: bool = Field(description="the event's rules pin the participant to this room")
    why: str = Field(description="why the person is in this room, in a few sentences")
    reasons: PersonReasons = Field(description="the why, in parts")
    moved: bool | None = Field(
        default=None, description="placed in this room by the organiser (absent otherwise)"
    )


class RoomQuality(_Doc):
    """How mixed and how fitting a room is."""

    people: int = Field(description="participants in the room")
    seats: int = Field(description="seats taken")
    countries: int = Field(description="distinct countries")
    types: int = Field(description="distinct organisation types")
    country_entropy: float = Field(description="Shannon entropy of the seats by country, in bits")
    type_entropy: float = Field(description="Shannon entropy of the seats by type, in bits")
    fit: float | None = Field(
        description="share of the people whose profile matches one of the room's themes "
        "(null: a room without themes or people)"
    )


class AllocationRoom(_Doc):
    """A room in one round, with its people."""

    id: str = Field(description="the room's id")
    name: str = Field(description="the room's name")
    capacity: int = Field(description="seats the room holds")
    min_size: int = Field(description="the fewest participants the room may hold")
    themes: list[str] = Field(description="the room's themes")
    people: list[AllocationPerson] = Field(description="the people in the room")
    seats: int = Field(description="seats taken")
    quality: RoomQuality = Field(description="the room's quality figures")


class AllocationRound(_Doc):
    """One round of rooms."""

    id: str = Field(description="the round's id")
    name: str = Field(description="the round's name")
    start: str | None = Field(description="when the round starts (ISO 8601), if known")
    rooms: list[AllocationRoom] = Field(description="the rooms of the round")


class SoftRuleViolation(_Doc):
    """A soft rule the allocation misses."""

    rule: str = Field(description="the rule: max_per_country, mix_types or shared_language")
    round: str = Field(description="the round")
    room: str = Field(description="the room")
    message: str = Field(description="what is missed, in words")


class AllocationEdit(_Doc):
    """A move made by hand."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    participant: str = Field(description="who was moved")
    round: str = Field(description="in which round")
    from_: str = Field(alias="from", description="the room the person left")
    to: str = Field(description="the room the person joined")
    pin: bool = Field(description="the move also pinned the person there")
    by: str = Field(description="who moved them")


class AllocationDocument(_Header):
    """A breakout allocation: the rounds' rooms and their people, with why and figures."""

    kind: Literal["breakouts"] = Field(description="the kind of document")
    mode: Literal["affinity", "diversity"] = Field(description="what the rooms were planned for")
    time_limit: float | None = Field(description="the solver's time limit, in seconds")
    repeats: int = Field(description="pairs who share a room in more than one round")
    repeats_lower_bound: int = Field(description="the fewest repeats any plan can have")
    moved: int | None = Field(description="for a re-plan: people who stay and changed room")
    entropy_unit: Literal["bits"] = Field(description="the unit of the rooms' entropies")
    rules: Rules = Field(description="the event's rules the allocation was checked against")
    violations: list[SoftRuleViolation] = Field(description="the soft rules the allocation misses")
    edits: list[AllocationEdit] = Field(description="moves made by hand, in order")
    rounds: list[AllocationRound] = Field(description="the rounds, each with its rooms")
    replanned_from: int | None = Field(
        default=None, description="for a re-plan: the id of the allocation it started from"
    )


# --- schedule -------------------------------------------------------------------------------


class ScheduleSlot(_Doc):
    """A time slot of the schedule."""

    id: str = Field(description="the slot's id")
    start: str = Field(description="when it starts (ISO 8601, the event's time)")
    end: str = Field(description="when it ends (ISO 8601, the event's time)")


class ScheduleMeeting(_Doc):
    """A 1:1 meeting."""

    slot: str = Field(description="the slot's id")
    start: str = Field(description="when it starts (ISO 8601, the event's time)")
    end: str = Field(description="when it ends (ISO 8601, the event's time)")
    table: int = Field(description="the table, counted from 1")
    participants: list[str] = Field(
        min_length=2, max_length=2, description="the two participants' ids"
    )
    request: Request = Field(description="who asked for it: both, one of them, or nobody")
    score: Figure = Field(description="how well the two match")
    why: dict[str, str] = Field(description="why they meet, written for each participant")
    manual: bool = Field(
        default=False,
        description="placed by the organiser (added, moved or swapped by hand): a re-plan "
        "keeps it where it is, as it keeps published meetings",
    )


class AgendaMeeting(_Doc):
    """A meeting in one participant's agenda, with the columns of an agenda export."""

    slot: str = Field(description="the slot's id")
    start: str = Field(description="when it starts (ISO 8601, the event's time)")
    end: str = Field(description="when it ends (ISO 8601, the event's time)")
    status: Literal["meeting"] = Field(description="what the slot holds")
    table: int = Field(description="the table, counted from 1")
    partner_id: str = Field(description="the partner's participant id")
    partner: str = Field(description="the partner's name (or id)")
    organisation: str = Field(description="the partner's organisation's name")
    organisation_id: str = Field(description="the partner's organisation's id")
    country: str | None = Field(description="the partner's country")
    type: OrgType | None = Field(description="the partner's organisation type")
    request: Request = Field(description="who asked for the meeting")
    meeting: int = Field(description="the meeting's index in the document's meetings")


class Agenda(DocumentPerson):
    """One participant's agenda."""

    available: list[str] | None = Field(
        description="the slots the participant can attend (null: all of them)"
    )
    meetings: list[AgendaMeeting] = Field(description="the participant's meetings, in order")


class MeetingsPerParticipant(_Doc):
    """How many meetings each participant has (null without participants)."""

    min: int | None = Field(description="the fewest")
    median: float | None = Field(description="the median")
    max: int | None = Field(description="the most")
    mean: float | None = Field(description="the mean")


class RequestsMet(_Doc):
    """Meetings by who asked for them."""

    mutual: int = Field(description="meetings both asked for")
    one_sided: int = Field(description="meetings one of the two asked for")
    suggested: int = Field(description="meetings nobody asked for")


class Fairness(_Doc):
    """Meetings per participant among those who count for fairness (everyone who may have a
    meeting: not those who want none or are never available), and the best possible
    smallest number: "every participant has at least 5 meetings; the best possible minimum
    is 5"."""

    participants: int = Field(description="participants who count for fairness")
    min: int | None = Field(description="the fewest meetings among them")
    median: float | None = Field(description="the median among them")
    max: int | None = Field(description="the most meetings among them")
    bound: int | None = Field(
        description="a proven upper bound on the fewest: no schedule of these slots, tables "
        "and availabilities gives everyone more"
    )
    gap: int | None = Field(description="the bound minus the fewest (0: the best possible)")
    not_wanting_meetings: int = Field(
        description="participants marked as not wanting meetings (max_meetings 0)"
    )
    without_possible_partner: int = Field(
        description="participants who count but may meet nobody (no common slot, or every "
        "partner ruled out)"
    )


class ScheduleFigures(_Doc):
    """The schedule's figures."""

    meetings: int = Field(description="meetings planned")
    participants: int = Field(description="participants")
    meetings_per_participant: MeetingsPerParticipant = Field(description="meetings per participant")
    without_meeting: int = Field(description="participants without a meeting")
    share_without_meeting: float | None = Field(
        description="the share of participants without a meeting"
    )
    requests_met: RequestsMet = Field(description="meetings by who asked for them")
    share_of_bound: float | None = Field(description="the objective over the LP bound")
    gap: Figure = Field(description="the solver's gap")
    fairness: Fairness | None = Field(
        default=None, description="meetings per participant among those who count for fairness"
    )


class MeetingChange(_Doc):
    """A meeting a re-plan kept, cancelled or added."""

    slot: str = Field(description="the slot's id")
    table: int = Field(description="the table, counted from 1")
    participants: list[str] = Field(
        min_length=2, max_length=2, description="the two participants' ids"
    )


class MeetingChanges(_Doc):
    """What a re-plan changed."""

    kept: list[MeetingChange] = Field(description="published meetings kept")
    cancelled: list[MeetingChange] = Field(description="published meetings cancelled")
    added: list[MeetingChange] = Field(description="new meetings")


class ScheduleEdit(_Doc):
    """A change by hand to a schedule, with what it removed and added (so it can be undone)."""

    action: Literal["move", "swap", "cancel", "add"] = Field(description="what was done")
    removed: list[ScheduleMeeting] = Field(description="the meetings as they were before")
    added: list[ScheduleMeeting] = Field(description="the meetings as they are after")
    by: str | None = Field(description="who made the change (the key's subject)")
    at: str = Field(description="when (ISO 8601, UTC)")


class ScheduleDocument(_Header):
    """A 1:1 schedule: slots, meetings with why, each participant's agenda, figures."""

    kind: Literal["schedule"] = Field(description="the kind of document")
    slots: list[ScheduleSlot] = Field(description="the time slots")
    tables: int = Field(description="tables in each slot")
    meetings: list[ScheduleMeeting] = Field(description="the meetings, by slot and table")
    agendas: list[Agenda] = Field(description="each participant's agenda, in event order")
    figures: ScheduleFigures = Field(description="the schedule's figures")
    stats: dict[str, bool | int | float | str | None] = Field(
        description="the solver's own figures"
    )
    changes: MeetingChanges | None = Field(description="for a re-plan: what it changed")
    replanned_from: int | None = Field(
        default=None, description="for a re-plan: the id of the schedule it started from"
    )
    edits: list[ScheduleEdit] = Field(
        default_factory=list,
        description="the changes by hand since the schedule was planned, oldest first; undo "
        "takes back the last one",
    )


# --- pairs ----------------------------------------------------------------------------------


class Pair(_Doc):
    """Two participants paired."""

    participants: list[DocumentPerson] = Field(
        min_length=2, max_length=2, description="the two participants"
    )
    score: Figure = Field(description="how well the two match")
    request: Request = Field(description="who asked for the pair")
    why: dict[str, str] = Field(description="why they meet, written for each participant")


class PairsDocument(_Header):
    """Partners: who meets whom, with the score, the request and why."""

    kind: Literal["pairs"] = Field(description="the kind of document")
    capacity: int = Field(description="partners per participant")
    pairs: list[Pair] = Field(description="the pairs")
    unpaired: list[str] = Field(description="participants without a partner")
