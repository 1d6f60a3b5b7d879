"""Tests of the ranking metrics: hand-computed cases, sklearn and brute-force oracles, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import ndcg_score  # type: ignore[import-untyped]

from matchmaker.errors import InvalidInputError
from matchmaker.quality.ranking import (
    catalogue_coverage,
    exposure_gini,
    mrr,
    ndcg_at_k,
    precision_at_k,
    ranking_report,
    recall_at_k,
    reciprocal_hit_rate,
    relevant_from_links,
)

# Three queries over six items; query 2 has no relevant item and is skipped by the accuracy
# metrics. Row 1 has two suggestions and is padded.
RANKED = np.array([[4, 1, 2, 5], [0, 3, -1, -1], [1, 0, 4, 3]])
RELEVANT: list[set[int]] = [{1, 5, 3}, {3}, set()]
N_ITEMS = 6


# ---------------------------------------------------------------------------------------------
# Hand-computed examples
# ---------------------------------------------------------------------------------------------


def test_precision_by_hand() -> None:
    # k=2: q0 top {4, 1} has 1 hit -> 1/2; q1 top {0, 3} has 1 hit -> 1/2; mean 1/2.
    assert precision_at_k(RANKED, RELEVANT, 2) == pytest.approx(0.5)
    # k=4: q0 hits 1, 5 -> 2/4; q1 hits 3 -> 1/4 (padding counts as a miss); mean 3/8.
    assert precision_at_k(RANKED, RELEVANT, 4) == pytest.approx(3 / 8)


def test_recall_by_hand() -> None:
    # k=2: q0 1 of 3 -> 1/3; q1 1 of 1 -> 1; mean 2/3.
    assert recall_at_k(RANKED, RELEVANT, 2) == pytest.approx(2 / 3)
    # k=4: q0 2 of 3 -> 2/3; q1 -> 1; mean 5/6.
    assert recall_at_k(RANKED, RELEVANT, 4) == pytest.approx(5 / 6)


def test_ndcg_by_hand() -> None:
    # k=4, q0: hits at positions 2 and 4 -> DCG = 1/log2(3) + 1/log2(5);
    # 3 relevant -> IDCG = 1 + 1/log2(3) + 1/log2(4) = 1 + 1/log2(3) + 1/2.
    # q1: hit at position 2 -> DCG = 1/log2(3); 1 relevant -> IDCG = 1.
    q0 = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3) + 0.5)
    q1 = 1 / math.log2(3)
    assert ndcg_at_k(RANKED, RELEVANT, 4) == pytest.approx((q0 + q1) / 2)
    # k=1: neither first item is relevant -> 0.
    assert ndcg_at_k(RANKED, RELEVANT, 1) == 0.0


def test_ndcg_ideal_uses_min_of_k_and_relevant() -> None:
    # 3 relevant, k=2, both top items relevant: DCG = IDCG = 1 + 1/log2(3) -> 1.
    assert ndcg_at_k(np.array([[1, 5, 0]]), [{1, 5, 3}], 2) == pytest.approx(1.0)


def test_mrr_by_hand() -> None:
    # q0: first relevant (1) at position 2 -> 1/2; q1: 3 at position 2 -> 1/2; mean 1/2.
    assert mrr(RANKED, RELEVANT) == pytest.approx(0.5)
    # Within k=1 neither query finds one -> 0.
    assert mrr(RANKED, RELEVANT, k=1) == 0.0
    # q0 finds nothing -> 0; q1 at position 3 -> 1/3; mean 1/6.
    assert mrr(np.array([[0, 2, 4], [0, 2, 1]]), [{5}, {1}]) == pytest.approx(1 / 6)


def test_coverage_by_hand() -> None:
    # k=1: items {4, 0, 1} of 6 -> 1/2; k=2: {4, 1, 0, 3} -> 2/3;
    # k=4: {4, 1, 2, 5, 0, 3} -> 6/6, and 6/12 in a catalogue of 12.
    assert catalogue_coverage(RANKED, N_ITEMS, 1) == pytest.approx(0.5)
    assert catalogue_coverage(RANKED, N_ITEMS, 2) == pytest.approx(2 / 3)
    assert catalogue_coverage(RANKED, N_ITEMS, 4) == pytest.approx(1.0)
    assert catalogue_coverage(RANKED, 12, 4) == pytest.approx(0.5)


def test_gini_by_hand() -> None:
    # k=2 exposure: item 0 -> 2 (q1, q2), 1 -> 2 (q0, q2), 3 -> 1, 4 -> 1, 2 -> 0, 5 -> 0.
    # sorted x = (0, 0, 1, 1, 2, 2), n = 6, sum = 6, weights 2i - 7 = (-5, -3, -1, 1, 3, 5):
    # (0 + 0 - 1 + 1 + 6 + 10) / (6 * 6) = 16 / 36 = 4/9.
    assert exposure_gini(RANKED, N_ITEMS, 2) == pytest.approx(4 / 9)


def test_gini_extremes() -> None:
    # Every item shown once -> 0.
    assert exposure_gini(np.array([[0, 1], [2, 3]]), 4, 2) == pytest.approx(0.0)
    # One item gets all exposure among 4 -> (n - 1) / n = 3/4.
    assert exposure_gini(np.array([[0], [0], [0]]), 4, 1) == pytest.approx(0.75)
    # A single item has nothing to be unequal to.
    assert exposure_gini(np.array([[0], [0]]), 1, 1) == pytest.approx(0.0)


def test_reciprocal_hit_rate_by_hand() -> None:
    # k=2 pairs: (0,4) (0,1) (1,0) (1,3) (2,1) (2,0); items 4 and 3 are not queries (n=3), so
    # (0,4) and (1,3) are left out. Of (0,1) (1,0) (2,1) (2,0): 0->1 and 1->0 are returned;
    # 1 and 0 do not list 2 -> 2 of 4.
    assert reciprocal_hit_rate(RANKED, 2) == pytest.approx(0.5)
    # k=1: (0,4) left out, (1,0) and (2,1): 0 lists 4 and 1 lists 0 in the top 1 -> 0 of 2.
    assert reciprocal_hit_rate(RANKED, 1) == 0.0


def test_reciprocal_hit_rate_counts_self_pair() -> None:
    # Pairs (0,0) (0,1) (1,2) (2,1): (0,0) is returned by itself, 1 does not list 0,
    # 1 and 2 list each other -> 3 of 4.
    assert reciprocal_hit_rate(np.array([[0, 1], [2, -1], [1, -1]]), 2) == pytest.approx(3 / 4)


def test_ranking_report_matches_the_functions() -> None:
    report = ranking_report(RANKED, RELEVANT, N_ITEMS, k=2)
    assert report == {
        "precision@2": precision_at_k(RANKED, RELEVANT, 2),
        "recall@2": recall_at_k(RANKED, RELEVANT, 2),
        "ndcg@2": ndcg_at_k(RANKED, RELEVANT, 2),
        "mrr": mrr(RANKED, RELEVANT, 2),
        "coverage": catalogue_coverage(RANKED, N_ITEMS, 2),
        "exposure_gini": exposure_gini(RANKED, N_ITEMS, 2),
        "reciprocal_hit_rate": reciprocal_hit_rate(RANKED, 2),
        "queries": 2,
    }
    assert "ndcg@10" in ranking_report(RANKED, RELEVANT, N_ITEMS)


def test_relevant_as_arrays_and_repeats() -> None:
    arrays = [np.array([1, 5, 3, 5]), np.array([3]), np.array([], dtype=np.int64)]
    assert recall_at_k(RANKED, arrays, 4) == recall_at_k(RANKED, RELEVANT, 4)


def test_relevant_from_links() -> None:
    index = {"a": 0, "b": 1, "c": 2, "d": 3}
    links = [("a", "b"), ("b", "c"), ("b", "a")]
    assert relevant_from_links(links, index, 4) == [{1}, {0, 2}, {1}, set()]


# ---------------------------------------------------------------------------------------------
# Padding, empty inputs and nan
# ---------------------------------------------------------------------------------------------


def test_padding_is_a_miss_in_place() -> None:
    # -1 at position 1: the hit sits at position 2, as in a row whose first item is wrong.
    padded = np.array([[-1, 7, 3]])
    wrong_first = np.array([[9, 7, 3]])
    for metric in (precision_at_k, recall_at_k, ndcg_at_k):
        assert metric(padded, [{7}], 3) == metric(wrong_first, [{7}], 3)
    assert mrr(padded, [{7}]) == pytest.approx(0.5)
    # Padding is not an item: coverage and exposure ignore it.
    assert catalogue_coverage(np.array([[-1, -1], [0, -1]]), 2, 2) == pytest.approx(0.5)


def test_k_beyond_columns_equals_padding() -> None:
    short = np.array([[4, 1], [0, 3]])
    padded = np.array([[4, 1, -1, -1, -1], [0, 3, -1, -1, -1]])
    rel: list[set[int]] = [{1, 2}, {0}]
    for metric in (precision_at_k, recall_at_k, ndcg_at_k, mrr):
        assert metric(short, rel, 5) == metric(padded, rel, 5)
    # precision divides by k, not by the row length: (1/5 + 1/5) / 2.
    assert precision_at_k(short, rel, 5) == pytest.approx(0.2)


def test_no_relevant_queries_give_nan() -> None:
    ranked = np.array([[0, 1], [1, 0]])
    for metric in (precision_at_k, recall_at_k, ndcg_at_k, mrr):
        assert math.isnan(metric(ranked, [set(), set()], 2))
    report = ranking_report(ranked, [set(), set()], 2, k=2)
    assert report["queries"] == 0
    assert math.isnan(report["ndcg@2"])
    assert report["coverage"] == 1.0


def test_nothing_shown() -> None:
    ranked = np.full((2, 3), -1)
    assert catalogue_coverage(ranked, 5, 3) == 0.0
    assert math.isnan(exposure_gini(ranked, 5, 3))
    assert math.isnan(reciprocal_hit_rate(ranked, 3))
    assert precision_at_k(ranked, [{1}, {2}], 3) == 0.0


def test_no_queries() -> None:
    ranked = np.zeros((0, 4), dtype=np.int64)
    assert math.isnan(precision_at_k(ranked, [], 4))
    assert catalogue_coverage(ranked, 3, 4) == 0.0


def test_huge_item_indices() -> None:
    # Indices near 2**61 take the renumbering path; the answer is that of small indices.
    big = 2**61
    ranked = np.array([[big + 4, big + 1, -1], [big, big + 3, big + 2]], dtype=np.int64)
    rel = [{big + 1}, {big + 2, big + 7}]
    small = ranked - np.where(ranked >= 0, big, 0)
    rel_small = [{1}, {2, 7}]
    for metric in (precision_at_k, recall_at_k, ndcg_at_k):
        assert metric(ranked, rel, 3) == metric(small, rel_small, 3)


# ---------------------------------------------------------------------------------------------
# Oracles on random data
# ---------------------------------------------------------------------------------------------


def _random_case(
    seed: int, n_queries: int = 25, n_items: int = 30, m: int = 8, pad: bool = True
) -> tuple[np.ndarray, list[set[int]]]:
    rng = np.random.default_rng(seed)
    ranked = np.stack([rng.permutation(n_items)[:m] for _ in range(n_queries)])
    if pad:
        lengths = rng.integers(0, m + 1, n_queries)
        ranked[np.arange(m)[None, :] >= lengths[:, None]] = -1
    relevant = [
        set(rng.choice(n_items, rng.integers(0, 5), replace=False).tolist()) for _ in ranked
    ]
    return ranked, relevant


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 3, 8])
def test_ndcg_matches_sklearn(seed: int, k: int) -> None:
    n_items, m = 30, 8
    ranked, relevant = _random_case(seed, n_items=n_items, m=m, pad=False)
    keep = [q for q, rel in enumerate(relevant) if rel]
    y_true = np.zeros((len(keep), n_items))
    y_score = np.zeros((len(keep), n_items))
    for row, q in enumerate(keep):
        y_true[row, list(relevant[q])] = 1
        # Ranked items score m..1 in order; the rest tie at 0, below position k <= m.
        y_score[row, ranked[q]] = np.arange(m, 0, -1)
    expected = ndcg_score(y_true, y_score, k=k)
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(expected)


def _reference(
    ranked: np.ndarray, relevant: list[set[int]], n_items: int, k: int
) -> dict[str, float]:
    """The metrics by their definitions, one query and one item at a time."""
    tops = [[int(j) for j in row[:k] if j != -1] for row in ranked]
    scored = [q for q, rel in enumerate(relevant) if rel]
    precision = sum(len(set(tops[q]) & relevant[q]) / k for q in scored) / len(scored)
    recall = sum(len(set(tops[q]) & relevant[q]) / len(relevant[q]) for q in scored) / len(scored)
    reciprocal_ranks = []
    for q in scored:
        rank = next((r for r, j in enumerate(ranked[q][:k], 1) if j in relevant[q]), None)
        reciprocal_ranks.append(0.0 if rank is None else 1 / rank)
    shown = {j for top in tops for j in top}
    x = [sum(top.count(j) for top in tops) for j in range(n_items)]
    mean_x = sum(x) / n_items
    gini = sum(abs(a - b) for a in x for b in x) / (2 * n_items**2 * mean_x)
    n = len(ranked)
    pairs = [(q, j) for q, top in enumerate(tops) for j in top if j < n]
    returned = sum(q in tops[j] for q, j in pairs) / len(pairs)
    return {
        "precision": precision,
        "recall": recall,
        "mrr": sum(reciprocal_ranks) / len(scored),
        "coverage": len(shown) / n_items,
        "gini": gini,
        "reciprocal": returned,
    }


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 4, 8, 11])
def test_metrics_match_brute_force(seed: int, k: int) -> None:
    n_items = 30
    ranked, relevant = _random_case(seed, n_queries=25, n_items=n_items)
    want = _reference(ranked, relevant, n_items, k)
    assert precision_at_k(ranked, relevant, k) == pytest.approx(want["precision"])
    assert recall_at_k(ranked, relevant, k) == pytest.approx(want["recall"])
    assert mrr(ranked, relevant, k) == pytest.approx(want["mrr"])
    assert catalogue_coverage(ranked, n_items, k) == pytest.approx(want["coverage"])
    assert exposure_gini(ranked, n_items, k) == pytest.approx(want["gini"])
    assert reciprocal_hit_rate(ranked, k) == pytest.approx(want["reciprocal"])


# ---------------------------------------------------------------------------------------------
# Validation errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, -3, True, 2.0, "5"])
def test_bad_k(k: object) -> None:
    with pytest.raises(InvalidInputError, match=r"k must be an integer >= 1; got"):
        precision_at_k(RANKED, RELEVANT, k)  # type: ignore[arg-type]


def test_bad_k_in_mrr_and_report() -> None:
    with pytest.raises(InvalidInputError, match=r"k must be an integer >= 1; got 0"):
        mrr(RANKED, RELEVANT, k=0)
    with pytest.raises(InvalidInputError, match=r"k must be an integer >= 1; got 0"):
        ranking_report(RANKED, RELEVANT, N_ITEMS, k=0)


def test_ranked_not_2d() -> None:
    with pytest.raises(InvalidInputError, match=r"ranked must be a 2-D .* got .* shape \(3,\)"):
        recall_at_k(np.array([1, 2, 3]), [{1}], 2)


def test_ranked_not_integer() -> None:
    with pytest.raises(InvalidInputError, match=r"ranked must hold integer .* got dtype float64"):
        ndcg_at_k(np.array([[1.0, 2.0]]), [{1}], 2)


def test_ranked_below_minus_one() -> None:
    with pytest.raises(InvalidInputError, match=r">= 0 or -1 for padding; got -2 in row 1, col"):
        reciprocal_hit_rate(np.array([[0, 1], [1, -2]]), 2)


def test_ranked_repeats_an_item() -> None:
    with pytest.raises(InvalidInputError, match=r"row 1 holds item 3 more than once"):
        catalogue_coverage(np.array([[0, 1, -1, -1], [3, 2, 3, -1]]), 5, 2)


def test_ranked_item_beyond_catalogue() -> None:
    with pytest.raises(InvalidInputError, match=r"below n_items=5; got 7 in row 1, column 0"):
        exposure_gini(np.array([[0, 1], [7, 2]]), 5, 2)


@pytest.mark.parametrize("n_items", [0, -1, 2.5])
def test_bad_n_items(n_items: object) -> None:
    with pytest.raises(InvalidInputError, match=r"n_items must be an integer >= 1; got"):
        catalogue_coverage(RANKED, n_items, 2)  # type: ignore[arg-type]


def test_relevant_wrong_length() -> None:
    with pytest.raises(InvalidInputError, match=r"one entry per row of ranked \(3\); got 2"):
        precision_at_k(RANKED, [{1}, {2}], 2)


@pytest.mark.parametrize("relevant", ["abc", {0: {1}}, 5])
def test_relevant_not_a_sequence(relevant: object) -> None:
    with pytest.raises(InvalidInputError, match=r"relevant must be a sequence of sets"):
        precision_at_k(RANKED, relevant, 2)  # type: ignore[arg-type]


def test_relevant_entry_not_a_set() -> None:
    with pytest.raises(InvalidInputError, match=r"relevant\[1\] must be a set .* got int"):
        precision_at_k(RANKED, [{1}, 3, set()], 2)  # type: ignore[list-item]


def test_relevant_not_integers() -> None:
    with pytest.raises(InvalidInputError, match=r"relevant must hold integer item indices"):
        precision_at_k(RANKED, [{"a"}, set(), set()], 2)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"got values of dtype float64"):
        precision_at_k(RANKED, [{1.5}, set(), set()], 2)  # type: ignore[arg-type]


def test_relevant_negative() -> None:
    with pytest.raises(InvalidInputError, match=r">= 0; got -4 in relevant\[1\]"):
        recall_at_k(RANKED, [{1}, {2, -4}, set()], 2)


def test_links_unknown_ids_all_reported() -> None:
    index = {"a": 0, "b": 1}
    with pytest.raises(InvalidInputError, match=r"link 1 \('a', 'zz'\): id 'zz' not in index") as e:
        relevant_from_links([("a", "zz"), ("a", "b"), ("yy", "b")], index, 2)
    assert [p.value for p in e.value.problems] == ["zz", "yy"]
    assert [p.row for p in e.value.problems] == [1, 3]


def test_links_self_link() -> None:
    with pytest.raises(InvalidInputError, match=r"link 1 \('a', 'a'\) joins id 'a' to itself"):
        relevant_from_links([("a", "a")], {"a": 0}, 1)


def test_links_index_outside_n() -> None:
    with pytest.raises(InvalidInputError, match=r"index\['b'\] = 5 not in \[0, 2\)"):
        relevant_from_links([("a", "b")], {"a": 0, "b": 5}, 2)


def test_links_bad_n() -> None:
    with pytest.raises(InvalidInputError, match=r"n must be an integer >= 0; got -1"):
        relevant_from_links([], {}, -1)
