"""Components on the registry's own scale, so that a weight means what it says.

Raw components live on very different scales: the cosine of two differently worded texts is
0.1 to 0.6 even for true partners, while two organisations of one S3 priority score 1 on
``s3``. Weighed raw, the similarity components decide the ranking and competitors (the same
priorities, sectors and type, offering the same thing) come first.

Each component is therefore mapped through its distribution over pairs of the registry
(sampled, or all pairs of a small event):

    calibrated = 0.1 + 0.9 * (raw - typical) / (top - typical)    from the median pair up
    calibrated = 0.1 * (raw - lowest) / (typical - lowest)          below it

``lowest`` is the lowest sampled pair, ``typical`` the median pair and ``top`` the best sampled
pair: 0.1 for a typical pair of this registry, 1 for its best ones (clipped to [0, 1]), linear
in between, so that the ranking keeps the raw resolution among the best candidates. A
weight is then, to nine tenths, the share of the score that separates a typical pair from the
best ones on that component. The tenth below the median keeps the order of the weaker pairs:
a participant whose pairs are all below the median still has pairs worth more than nothing,
which schedules and pairs need. Where the median pair is the lowest (most pairs share no S3
priority and no partner), the mapping is linear from the lowest: no evidence is 0.

Decisions
---------
- Linear between quantiles rather than the empirical CDF: the CDF squeezes the top of the
  distribution, where a ranking's first ten places are decided, into a sliver near 1. For the
  same reason the top is the best sampled pair and not a high percentile: with the 99.9th
  percentile, the near-perfect matches of a registry all clipped to 1 and tied (NDCG@10 on the
  generated 'easy' registry of 5,000: 0.80 calibrated against 0.94 raw).
- A component of a few levels (type, language: fewer than 16 distinct values) uses its
  minimum as ``typical``, so that no level below the median is merged with the lowest; so
  does a component whose median is its top. A constant component carries no information and
  calibrates to 0.
- The sample is seeded: the same registry gives the same scale. Reasons are written from the
  raw evidence, never from calibrated values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.score.pair import raw_block
from matchmaker.score.presets import COMPONENTS, Scorer
from matchmaker.vectorise import ProfileMatrix

__all__ = ["Calibration", "calibrated", "calibration", "fit_calibration"]

Array = npt.NDArray[Any]
F32 = np.float32
TOP_QUANTILE = 1.0  # the best sampled pair
BELOW = 0.1  # the calibrated value of a typical (median) pair
SAMPLE_PAIRS = 40_000
DISCRETE_LEVELS = 16  # fewer distinct values than this: a component of levels
DISTINCT_PROBE = 5_000


@dataclass(frozen=True)
class Calibration:
    """Per component, the raw values of the lowest, a typical and the best pairs."""

    typical: dict[str, float]
    top: dict[str, float]
    n_pairs: int
    lowest: dict[str, float] = field(default_factory=dict)

    def apply(self, name: str, raw: Array) -> Array:
        lo, mid, hi = self.lowest.get(name, self.typical[name]), self.typical[name], self.top[name]
        if hi <= mid:
            return np.zeros_like(raw, dtype=F32)
        x = np.asarray(raw, dtype=F32)
        lo32, mid32, hi32 = F32(lo), F32(mid), F32(hi)
        if mid <= lo:  # most pairs have none of it (network, s3): none is 0
            out: Array = (x - lo32) / (hi32 - lo32)  # exactly 1 at the top
        else:
            # Two lines through (typical, BELOW): below it from (lowest, 0), above it to
            # (top, 1). A piecewise-linear function of two pieces is the larger of its lines
            # where it bends up and the smaller where it bends down; float32, in place.
            other = (x - lo32) / (mid32 - lo32)
            other *= F32(BELOW)
            out = (x - mid32) / (hi32 - mid32)
            out *= F32(1.0 - BELOW)
            out += F32(BELOW)
            bends_up = (1.0 - BELOW) / (hi - mid) >= BELOW / (mid - lo)
            (np.maximum if bends_up else np.minimum)(out, other, out=out)
        np.clip(out, 0.0, 1.0, out=out)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_pairs": self.n_pairs,
            "lowest": {c: round(v, 6) for c, v in self.lowest.items()},
            "typical": {c: round(v, 6) for c, v in self.typical.items()},
            "top": {c: round(v, 6) for c, v in self.top.items()},
        }


def _sample(p: ProfileMatrix, scorer: Scorer, n_pairs: int, seed: int) -> dict[str, Array]:
    """Raw components of all pairs (a small registry) or of a seeded grid of rows x columns."""
    n = len(p)
    if n < 2:
        return {c: np.zeros(0, dtype=F32) for c in COMPONENTS}
    if n * (n - 1) // 2 <= n_pairs:
        rows = cols = np.arange(n)
    else:
        rng = np.random.default_rng(seed)
        side = int(np.ceil(np.sqrt(n_pairs)))
        rows = np.sort(rng.choice(n, size=min(n, side), replace=False))
        cols = np.sort(rng.choice(n, size=min(n, side), replace=False))
    block = raw_block(p, rows, cols, scorer)
    keep = rows[:, None] < cols[None, :] if rows is cols else rows[:, None] != cols[None, :]
    return {c: np.asarray(block[c])[keep] for c in COMPONENTS}


def fit_calibration(
    p: ProfileMatrix, scorer: Scorer, *, n_pairs: int = SAMPLE_PAIRS, seed: int = 0
) -> Calibration:
    """Learn each component's scale from (a seeded sample of) the pairs of ``p``.

    Notes
    -----
    O(n_pairs · d) for the sample: about 0.1-0.5 s, once per registry and scorer settings.
    """
    values = _sample(p, scorer, n_pairs, seed)
    lowest: dict[str, float] = {}
    typical: dict[str, float] = {}
    top: dict[str, float] = {}
    for c in COMPONENTS:
        x = values[c]
        if len(x) == 0:
            lowest[c], typical[c], top[c] = 0.0, 0.0, 1.0
            continue
        lo, hi = (float(v) for v in np.quantile(x, [0.5, TOP_QUANTILE]))
        if len(np.unique(x[:DISTINCT_PROBE])) < DISCRETE_LEVELS:
            lo = float(x.min())  # a few levels (type, language): keep them all apart
        if hi <= lo:
            hi = float(x.max())
        if hi <= lo:
            lo = float(x.min())
        lowest[c], typical[c], top[c] = float(x.min()), lo, hi
    return Calibration(typical, top, len(values[COMPONENTS[0]]), lowest)


def calibration_key(scorer: Scorer) -> tuple[Any, ...]:
    return ("calibration", scorer.geography, scorer.reciprocity, scorer.type_matrix.tobytes())


def calibration(p: ProfileMatrix, scorer: Scorer) -> Calibration:
    """The :class:`Calibration` of ``p`` for the scorer's settings, fitted on first use and
    kept with ``p``."""
    cache = p.derived()
    key = calibration_key(scorer)
    found = cache.get(key)
    if found is None:
        found = cache[key] = fit_calibration(p, scorer)
    result: Calibration = found
    return result


def calibrated(p: ProfileMatrix, scorer: Scorer, comps: Mapping[str, Array]) -> dict[str, Array]:
    """``comps`` (raw, any shape) on the registry's scale; unchanged when the scorer does not
    calibrate."""
    if not scorer.calibrate:
        return dict(comps)
    cal = calibration(p, scorer)
    return {c: cal.apply(c, np.asarray(v)) for c, v in comps.items()}
