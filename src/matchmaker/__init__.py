"""Matchmaker: matchmaking for interregional partner finding.

Organisation profiles on the EU taxonomies (NUTS, NACE, S3 vocabularies, languages), validated
import and export, and persistence. See the README for the command line.
"""

from matchmaker._version import __version__
from matchmaker.errors import (
    InfeasibleError,
    InvalidInputError,
    MatchmakerError,
    NotFittedError,
    Problem,
    UnknownCodeError,
)
from matchmaker.models import Event, Organisation, Participant, Registry, Room

_SOLVERS = {
    "BreakoutsResult": "matchmaker.solvers.breakouts",
    "PairsResult": "matchmaker.solvers.result",
    "ScheduleResult": "matchmaker.solvers.result",
    "solve_breakouts": "matchmaker.solvers.breakouts",
    "solve_pairs": "matchmaker.solvers.pairs",
    "solve_schedule": "matchmaker.solvers.schedule",
    "suggest": "matchmaker.solvers.suggestions",
}


def __getattr__(name: str) -> object:
    # The solvers load numpy, scipy and rustworkx: only when they are asked for.
    if name in _SOLVERS:
        import importlib

        return getattr(importlib.import_module(_SOLVERS[name]), name)
    raise AttributeError(f"module 'matchmaker' has no attribute {name!r}")


__all__ = [
    "BreakoutsResult",
    "Event",
    "InfeasibleError",
    "InvalidInputError",
    "MatchmakerError",
    "NotFittedError",
    "Organisation",
    "PairsResult",
    "Participant",
    "Problem",
    "Registry",
    "Room",
    "ScheduleResult",
    "UnknownCodeError",
    "__version__",
    "solve_breakouts",
    "solve_pairs",
    "solve_schedule",
    "suggest",
]
