"""Scoring: components in [0, 1], symmetry, contributions, presets, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.errors import InvalidInputError
from matchmaker.explain import contributions, reasons
from matchmaker.models import Item, Organisation
from matchmaker.score import (
    COMPONENTS,
    PRESETS,
    make_scorer,
    pair_components,
    raw_pair_components,
    score_matrix,
    total,
)
from matchmaker.synth import generate_registry
from matchmaker.vectorise import ProfileSpace
from scoring_cases import TRIO

REG = generate_registry(250, seed=11)
SPACE = ProfileSpace(text_dims=48).fit(REG.organisations)
PROFILES = SPACE.transform(REG.organisations)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_matrix_is_symmetric_bounded_and_matches_pairs(preset: str) -> None:
    scorer = make_scorer(preset)
    scores, comps = score_matrix(PROFILES, scorer)
    assert np.allclose(scores, scores.T, atol=1e-6)
    assert np.all(np.diag(scores) == 0)
    for name in COMPONENTS:
        assert comps[name].min() >= 0, name
        assert comps[name].max() <= 1, name
    rows = np.arange(len(PROFILES))
    for i in (0, 17, 101):
        got, _ = pair_components(PROFILES, i, rows, scorer)
        exact = total(got, scorer)
        mask = rows != i
        assert np.allclose(exact[mask], scores[i][mask], atol=1e-5)


def test_contributions_add_up_to_the_score() -> None:
    scorer = make_scorer("research")
    rows = np.arange(len(PROFILES))
    comps, _ = pair_components(PROFILES, 3, rows, scorer)
    score = total(comps, scorer)
    for j in (0, 5, 99):
        values = {c: float(comps[c][j]) for c in COMPONENTS}
        assert sum(contributions(values, scorer).values()) == pytest.approx(
            float(score[j]), abs=1e-6
        )


def test_weights_are_validated_and_normalised() -> None:
    scorer = make_scorer(
        "business",
        weights={
            "complementarity": 3.0,
            "s3": 1.0,
            "sector": 0,
            "geography": 0,
            "type": 0,
            "language": 0,
            "relatedness": 0,
            "network": 0,
            "experience": 0,
        },
    )
    assert scorer.as_dict()["complementarity"] == pytest.approx(0.75)
    assert sum(scorer.as_dict().values()) == pytest.approx(1.0)
    with pytest.raises(
        InvalidInputError, match="preset 'b2b' must be one of: policy_learning, business, research"
    ):
        make_scorer("b2b")
    with pytest.raises(InvalidInputError, match="weight 'colour' is not a component"):
        make_scorer(weights={"colour": 1.0})
    with pytest.raises(InvalidInputError, match="weight 's3' must be 0 or more; got -1"):
        make_scorer(weights={"s3": -1})
    with pytest.raises(InvalidInputError, match="the weights are all 0"):
        make_scorer(weights=dict.fromkeys(COMPONENTS, 0.0))
    with pytest.raises(InvalidInputError, match="helix_matrix value"):
        make_scorer(helix_matrix={("industry", "academia"): 2.0})


def test_type_matrix_is_symmetric_and_configurable() -> None:
    scorer = make_scorer("business", helix_matrix={("academia", "government"): 0.95})
    assert np.allclose(scorer.type_matrix, scorer.type_matrix.T)
    assert scorer.type_matrix.max() == pytest.approx(1.0)


def test_geography_interregional_prefers_cross_border_neighbours() -> None:
    p = ProfileSpace().fit_transform(TRIO)
    comps, relation = pair_components(p, 0, np.array([1, 2]), make_scorer("policy_learning"))
    assert relation.tolist() == [3, 5]  # NL42-BE33 neighbours across the border; ES61 far
    assert comps["geography"][0] == pytest.approx(1.0)
    assert comps["geography"][1] < comps["geography"][0]


def test_example_reasons_are_exact() -> None:
    p = ProfileSpace().fit_transform(TRIO)
    scorer = make_scorer("business")
    comps, relation = pair_components(p, 0, np.array([1]), scorer)
    values = {c: float(comps[c][0]) for c in COMPONENTS}
    assert reasons(p, 0, 1, values, int(relation[0]), scorer) == [
        "they need industrial partners for composite parts, you offer injection moulding of "
        "composite parts (composites)",
        "you need pilot lines for advanced materials, they offer a pilot line for nanocomposites "
        "(pilot line)",
        "cross-border: Limburg (NL) and Prov. Liège (BE) are neighbours",
    ]
    assert reasons(p, 0, 1, values, int(relation[0]), scorer, limit=10)[3:] == [
        "both prioritise Industrial modernisation",
        "you are an SME, they are a research organisation: industry meets academia",
        "you both work in English",
    ]


_needs = st.lists(st.sampled_from(range(len(REG.organisations))), min_size=1, max_size=3)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, len(REG.organisations) - 1),
    st.integers(0, len(REG.organisations) - 1),
    st.integers(0, 3),
)
def test_adding_an_offer_that_meets_a_need_never_lowers_the_score(a: int, b: int, k: int) -> None:
    orgs = list(REG.organisations)
    if a == b or not orgs[a].needs:
        return
    need = orgs[a].needs[k % len(orgs[a].needs)]
    scorer = make_scorer()
    before = SPACE.transform(orgs)
    old = total(pair_components(before, a, np.array([b]), scorer)[0], scorer)[0]
    richer = orgs[b].model_copy(
        update={"offers": [*orgs[b].offers, Item(text=need.text, keywords=need.keywords)]}
    )
    orgs[b] = richer
    after = SPACE.transform(orgs)
    new = total(pair_components(after, a, np.array([b]), scorer)[0], scorer)[0]
    assert new >= old - 1e-6


@settings(max_examples=10, deadline=None)
@given(st.permutations(list(range(60))))
def test_the_order_of_rows_changes_nothing(order: list[int]) -> None:
    orgs = REG.organisations[:60]
    shuffled = [orgs[i] for i in order]
    scorer = make_scorer()
    a, _ = score_matrix(SPACE.transform(orgs), scorer)
    b, _ = score_matrix(SPACE.transform(shuffled), scorer)
    back = np.argsort(order)
    assert np.allclose(a, b[np.ix_(back, back)], atol=1e-6)


def test_organisations_without_needs_or_offers_score_zero_complementarity() -> None:
    bare = Organisation(id="bare", name="Bare", type="sme", region="FR10")
    p = SPACE.transform([*REG.organisations[:20], bare])
    comps, _ = pair_components(p, 20, np.arange(20), make_scorer())
    assert np.all(comps["complementarity"] == 0)


def test_a_description_only_organisation_is_judged_by_what_it_offers() -> None:
    def org(oid: str, **kw: object) -> Organisation:
        data: dict[str, object] = {"id": oid, "name": oid, "type": "sme", "region": "DE21"}
        data.update(kw)
        return Organisation.model_validate(data)

    orgs = [
        org("maker", region="FR10", needs=[{"text": "lightweight composite parts for car bodies"}]),
        org(
            "composites",
            description="Wir fertigen leichte Faserverbundbauteile für Fahrzeugkarosserien.",
        ),
        org("bakery", description="A family bakery making sourdough bread for local shops."),
    ]
    p = ProfileSpace().fit_transform(orgs)
    raw, _ = raw_pair_components(p, 0, np.array([1, 2]), make_scorer())
    # the supplier states no needs: its offer (the description) alone decides
    assert raw["complementarity"][0] > 0.3
    assert raw["complementarity"][0] > raw["complementarity"][1] + 0.1
