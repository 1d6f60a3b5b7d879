"""Benchmark cases of vectorising, scoring and suggesting: time, memory and ranking quality.

Every case works on a generated registry (seed 1) written once as JSON by ``prepare``; the
cases that need a fitted space build it in ``setup``, untimed, in the child that is measured.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.core import Case, Target, register
from matchmaker.score import COMPONENTS

Array = npt.NDArray[Any]

SEED = 1
QUERIES = 50  # suggestion queries timed one by one in suggest.query
EDITS = 10  # profile edits timed one by one in text.edit
K = 10
BASELINES = ("random", "s3_overlap", "text_similarity", "sector_overlap", "tfidf_needs_offers")
ABLATIONS: dict[str, dict[str, Any]] = {
    "ablation_complementarity_only": {"preset": "business", "only": "complementarity"},
    "ablation_uncalibrated": {"preset": "business", "calibrate": False},
    "ablation_tfidf_encoder": {"preset": "business", "encoder": "tfidf"},
    "ablation_preset_policy_learning": {"preset": "policy_learning"},
    "ablation_preset_research": {"preset": "research"},
}
# Each component removed in turn (the default preset's other weights scaled back to 1).
for _c in COMPONENTS:
    ABLATIONS[f"ablation_no_{_c}"] = {"preset": "business", "without": _c}


# --- data -----------------------------------------------------------------------------------


def _registry_json(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Generate a registry of ``n`` profiles (seed 1) as JSON with its planted links, once."""
    from matchmaker.io import write_organisations
    from matchmaker.synth import generate_registry

    n = int(params["n"])
    difficulty = params.get("difficulty", "medium")
    wording = params.get("wording", "shared")
    languages = params.get("languages", "english")
    stem = f"registry_{n}_seed{SEED}_{difficulty}_{wording}_{languages}"
    path = data_dir / f"{stem}.json"
    links = data_dir / f"{stem}.links.json"
    if not (path.exists() and links.exists()):
        registry = generate_registry(
            n, seed=SEED, difficulty=difficulty, wording=wording, languages=languages
        )
        links.write_text(json.dumps(registry.links))
        write_organisations(registry.organisations, path)
    return {"path": str(path), "links": str(links)}


def _organisations(prepared: dict[str, Any]) -> list[Any]:
    from matchmaker.io import read_organisations

    return list(read_organisations(prepared["path"]).organisations)


def embedding_cache(prepared: dict[str, Any]) -> Any:
    """The sentence model's embeddings kept in a store beside the prepared data, as the
    service keeps them: the cases share them, so a text is embedded once per output folder."""
    from matchmaker.store import Store, StoreEmbeddingCache

    folder = Path(prepared["path"]).parent
    return StoreEmbeddingCache(Store(f"sqlite:///{folder / 'embeddings.db'}"))


def _profiles(prepared: dict[str, Any], params: dict[str, Any]) -> Any:
    from matchmaker.vectorise import ProfileSpace

    orgs = _organisations(prepared)
    space = ProfileSpace(encoder=params.get("encoder", "semantic"), cache=embedding_cache(prepared))
    return space.fit(orgs).transform(orgs)


# --- space.fit_transform --------------------------------------------------------------------


