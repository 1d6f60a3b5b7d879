"""Free-text areas of activity ("Advanced Manufacturing", "Agrifood", "Robótica") read as codes.

Registration forms ask for areas, industries or interests in the participant's own words. Each
term is compared by meaning (the multilingual sentence encoder) with the labels of the S3
vocabulary (industrial ecosystems, S3 thematic platforms, NABS chapters) and of the NACE Rev. 2
divisions (not the narrower classes, which a broad term would pin down wrongly). A term close
enough to a label takes its code, with the similarity as its confidence; a term that is not is
kept as an own vocabulary term of the event (its code made from its words), so that it still
counts in matching. Without the encoder, labels are matched by their words (case and accents
folded).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from matchmaker import taxonomy
from matchmaker.io.values import fold

__all__ = ["AREA_CODE_PREFIX", "Area", "place_areas"]

AREA_CODE_PREFIX = "area:"
# Cosine similarities of the sentence encoder above which a term takes a code. Measured on
# everyday area names against their intended labels and against unrelated ones (see the tests).
S3_THRESHOLD = 0.55
NACE_THRESHOLD = 0.7


@dataclass(frozen=True, slots=True)
class Area:
    """One term and where it went: S3 code(s), a NACE code, or an own term."""

    term: str
    s3: str | None = None
    s3_confidence: float = 0.0
    nace: str | None = None
    nace_confidence: float = 0.0
    own: str | None = None  # the own vocabulary code, when no label was close enough

    @property
    def codes(self) -> list[str]:
        return [c for c in (self.s3, self.own) if c]


def own_code(term: str) -> str:
    """The own vocabulary code of a term: 'area:' and its words in Latin letters (a hash of a
    term that has none), at most 64 characters."""
    from matchmaker.io.organisations import slug

    made = slug(term)
    return (AREA_CODE_PREFIX + made)[:64].rstrip("-")


@functools.cache
def _labels() -> tuple[list[str], list[str], list[str], list[str]]:
    s3 = taxonomy.s3()
    s3_codes = [c for c in s3.codes() if s3.family(c) != "nace"]
    nace = taxonomy.nace()
    nace_codes = nace.codes(level=2)
    return (
        s3_codes,
        [s3.label(c) for c in s3_codes],
        nace_codes,
        [nace.label(c) for c in nace_codes],
    )


@functools.cache
def _label_vectors() -> tuple[Any, Any]:
    from matchmaker.text import SentenceEncoder

    _, s3_labels, _, nace_labels = _labels()
    encoder = SentenceEncoder()
    return encoder.encode(s3_labels), encoder.encode(nace_labels)


def place_areas(terms: list[str]) -> list[Area]:
    """Each distinct term placed once; the result follows ``terms``."""
    distinct = list(dict.fromkeys(t.strip() for t in terms if t.strip()))
    if not distinct:
        return []
    s3_codes, s3_labels, nace_codes, nace_labels = _labels()
    placed: dict[str, Area] = {}
    try:
        from matchmaker.text import SentenceEncoder

        s3_vecs, nace_vecs = _label_vectors()
        vecs = SentenceEncoder().encode(distinct)
    except Exception:
        by_label = {fold(label): code for code, label in zip(s3_codes, s3_labels, strict=True)}
        by_nace = {fold(label): code for code, label in zip(nace_codes, nace_labels, strict=True)}
        for term in distinct:
            key = fold(term)
            s3_code, nace_code = by_label.get(key), by_nace.get(key)
            placed[term] = Area(
                term,
                s3_code,
                1.0 if s3_code else 0.0,
                nace_code,
                1.0 if nace_code else 0.0,
                None if (s3_code or nace_code) else own_code(term),
            )
    else:
        s3_sims = vecs @ np.asarray(s3_vecs).T
        nace_sims = vecs @ np.asarray(nace_vecs).T
        for k, term in enumerate(distinct):
            i, j = int(np.argmax(s3_sims[k])), int(np.argmax(nace_sims[k]))
            si, sj = float(s3_sims[k, i]), float(nace_sims[k, j])
            s3_code = s3_codes[i] if si >= S3_THRESHOLD else None
            nace_code = nace_codes[j] if sj >= NACE_THRESHOLD else None
            placed[term] = Area(
                term,
                s3_code,
                round(si, 3),
                nace_code,
                round(sj, 3),
                None if (s3_code or nace_code) else own_code(term),
            )
    return [placed[t.strip()] for t in terms if t.strip()]
