"""Limits: how much of anything Matchmaker takes, in one place.

Every front end reads its bounds from here: the file readers (bytes, rows, columns, cells, line
length), the documents (participants, rounds, slots, tables, rooms, seats, meetings, dates), the
command line's options and the API's parameters. A value outside its range is refused with a
message that names the field, the value and the range, before any work starts; so a refusal
costs well under a second and a few MB whatever the input.

The bounds are generous for real use (a registry of 100,000 profiles, an event of 10,000
participants, a day of 500 slots) and small enough that the work they allow is bounded.

Use :data:`LIMITS` for the numbers, the ``Annotated`` types below in pydantic models and
FastAPI parameters, and :func:`check_range` / :func:`check_datetime` where a value arrives
outside a model (command-line options).

Decisions
---------
- The whole-number types refuse ``true``/``false`` and JSON floats (``3.0``, ``1e400``) before
  pydantic's lax mode would read them as 1 or 3: a capacity of ``true`` is a mistake. Text still
  goes through pydantic's parsing, so the same types serve query parameters.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field

from matchmaker.errors import InvalidInputError

__all__ = [
    "LIMITS",
    "Capacity",
    "EventDate",
    "EventDateTime",
    "Headcount",
    "Limits",
    "MaxPerCountry",
    "Meetings",
    "MinSize",
    "Minutes",
    "Partners",
    "Rooms",
    "Rounds",
    "Seats",
    "Seed",
    "Slots",
    "Suggestions",
    "TableCount",
    "Tables",
    "TimeLimit",
    "check_datetime",
    "check_range",
    "check_time_limit",
]


@dataclass(frozen=True)
class Limits:
    """The bounds. Names say the unit; every bound is inclusive."""

    # -- files --------------------------------------------------------------------------
    file_bytes: int = 256 * 1024 * 1024
    """Bytes of one uploaded or read file."""
    xlsx_inflated_bytes: int = 512 * 1024 * 1024
    """Bytes an XLSX (a zip) may inflate to."""
    xlsx_ratio: int = 200
    """How many times its own size an XLSX may inflate to (zip bombs)."""
    rows: int = 250_000
    """Data rows of one table (a registry of 100,000 profiles fits twice)."""
    columns: int = 1_000
    """Columns of one table, header or data row."""
    cells: int = 10_000_000
    """Non-empty cells of one table (rows x columns actually used)."""
    cell_chars: int = 131_072
    """Characters of one cell."""
    line_chars: int = 4 * 1024 * 1024
    """Characters of one physical line of a CSV file (a header line included)."""
    json_items: int = 250_000
    """Records of one JSON list."""

    # -- documents ----------------------------------------------------------------------
    participants: int = 10_000
    """Participants of one event."""
    organisations: int = 250_000
    """Organisations of one file or registry import."""
    rounds: int = 100
    """Breakout rounds of one event."""
    rooms: int = 1_000
    """Rooms of one event."""
    room_capacity: int = 10_000
    """Seats of one room."""
    slots: int = 500
    """Time slots of one event."""
    tables: int = 10_000
    """Tables per time slot."""
    seats: int = 50
    """Seats one participant (a delegation) takes."""
    partners: int = 50
    """Partners per participant in a pairs run."""
    suggestions: int = 100
    """Partners one suggestion request returns (``k``)."""
    meetings: int = 500
    """Minimum or maximum meetings of one participant (at most one per slot)."""
    minutes: int = 24 * 60
    """Length of one time slot."""
    requests: int = 500
    """Meeting wishes of one participant."""
    group_members: int = 10_000
    """Members of one keep-apart or keep-together group."""
    groups: int = 10_000
    """Keep-apart or keep-together groups of one event."""
    pins: int = 100_000
    """Pins of one event (a participant in a room, per round or for all rounds)."""
    vocabulary_codes: int = 10_000
    """Codes of an organiser's own S3 vocabulary."""
    headcount: int = 10_000_000
    """Employees of one organisation (its ``size`` given as a head count)."""
    seed_max: int = 2**32 - 1
    """Largest random seed (seeds are 0 or more)."""
    time_limit_s: float = 3600.0
    """Longest time limit of one solver run."""
    first_year: int = 1970
    """Earliest year of a date in an event."""
    last_year: int = 2999
    """Latest year of a date in an event."""

    # -- messages -----------------------------------------------------------------------
    problems: int = 1_000
    """Problems one refusal lists in full (then a count of the rest)."""
    warnings: int = 50
    """Warnings the command line prints in full (then grouped counts)."""


LIMITS = Limits()


