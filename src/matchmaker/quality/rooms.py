"""Quality figures of breakout rooms, from an allocation document: how many people, seats,
countries and types a room mixes, the Shannon entropy (bits) of its countries and types
weighted by seats, and how many of its people fit its themes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from scipy.stats import entropy

__all__ = ["NO_THEME", "room_quality"]

#: What :mod:`matchmaker.plan.breakouts` says of a person whose profile names none of the
#: room's themes.
NO_THEME = "your profile does not name the room's themes; the room balances the plan"


def _fits_theme(person: Mapping[str, Any]) -> bool | None:
    """Whether a person's explanation names one of the room's themes (``None``: not known)."""
    if person.get("moved"):
        return None
    themes = person.get("reasons", {}).get("themes", [])
    return bool(themes) and themes != [NO_THEME]


def room_quality(room: Mapping[str, Any]) -> dict[str, Any]:
    """The quality figures of one room of an allocation document.

    Returns
    -------
    dict
        ``people``, ``seats``, ``countries`` and ``types`` (how many distinct),
        ``country_entropy`` and ``type_entropy`` (Shannon, bits, weighted by seats) and ``fit``
        (the share of people whose profile matches one of the room's themes; ``None`` for a room
        without themes or people).
    """
    people = room.get("people", [])
    by_country: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    for p in people:
        by_country[p.get("country") or "?"] += int(p["seats"])
        by_type[p.get("type") or "?"] += int(p["seats"])

    def bits(counts: Counter[str]) -> float:
        if not counts:
            return 0.0
        return round(float(entropy(list(counts.values()), base=2)), 6)

    known = [f for f in (_fits_theme(p) for p in people) if f is not None]
    fit = None
    if room.get("themes") and known:
        fit = round(sum(known) / len(known), 6)
    return {
        "people": len(people),
        "seats": sum(int(p["seats"]) for p in people),
        "countries": len(by_country),
        "types": len(by_type),
        "country_entropy": bits(by_country),
        "type_entropy": bits(by_type),
        "fit": fit,
    }
