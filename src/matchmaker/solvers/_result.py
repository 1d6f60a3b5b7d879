"""Frozen results of the solvers: the assignment, its value, a bound and the gap, the status.

Every solver returns one of these. ``upper_bound`` is a proven bound on the best possible
objective (equal to ``objective`` when the solution is proven optimal), so ``gap`` says how far
from the optimum the answer can at most be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError

__all__ = [
    "MAX_ABS_VALUE",
    "Meeting",
    "PairsResult",
    "ScheduleResult",
    "SolverResult",
    "Status",
    "check_magnitude",
    "relative_gap",
]

MAX_ABS_VALUE = 1e9
"""The largest ``|value|`` of a pair (a score, an affinity, a fit) that the solvers take: the
linear programs behind their bounds (HiGHS) read values near 1e20 as infinite, and request
tiers and sums over every pair must stay well inside floating point."""


def check_magnitude(name: str, values: npt.NDArray[np.float64]) -> None:
    """Refuse finite entries of ``values`` beyond ``±MAX_ABS_VALUE``, naming the first one."""
    big = np.isfinite(values) & (np.abs(values) > MAX_ABS_VALUE)
    if big.any():
        at = tuple(int(k) for k in np.argwhere(big)[0])
        where = ", ".join(str(k) for k in at)
        raise InvalidInputError(
            f"{name} must lie within ±{MAX_ABS_VALUE:g} (rescale them); {name}[{where}] is "
            f"{float(values[at]):g}"
        )


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
