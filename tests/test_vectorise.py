"""ProfileSpace: hierarchy-aware codes, text that survives hyphens and typos, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.errors import InvalidInputError, NotFittedError
from matchmaker.models import Organisation
from matchmaker.synth import generate_registry
from matchmaker.vectorise import ProfileSpace, code_features
from scoring_cases import TRIO


def _org(i: int, **kw: object) -> Organisation:
    data: dict[str, object] = {"id": f"o{i}", "name": f"Org {i}", "type": "sme", "region": "DE11"}
    data.update(kw)
    return Organisation.model_validate(data)


def test_transform_before_fit_is_a_named_error() -> None:
    with pytest.raises(NotFittedError, match="This ProfileSpace instance is not fitted yet"):
        ProfileSpace().transform(TRIO)


@pytest.mark.parametrize(("name", "value"), [("text_dims", 1), ("min_df", 0), ("fit_sample", "x")])
def test_parameters_are_validated(name: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=f"The '{name}' parameter of ProfileSpace must be"):
        ProfileSpace(**{name: value}).fit(TRIO)  # type: ignore[arg-type]


def test_nace_codes_carry_their_ancestors() -> None:
    orgs = [
        _org(0, sectors=["C26.51"]),
        _org(1, sectors=["C26.52"]),
        _org(2, sectors=["A01.1"]),
        _org(3, sectors=["C20"]),
    ]
    p = ProfileSpace().fit_transform(orgs)
    sim = (p.sectors @ p.sectors.T).toarray()
    assert sp.issparse(p.sectors)
    assert p.sectors.dtype == np.float32
    # shared: C26.5 (1 x 1), C26 (1 x 1) and C (0.5 x 0.5); each norm squared is 3.25
    assert sim[0, 1] == pytest.approx(2.25 / 3.25)
    assert sim[0, 2] == 0.0
    assert 0 < sim[0, 3] < sim[0, 1]
    assert code_features("C26.51", s3=False) == {
        "nace:C26.51": 1.0,
        "nace:C26.5": 1.0,
        "nace:C26": 1.0,
        "nace:C": 0.5,
    }


def test_s3_codes_of_one_theme_meet() -> None:
    orgs = [
        _org(0, s3_priorities=["IE02"]),
        _org(1, s3_priorities=["TP-AGRIFOOD"]),
        _org(2, s3_priorities=["IE05"]),
    ]
    p = ProfileSpace().fit_transform(orgs)
    sim = (p.s3 @ p.s3.T).toarray()
    assert sim[0, 1] > 0.3
    assert sim[0, 2] == 0.0


def test_hyphens_and_typos_still_meet() -> None:
    texts = [
        "nano-materials for batteries",
        "nanomaterials for batteries",
        "nanomaterails for batteries",
        "dairy processing in farms",
    ]
    orgs = [_org(i, offers=[{"text": t}]) for i, t in enumerate(texts)]
    p = ProfileSpace(encoder="tfidf").fit_transform(orgs)
    sim = p.offers @ p.offers.T
    assert sim[0, 1] > 0.99  # hyphens inside words are folded away
    assert sim[1, 2] > 0.4  # a typo keeps most character n-grams
    assert sim[0, 3] < 0.05


def test_items_are_unit_vectors_and_grouped_by_owner() -> None:
    reg = generate_registry(300, seed=3)
    p = ProfileSpace(encoder="tfidf", text_dims=32).fit_transform(reg.organisations)
    assert p.needs.shape[1] == p.offers.shape[1] <= 32
    assert np.allclose(np.linalg.norm(p.offers, axis=1), 1.0, atol=1e-5)
    for i, o in enumerate(reg.organisations[:50]):
        assert p.offer_ptr[i + 1] - p.offer_ptr[i] == len(o.offers)
        assert set(p.offer_owner[p.offer_ptr[i] : p.offer_ptr[i + 1]]) <= {i}


def test_fit_is_deterministic_and_independent_of_row_order() -> None:
    orgs = generate_registry(400, seed=5).organisations
    a = ProfileSpace(encoder="tfidf", text_dims=48).fit(orgs)
    b = ProfileSpace(encoder="tfidf", text_dims=48).fit(list(reversed(orgs)))
    assert a.version_ == b.version_
    pa, pb = a.transform(orgs), b.transform(orgs)
    assert np.allclose(pa.offers, pb.offers, atol=1e-6)


def test_save_and_load(tmp_path: Path) -> None:
    orgs = generate_registry(300, seed=2).organisations
    space = ProfileSpace(encoder="tfidf", text_dims=32).fit(orgs)
    path = space.save(tmp_path / "space.npz")
    again = ProfileSpace.load(path)
    assert again.version_ == space.version_
    assert np.array_equal(again.transform(orgs).needs, space.transform(orgs).needs)


def test_load_refuses_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not a space")
    with pytest.raises(InvalidInputError, match="is not a saved ProfileSpace"):
        ProfileSpace.load(bad)


def test_duplicate_ids_are_refused() -> None:
    space = ProfileSpace().fit(TRIO)
    with pytest.raises(
        InvalidInputError, match="organisation id 'limburg-sme' appears more than once"
    ):
        space.transform([TRIO[0], TRIO[0]])


def _same_matrices(a: object, b: object) -> None:
    from dataclasses import fields

    for f in fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if sp.issparse(x):
            assert (x != y).nnz == 0, f.name
        elif isinstance(x, np.ndarray):
            assert x.shape == y.shape, f.name
            assert np.allclose(x, y, atol=1e-6, equal_nan=True), f.name
        else:
            assert x == y, f.name


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_update_equals_a_transform_of_the_same_profiles(data: st.DataObject) -> None:
    orgs = _UPDATE_REGISTRY
    space = _UPDATE_SPACE
    before = space.transform(orgs)
    ids = [o.id for o in orgs]
    removed = data.draw(st.sets(st.sampled_from(ids), max_size=8))
    edited_ids = data.draw(st.lists(st.sampled_from(ids), max_size=8, unique=True))
    others = generate_registry(30, seed=11).organisations
    edited = [
        data.draw(st.sampled_from(others)).model_copy(update={"id": oid}) for oid in edited_ids
    ]
    new = [
        o.model_copy(update={"id": f"new-{k}"})
        for k, o in enumerate(data.draw(st.lists(st.sampled_from(others), max_size=5)))
    ]
    changed = edited + new
    after = space.update(before, changed, removed)
    assert after is not None
    drop = removed | set(edited_ids)
    expected = [o for o in orgs if o.id not in drop] + changed
    _same_matrices(after, space.transform(expected))
    in_id_order = space.update(before, changed, removed, sort_ids=True)
    assert in_id_order is not None
    _same_matrices(in_id_order, space.transform(sorted(expected, key=lambda o: o.id)))


def test_update_asks_for_a_refit_for_an_own_code_it_was_not_fitted_with() -> None:
    space = ProfileSpace(encoder="tfidf", text_dims=16).fit(TRIO)
    profiles = space.transform(TRIO)
    edited = TRIO[0].model_copy(update={"s3_priorities": ["area:urban-beekeeping"]})
    assert space.update(profiles, [edited]) is None
    assert space.update(profiles, [TRIO[1]], removed=[TRIO[2].id]) is not None


_UPDATE_REGISTRY = generate_registry(120, seed=9).organisations
_UPDATE_SPACE = ProfileSpace(encoder="tfidf", text_dims=24).fit(_UPDATE_REGISTRY)