def _warm_organisations(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The organisations, with every text's embedding in the store (embedded here, untimed,
    where the store does not have it yet): a refit after an import or an edit."""
    from matchmaker.text import SentenceEncoder
    from matchmaker.vectorise import profile_texts

    orgs = _organisations(prepared)
    cache = embedding_cache(prepared)
    SentenceEncoder(cache=cache).encode(sorted(profile_texts(orgs)))
    return {"orgs": orgs, "cache": cache}


def _fit_transform(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.vectorise import ProfileSpace

    space = ProfileSpace(cache=state["cache"]).fit(state["orgs"])
    profiles = space.transform(state["orgs"])
    return {
        "rows": len(profiles),
        "need_items": int(profiles.needs.shape[0]),
        "offer_items": int(profiles.offers.shape[0]),
        "text_dims": int(space.n_text_dims_),
        "texts_embedded": int(space.encoder_.n_embedded_),
    }


# --- text.embed and text.edit -----------------------------------------------------------------


def _embed_cold(orgs: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    """Every distinct text of the registry through the sentence model, no cache."""
    from matchmaker.text import SentenceEncoder
    from matchmaker.vectorise import profile_texts

    texts = profile_texts(orgs)
    enc = SentenceEncoder()
    unique = sorted(texts)
    t0 = time.perf_counter()
    enc.encode(unique)
    took = time.perf_counter() - t0
    return {
        "organisations": len(orgs),
        "texts": len(unique),
        "texts_per_s": round(len(unique) / max(took, 1e-9), 1),
        "embedded": enc.n_embedded_,
    }


def _edit_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.vectorise import ProfileSpace

    orgs = _organisations(prepared)
    space = ProfileSpace(cache=embedding_cache(prepared)).fit(orgs)
    space.transform(orgs)  # every text embedded and stored
    return {"orgs": orgs, "space": space}


def _edits(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Edit one profile at a time (a new offer and a new description) and transform it: only
    its changed texts go through the model."""
    from matchmaker.models import Item

    space, orgs = state["space"], state["orgs"]
    ms: list[float] = []
    embedded = 0
    for k in range(EDITS):
        o = orgs[(k * 7919) % len(orgs)]
        tag = f"{time.time_ns()}-{k}"  # new texts in every run, also with a store kept from before
        edited = o.model_copy(
            update={
                "offers": [*o.offers, Item(text=f"Retrofit service no. {tag} for harbour cranes")],
                "description": f"{o.description} Edited ({tag}).",
            }
        )
        before = space.encoder_.n_embedded_
        t0 = time.perf_counter()
        space.transform([edited])
        ms.append((time.perf_counter() - t0) * 1000)
        embedded += space.encoder_.n_embedded_ - before
    return {
        "edits": EDITS,
        "edit_ms_median": round(statistics.median(ms), 2),
        "edit_ms_max": round(max(ms), 2),
        "texts_embedded_per_edit": embedded / EDITS,
    }


# --- suggest.query --------------------------------------------------------------------------


