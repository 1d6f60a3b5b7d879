"""Solvers: they take matrices and indices and return indices (labels at the edge)."""

from matchmaker.solvers.suggest import Filters, Suggestion, suggest, suggest_all

__all__ = ["Filters", "Suggestion", "suggest", "suggest_all"]
