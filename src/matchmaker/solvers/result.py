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
    "MILP_GAP_TOL",
    "Meeting",
    "PairsResult",
    "ScheduleResult",
    "SolverResult",
    "Status",
    "check_magnitude",
    "milp_certificate",
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


MILP_GAP_TOL = 1e-9
"""The largest relative gap of HiGHS's answer that still counts as a proof of optimality (the
solvers ask HiGHS for a gap of 0; it also stops within an absolute gap of 1e-6)."""


def milp_certificate(res: Any) -> tuple[bool, float]:
    """What a :func:`scipy.optimize.milp` result (a minimisation) proves.

    Returns ``(proven, dual_bound)``: ``proven`` only when HiGHS reports status 0 (optimal)
    with a solution and a gap within :data:`MILP_GAP_TOL` relative or 1e-6 absolute; a run cut
    short by its time limit (status 1) or stopped otherwise proves nothing about its
    incumbent. ``dual_bound`` is HiGHS's proven lower bound on the minimum (its incumbent
    when proven, ``-inf`` when HiGHS gave none): the valid bound to report for a run cut short.
    """
    fun = getattr(res, "fun", None)
    dual = getattr(res, "mip_dual_bound", None)
    dual = -math.inf if dual is None or not math.isfinite(float(dual)) else float(dual)
    if getattr(res, "status", None) != 0 or getattr(res, "x", None) is None or fun is None:
        return False, dual
    fun = float(fun)
    gap = getattr(res, "mip_gap", None)
    if dual == -math.inf:  # pragma: no cover - HiGHS reports a bound with every optimum
        return gap is not None and float(gap) <= MILP_GAP_TOL, fun
    close = fun - dual <= max(MILP_GAP_TOL * max(abs(fun), abs(dual)), 1e-6)
    return close, (fun if close else dual)


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
