"""Pair scores: components, calibration to the registry's scale, presets and learned weights.

See :mod:`matchmaker.score.pair` for the components, :mod:`.calibrate` for their
scale, :mod:`.presets` for the named weights and :mod:`.learn` for weights learned from a
registry's own partnerships.
"""

from matchmaker.score.calibrate import Calibration, calibrated, calibration, fit_calibration
from matchmaker.score.network import Network, network_of
from matchmaker.score.pair import (
    combine_directions,
    complementarity,
    components,
    geography_matrix,
    language_matrix,
    pair_components,
    raw_pair_components,
    relatedness,
    score_matrix,
    segments,
    states_needs,
    total,
    transposed,
)
from matchmaker.score.presets import (
    COMPONENTS,
    DEFAULT_PRESET,
    HELIX_MATRICES,
    PRESETS,
    Geography,
    Preset,
    PresetName,
    Reciprocity,
    Scorer,
    make_scorer,
)

__all__ = [
    "COMPONENTS",
    "DEFAULT_PRESET",
    "HELIX_MATRICES",
    "PRESETS",
    "Calibration",
    "Geography",
    "Network",
    "Preset",
    "PresetName",
    "Reciprocity",
    "Scorer",
    "calibrated",
    "calibration",
    "combine_directions",
    "complementarity",
    "components",
    "fit_calibration",
    "geography_matrix",
    "language_matrix",
    "make_scorer",
    "network_of",
    "pair_components",
    "raw_pair_components",
    "relatedness",
    "score_matrix",
    "segments",
    "states_needs",
    "total",
    "transposed",
]
