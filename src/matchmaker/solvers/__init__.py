"""Solvers: they take matrices and indices and return indices (labels at the edge)."""

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
from matchmaker.solvers.suggest import Filters, Suggestion, ranking, suggest, suggest_all

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
