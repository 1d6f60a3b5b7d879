"""Weights learned from a registry's partnerships: non-negative, validated, saved, loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.score import COMPONENTS, PRESETS
from matchmaker.score.learn import (
    fit_nonnegative_ranking,
    learn_weights,
    load_scorer,
    split_projects,
)
from matchmaker.solvers import suggest
from matchmaker.synth import generate_registry
from matchmaker.vectorise import ProfileSpace

REG = generate_registry(400, seed=6, wording="paraphrase")


def test_nonnegative_ranking_ignores_what_only_differs_between_queries() -> None:
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(100), 11)
    x = rng.random((1100, 3))
    x[:, 2] = np.repeat(rng.random(100), 11)  # the query's own trait: the same for its rows
    y = np.zeros(1100)
    best = [g * 11 + int(np.argmax(x[g * 11 : g * 11 + 11, 0])) for g in range(100)]
    y[best] = 1.0
    w = fit_nonnegative_ranking(x, y, groups)
    assert (w >= 0).all()
    assert w[0] > 10 * max(w[1], w[2])


def test_learned_weights_are_a_scorer_with_figures_beside_the_presets(tmp_path: Path) -> None:
    learned = learn_weights(REG.organisations, name="reg400", seed=1)
    weights = learned.scorer.as_dict()
    assert set(weights) == set(COMPONENTS)
    assert all(w >= 0 for w in weights.values())
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-5)
    assert set(learned.validation) == {"reg400", *PRESETS}
    for figures in learned.validation.values():
        assert 0.0 <= figures["all.ndcg@10"] <= 1.0
        assert figures["queries"] > 0
    path = learned.save(tmp_path / "scorer.json")
    again = load_scorer(path)
    assert again.label == "reg400"
    assert np.allclose(again.weights, learned.scorer.weights, atol=1e-5)
    profiles = ProfileSpace().fit_transform(REG.organisations)
    assert suggest(profiles, REG.organisations[0].id, k=3, scorer=again)


def test_dates_split_by_time() -> None:
    orgs = REG.organisations
    names = sorted({p.casefold() for o in orgs for p in o.projects})
    dates = {n: dt.date(2010, 1, 1) + dt.timedelta(days=30 * k) for k, n in enumerate(names)}
    trains, valid = split_projects(orgs, dates)
    last_train = max(dates[p] for t in trains for p in t.targets)
    assert all(dates[p] >= last_train for p in valid.targets)
    for t in [*trains, valid]:
        start = min(dates[p] for p in t.targets)
        assert all(dates[p] < start for p in t.history if p in dates)


def test_too_few_partnerships_is_a_clear_error() -> None:
    orgs = [o.model_copy(update={"projects": []}) for o in REG.organisations[:20]]
    with pytest.raises(InvalidInputError, match="at least 3 projects shared by two or more"):
        learn_weights(orgs)


def test_a_file_that_is_not_a_scorer_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"format": "other"}')
    with pytest.raises(InvalidInputError, match="is not a saved scorer of format"):
        load_scorer(bad)
