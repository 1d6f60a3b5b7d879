"""The bad-input corpus, second round: Rules that are malformed rather than infeasible: groups naming one participant twice or an unknown one.

Entries here join :func:`reliability.corpus.corpus`; see that module for what an entry is.
"""

from __future__ import annotations

from reliability.corpus import Entry


def entries() -> list[Entry]:
    """This area's entries, in a fixed order."""
    return []