def _warm_profiles(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers import suggest

    profiles = _profiles(prepared, params)
    # The first query builds per-registry lookups (names, projects) once; it is reported apart.
    t0 = time.perf_counter()
    suggest(profiles, profiles.ids[0], k=K)
    return {"profiles": profiles, "first_query_ms": (time.perf_counter() - t0) * 1000}


def _queries(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers import suggest

    profiles = state["profiles"]
    rng = np.random.default_rng(SEED)
    rows = rng.choice(len(profiles), size=QUERIES, replace=False)
    ms: list[float] = []
    returned = 0
    for i in rows:
        t0 = time.perf_counter()
        found = suggest(profiles, profiles.ids[int(i)], k=K)
        ms.append((time.perf_counter() - t0) * 1000)
        returned += len(found)
    return {
        "queries": QUERIES,
        "query_ms_median": round(statistics.median(ms), 3),
        "query_ms_p90": round(float(np.percentile(ms, 90)), 3),
        "query_ms_max": round(max(ms), 3),
        "first_query_ms": round(state["first_query_ms"], 3),
        "suggestions": returned,
    }


# --- suggest.batch --------------------------------------------------------------------------


def _batch(profiles: Any, params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.solvers import suggest_all

    queries = full = 0
    for _, found in suggest_all(profiles, k=K):
        queries += 1
        full += len(found) == K
    return {"queries": queries, "full_lists": full}


# --- score.matrix ---------------------------------------------------------------------------


def _score_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The profiles, and the histogram of their pair scores (for the plots, untimed)."""
    from benchmarks.metrics import histogram, upper_triangle
    from matchmaker.score import make_scorer, score_matrix

    profiles = _profiles(prepared, params)
    shown: dict[str, Any] = {}
    if params.get("histogram"):
        scores, _ = score_matrix(profiles, make_scorer())
        shown = {"scores": histogram(upper_triangle(scores))}
    return {"profiles": profiles, "distributions": shown}


def _score_matrix(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.score import make_scorer, score_matrix

    scores, comps = score_matrix(state["profiles"], make_scorer())
    quality: dict[str, Any] = {
        "n": int(scores.shape[0]),
        "components": len(comps),
        "score_mean": round(float(scores.mean()), 4),
        "score_max": round(float(scores.max()), 4),
    }
    if state["distributions"]:
        quality["distributions"] = state["distributions"]
    return quality


# --- quality.ranking ------------------------------------------------------------------------


def _ranking_setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.quality.ranking import relevant_from_links

    profiles = _profiles(prepared, params)
    links = [tuple(pair) for pair in json.loads(Path(prepared["links"]).read_text())]
    relevant = relevant_from_links(links, profiles.index, len(profiles))
    return {"profiles": profiles, "relevant": relevant, "links": len(links), "prepared": prepared}


def _top_k(
    block: Callable[[Array], Array], n: int, k: int, rng: np.random.Generator, chunk: int = 1000
) -> Array:
    """The ``k`` best items of every query by ``block(rows)`` (a rows x n similarity block).

    The query itself is left out and nothing else; ties are broken at random (a noise far below
    the smallest gap between two distinct Jaccard values), so a signal that says nothing about
    a pair ranks it like the random baseline would.
    """
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        s = np.asarray(block(rows), dtype=np.float64)
        s += rng.uniform(0.0, 1e-9, size=s.shape)
        s[np.arange(len(rows)), rows] = -np.inf
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1, kind="stable")
        out[rows] = np.take_along_axis(top, order, axis=1)
    return out


def _jaccard(code_sets: Iterable[Iterable[str]]) -> Callable[[Array], Array]:
    """Rows x n Jaccard similarity of code sets, through a sparse binary matrix."""
    from sklearn.preprocessing import MultiLabelBinarizer

    b = MultiLabelBinarizer(sparse_output=True).fit_transform([sorted(set(c)) for c in code_sets])
    b = b.tocsr().astype(np.float64)
    size = np.asarray(b.sum(axis=1)).ravel()

    def block(rows: Array) -> Array:
        inter = (b[rows] @ b.T).toarray()
        union = size[rows][:, None] + size[None, :] - inter
        return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)

    return block


def _division(code: str) -> str:
    """The NACE division (level 2) of a code; a section stays a section."""
    from matchmaker import taxonomy

    nace = taxonomy.nace()
    if nace.level(code) <= 2:
        return code
    return next(c for c in nace.parents(code) if nace.level(c) == 2)


def _whole_text(org: Any) -> str:
    items = [f"{i.text} {' '.join(i.keywords)}" for i in (*org.needs, *org.offers)]
    return " ".join([*items, org.description])


def _text_similarity(orgs: list[Any]) -> Callable[[Array], Array]:
    """Rows x n TF-IDF cosine of whole profile texts, as a keyword-matching platform does."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english").fit_transform([_whole_text(o) for o in orgs])

    def block(rows: Array) -> Array:
        return np.asarray((x[rows] @ x.T).toarray())

    return block


def _scorer_ranking(profiles: Any, scorer: Any, k: int) -> Array:
    """Top-k of every organisation by the scorer itself: partners kept, no diversity rule."""
    from matchmaker.solvers import ranking

    out: Array = ranking(profiles, scorer, k=k)
    return out


def _items_text(items: Iterable[Any]) -> str:
    return " ".join(f"{i.text} {' '.join(i.keywords)}" for i in items)


def _needs_offers_tfidf(orgs: list[Any]) -> Callable[[Array], Array]:
    """Rows x n TF-IDF cosine of needs against offers, both directions (harmonic mean), other
    countries only: the plain baseline a keyword platform would run."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    needs = [_items_text(o.needs) for o in orgs]
    offers = [_items_text(o.offers) for o in orgs]
    vec = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True)
    vec.fit(needs + offers)
    x_needs, x_offers = vec.transform(needs), vec.transform(offers)
    country = np.array([o.region[:2] for o in orgs])

    def block(rows: Array) -> Array:
        ab = np.asarray((x_needs[rows] @ x_offers.T).toarray())
        ba = np.asarray((x_offers[rows] @ x_needs.T).toarray())
        total = ab + ba
        s = np.divide(2 * ab * ba, total, out=np.zeros_like(total), where=total > 0)
        s[country[rows][:, None] == country[None, :]] = -1.0
        return s

    return block


def _rankings(profiles: Any, k: int, prepared: dict[str, Any] | None = None) -> dict[str, Array]:
    from matchmaker.score import COMPONENTS, make_scorer

    n = len(profiles)
    orgs = profiles.organisations
    rng = np.random.default_rng(SEED)
    ranked = {"full": _scorer_ranking(profiles, make_scorer(), k)}
    ranked["random"] = _top_k(lambda rows: rng.random((len(rows), n)), n, k, rng)
    ranked["s3_overlap"] = _top_k(_jaccard(o.s3_priorities for o in orgs), n, k, rng)
    ranked["text_similarity"] = _top_k(_text_similarity(orgs), n, k, rng)
    sectors = ({_division(c) for c in o.sectors} for o in orgs)
    ranked["sector_overlap"] = _top_k(_jaccard(sectors), n, k, rng)
    ranked["tfidf_needs_offers"] = _top_k(_needs_offers_tfidf(orgs), n, k, rng)
    tfidf_profiles = None
    for name, spec in ABLATIONS.items():
        weights = None
        if "only" in spec:
            weights = {c: float(c == spec["only"]) for c in COMPONENTS}
        if "without" in spec:
            weights = {spec["without"]: 0.0}
        scorer = make_scorer(spec["preset"], weights=weights, calibrate=spec.get("calibrate", True))
        target = profiles
        if spec.get("encoder") == "tfidf":
            if prepared is None:
                continue
            if tfidf_profiles is None:
                tfidf_profiles = _profiles(prepared, {"encoder": "tfidf"})
            target = tfidf_profiles
        ranked[name] = _scorer_ranking(target, scorer, k)
    return ranked


def _ranking_quality(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.quality.ranking import ranking_report

    profiles, relevant = state["profiles"], state["relevant"]
    n = len(profiles)
    quality: dict[str, Any] = {"n": n, "links": state["links"]}
    ndcg = f"ndcg@{K}"
    for method, ranked in _rankings(profiles, K, state.get("prepared")).items():
        report = ranking_report(ranked, relevant, n_items=n, k=K)
        quality["queries"] = report.pop("queries")
        for metric, value in report.items():
            quality[f"{method}.{metric}"] = round(value, 4)
    for baseline in BASELINES:
        margin = quality[f"full.{ndcg}"] - quality[f"{baseline}.{ndcg}"]
        quality[f"margin_vs_{baseline}"] = round(margin, 4)
    for metric in (f"precision@{K}", f"recall@{K}"):
        base = quality[f"tfidf_needs_offers.{metric}"]
        ratio = quality[f"full.{metric}"] / base if base > 0 else float("inf")
        quality[f"ratio_{metric.split('@')[0]}_vs_tfidf_needs_offers"] = round(ratio, 3)
    return quality


def _beats_baselines() -> list[Target]:
    return [
        Target(f"quality.margin_vs_{b}", ">=", 0.0001, f"full NDCG@{K} above {b}")
        for b in BASELINES
    ]


# --- registration ---------------------------------------------------------------------------

register(
    Case(
        name="space.fit_transform",
        group="space",
        description=(
            "Refit a ProfileSpace on a generated registry and transform it, every text's "
            "embedding already in the store (a refit after an import or an edit)."
        ),
        prepare=_registry_json,
        setup=_warm_organisations,
        run=_fit_transform,
        params={"quick": {"n": 10_000}, "full": {"n": 100_000}},
        repeats=3,
        targets={
            "full": [
                Target("time_s.median", "<=", 60.0, "100,000 profiles in at most 60 s"),
                Target("peak_memory_mib", "<=", 4096.0, "at most 4 GiB peak memory"),
                Target("quality.texts_embedded", "<=", 0.0, "no text embedded again"),
            ],
            "quick": [
                Target("time_s.median", "<=", 6.0 * 2, "a tenth of the full target, doubled"),
                Target("peak_memory_mib", "<=", 4096.0, "at most 4 GiB peak memory"),
                Target("quality.texts_embedded", "<=", 0.0, "no text embedded again"),
            ],
        },
    )
)

register(
    Case(
        name="text.embed",
        group="space",
        description="Embed every distinct text of a generated registry once, cold (no cache).",
        prepare=_registry_json,
        setup=lambda prepared, params: _organisations(prepared),
        run=_embed_cold,
        params={"quick": {"n": 2_000}, "full": {"n": 100_000}},
        repeats=1,
        targets={
            "full": [
                Target("time_s.median", "<=", 1200.0, "100,000 profiles in at most 20 min"),
                Target("peak_memory_mib", "<=", 4096.0, "at most 4 GiB peak memory"),
            ],
            "quick": [
                Target("time_s.median", "<=", 1200.0 / 50 * 2, "the full target per profile, x2"),
                Target("peak_memory_mib", "<=", 4096.0, "at most 4 GiB peak memory"),
            ],
        },
    )
)

register(
    Case(
        name="text.edit",
        group="space",
        description=f"{EDITS} profile edits (a new offer, a new description), each transformed.",
        prepare=_registry_json,
        setup=_edit_setup,
        run=_edits,
        params={"quick": {"n": 2_000}, "full": {"n": 100_000}},
        repeats=3,
        targets={
            "full": [Target("quality.edit_ms_median", "<=", 200.0, "one edit in 200 ms")],
            "quick": [Target("quality.edit_ms_median", "<=", 200.0, "one edit in 200 ms")],
        },
    )
)

register(
    Case(
        name="suggest.query",
        group="suggest",
        description=f"{QUERIES} single suggestion queries (k={K}, default preset), each timed.",
        prepare=_registry_json,
        setup=_warm_profiles,
        run=_queries,
        params={"quick": {"n": 10_000}, "full": {"n": 100_000}},
        repeats=3,
        targets={
            "full": [
                Target("quality.query_ms_median", "<=", 20.0, "median query of 100,000 profiles"),
            ],
            "quick": [
                Target("quality.query_ms_median", "<=", 20.0, "median query of 10,000 profiles"),
            ],
        },
    )
)

register(
    Case(
        name="suggest.batch",
        group="suggest",
        description=f"Top-{K} suggestions for every organisation (suggest_all).",
        prepare=_registry_json,
        setup=_profiles,
        run=_batch,
        params={"quick": {"n": 2_000}, "full": {"n": 20_000}},
        repeats=3,
        series="suggest.batch",
        targets={
            "full": [Target("time_s.median", "<=", 30.0, "all of 20,000 profiles in 30 s")],
            "quick": [Target("time_s.median", "<=", 3.0 * 2, "a tenth of the full target, x2")],
        },
    )
)

register(
    Case(
        name="score.matrix",
        group="score",
        description="Dense score matrix (and components) of an event-sized set.",
        prepare=_registry_json,
        setup=_score_setup,
        run=_score_matrix,
        params={"quick": {"n": 500, "histogram": True}, "full": {"n": 2_000, "histogram": True}},
        repeats=5,
        series="score.matrix",
        targets={
            "full": [Target("time_s.median", "<=", 2.0, "a 2,000-participant event in 2 s")],
            "quick": [
                Target("time_s.median", "<=", 2.0 / 16 * 2, "the full target scaled by n², x2")
            ],
        },
    )
)

for _name, _difficulty, _quick_n in (
    ("quality.ranking.easy", "easy", 1_000),
    ("quality.ranking", "medium", 1_000),
    ("quality.ranking.hard", "hard", 1_000),
):
    register(
        Case(
            name=_name,
            group="quality",
            description=(
                f"NDCG@{K} and more against planted links ({_difficulty}): the full scorer, "
                "single-signal baselines and ablations, in one run."
            ),
            prepare=_registry_json,
            setup=_ranking_setup,
            run=_ranking_quality,
            params={
                "quick": {"n": _quick_n, "difficulty": _difficulty},
                "full": {"n": 5_000, "difficulty": _difficulty},
            },
            repeats=1,
            targets={
                "full": _beats_baselines(),
                "quick": _beats_baselines(),
            },
        )
    )


def _beats_tfidf(floor: float | None) -> list[Target]:
    out = [
        *_beats_baselines(),
        Target(
            "quality.ratio_precision_vs_tfidf_needs_offers",
            ">=",
            1.3,
            "precision@10 at least 1.3 times TF-IDF of needs against offers",
        ),
    ]
    if floor is not None:
        out.append(
            Target(
                f"quality.full.recall@{K}", ">=", floor, f"recall@{K} (hits / partners) >= {floor}"
            )
        )
    return out


for _name, _mode, _floor, _how in (
    ("quality.ranking.paraphrase", {"wording": "paraphrase"}, 0.6, "worded apart from the needs"),
    (
        "quality.ranking.multilingual",
        {"languages": "native"},
        None,
        "in the organisations' own languages (DE, FR, ES, IT, PL)",
    ),
):
    register(
        Case(
            name=_name,
            group="quality",
            description=(
                f"NDCG@{K}, precision and recall against planted links on a registry whose "
                f"offers are {_how}: "
                "the full scorer beside TF-IDF of needs against offers and the other baselines."
            ),
            prepare=_registry_json,
            setup=_ranking_setup,
            run=_ranking_quality,
            params={
                "quick": {"n": 1_000, "difficulty": "medium", **_mode},
                "full": {"n": 2_000, "difficulty": "medium", **_mode},
            },
            repeats=1,
            targets={"full": _beats_tfidf(_floor), "quick": _beats_tfidf(None)},
        )
    )
