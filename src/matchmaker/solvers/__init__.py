"""Solvers: they take matrices and indices and return indices (labels at the edge).

The names below load their module when first asked for: ``matchmaker.solvers.rules`` or
``matchmaker.solvers.result`` alone do not load the search engines (numba, rustworkx, HiGHS),
so that a command refusing a bad file does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matchmaker.solvers.breakouts import BreakoutsResult, solve_breakouts
    from matchmaker.solvers.pairs import solve_pairs
    from matchmaker.solvers.result import Meeting, PairsResult, ScheduleResult, SolverResult
    from matchmaker.solvers.rules import (
        BreakoutsInstance,
        ScheduleInstance,
        ScheduleViolation,
        Violation,
        check_allocation,
        check_schedule,
    )
    from matchmaker.solvers.schedule import Changes, replan, solve_schedule
    from matchmaker.solvers.suggestions import Filters, Suggestion, ranking, suggest, suggest_all

_WHERE = {
    "BreakoutsInstance": "matchmaker.solvers.rules",
    "BreakoutsResult": "matchmaker.solvers.breakouts",
    "Changes": "matchmaker.solvers.schedule",
    "Filters": "matchmaker.solvers.suggestions",
    "Meeting": "matchmaker.solvers.result",
    "PairsResult": "matchmaker.solvers.result",
    "ScheduleInstance": "matchmaker.solvers.rules",
    "ScheduleResult": "matchmaker.solvers.result",
    "ScheduleViolation": "matchmaker.solvers.rules",
    "SolverResult": "matchmaker.solvers.result",
    "Suggestion": "matchmaker.solvers.suggestions",
    "Violation": "matchmaker.solvers.rules",
    "check_allocation": "matchmaker.solvers.rules",
    "check_schedule": "matchmaker.solvers.rules",
    "ranking": "matchmaker.solvers.suggestions",
    "replan": "matchmaker.solvers.schedule",
    "solve_breakouts": "matchmaker.solvers.breakouts",
    "solve_pairs": "matchmaker.solvers.pairs",
    "solve_schedule": "matchmaker.solvers.schedule",
    "suggest": "matchmaker.solvers.suggestions",
    "suggest_all": "matchmaker.solvers.suggestions",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'matchmaker.solvers' has no attribute {name!r}")


__all__ = [
    "BreakoutsInstance",
    "BreakoutsResult",
    "Changes",
    "Filters",
    "Meeting",
    "PairsResult",
    "ScheduleInstance",
    "ScheduleResult",
    "ScheduleViolation",
    "SolverResult",
    "Suggestion",
    "Violation",
    "check_allocation",
    "check_schedule",
    "ranking",
    "replan",
    "solve_breakouts",
    "solve_pairs",
    "solve_schedule",
    "suggest",
    "suggest_all",
]
