"""Components on the registry's scale: bounds, the typical pair, competitors below partners."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.models import Organisation
from matchmaker.score import (
    COMPONENTS,
    Calibration,
    calibration,
    fit_calibration,
    make_scorer,
    pair_components,
    raw_pair_components,
)
from matchmaker.solvers import suggest
from matchmaker.synth import generate_registry
from matchmaker.vectorise import ProfileSpace

REG = generate_registry(300, seed=4, wording="paraphrase")
PROFILES = ProfileSpace().fit_transform(REG.organisations)


def test_calibrated_components_are_in_unit_range_and_a_typical_pair_is_low() -> None:
    scorer = make_scorer()
    cal = calibration(PROFILES, scorer)
    assert cal.n_pairs == 300 * 299 // 2 or cal.n_pairs > 30_000
    js = np.arange(1, 300)
    comps, _ = pair_components(PROFILES, 0, js, scorer)
    for c in COMPONENTS:
        assert ((comps[c] >= 0) & (comps[c] <= 1)).all(), c
    raw, _ = raw_pair_components(PROFILES, 0, js, scorer)
    # the median pair of the registry maps to 0.1, the lowest to 0, the top to 1
    for c, at in (("typical", 0.1), ("lowest", 0.0), ("top", 1.0)):
        raw_value = getattr(cal, c)["complementarity"]
        assert float(cal.apply("complementarity", np.array([raw_value]))[0]) == pytest.approx(at)
    # monotone: a higher raw value never calibrates lower
    order = np.argsort(raw["complementarity"])
    assert (np.diff(comps["complementarity"][order]) >= -1e-6).all()


def test_calibration_is_deterministic_and_kept_with_the_profiles() -> None:
    scorer = make_scorer("research")
    a = fit_calibration(PROFILES, scorer)
    b = fit_calibration(PROFILES, scorer)
    assert a == b
    assert calibration(PROFILES, scorer) is calibration(PROFILES, scorer)


def test_a_constant_component_calibrates_to_zero() -> None:
    cal = Calibration({"language": 1.0}, {"language": 1.0}, 10)
    assert cal.apply("language", np.ones(4, dtype=np.float32)).tolist() == [0.0] * 4


def _org(oid: str, **kw: object) -> Organisation:
    data: dict[str, object] = {"id": oid, "name": oid.title(), "type": "sme", "region": "DE21"}
    data.update(kw)
    return Organisation.model_validate(data)


@pytest.mark.parametrize("preset", ["business"])
def test_a_competitor_never_outranks_a_complementary_partner(preset: str) -> None:
    me = _org(
        "me",
        s3_priorities=["IE10"],
        sectors=["C29.1"],
        languages=["de", "en"],
        needs=[{"text": "aerial monitoring of bridges and viaducts"}],
        offers=[{"text": "traffic data analytics for road operators"}],
    )
    competitor = _org(
        "competitor",
        region="AT13",
        s3_priorities=["IE10"],
        sectors=["C29.1"],
        languages=["de", "en"],
        needs=[{"text": "fleet electrification advice"}],
        offers=[{"text": "analytics of road traffic data for motorway operators"}],
    )
    partner = _org(
        "partner",
        region="FR10",
        type="university",
        s3_priorities=["IE01"],
        sectors=["M72.1"],
        languages=["fr", "en"],
        needs=[{"text": "mobility datasets for transport research"}],
        offers=[{"text": "UAV inspection services for civil infrastructure"}],
    )
    orgs = [me, competitor, partner, *REG.organisations[:200]]
    profiles = ProfileSpace().fit_transform(orgs)
    found = [s.id for s in suggest(profiles, "me", k=5, scorer=preset, max_per_country=None)]
    assert "partner" in found
    assert "competitor" not in found or found.index("partner") < found.index("competitor")
