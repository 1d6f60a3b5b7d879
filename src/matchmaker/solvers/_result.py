"""Frozen results of the solvers: the assignment, its value, a bound and the gap, the status.

Every solver returns one of these. ``upper_bound`` is a proven bound on the best possible
objective (equal to ``objective`` when the solution is proven optimal), so ``gap`` says how far
from the optimum the answer can at most be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Meeting", "PairsResult", "ScheduleResult", "SolverResult", "Status", "relative_gap"]

Status = Literal["optimal", "feasible", "infeasible", "time_limit"]


def relative_gap(objective: float, upper_bound: float) -> float:
    """``(upper_bound - objective) / |upper_bound|``, 0 when both are 0, never negative."""
    if not math.isfinite(upper_bound):
        return math.inf
    if upper_bound == objective:
        return 0.0
    return max(0.0, (upper_bound - objective) / max(abs(upper_bound), 1e-12))


@dataclass(frozen=True)
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    objective:
        Value of the solution found.
    upper_bound:
        A proven upper bound on the best possible value (``objective`` itself when optimal).
    gap:
        ``(upper_bound - objective) / |upper_bound|``.
    status:
        ``optimal`` (proven), ``feasible`` (within ``gap``), ``time_limit`` or ``infeasible``.
    message:
        One sentence for a person: what was solved, how, and how good it is.
    violations:
        Soft rules that the solution does not meet (hard rules are never broken).
    stats:
        Figures of the run (sizes, times, candidate-graph density...).
    """

    objective: float
    upper_bound: float
    gap: float
    status: Status
    message: str
    violations: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass(frozen=True)
class PairsResult(SolverResult):
    """Partner pairs: ``pairs`` holds index pairs ``(i, j)`` with ``i < j``, sorted."""

    pairs: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, order=True)
class Meeting:
    """A 1:1 meeting of participants ``a < b`` in time slot ``slot`` at table ``table``."""

    slot: int
    table: int
    a: int
    b: int


@dataclass(frozen=True)
class ScheduleResult(SolverResult):
    """A 1:1 meeting schedule: every meeting has a slot and a table."""

    meetings: tuple[Meeting, ...] = ()
    meetings_per_participant: tuple[int, ...] = ()
