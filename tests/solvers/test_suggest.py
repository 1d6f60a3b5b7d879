"""Partner suggestions: filters, diversity, determinism, two stages against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.models import Organisation
from matchmaker.score import make_scorer, score_matrix
from matchmaker.solvers import Filters, suggest, suggest_all
from matchmaker.synth import generate_registry
from matchmaker.vectorise import ProfileSpace

REG = generate_registry(600, seed=21)
PROFILES = ProfileSpace(text_dims=64).fit_transform(REG.organisations)
IDS = PROFILES.ids


def test_two_stages_find_the_exact_top_10() -> None:
    scores, _ = score_matrix(PROFILES, make_scorer())
    names = np.array([o.name.casefold() for o in PROFILES.organisations])
    overlap = []
    for i in range(0, len(IDS), 20):
        got = suggest(
            PROFILES, IDS[i], max_per_country=None, filters=Filters(include_partners=True)
        )
        row = scores[i].copy()
        row[names == names[i]] = -1
        best = set(np.argsort(-row, kind="stable")[:10].tolist())
        overlap.append(len(best & {PROFILES.index[s.id] for s in got}) / 10)
    assert np.mean(overlap) >= 0.98


def test_scores_are_sorted_and_never_oneself() -> None:
    got = suggest(PROFILES, IDS[0], k=15, max_per_country=None)
    assert len(got) == 15
    assert IDS[0] not in {s.id for s in got}
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)


def test_existing_partners_are_left_out_unless_asked() -> None:
    by_project: dict[str, list[str]] = {}
    for o in REG.organisations:
        for p in o.projects:
            by_project.setdefault(p.casefold(), []).append(o.id)
    _project, members = next((p, m) for p, m in by_project.items() if len(m) >= 2)
    me, partner = members[0], members[1]
    assert partner not in {s.id for s in suggest(PROFILES, me, k=len(IDS) - 1)}
    with_partners = suggest(PROFILES, me, k=len(IDS) - 1, filters=Filters(include_partners=True))
    assert partner in {s.id for s in with_partners}


def test_filters() -> None:
    got = suggest(
        PROFILES, IDS[3], k=20, filters=Filters(countries=["DE", "fr"]), max_per_country=None
    )
    assert got
    assert {PROFILES.organisations[PROFILES.index[s.id]].country for s in got} <= {"DE", "FR"}
    got = suggest(PROFILES, IDS[3], k=20, filters=Filters(types=["University", "sme"]))
    assert {PROFILES.organisations[PROFILES.index[s.id]].type.value for s in got} <= {
        "university",
        "sme",
    }
    got = suggest(PROFILES, IDS[3], k=50, filters=Filters(sectors=["C"]))
    for s in got:
        assert any(c.startswith("C") for c in PROFILES.organisations[PROFILES.index[s.id]].sectors)
    excluded = suggest(PROFILES, IDS[3], k=1)[0].id
    assert excluded not in {
        s.id for s in suggest(PROFILES, IDS[3], filters=Filters(exclude=[excluded]))
    }


def test_bad_filters_and_parameters_are_clear_errors() -> None:
    with pytest.raises(InvalidInputError, match="country filter 'Atlantis' is not a country code"):
        suggest(PROFILES, IDS[0], filters=Filters(countries=["Atlantis"]))
    with pytest.raises(
        InvalidInputError, match="type filter: type 'Univ' is not an organisation type"
    ):
        suggest(PROFILES, IDS[0], filters=Filters(types=["Univ"]))
    with pytest.raises(InvalidInputError, match=r"sector 'Z99' is not a NACE Rev\. 2 code"):
        suggest(PROFILES, IDS[0], filters=Filters(sectors=["Z99"]))
    with pytest.raises(InvalidInputError, match="organisation 'nobody' is not in the registry"):
        suggest(PROFILES, "nobody")
    with pytest.raises(InvalidInputError, match="k must be a whole number of 1 or more; got 0"):
        suggest(PROFILES, IDS[0], k=0)


def test_country_diversity_in_the_top_10() -> None:
    for i in range(0, 600, 60):
        got = suggest(PROFILES, IDS[i], k=10, max_per_country=2)
        countries = [PROFILES.organisations[PROFILES.index[s.id]].country for s in got]
        assert max(countries.count(c) for c in set(countries)) <= 2


def test_same_input_same_output() -> None:
    a = [s.as_dict() for s in suggest(PROFILES, IDS[7], explain=True)]
    again = ProfileSpace(text_dims=64).fit_transform(REG.organisations)
    b = [s.as_dict() for s in suggest(again, IDS[7], explain=True)]
    assert a == b


def test_batch_equals_single_queries() -> None:
    rows = list(range(0, 600, 50))
    batch = dict(suggest_all(PROFILES, rows=rows, memory_mib=1))
    for i in rows:
        single = suggest(PROFILES, IDS[i], candidates=100)
        assert [s.id for s in batch[IDS[i]]] == [s.id for s in single]


def test_explanations_come_with_suggestions() -> None:
    got = suggest(PROFILES, IDS[1], explain=True)
    assert all(1 <= len(s.reasons) <= 3 for s in got)
    assert all(abs(sum(s.contributions.values()) - s.score) < 1e-5 for s in got)


def test_own_organisation_is_not_suggested() -> None:
    twin = REG.organisations[0].model_copy(update={"id": "twin-of-0"})
    p = ProfileSpace(text_dims=64).fit_transform([*REG.organisations, twin])
    assert "twin-of-0" not in {s.id for s in suggest(p, IDS[0], k=len(IDS))}


def test_registry_of_one() -> None:
    solo = Organisation(id="solo", name="Solo", type="sme", region="FR10")
    p = ProfileSpace().fit_transform([solo])
    assert suggest(p, "solo") == []


def test_the_package_names_stay_functions_once_every_solver_module_is_loaded() -> None:
    # Regression: a submodule named like a function (solvers/suggest.py beside suggest())
    # replaced the function on the package once anything imported the module, so that
    # `from matchmaker.solvers import suggest` gave a module in a process that had.
    import importlib
    import pkgutil
    import types

    import matchmaker.solvers as solvers

    for info in pkgutil.iter_modules(solvers.__path__):
        importlib.import_module(f"matchmaker.solvers.{info.name}")
    for name in solvers.__all__:
        assert not isinstance(getattr(solvers, name), types.ModuleType), name
