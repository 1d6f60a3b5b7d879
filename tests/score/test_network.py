"""The collaboration network: Adamic–Adar against a brute force, experience, reasons."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.explain import reasons
from matchmaker.models import Organisation
from matchmaker.score import COMPONENTS, Network, make_scorer, pair_components
from matchmaker.vectorise import ProfileSpace


def _brute_adamic_adar(projects: list[frozenset[str]]) -> np.ndarray:
    n = len(projects)
    partners = [{j for j in range(n) if j != i and projects[i] & projects[j]} for i in range(n)]
    out = np.zeros((n, n))
    for i, j in itertools.product(range(n), repeat=2):
        for k in partners[i] & partners[j]:
            if len(partners[k]) > 1:
                out[i, j] += 1 / math.log(len(partners[k]))
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.frozensets(st.sampled_from("ABCDEF"), max_size=3), min_size=1, max_size=9))
def test_adamic_adar_is_the_brute_force(projects: list[frozenset[str]]) -> None:
    net = Network(projects)
    every = np.arange(len(projects))
    assert np.allclose(net.adamic_adar(every), _brute_adamic_adar(projects), atol=1e-5)
    comp = net.component(every)
    assert np.allclose(comp, comp.T, atol=1e-6)
    assert ((comp >= 0) & (comp < 1)).all()


def test_experience_saturates_and_orders_by_projects() -> None:
    net = Network([frozenset(), frozenset({"a"}), frozenset({"a", "b", "c", "d", "e", "f"})])
    e = net.experience
    assert e[0] == 0.0
    assert 0 < e[1] < e[2] < 1
    # for one organisation, the more experienced partner ranks higher
    row = net.experience_component(np.array([1]))[0]
    assert row[2] > row[1] > row[0]


def _org(oid: str, name: str, projects: list[str]) -> Organisation:
    return Organisation.model_validate(
        {"id": oid, "name": name, "type": "sme", "region": "DE11", "projects": projects}
    )


def test_partners_of_partners_are_said_by_name() -> None:
    orgs = [
        _org("me", "Me", ["P1", "P2"]),
        _org("x", "Xylo Labs", ["P1", "P3"]),
        _org("y", "Yotta Works", ["P2", "P3"]),
        _org("z", "Zeta", ["P3"]),
        _org("w", "Far Away", []),
        # organisations without projects, as most of a registry: the typical pair has no link
        *(_org(f"q{k}", f"Quiet {k}", []) for k in range(20)),
    ]
    p = ProfileSpace().fit_transform(orgs)
    scorer = make_scorer("business", weights={c: float(c == "network") for c in COMPONENTS})
    comps, relation = pair_components(p, 0, np.array([3]), scorer)
    values = {c: float(comps[c][0]) for c in COMPONENTS}
    assert values["network"] > 0
    said = reasons(p, 0, 3, values, int(relation[0]), scorer)
    assert said == ["has worked with 2 of your partners: Xylo Labs, Yotta Works"]
    far, _ = pair_components(p, 0, np.array([4]), scorer)
    assert float(far["network"][0]) == 0.0
