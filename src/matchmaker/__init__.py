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

__all__ = [
    "Event",
    "InfeasibleError",
    "InvalidInputError",
    "MatchmakerError",
    "NotFittedError",
    "Organisation",
    "Participant",
    "Problem",
    "Registry",
    "Room",
    "UnknownCodeError",
    "__version__",
]
