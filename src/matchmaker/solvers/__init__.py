"""Solvers: they take matrices and indices and return indices (labels at the edge)."""

from matchmaker.solvers._result import Meeting, PairsResult, ScheduleResult, SolverResult
from matchmaker.solvers.breakouts import BreakoutsResult, solve_breakouts
from matchmaker.solvers.pairs import solve_pairs
from matchmaker.solvers.rules import BreakoutsInstance, Violation, check_allocation
from matchmaker.solvers.schedule import Changes, replan, solve_schedule
from matchmaker.solvers.suggest import Filters, Suggestion, ranking, suggest, suggest_all

__all__ = [
    "BreakoutsInstance",
    "BreakoutsResult",
    "Changes",
    "Filters",
    "Meeting",
    "PairsResult",
    "ScheduleResult",
    "SolverResult",
    "Suggestion",
    "Violation",
    "check_allocation",
    "ranking",
    "replan",
    "solve_breakouts",
    "solve_pairs",
    "solve_schedule",
    "suggest",
    "suggest_all",
]
