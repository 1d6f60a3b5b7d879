"""Weights learned from a registry's own partnerships.

Organisations that share a project are partners. :func:`learn_weights` holds some of those
partnerships out, computes every component for them (from the profiles and from the
collaboration network *without* the held-out projects, so that no component sees the answer)
and for sampled non-partners of the same organisations, and fits non-negative component
weights by a ranking loss (the conditional logit: each partner against 200 non-partners of the
same organisation, drawn at random). The preset's own score is one more feature, so that the
fit can keep the prior where the history does not contradict it. Weights are non-negative so
that contributions still add up to the score and each still reads as a share of it; they are
scaled to add up to 1.

How the partnerships are split
------------------------------
- With project start dates: time decides, by rolling origin. The first 25 % of the projects
  (by start date) are only history; the later ones are cut into chronological blocks, each
  predicted from the projects that started before it; the last block validates, the others
  train.
- Without dates: projects are split at random (seeded) into history (60 %), training (20 %) and
  validation (20 %) targets, each split predicted from the history only. A random split of
  *projects* rather than of organisations, so that the network components of a held-out pair
  never count the project that makes it a pair.

Validation reports NDCG@10, precision@10 and recall@10 of the learned scorer beside every
preset's on the same split, for all partners and for new partners only (pairs that shared no
project in the history).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError
from matchmaker.models import Organisation
from matchmaker.score.calibrate import calibrated
from matchmaker.score.pair import raw_pair_components
from matchmaker.score.presets import COMPONENTS, DEFAULT_PRESET, PRESETS, Scorer, make_scorer
from matchmaker.vectorise import ProfileMatrix, ProfileSpace

__all__ = [
    "FORMAT",
    "LearnedScorer",
    "Split",
    "evaluate",
    "fit_nonnegative_ranking",
    "learn_weights",
    "load_scorer",
    "split_projects",
]

FORMAT = "matchmaker-scorer/1"
Array = npt.NDArray[Any]
K = 10


@dataclass(frozen=True)
class Split:
    """History and target projects of one training or validation round."""

    history: frozenset[str]
    targets: frozenset[str]
    label: str


@dataclass(frozen=True)
class LearnedScorer:
    """A scorer learned from partnerships, its figures and how it was made."""

    scorer: Scorer
    validation: dict[str, dict[str, float]]
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.scorer.label,
            "preset": self.scorer.preset,
            "weights": {c: round(v, 6) for c, v in self.scorer.as_dict().items()},
            "geography": self.scorer.geography,
            "reciprocity": self.scorer.reciprocity,
            "validation": self.validation,
            "details": self.details,
        }

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        return target


def load_scorer(source: str | Path | Mapping[str, Any]) -> Scorer:
    """The :class:`Scorer` of a saved learned scorer (a path, or its JSON as a mapping)."""
    if isinstance(source, Mapping):
        doc: Any = dict(source)
        where = "the scorer"
    else:
        where = f"'{source}'"
        try:
            doc = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInputError(f"{where} is not a saved scorer ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInputError(f"{where} is not a saved scorer of format '{FORMAT}'")
    weights = doc.get("weights")
    if not isinstance(weights, dict):
        raise InvalidInputError(f"{where} has no 'weights' object")
    return make_scorer(
        doc.get("preset", DEFAULT_PRESET),
        weights={c: weights.get(c, 0.0) for c in COMPONENTS},
        geography=doc.get("geography"),
        reciprocity=doc.get("reciprocity", "harmonic"),
        name=str(doc.get("name") or "learned"),
    )


# --- splits ---------------------------------------------------------------------------------


def split_projects(
    organisations: Sequence[Organisation],
    dates: Mapping[str, dt.date] | None = None,
    *,
    seed: int = 0,
    rounds: int = 5,
) -> tuple[list[Split], Split]:
    """The training splits and the validation split of the registry's projects (see the
    module documentation): by start date where ``dates`` (project name -> start) cover the
    projects that link two organisations, at random otherwise."""
    members: dict[str, set[str]] = {}
    for o in organisations:
        for name in o.projects:
            members.setdefault(name.casefold(), set()).add(o.id)
    linking = sorted(p for p, m in members.items() if len(m) > 1)
    if len(linking) < 3:
        raise InvalidInputError(
            f"learning needs partnerships: at least 3 projects shared by two or more "
            f"organisations; this registry has {len(linking)}"
        )
    alone = frozenset(p for p, m in members.items() if len(m) == 1)
    folded = {k.casefold(): v for k, v in (dates or {}).items()}
    dated = [p for p in linking if p in folded]
    if dates and len(dated) >= 3:
        # Rolling origin: each chronological block of the later projects is predicted from
        # the projects that started before it; the last block validates.
        order = sorted(dated, key=lambda p: (folded[p], p))
        undated = frozenset(p for p in members if p not in folded)
        first = min(max(int(len(order) * 0.25), 1), len(order) - 2)
        later = order[first:]
        blocks = [
            b for b in np.array_split(np.arange(len(later)), min(rounds, len(later))) if len(b)
        ]
        splits = []
        for b in blocks:
            cut = folded[later[b[0]]]
            history = undated | frozenset(p for p in members if p in folded and folded[p] < cut)
            targets = frozenset(later[k] for k in b) - history
            splits.append(Split(history, targets, f"projects starting from {cut}"))
        splits = [sp for sp in splits if sp.targets]
        if len(splits) >= 2:
            return splits[:-1], splits[-1]
    rng = np.random.default_rng(seed)
    shuffled = [linking[k] for k in rng.permutation(len(linking))]
    lo = min(max(int(len(shuffled) * 0.6), 1), len(shuffled) - 2)
    hi = min(max(int(len(shuffled) * 0.8), lo + 1), len(shuffled) - 1)
    history = frozenset(shuffled[:lo]) | alone
    return (
        [Split(history, frozenset(shuffled[lo:hi]), "a random 20 % of the projects")],
        Split(history, frozenset(shuffled[hi:]), "another random 20 % of the projects"),
    )


AsOf = Callable[[frozenset[str]], Sequence[Organisation]]


def _without_later_projects(organisations: Sequence[Organisation]) -> AsOf:
    def as_of(history: frozenset[str]) -> list[Organisation]:
        return [
            o.model_copy(update={"projects": [p for p in o.projects if p.casefold() in history]})
            for o in organisations
        ]

    return as_of


def _known(o: Organisation) -> bool:
    """Whether a profile says anything (an organisation not yet known has nothing)."""
    return bool(
        o.projects or o.description.strip() or o.needs or o.offers or o.sectors or o.s3_priorities
    )


def _view(
    organisations: Sequence[Organisation], as_of: AsOf, space: ProfileSpace, split: Split
) -> tuple[ProfileMatrix, dict[int, set[int]], dict[int, set[int]]]:
    """Profiles as they were with only the history's projects, the target partners of each
    row, and the history's partners of each row; organisations whose profile was still
    empty then are neither queries nor partners."""
    history = split.history
    past = list(as_of(history))
    if [o.id for o in past] != [o.id for o in organisations]:
        raise InvalidInputError("as_of must return the same organisations in the same order")
    present = {i for i, o in enumerate(past) if _known(o)}
    p = space.transform(past)
    by_project: dict[str, list[int]] = {}
    known: dict[str, list[int]] = {}
    for i, o in enumerate(organisations):
        for name in o.projects:
            key = name.casefold()
            if key in split.targets:
                by_project.setdefault(key, []).append(i)
            elif key in history:
                known.setdefault(key, []).append(i)
    targets: dict[int, set[int]] = {}
    for rows in by_project.values():
        rows = [i for i in rows if i in present]
        for i in rows:
            partners = {j for j in rows if j != i}
            if partners:
                targets.setdefault(i, set()).update(partners)
    object.__setattr__(p, "_present", np.array(sorted(present), dtype=np.int64))
    before: dict[int, set[int]] = {}
    for rows in known.values():
        for i in rows:
            before.setdefault(i, set()).update(j for j in rows if j != i)
    return p, targets, before


# --- features and fit -----------------------------------------------------------------------


def _features(p: ProfileMatrix, scorer: Scorer, i: int, js: Array) -> Array:
    raw, _ = raw_pair_components(p, i, js, scorer)
    comps = calibrated(p, scorer, raw)
    return np.stack([comps[c] for c in COMPONENTS], axis=1).astype(np.float64)


def _training_set(
    p: ProfileMatrix,
    scorer: Scorer,
    targets: Mapping[int, set[int]],
    rng: np.random.Generator,
    negatives: int,
) -> tuple[Array, Array, Array]:
    """Features of each query's partners and of ``negatives`` non-partners drawn at random
    (a sampled softmax: the conditional logit over them estimates the ranking among all).

    Notes
    -----
    Negatives are drawn uniformly on purpose: taking a preset's best candidates as "hard"
    negatives makes that preset's direction look bad by selection, and measured worse on
    held-out partnerships (generated registries; see docs/scoring.md).
    """
    present = getattr(p, "_present", np.arange(len(p)))
    xs: list[Array] = []
    ys: list[Array] = []
    groups: list[Array] = []
    for i in sorted(targets):
        pos = np.array(sorted(targets[i]), dtype=np.int64)
        taken = set(pos.tolist()) | {i}
        pool = np.array([j for j in present.tolist() if j not in taken], dtype=np.int64)
        if len(pool) == 0:
            continue
        neg = rng.choice(pool, size=min(negatives, len(pool)), replace=False)
        js = np.concatenate([pos, neg])
        xs.append(_features(p, scorer, i, js))
        ys.append(np.r_[np.ones(len(pos)), np.zeros(len(neg))])
        groups.append(np.full(len(js), i))
    if not xs:
        raise InvalidInputError("learning needs at least one organisation with a held-out partner")
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(groups)


def fit_nonnegative_ranking(x: Array, y: Array, groups: Array, *, l2: float = 1e-3) -> Array:
    """Weights >= 0 that rank each query's partners above its sampled non-partners: the
    conditional logit (for each partner, the log-probability that it comes first among itself
    and the query's non-partners), minimised by L-BFGS-B with bounds.

    A ranking loss rather than a classification one: what varies between queries (how
    experienced the query itself is, how many texts it has) cancels out, as it does when the
    scorer ranks candidates for one organisation.
    """
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    order = np.argsort(groups, kind="stable")
    x, y, groups = x[order], y[order], groups[order]
    bounds_at = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1], True])
    spans = [
        (int(a), int(b))
        for a, b in itertools.pairwise(bounds_at.tolist())
        if y[a:b].any() and not y[a:b].all()
    ]
    if not spans:
        raise InvalidInputError("learning needs queries with both partners and non-partners")
    n_pos = sum(int(y[a:b].sum()) for a, b in spans)
    d = x.shape[1]

    def loss(w: Array) -> tuple[float, Array]:
        value = 0.0
        grad = np.zeros(d)
        for a, b in spans:
            xs, ys = x[a:b], y[a:b] > 0.5
            s = xs @ w
            neg_s, neg_x = s[~ys], xs[~ys]
            lse_neg = logsumexp(neg_s)
            p_neg = np.exp(neg_s - lse_neg)
            mean_neg = p_neg @ neg_x
            for k in np.flatnonzero(ys):
                both = np.logaddexp(s[k], lse_neg)
                value += both - s[k]
                share = np.exp(s[k] - both)  # probability of the partner against the rest
                grad += share * xs[k] + (1 - share) * mean_neg - xs[k]
        value = value / n_pos + l2 * float(w @ w)
        grad = grad / n_pos + 2 * l2 * w
        return value, grad

    res = minimize(loss, np.full(d, 0.1), jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * d)
    return np.asarray(res.x)


# --- evaluation -----------------------------------------------------------------------------


def evaluate(
    p: ProfileMatrix,
    scorer: Scorer,
    targets: Mapping[int, set[int]],
    before: Mapping[int, set[int]],
    *,
    k: int = K,
) -> dict[str, float]:
    """NDCG@k, precision@k and recall@k of ``scorer``'s suggestions (existing partners
    included, no diversity rule) for the rows with targets; ``new.*`` counts only partners
    that were not partners in the history, and ranks without the history's partners."""
    from matchmaker.quality.ranking import ndcg_at_k, precision_at_k, recall_at_k
    from matchmaker.solvers.suggestions import ranking

    rows = sorted(targets)
    out: dict[str, float] = {"queries": float(len(rows))}
    for label, include in (("all", True), ("new", False)):
        ranked = ranking(p, scorer, k=k, rows=rows, include_partners=include)
        relevant = [targets[i] if include else targets[i] - before.get(i, set()) for i in rows]
        out[f"{label}.ndcg@{k}"] = round(ndcg_at_k(ranked, relevant, k), 4)
        out[f"{label}.precision@{k}"] = round(precision_at_k(ranked, relevant, k), 4)
        out[f"{label}.recall@{k}"] = round(recall_at_k(ranked, relevant, k), 4)
    return out


