"""Fairness to everyone in 1:1 schedules: the no-meetings mark, the figures, the proven bound
on the smallest number of meetings, and a brute-force oracle of the best possible minimum."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.solvers.schedule import fairness_bound, replan, solve_schedule


def _instance(n: int, slots: int, seed: int, p_avail: float = 0.8) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    s = rng.random((n, n)).round(3)
    s = (s + s.T) / 2
    return {"scores": s, "availability": rng.random((n, slots)) < p_avail}


# ---- brute force -------------------------------------------------------------------------------


def _slot_matchings(people: list[int], tables: int) -> list[tuple[tuple[int, int], ...]]:
    """Every set of at most ``tables`` disjoint pairs of ``people`` (the empty one included)."""
    out: list[tuple[tuple[int, int], ...]] = [()]
    pairs = list(itertools.combinations(people, 2))
    for k in range(1, tables + 1):
        for chosen in itertools.combinations(pairs, k):
            seen = [x for e in chosen for x in e]
            if len(seen) == len(set(seen)):
                out.append(chosen)
    return out


def _best_minimum(
    n: int, slots: int, tables: int, avail: np.ndarray, hi: np.ndarray, counted: np.ndarray
) -> int:
    """The largest smallest number of meetings among ``counted``, over every schedule."""
    per_slot = [
        _slot_matchings([i for i in range(n) if avail[i, s] and hi[i] > 0], tables)
        for s in range(slots)
    ]
    best = -1
    for plan in itertools.product(*per_slot):
        pairs = [e for slot in plan for e in slot]
        if len(pairs) != len(set(pairs)):
            continue  # a pair meets once
        count = np.zeros(n, dtype=int)
        for a, b in pairs:
            count[[a, b]] += 1
        if (count > hi).any():
            continue
        best = max(best, int(count[counted].min()) if counted.any() else 0)
    return best


@pytest.mark.parametrize("seed", range(30))
def test_the_minimum_found_is_the_best_possible_minimum(seed: int) -> None:
    """A brute-force oracle over every schedule of tiny events: the fairness level found is
    the best possible one, the proven bound is never below it, and a participant marked as
    not wanting meetings is neither met nor counted."""
    rng = np.random.default_rng(500 + seed)
    n, slots, tables = int(rng.integers(3, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
    inst = _instance(n, slots, seed, p_avail=0.7)
    hi = rng.integers(1, slots + 1, size=n)
    hi[rng.random(n) < 0.2] = 0  # some want no meeting
    r = solve_schedule(**inst, slots=slots, tables=tables, max_meetings=hi, seed=seed)
    avail = inst["availability"]
    cap = np.minimum(hi, avail.sum(axis=1))
    common = (avail & (cap > 0)[:, None]).astype(int) @ (avail & (cap > 0)[:, None]).T.astype(int)
    np.fill_diagonal(common, 0)
    counted = (cap > 0) & (common > 0).any(axis=1)
    best = _best_minimum(n, slots, tables, avail, hi, counted)
    counts = np.asarray(r.meetings_per_participant)
    assert r.stats["fairness_level"] == best, (seed, counts.tolist())
    assert r.stats["fairness_bound"] >= best
    assert (counts[hi == 0] == 0).all()
    assert r.stats["fairness_participants"] == int(counted.sum())
    assert r.stats["not_wanting_meetings"] == int((hi == 0).sum())


# ---- the no-meetings mark and the figures ------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    n=st.integers(2, 30),
    slots=st.integers(1, 6),
    tables=st.integers(0, 8),
    seed=st.integers(0, 10_000),
    share_out=st.floats(0.0, 0.6),
)
def test_figures_count_only_who_may_have_a_meeting(
    n: int, slots: int, tables: int, seed: int, share_out: float
) -> None:
    rng = np.random.default_rng(seed)
    inst = _instance(n, slots, seed)
    out = rng.random(n) < share_out
    hi = np.where(out, 0, slots)
    r = solve_schedule(**inst, slots=slots, tables=tables, max_meetings=hi, seed=seed)
    counts = np.asarray(r.meetings_per_participant)
    assert (counts[out] == 0).all()
    may = ~out & inst["availability"].any(axis=1)
    for m in r.meetings:
        assert not out[m.a]
        assert not out[m.b]
    avail = inst["availability"] & may[:, None]
    common = avail.astype(int) @ avail.T.astype(int)
    np.fill_diagonal(common, 0)
    partners = (common > 0).any(axis=1)
    counted = may & partners
    st_ = r.stats
    assert st_["not_wanting_meetings"] == int(out.sum())
    assert st_["fairness_participants"] == int(counted.sum())
    assert st_["without_possible_partner"] == int((may & ~partners).sum())
    if counted.any():
        assert st_["meetings_min"] == st_["fairness_level"] == int(counts[counted].min())
        assert st_["meetings_median"] == float(np.median(counts[counted]))
        assert st_["meetings_max"] == int(counts[counted].max())
    assert st_["fairness_gap"] == st_["fairness_bound"] - st_["fairness_level"] >= 0
    # The bound is a bound: no participant counted can be promised more than the seats.
    seats = 2 * min(tables * slots, n * slots)
    if counted.any():
        assert st_["fairness_bound"] * int(counted.sum()) <= seats


def test_a_participant_who_wants_no_meeting_frees_the_tables_for_the_others() -> None:
    # Four people, one table in each of two slots: everyone can have one meeting. When
    # participant 3 wants none, the other three share the two meetings: one of them can have
    # two, and the smallest number among those who count stays one.
    s = np.full((4, 4), 0.5)
    r = solve_schedule(s, slots=2, tables=1, max_meetings=[2, 2, 2, 0], seed=0)
    counts = r.meetings_per_participant
    assert counts[3] == 0
    assert min(counts[:3]) == 1
    assert r.stats["fairness_participants"] == 3
    assert r.stats["not_wanting_meetings"] == 1
    assert r.stats["fairness_level"] == r.stats["fairness_bound"] == 1


def test_requesters_only_when_asked() -> None:
    # Nobody asked for anything: fairness to requesters counts nobody, fairness to everyone
    # (the default) counts all.
    s = np.full((6, 6), 0.5)
    everyone = solve_schedule(s, slots=3, tables=3, seed=0)
    requesters = solve_schedule(s, slots=3, tables=3, seed=0, fair_to="requesters")
    assert everyone.stats["fairness_participants"] == 6
    assert everyone.stats["fairness_level"] == 3
    assert requesters.stats["fairness_participants"] == 0


def test_replan_is_fair_to_everyone_by_default() -> None:
    inst = _instance(12, 4, 3, p_avail=1.0)
    first = solve_schedule(**inst, slots=4, tables=2, seed=0, fair_to="requesters")
    again, _ = replan(first, inst["scores"], present=np.ones(12, dtype=bool), slots=4, tables=4)
    assert again.stats["fairness_participants"] == 12
    assert again.stats["fairness_level"] == again.stats["fairness_bound"]


# ---- the bound ---------------------------------------------------------------------------------


def test_the_bound_sees_a_crowded_slot_that_the_seat_count_misses() -> None:
    # Participants 0-3 can meet only in slot 0, which has one table; 4 and 5 in every slot.
    # Over all slots there are 6 seats for 6 people and each has a free slot, so counting
    # seats promises one meeting each; but slot 0 seats only two of the four: no schedule
    # gives everyone a meeting.
    avail = np.zeros((6, 3), dtype=bool)
    avail[:4, 0] = True
    avail[4:, :] = True
    fair = np.ones(6, dtype=bool)
    assert fairness_bound(avail, [1, 3, 3], [3] * 6, fair) == 0
    r = solve_schedule(np.full((6, 6), 0.5), slots=3, tables=[1, 3, 3], availability=avail)
    assert r.stats["fairness_bound"] == 0
    assert r.stats["fairness_level"] == 0
    # Only 4 and 5 counted: they can meet in all three slots.
    only = np.array([False] * 4 + [True] * 2)
    assert fairness_bound(avail, [1, 3, 3], [3] * 6, only) == 3


@pytest.mark.parametrize(
    ("tables", "max_meetings", "partners", "expected"),
    [
        ([2, 2, 2], [3] * 5, None, 2),  # 12 seats for 5 people
        ([3, 3, 3], [3] * 5, None, 2),  # an odd number of people leaves one seat out a slot
        ([3, 3, 3], [1, 3, 3, 3, 3], None, 1),  # one wants at most one
        ([3, 3, 3], [3] * 5, [4, 4, 4, 4, 1], 1),  # one may meet only one person
        ([0, 0, 0], [3] * 5, None, 0),
    ],
)
def test_the_bound_on_small_cases(
    tables: list[int], max_meetings: list[int], partners: list[int] | None, expected: int
) -> None:
    avail = np.ones((5, 3), dtype=bool)
    got = fairness_bound(avail, tables, max_meetings, np.ones(5, dtype=bool), partners=partners)
    assert got == expected


def test_the_bound_of_nobody_is_zero() -> None:
    assert fairness_bound(np.ones((3, 2), bool), [1, 1], [2] * 3, np.zeros(3, bool)) == 0
