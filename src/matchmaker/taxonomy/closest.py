"""Ranking of valid codes against a mistyped one, and the "did you mean" clause.

Codes of a classification are hierarchical, so a shared beginning says more than an edit
distance: 'FR99' is closer to 'FR10' than to 'HR02', although both are two edits away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz.distance import Levenshtein

__all__ = ["RankKey", "did_you_mean", "rank", "rank_key", "tied_best"]

RankKey = tuple[int, int, int, int, str]


def _common_prefix(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _shape(text: str) -> str:
    return "".join("9" if ch.isdigit() else "A" if ch.isalpha() else ch for ch in text)


def rank_key(query: str, candidate: str, *, compare: str | None = None) -> RankKey:
    """Sort key of ``candidate`` for ``query``; smaller is closer.

    The key is: longest common prefix (longer first), same length (first), Levenshtein
    distance, number of positions where a digit stands against a letter, then the code.
    ``compare`` is the form of the candidate to compare with (for example the digits of a
    NACE code); the candidate itself is the last element, so ties fall back on code order.
    """
    form = candidate if compare is None else compare
    prefix = _common_prefix(query, form)
    shape = sum(a != b for a, b in zip(_shape(query), _shape(form), strict=False))
    shape += abs(len(query) - len(form))
    return (
        -prefix,
        int(len(form) != len(query)),
        Levenshtein.distance(query, form),
        shape,
        candidate,
    )


def rank(
    query: str,
    candidates: Iterable[str],
    n: int,
    *,
    compare: dict[str, str] | None = None,
) -> list[tuple[RankKey, str]]:
    """The ``n`` candidates closest to ``query``, best first, with their sort keys.

    Parameters
    ----------
    query:
        The normalised, unknown code.
    candidates:
        Valid codes.
    n:
        How many to return.
    compare:
        Optional map from a candidate to the form compared with ``query``.

    Notes
    -----
    O(m·k) for m candidates of length k; the taxonomies hold a few thousand codes.
    """
    if not query or n <= 0:
        return []
    keyed = [
        (rank_key(query, c, compare=None if compare is None else compare[c]), c) for c in candidates
    ]
    keyed.sort()
    return keyed[:n]


def tied_best(ranked: Sequence[tuple[RankKey, str]], limit: int = 3) -> list[str]:
    """The candidates that tie with the best one on everything but code order.

    An error message names these only: one clear suggestion when there is one, several when
    the input is ambiguous between them.
    """
    if not ranked:
        return []
    best = ranked[0][0][:-1]
    return [code for key, code in ranked if key[:-1] == best][:limit]


def did_you_mean(suggestions: Sequence[str]) -> str:
    """The clause ``"; did you mean A, B or C?"`` (empty without suggestions)."""
    if not suggestions:
        return ""
    if len(suggestions) == 1:
        return f"; did you mean {suggestions[0]}?"
    return f"; did you mean {', '.join(suggestions[:-1])} or {suggestions[-1]}?"