def learn_weights(
    organisations: Sequence[Organisation],
    *,
    dates: Mapping[str, dt.date] | None = None,
    preset: str = DEFAULT_PRESET,
    name: str = "learned",
    space: ProfileSpace | None = None,
    as_of: AsOf | None = None,
    negatives: int = 200,
    seed: int = 0,
) -> LearnedScorer:
    """Learn non-negative component weights from the registry's partnerships.

    Parameters
    ----------
    organisations:
        The registry; shared project names are its partnerships.
    dates:
        Project name -> start date; with them the split is by time.
    preset:
        Base settings (geography mode, type matrix, reciprocity) and the prior the learned
        weights are compared with.
    as_of:
        The profiles as they were when only the given projects existed (same organisations,
        same order). By default the profiles less the later projects' names; give it where
        profile texts were written from the projects (descriptions from project abstracts),
        so that no text tells of a held-out partnership.
    negatives:
        Non-partners drawn at random for each organisation with held-out partners.

    Returns
    -------
    LearnedScorer
        The scorer, its validation figures beside every preset's, and the split.

    Raises
    ------
    InvalidInputError
        When the registry has too few shared projects to learn from.
    """
    if preset not in PRESETS:
        raise InvalidInputError(f"preset '{preset}' must be one of: {', '.join(PRESETS)}")
    orgs = list(organisations)
    trains, valid = split_projects(orgs, dates, seed=seed)
    past = as_of or _without_later_projects(orgs)
    fitted = (space or ProfileSpace()).fit(orgs)
    base = make_scorer(preset)
    rng = np.random.default_rng(seed)
    xs: list[Array] = []
    ys: list[Array] = []
    gs: list[Array] = []
    n_queries = 0
    for train in trains:
        p_train, t_train, _ = _view(orgs, past, fitted, train)
        if not t_train:
            continue
        x_part, y_part, g_part = _training_set(p_train, base, t_train, rng, negatives)
        xs.append(x_part)
        ys.append(y_part)
        gs.append(g_part + len(orgs) * len(gs))  # a query of each split is a group of its own
        n_queries += len(t_train)
    if not xs:
        raise InvalidInputError("learning needs at least one organisation with a held-out partner")
    x, y, groups = np.concatenate(xs), np.concatenate(ys), np.concatenate(gs)
    # The preset's own score is one more feature: the fit can keep the prior's direction at the
    # price of one weight, and folds back into non-negative component weights.
    prior = np.asarray(base.weights, dtype=np.float64)
    fitted_w = fit_nonnegative_ranking(np.c_[x, x @ prior], y, groups)
    w = fitted_w[:-1] + fitted_w[-1] * prior
    if w.sum() <= 0:
        raise InvalidInputError(
            "no component separates the held-out partners from other organisations: every "
            "learned weight is 0; keep a preset"
        )
    weights = {c: float(v) for c, v in zip(COMPONENTS, w, strict=True)}
    scorer = make_scorer(preset, weights=weights, name=name)
    p_valid, t_valid, b_valid = _view(orgs, past, fitted, valid)
    validation = {scorer.label: evaluate(p_valid, scorer, t_valid, b_valid)}
    for other in PRESETS:
        validation[other] = evaluate(p_valid, make_scorer(other), t_valid, b_valid)
    details = {
        "training": {
            "splits": [t.label for t in trains],
            "pairs": len(y),
            "positives": int(y.sum()),
            "queries": n_queries,
        },
        "validation": {"split": valid.label, "organisations": len(t_valid)},
        "raw_weights": {c: round(float(v), 6) for c, v in zip(COMPONENTS, w, strict=True)},
        "prior_share": round(float(fitted_w[-1] * prior.sum() / max(w.sum(), 1e-12)), 4),
    }
    return LearnedScorer(scorer, validation, details)
