"""How well a participant fits a breakout room's themes: the room's themes as S3 codes, broad
themes or free words, and a participants x rooms fit in [0, 1] from the organisation's S3
priorities and sectors (hierarchy-aware features) and, for free words, the closest of its
offers and needs in the profiles' text space. The breakout planner weighs it beside the pair
scores and names the matches in its reasons.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker import taxonomy
from matchmaker.models import Event, Organisation, Room
from matchmaker.vectorise import THEME_LABELS, ProfileMatrix, ProfileSpace, code_features

__all__ = [
    "SECTOR_WEIGHT",
    "RoomThemes",
    "cosine",
    "event_vocabulary",
    "fit_matrix",
    "item_cosines",
    "room_themes",
    "theme_code",
    "theme_features",
]

Array = npt.NDArray[Any]

#: Sector codes count for half as much as S3 priorities in the fit to a room.
SECTOR_WEIGHT = 0.5

_WORDS = re.compile(r"\s+")


def event_vocabulary(event: Event) -> taxonomy.S3Vocabulary:
    return taxonomy.s3().with_custom(event.vocabulary) if event.vocabulary else taxonomy.s3()


def theme_code(theme: str, vocab: taxonomy.S3Vocabulary) -> str | None:
    """The S3 code a theme names, ``theme:<name>`` for a broad theme, or ``None``."""
    if vocab.is_valid(theme):
        return vocab.normalise(theme)
    folded = _WORDS.sub(" ", theme.casefold()).strip()
    for key, label in THEME_LABELS.items():
        if folded in (key, label):
            return f"theme:{key}"
    return None


def theme_features(code: str, *, weight: float = 1.0, s3: bool = True) -> dict[str, float]:
    if code.startswith("theme:"):
        return {code: weight}
    return {f: w * weight for f, w in code_features(code, s3=s3).items()}


def _merge(vectors: Sequence[Mapping[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for vec in vectors:
        for f, w in vec.items():
            out[f] = max(out.get(f, 0.0), w)
    return out


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    if na == 0 or nb == 0:
        return 0.0
    return sum(w * b.get(f, 0.0) for f, w in a.items()) / (na * nb)


def _org_vector(org: Organisation) -> dict[str, float]:
    return _merge(
        [theme_features(c) for c in org.s3_priorities]
        + [theme_features(c, weight=SECTOR_WEIGHT) for c in org.sectors]
    )


@dataclass(frozen=True)
class RoomThemes:
    """A room's themes: S3 codes (as written, and the code), free words, the codes' features
    and the free words embedded in the profiles' text space."""

    codes: list[tuple[str, str]]  # (theme as written, code)
    words: list[str]
    vector: dict[str, float]
    text: Array | None  # the free words (rows) in the profiles' text space, unit length


def room_themes(room: Room, vocab: taxonomy.S3Vocabulary, space: ProfileSpace) -> RoomThemes:
    codes: list[tuple[str, str]] = []
    words: list[str] = []
    for theme in room.themes:
        code = theme_code(theme, vocab)
        if code is None:
            words.append(theme)
        else:
            codes.append((theme, code))
    vector = _merge([theme_features(c) for _, c in codes])
    text = None
    if words:
        # Each word is a short text in the space the offers and needs live in.
        embedded = space.embed(words)
        if embedded.size and np.linalg.norm(embedded, axis=1).max() > 0:
            text = embedded
    return RoomThemes(codes, words, vector, text)


def item_cosines(p: ProfileMatrix, row: int, text: Array) -> tuple[Array, Array]:
    """Offers x words and needs x words cosines of organisation ``row``."""
    needs = p.needs[p.need_ptr[row] : p.need_ptr[row + 1]]
    offers = p.offers[p.offer_ptr[row] : p.offer_ptr[row + 1]]
    return np.clip(offers @ text.T, 0, 1), np.clip(needs @ text.T, 0, 1)


def fit_matrix(p: ProfileMatrix, org_rows: Array, themes: Sequence[RoomThemes]) -> Array:
    """Participants x rooms fit in [0, 1]."""
    n_org = len(p)
    org_fit = np.zeros((n_org, len(themes)), dtype=np.float64)
    vectors = [_org_vector(o) for o in p.organisations]
    for r, th in enumerate(themes):
        for i in range(n_org):
            parts: list[float] = []
            if th.vector:
                parts.append(cosine(vectors[i], th.vector))
            if th.text is not None:
                offers, needs = item_cosines(p, i, th.text)
                both = np.concatenate([offers, needs])
                parts.append(float(both.max()) if both.size else 0.0)
            org_fit[i, r] = float(np.mean(parts)) if parts else 0.0
    fit: Array = org_fit[org_rows]
    return fit