def check_range(name: str, value: float, low: float, high: float, unit: str = "") -> None:
    """Refuse ``value`` outside ``[low, high]`` (and NaN or infinity) with a message naming
    ``name``, the value and the range.

    >>> check_range("--rounds", 3, 1, LIMITS.rounds)
    >>> check_range("--rounds", 10**9, 1, LIMITS.rounds)
    Traceback (most recent call last):
    ...
    matchmaker.errors.InvalidInputError: --rounds must be from 1 to 100; got 1000000000
    """
    suffix = f" {unit}" if unit else ""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInputError(
            f"{name} must be a finite number from {_n(low)} to {_n(high)}{suffix}; got {value}"
        )
    if not low <= value <= high:
        shown = _n(value) if abs(value) < 10**30 else f"a number of {len(str(int(value)))} digits"
        raise InvalidInputError(f"{name} must be from {_n(low)} to {_n(high)}{suffix}; got {shown}")


def check_time_limit(name: str, value: float | None) -> None:
    """A solver time limit: above 0 and at most :attr:`Limits.time_limit_s` seconds."""
    if value is None:
        return
    if not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value <= LIMITS.time_limit_s
    ):
        shown = _n(value) if isinstance(value, int | float) and math.isfinite(value) else value
        raise InvalidInputError(
            f"{name} must be above 0 and at most {LIMITS.time_limit_s:g} seconds; got {shown}"
        )


def check_datetime(name: str, value: dt.datetime | dt.date) -> None:
    """A date within the years :attr:`Limits.first_year` to :attr:`Limits.last_year`."""
    if not LIMITS.first_year <= value.year <= LIMITS.last_year:
        raise InvalidInputError(
            f"{name} must be a date in the years {LIMITS.first_year} to {LIMITS.last_year}; "
            f"got {value.isoformat()}"
        )


_D = TypeVar("_D", dt.datetime, dt.date)


def _n(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"


def _year_in_range(value: _D) -> _D:
    if not LIMITS.first_year <= value.year <= LIMITS.last_year:
        raise ValueError(
            f"must be a date in the years {LIMITS.first_year} to {LIMITS.last_year}; "
            f"got {value.isoformat()}"
        )
    return value


def _whole_number(value: object) -> object:
    # pydantic's lax mode takes true/false and 3.0 for an int; a document or request that
    # says ``"capacity": true`` is a mistake, not a capacity of 1. Text (query parameters,
    # table cells) goes on to pydantic's own parsing.
    if isinstance(value, bool) or (isinstance(value, float) and math.isfinite(value)):
        raise ValueError(f"must be a whole number; got {_json(value)}")
    return value  # NaN and infinity: pydantic says "a finite number"


def _real_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"must be a number; got {_json(value)}")
    return value


def _json(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


Whole = BeforeValidator(_whole_number)


# Annotated types for pydantic models and FastAPI parameters: the same bounds everywhere. The
# bounds come before the validators: pydantic then keeps them on the number's own schema, so
# that the OpenAPI document says "minimum"/"maximum" even where the type is optional.
Seed = Annotated[int, Field(ge=0, le=LIMITS.seed_max), Whole]
TimeLimit = Annotated[
    float, Field(gt=0, le=LIMITS.time_limit_s, allow_inf_nan=False), BeforeValidator(_real_number)
]
Rounds = Annotated[int, Field(ge=1, le=LIMITS.rounds), Whole]
Slots = Annotated[int, Field(ge=1, le=LIMITS.slots), Whole]
Rooms = Annotated[int, Field(ge=1, le=LIMITS.rooms), Whole]
Tables = Annotated[int, Field(ge=1, le=LIMITS.tables), Whole]
TableCount = Annotated[int, Field(ge=0, le=LIMITS.tables), Whole]
"""Tables of an event: 0 until the 1:1 meetings are planned."""
Minutes = Annotated[int, Field(ge=1, le=LIMITS.minutes), Whole]
Seats = Annotated[int, Field(ge=1, le=LIMITS.seats), Whole]
Capacity = Annotated[int, Field(ge=1, le=LIMITS.room_capacity), Whole]
MinSize = Annotated[int, Field(ge=0, le=LIMITS.room_capacity), Whole]
Meetings = Annotated[int, Field(ge=0, le=LIMITS.meetings), Whole]
Partners = Annotated[int, Field(ge=1, le=LIMITS.partners), Whole]
Suggestions = Annotated[int, Field(ge=1, le=LIMITS.suggestions), Whole]
MaxPerCountry = Annotated[int, Field(ge=1, le=LIMITS.participants), Whole]
Headcount = Annotated[int, Field(ge=0, le=LIMITS.headcount), Whole]
EventDateTime = Annotated[dt.datetime, AfterValidator(_year_in_range)]
EventDate = Annotated[dt.date, AfterValidator(_year_in_range)]
