"""Profiles as matrices: :class:`ProfileSpace` turns organisations into :class:`ProfileMatrix`.

Follows scikit-learn's conventions: ``__init__`` stores keyword-only settings, ``fit`` learns and
returns ``self``, learned state ends in ``_``, ``transform`` before ``fit`` raises
:class:`~matchmaker.errors.NotFittedError`.

What is learned, and why:

* **Codes** (NACE sectors, S3 priorities) become sparse rows that carry the code *and its
  ancestors* (C26.51 also sets C26.5, C26 and C), so that the cosine of C26.51 and C26.52 is
  high and that of C26.51 and A01.1 is zero. S3 codes also carry the broad theme they belong to
  (IE02 "Agri-food", TP-AGRIFOOD and NABS08 "Agriculture" share the theme *agri-food*). The code
  index is the whole taxonomy, so it does not depend on the data.
* **Texts**: each need, each offer and each organisation's description (with its projects'
  texts) become unit vectors of a text encoder (:mod:`matchmaker.text`): by default a
  multilingual sentence-embedding model, so that different wordings and languages of one topic
  meet; ``encoder="tfidf"`` fits TF-IDF with latent semantic analysis on the registry's texts
  instead. Each distinct text is encoded once (registries repeat phrases; the model's vectors
  are cached by text hash), and the fit is independent of the order of the rows.
* **Profiles without a needs/offers split** (a registration form's description, project
  abstracts) still match: an organisation with a description and no offers is taken to offer
  what its description says, and every organisation has a *topic* vector (description, offers
  and needs together) for relatedness.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matchmaker import taxonomy
from matchmaker._bulk import paused_gc
from matchmaker.errors import InvalidInputError, NotFittedError
from matchmaker.models import Organisation, OrgType
from matchmaker.text import EmbeddingCache, SentenceEncoder, TfidfEncoder, l2_dense, make_encoder
from matchmaker.text.tfidf import l2_rows, stable_hash

__all__ = [
    "S3_THEMES",
    "THEME_LABELS",
    "ProfileMatrix",
    "ProfileSpace",
    "code_features",
]

FORMAT = "matchmaker-space/2"
F32 = np.float32
Array = npt.NDArray[Any]

# Latent dimensions of the TF-IDF encoder kept for the fast candidate search (the leading ones of
# the SVD); the sentence model's vectors are kept whole.
RETRIEVAL_DIMS = 64
# The sentence model's 512 dimensions projected on the registry's leading directions (a
# truncated SVD of a sample of its text vectors) for the candidate search: a quarter of the
# memory traffic of each query.
SEMANTIC_RETRIEVAL_DIMS = 128
# Weight of a NACE code's own level and of each ancestor level in its vector.
NACE_LEVEL_WEIGHTS = {1: 0.5, 2: 1.0, 3: 1.0, 4: 1.0}
THEME_WEIGHT = 0.7

THEME_LABELS: dict[str, str] = {
    "aerospace": "aerospace, space and defence",
    "agrifood": "agri-food",
    "construction": "construction",
    "creative": "cultural and creative industries",
    "digital": "digital and electronics",
    "education": "education",
    "energy": "energy",
    "environment": "environment",
    "health": "health",
    "industry": "industrial modernisation",
    "mobility": "mobility and transport",
    "research": "research",
    "retail": "retail",
    "social": "social economy and public services",
    "textile": "textiles",
    "tourism": "tourism",
}

# The broad themes of the built-in S3 codes (a code may have several).
S3_THEMES: dict[str, tuple[str, ...]] = {
    "IE01": ("aerospace",),
    "IE02": ("agrifood",),
    "IE03": ("construction",),
    "IE04": ("creative",),
    "IE05": ("digital",),
    "IE06": ("digital", "industry"),
    "IE07": ("industry", "energy"),
    "IE08": ("energy",),
    "IE09": ("health",),
    "IE10": ("mobility",),
    "IE11": ("social",),
    "IE12": ("retail",),
    "IE13": ("textile", "industry"),
    "IE14": ("tourism",),
    "TP-ENERGY": ("energy",),
    "TP-AGRIFOOD": ("agrifood",),
    "TP-INDMOD": ("industry",),
    "NABS01": ("environment",),
    "NABS02": ("environment",),
    "NABS03": ("aerospace",),
    "NABS04": ("mobility", "digital"),
    "NABS05": ("energy",),
    "NABS06": ("industry",),
    "NABS07": ("health",),
    "NABS08": ("agrifood",),
    "NABS09": ("education",),
    "NABS10": ("creative",),
    "NABS11": ("social",),
    "NABS12": ("research",),
    "NABS13": ("research",),
    "NABS14": ("aerospace",),
}

# Themes of NACE codes used as S3 priorities (economic domains), by code prefix; the longest
# matching prefix wins.
NACE_THEMES: dict[str, tuple[str, ...]] = {
    "A": ("agrifood",),
    "B": ("environment", "industry"),
    "C": ("industry",),
    "C10": ("agrifood",),
    "C11": ("agrifood",),
    "C12": ("agrifood",),
    "C13": ("textile",),
    "C14": ("textile",),
    "C15": ("textile",),
    "C21": ("health",),
    "C26": ("digital",),
    "C27": ("energy", "industry"),
    "C29": ("mobility",),
    "C30": ("mobility",),
    "C30.3": ("aerospace",),
    "C32.5": ("health",),
    "D": ("energy",),
    "E": ("environment",),
    "F": ("construction",),
    "G47": ("retail",),
    "H": ("mobility",),
    "I": ("tourism",),
    "J": ("digital",),
    "J58": ("creative",),
    "J59": ("creative",),
    "J60": ("creative",),
    "M72": ("research",),
    "N79": ("tourism",),
    "O": ("social",),
    "P": ("education",),
    "Q": ("health",),
    "R": ("creative",),
    "S": ("social",),
}


def nace_themes(code: str) -> tuple[str, ...]:
    for end in range(len(code), 0, -1):
        themes = NACE_THEMES.get(code[:end])
        if themes is not None:
            return themes
    return ()


def code_features(code: str, *, s3: bool) -> dict[str, float]:
    """The weighted features of one NACE (``s3=False``) or S3 code.

    >>> sorted(code_features("C26.51", s3=False).items())
    [('nace:C', 0.5), ('nace:C26', 1.0), ('nace:C26.5', 1.0), ('nace:C26.51', 1.0)]
    """
    nace = taxonomy.nace()
    feats: dict[str, float] = {}
    if not s3 or nace.is_valid(code):
        if nace.is_valid(code):
            for c in (code, *nace.parents(code)):
                feats[f"nace:{c}"] = NACE_LEVEL_WEIGHTS[nace.level(c)]
        if s3:
            for theme in nace_themes(code):
                feats[f"theme:{theme}"] = THEME_WEIGHT
        return feats
    feats[f"s3:{code}"] = 1.0
    for theme in S3_THEMES.get(code, ()):
        feats[f"theme:{theme}"] = THEME_WEIGHT
    return feats


@dataclass(frozen=True, eq=False)
class ProfileMatrix:
    """Organisations as arrays, one row each, in the order they were given.

    Attributes
    ----------
    ids, index:
        Row ``i`` is organisation ``ids[i]``; ``index`` maps ids to rows.
    sectors, s3:
        Sparse float32 rows (L2-normalised) of NACE codes and S3 priorities with ancestors and
        themes; a dot product is a cosine.
    needs, offers:
        Dense float32 item vectors (unit length) and ``need_owner`` / ``offer_owner``: the row
        each item belongs to (sorted). ``need_ptr[i]:need_ptr[i + 1]`` are row ``i``'s needs.
        An organisation with a description and no offers has its description as its one offer
        (``offer_is_description`` marks such items).
    needs_mean, offers_mean:
        Per row, the normalised sum of its item vectors (zero when it has none), in the
        dimensions of the fast candidate search: the first ``RETRIEVAL_DIMS`` latent dimensions
        for TF-IDF (those of the largest singular values), the leading
        ``SEMANTIC_RETRIEVAL_DIMS`` directions of the registry's embeddings for the sentence
        model.
    topic, topic_retrieval:
        Per row, a unit vector of what the organisation is about: its description, offers and
        needs together (zero when it has no text); and the same in the dimensions of the fast
        candidate search.
    country, nuts1, nuts2, level, region:
        Integer codes (``-1`` unknown) of the country, the NUTS 1 and NUTS 2 regions, the NUTS
        level of each region, and the region codes.
    xyz:
        Unit vectors of the regions' label points (NaN where unknown).
    types:
        Index of each organisation's type in ``list(OrgType)``.
    languages:
        Sparse boolean rows over ISO 639-1 codes.
    """

    ids: list[str]
    index: dict[str, int]
    organisations: list[Organisation]
    sectors: sp.csr_matrix
    s3: sp.csr_matrix
    needs: Array
    need_owner: Array
    need_ptr: Array
    offers: Array
    offer_owner: Array
    offer_ptr: Array
    needs_mean: Array
    offers_mean: Array
    topic: Array
    topic_retrieval: Array
    offer_is_description: Array
    country: Array
    nuts1: Array
    nuts2: Array
    level: Array
    region: list[str]
    xyz: Array
    types: Array
    languages: sp.csr_matrix
    projects: list[frozenset[str]]
    country_codes: list[str] = field(default_factory=list)
    nuts2_codes: list[str] = field(default_factory=list)
    nuts2_adjacent: Array = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    country_adjacent: Array = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    text_encoder: str = "semantic"

    def __len__(self) -> int:
        return len(self.ids)

    def derived(self) -> dict[Any, Any]:
        """Look-up tables derived from these matrices (by the scorer, its calibration, the
        collaboration network), built on first use and kept with them."""
        cache: dict[Any, Any] | None = self.__dict__.get("_derived")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_derived", cache)
        return cache

    def row(self, org_id: str) -> int:
        try:
            return self.index[org_id]
        except KeyError:
            raise InvalidInputError(
                f"organisation '{org_id}' is not in the registry ({len(self.ids)} organisations)"
            ) from None


def item_text(text: str, keywords: Sequence[str]) -> str:
    """What is encoded of an item: its text and the keywords that add a word to it."""
    folded = text.casefold()
    extra = [k for k in keywords if k.casefold() not in folded]
    return f"{text} ({', '.join(extra)})" if extra else text


def description_text(o: Organisation) -> str:
    """What is encoded of an organisation's description."""
    return o.description.strip()


def profile_texts(organisations: Sequence[Organisation]) -> set[str]:
    """Every distinct text of the profiles that is encoded: items and descriptions."""
    texts = {item_text(i.text, i.keywords) for o in organisations for i in (*o.needs, *o.offers)}
    texts.update(t for o in organisations if (t := description_text(o)))
    return texts


class ProfileSpace:
    """Learns the text representation of profiles; turns profiles into matrices.

    Parameters
    ----------
    encoder:
        ``"semantic"`` (default): a multilingual sentence-embedding model that runs offline
        (:class:`~matchmaker.text.SentenceEncoder`); ``"tfidf"``: TF-IDF with latent semantic
        analysis fitted on the registry (:class:`~matchmaker.text.TfidfEncoder`).
    text_dims, max_features, min_df, fit_sample, random_state:
        Settings of the TF-IDF encoder (see :class:`~matchmaker.text.TfidfEncoder`); the
        sentence model ignores them.
    cache:
        A persistent embedding cache (the store's) for the sentence model; embeddings are kept
        in the process's memory in any case.

    Examples
    --------
    >>> from matchmaker.synth import generate_registry
    >>> orgs = generate_registry(50, seed=1).organisations
    >>> profiles = ProfileSpace(encoder="tfidf", text_dims=32).fit(orgs).transform(orgs)
    >>> len(profiles), profiles.needs.shape[1] <= 32
    (50, True)
    """

    encoder_: Any
    retrieval_components_: Array | None
    n_text_dims_: int
    custom_s3_: list[str]
    version_: str
    sector_features_: dict[str, int]
    s3_features_: dict[str, int]
    language_codes_: dict[str, int]

    def __init__(
        self,
        *,
        encoder: str = "semantic",
        text_dims: int = 128,
        max_features: int = 100_000,
        min_df: int = 1,
        fit_sample: int = 20_000,
        random_state: int = 0,
        cache: EmbeddingCache | None = None,
    ) -> None:
        self.encoder = encoder
        self.text_dims = text_dims
        self.max_features = max_features
        self.min_df = min_df
        self.fit_sample = fit_sample
        self.random_state = random_state
        self.cache = cache

    def _make_encoder(self) -> Any:
        return make_encoder(
            self.encoder,
            cache=self.cache,
            dims=self.text_dims,
            max_features=self.max_features,
            min_df=self.min_df,
            fit_sample=self.fit_sample,
            random_state=self.random_state,
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "encoder_"):
            raise NotFittedError(
                "This ProfileSpace instance is not fitted yet. Call 'fit' with the registry's "
                "organisations before 'transform', or load a fitted space."
            )

    def embed(self, texts: Sequence[str]) -> Array:
        """Unit vectors of texts in the fitted text space (one row per text)."""
        self._check_fitted()
        return np.asarray(self.encoder_.encode(list(texts)), dtype=F32)

    @property
    def semantic(self) -> bool:
        """Whether texts are compared by a sentence model (not by their words)."""
        self._check_fitted()
        return bool(self.encoder_.name == "semantic")

    # --- fit / transform ------------------------------------------------------------------------

    def fit(self, organisations: Sequence[Organisation]) -> ProfileSpace:
        """Learn the text space (TF-IDF: vocabularies, IDF weights, latent space) and the
        custom S3 codes from ``organisations``.

        Notes
        -----
        TF-IDF: O(u · t) for u distinct texts (at most ``fit_sample``) of t characters, plus the
        randomized SVD. The sentence model learns nothing here; texts are embedded when
        :meth:`transform` first meets them.
        """
        encoder = self._make_encoder()
        TfidfEncoder(
            dims=self.text_dims,
            max_features=self.max_features,
            min_df=self.min_df,
            fit_sample=self.fit_sample,
        ).check_params()
        if isinstance(encoder, TfidfEncoder):
            encoder.fit(sorted(profile_texts(organisations)))
        self.encoder_ = encoder
        self.n_text_dims_ = int(encoder.dim)
        self.retrieval_components_ = None
        if not isinstance(encoder, TfidfEncoder):
            self.retrieval_components_ = self._fit_retrieval(organisations)
        custom = sorted({c for o in organisations for c in o.s3_priorities if _is_custom(c)})
        self.custom_s3_ = custom
        self._index_features()
        self.version_ = self._version()
        return self

    def _fit_retrieval(self, organisations: Sequence[Organisation]) -> Array | None:
        """The leading directions (uncentred, so that dot products keep their meaning) of a
        sample of the registry's text vectors; ``None`` for a registry too small to need them."""
        from sklearn.utils.extmath import randomized_svd

        texts = profile_texts(organisations)
        if len(texts) <= 4 * SEMANTIC_RETRIEVAL_DIMS:
            return None
        sample = sorted(texts, key=stable_hash)[: self.fit_sample]
        sample.sort()
        vectors = np.asarray(self.encoder_.encode(sample), dtype=F32)
        _, _, vt = randomized_svd(
            vectors, SEMANTIC_RETRIEVAL_DIMS, n_iter=4, random_state=self.random_state
        )
        out: Array = np.asarray(vt, dtype=F32)
        return out

    def _index_features(self) -> None:
        nace = taxonomy.nace()
        sector_feats = [f"nace:{c}" for c in nace.codes()]
        s3_feats = [
            *sector_feats,
            *(f"s3:{c}" for c in taxonomy.s3().codes() if not nace.is_valid(c)),
            *(f"s3:{c}" for c in self.custom_s3_),
            *(f"theme:{t}" for t in THEME_LABELS),
        ]
        self.sector_features_ = {f: i for i, f in enumerate(sector_feats)}
        self.s3_features_ = {f: i for i, f in enumerate(dict.fromkeys(s3_feats))}
        self.language_codes_ = {c: i for i, c in enumerate(taxonomy.languages().codes())}

    def _version(self) -> str:
        h = hashlib.blake2b(digest_size=8)
        h.update(self.encoder_.version.encode())
        h.update("\x1f".join(self.custom_s3_).encode())
        if self.retrieval_components_ is not None:
            h.update(self.retrieval_components_.tobytes())
        return f"{FORMAT}+{h.hexdigest()}"

    def fit_transform(self, organisations: Sequence[Organisation]) -> ProfileMatrix:
        return self.fit(organisations).transform(organisations)

    def transform(self, organisations: Sequence[Organisation]) -> ProfileMatrix:
        """Turn organisations into a :class:`ProfileMatrix` (rows in the given order).

        Raises
        ------
        NotFittedError
            Before :meth:`fit` (or :meth:`load`).
        InvalidInputError
            When an id appears twice.

        Notes
        -----
        O(n) for n organisations, plus the text of each distinct text once.
        """
        self._check_fitted()
        with paused_gc():
            return self._transform(list(organisations))

    def _transform(self, orgs: list[Organisation]) -> ProfileMatrix:
        ids = [o.id for o in orgs]
        index = {oid: i for i, oid in enumerate(ids)}
        if len(index) != len(ids):
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise InvalidInputError(f"organisation id '{dup}' appears more than once")
        n = len(orgs)
        sectors = self._code_matrix((o.sectors for o in orgs), self.sector_features_, s3=False, n=n)
        s3 = self._code_matrix((o.s3_priorities for o in orgs), self.s3_features_, s3=True, n=n)
        need_texts = [[item_text(i.text, i.keywords) for i in o.needs] for o in orgs]
        offer_texts = [[item_text(i.text, i.keywords) for i in o.offers] for o in orgs]
        descriptions = [description_text(o) for o in orgs]
        from_description = [not offer_texts[i] and bool(descriptions[i]) for i in range(n)]
        offer_texts = [
            [descriptions[i]] if from_description[i] else offer_texts[i] for i in range(n)
        ]
        # Each kind of text straight into its own rows: no matrix of every distinct text beside
        # them (a registry of 100,000 holds some 300,000 texts).
        needs, need_owner, need_ptr, needs_mean = self._items(need_texts)
        offers, offer_owner, offer_ptr, offers_mean = self._items(offer_texts)
        offer_is_description = np.zeros(len(offer_owner), dtype=bool)
        offer_is_description[offer_ptr[:-1][np.asarray(from_description, dtype=bool)]] = True
        with_description = [i for i, d in enumerate(descriptions) if d]
        description_vectors = self._encode([descriptions[i] for i in with_description])
        topic, topic_retrieval = self._topic(
            needs,
            need_owner,
            offers,
            offer_owner,
            offer_is_description,
            with_description,
            description_vectors,
            n,
        )
        del description_vectors
        country, nuts1, nuts2, level, xyz, country_codes, nuts2_codes = _geography(orgs)
        type_index = {t: i for i, t in enumerate(OrgType)}
        types = np.fromiter((type_index[o.type] for o in orgs), dtype=np.int8, count=n)
        rows, cols = [], []
        for i, o in enumerate(orgs):
            for lang in o.languages:
                j = self.language_codes_.get(lang)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        languages = sp.csr_matrix(
            (np.ones(len(rows), dtype=F32), (rows, cols)),
            shape=(n, len(self.language_codes_)),
            dtype=F32,
        )
        return ProfileMatrix(
            ids=ids,
            index=index,
            organisations=orgs,
            sectors=sectors,
            s3=s3,
            needs=needs,
            need_owner=need_owner,
            need_ptr=need_ptr,
            offers=offers,
            offer_owner=offer_owner,
            offer_ptr=offer_ptr,
            needs_mean=needs_mean,
            offers_mean=offers_mean,
            topic=topic,
            topic_retrieval=topic_retrieval,
            offer_is_description=offer_is_description,
            country=country,
            nuts1=nuts1,
            nuts2=nuts2,
            level=level,
            region=[o.region for o in orgs],
            xyz=xyz,
            types=types,
            languages=languages,
            projects=[frozenset(p.casefold() for p in o.projects) for o in orgs],
            country_codes=country_codes,
            nuts2_codes=nuts2_codes,
            nuts2_adjacent=_adjacency(nuts2_codes),
            country_adjacent=_adjacency(country_codes),
            text_encoder=str(self.encoder_.name),
        )

    def update(
        self,
        profiles: ProfileMatrix,
        changed: Sequence[Organisation],
        removed: Iterable[str] = (),
        *,
        sort_ids: bool = False,
    ) -> ProfileMatrix | None:
        """``profiles`` with the ``changed`` organisations (edited or new) and without the
        ``removed`` ids, in this fitted space: only the changed rows are transformed.

        Rows that did not change keep their place and their vectors; edited and new
        organisations come after them, in the order given, or every row in the order of the ids
        (``sort_ids``: as a registry read in id order has them). The result equals
        :meth:`transform` of the same organisations in the same order.

        Returns ``None`` where the space itself would have to change (a changed profile uses
        an own S3 code the space was not fitted with): fit again then.

        Notes
        -----
        O(n) array copies for n rows plus the transform of the changed ones: a profile edit
        in a registry of 10,000 costs milliseconds where a refit costs seconds. The text space
        (TF-IDF vocabulary, the sentence model's search directions) stays as fitted; refit
        when much of the registry has changed.
        """
        self._check_fitted()
        changed = list(changed)
        known = set(self.custom_s3_)
        if any(_is_custom(c) and c not in known for o in changed for c in o.s3_priorities):
            return None
        drop = set(removed) | {o.id for o in changed}
        keep = np.fromiter(
            (i for i, oid in enumerate(profiles.ids) if oid not in drop), dtype=np.int64
        )
        with paused_gc():
            merged = _concat(_take(profiles, keep), self._transform(changed))
            if sort_ids:
                order = np.argsort(np.asarray(merged.ids, dtype=object), kind="stable")
                if (order != np.arange(len(order))).any():
                    merged = _concat(_take(merged, order), self._transform([]))
            return merged

    @staticmethod
    def _code_matrix(
        code_lists: Iterable[list[str]], features: dict[str, int], *, s3: bool, n: int
    ) -> sp.csr_matrix:
        cache: dict[str, dict[str, float]] = {}
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for codes in code_lists:
            row: dict[int, float] = {}
            for code in codes:
                feats = cache.get(code)
                if feats is None:
                    feats = cache[code] = code_features(code, s3=s3)
                for f, w in feats.items():
                    j = features.get(f)
                    if j is not None:
                        row[j] = max(row.get(j, 0.0), w)
            indices.extend(row)
            data.extend(row.values())
            indptr.append(len(indices))
        m = sp.csr_matrix(
            (np.asarray(data, dtype=F32), np.asarray(indices, dtype=np.int32), indptr),
            shape=(n, len(features)),
        )
        return l2_rows(m)

    def _project(self, x: Array) -> Array:
        """Vectors in the space of the fast candidate search: the leading LSA dimensions of the
        TF-IDF encoder, the sentence model's vectors on their leading principal directions."""
        enc = self.encoder_
        if isinstance(enc, TfidfEncoder):
            if enc.svd_components_ is not None:
                return x[:, : min(RETRIEVAL_DIMS, int(enc.dim))]
            return x
        if self.retrieval_components_ is None:
            return x
        out: Array = (x @ self.retrieval_components_.T).astype(F32, copy=False)
        return out

    def _encode(self, texts: list[str]) -> Array:
        """One row per text (repeats included), each distinct text encoded once."""
        enc = self.encoder_
        dim = int(enc.dim)
        if not texts:
            return np.zeros((0, dim), dtype=F32)
        if isinstance(enc, SentenceEncoder):
            return np.asarray(enc.encode(texts), dtype=F32)  # it encodes each text once
        unique: dict[str, int] = {}
        index = np.fromiter(
            (unique.setdefault(t, len(unique)) for t in texts), np.int64, len(texts)
        )
        vectors = np.asarray(enc.encode(list(unique)), dtype=F32).reshape(len(unique), dim)
        out: Array = vectors[index]
        return out

    def _items(self, per_org: list[list[str]]) -> tuple[Array, Array, Array, Array]:
        owner: list[int] = []
        flat: list[str] = []
        ptr = [0]
        for i, ts in enumerate(per_org):
            flat.extend(ts)
            owner.extend([i] * len(ts))
            ptr.append(len(flat))
        items = self._encode(flat)
        owner_arr = np.asarray(owner, dtype=np.int64)
        ptr_arr = np.asarray(ptr, dtype=np.int64)
        total = np.zeros((len(per_org), items.shape[1]), dtype=F32)
        if flat:
            np.add.at(total, owner_arr, items)
        return items, owner_arr, ptr_arr, l2_dense(self._project(total))

    def _topic(
        self,
        needs: Array,
        need_owner: Array,
        offers: Array,
        offer_owner: Array,
        offer_is_description: Array,
        with_description: list[int],
        description_vectors: Array,
        n: int,
    ) -> tuple[Array, Array]:
        """Each organisation's topic (unit vectors, and in the search space)."""
        # Each part (description, offers, needs) counts once, however many items it has.
        dims = needs.shape[1]
        topic = np.zeros((n, dims), dtype=F32)
        for items, owner in (
            (offers[~offer_is_description], offer_owner[~offer_is_description]),
            (needs, need_owner),
        ):
            part = np.zeros((n, dims), dtype=F32)
            if len(owner):
                np.add.at(part, owner, items)
            topic += l2_dense(part)
        if with_description:
            topic[with_description] += description_vectors
        return l2_dense(topic), l2_dense(self._project(topic))

    # --- persistence --------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Save the fitted space (NumPy ``.npz``: arrays and a JSON header, no pickles)."""
        self._check_fitted()
        header: dict[str, Any] = {
            "format": FORMAT,
            "version": self.version_,
            "params": {
                "encoder": self.encoder,
                "text_dims": self.text_dims,
                "max_features": self.max_features,
                "min_df": self.min_df,
                "fit_sample": self.fit_sample,
                "random_state": self.random_state,
            },
            "encoder_version": self.encoder_.version,
            "custom_s3": self.custom_s3_,
        }
        arrays: dict[str, Array] = {}
        if self.retrieval_components_ is not None:
            arrays["retrieval_components"] = self.retrieval_components_
        if isinstance(self.encoder_, TfidfEncoder):
            state, enc_arrays = self.encoder_.state()
            header["tfidf"] = state
            arrays.update({f"tfidf.{k}": v for k, v in enc_arrays.items()})
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        target = Path(path)
        with target.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        return target

    @classmethod
    def load(cls, path: str | Path, *, cache: EmbeddingCache | None = None) -> ProfileSpace:
        """Load a space saved by :meth:`save`; the file's format and version are checked."""
        try:
            with np.load(Path(path), allow_pickle=False) as npz:
                header = json.loads(bytes(npz["header"]).decode())
                arrays = {k: npz[k] for k in npz.files if k != "header"}
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInputError(f"'{path}' is not a saved ProfileSpace ({exc})") from None
        if header.get("format") != FORMAT:
            raise InvalidInputError(
                f"'{path}' holds a space of format {header.get('format')!r}; this version of "
                f"matchmaker reads {FORMAT!r}: fit the space again"
            )
        space = cls(**header["params"], cache=cache)
        if "tfidf" in header:
            space.encoder_ = TfidfEncoder.from_state(
                header["tfidf"],
                {k.removeprefix("tfidf."): v for k, v in arrays.items() if k.startswith("tfidf.")},
            )
        else:
            space.encoder_ = space._make_encoder()
        if space.encoder_.version != header["encoder_version"]:
            raise InvalidInputError(
                f"'{path}' was saved with the text encoder {header['encoder_version']}; this "
                f"installation has {space.encoder_.version}: fit the space again"
            )
        space.n_text_dims_ = int(space.encoder_.dim)
        space.retrieval_components_ = arrays.get("retrieval_components")
        space.custom_s3_ = header["custom_s3"]
        space._index_features()
        space.version_ = space._version()
        if space.version_ != header["version"]:
            raise InvalidInputError(
                f"'{path}' is damaged: its vocabulary version {header['version']} does not "
                f"match its content ({space.version_})"
            )
        return space

    def __repr__(self) -> str:
        return (
            f"ProfileSpace(encoder={self.encoder!r}, text_dims={self.text_dims}, "
            f"max_features={self.max_features}, min_df={self.min_df}, "
            f"fit_sample={self.fit_sample}, random_state={self.random_state})"
        )


def _take_items(
    items: Array, owner: Array, ptr: Array, rows: Array
) -> tuple[Array, Array, Array, Array]:
    """The items of ``rows`` (in that order), their new owners and pointers, and the positions
    they were taken from."""
    lengths = ptr[rows + 1] - ptr[rows]
    new_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_ptr[1:])
    taken = np.repeat(ptr[rows] - new_ptr[:-1], lengths) + np.arange(new_ptr[-1], dtype=np.int64)
    new_owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    return items[taken], new_owner, new_ptr, taken


def _take(p: ProfileMatrix, rows: Array) -> ProfileMatrix:
    """The rows ``rows`` of ``p``, in that order (geography is rebuilt by :func:`_concat`)."""
    needs, need_owner, need_ptr, _ = _take_items(p.needs, p.need_owner, p.need_ptr, rows)
    offers, offer_owner, offer_ptr, taken = _take_items(p.offers, p.offer_owner, p.offer_ptr, rows)
    ids = [p.ids[i] for i in rows]
    return ProfileMatrix(
        ids=ids,
        index={oid: i for i, oid in enumerate(ids)},
        organisations=[p.organisations[i] for i in rows],
        sectors=p.sectors[rows],
        s3=p.s3[rows],
        needs=needs,
        need_owner=need_owner,
        need_ptr=need_ptr,
        offers=offers,
        offer_owner=offer_owner,
        offer_ptr=offer_ptr,
        needs_mean=p.needs_mean[rows],
        offers_mean=p.offers_mean[rows],
        topic=p.topic[rows],
        topic_retrieval=p.topic_retrieval[rows],
        offer_is_description=p.offer_is_description[taken],
        country=p.country[rows],
        nuts1=p.nuts1[rows],
        nuts2=p.nuts2[rows],
        level=p.level[rows],
        region=[p.region[i] for i in rows],
        xyz=p.xyz[rows],
        types=p.types[rows],
        languages=p.languages[rows],
        projects=[p.projects[i] for i in rows],
        text_encoder=p.text_encoder,
    )


def _concat(a: ProfileMatrix, b: ProfileMatrix) -> ProfileMatrix:
    """``a``'s rows, then ``b``'s; the region codes are numbered again over both."""
    ids = a.ids + b.ids
    index = {oid: i for i, oid in enumerate(ids)}
    if len(index) != len(ids):
        dup = next(oid for oid in b.ids if oid in a.index)
        raise InvalidInputError(f"organisation id '{dup}' appears more than once")
    orgs = a.organisations + b.organisations
    country, nuts1, nuts2, level, xyz, country_codes, nuts2_codes = _geography(orgs)
    n_a = len(a)
    return ProfileMatrix(
        ids=ids,
        index=index,
        organisations=orgs,
        sectors=sp.vstack([a.sectors, b.sectors], format="csr"),
        s3=sp.vstack([a.s3, b.s3], format="csr"),
        needs=np.concatenate([a.needs, b.needs]),
        need_owner=np.concatenate([a.need_owner, b.need_owner + n_a]),
        need_ptr=np.concatenate([a.need_ptr, b.need_ptr[1:] + a.need_ptr[-1]]),
        offers=np.concatenate([a.offers, b.offers]),
        offer_owner=np.concatenate([a.offer_owner, b.offer_owner + n_a]),
        offer_ptr=np.concatenate([a.offer_ptr, b.offer_ptr[1:] + a.offer_ptr[-1]]),
        needs_mean=np.concatenate([a.needs_mean, b.needs_mean]),
        offers_mean=np.concatenate([a.offers_mean, b.offers_mean]),
        topic=np.concatenate([a.topic, b.topic]),
        topic_retrieval=np.concatenate([a.topic_retrieval, b.topic_retrieval]),
        offer_is_description=np.concatenate([a.offer_is_description, b.offer_is_description]),
        country=country,
        nuts1=nuts1,
        nuts2=nuts2,
        level=level,
        region=a.region + b.region,
        xyz=xyz,
        types=np.concatenate([a.types, b.types]),
        languages=sp.vstack([a.languages, b.languages], format="csr"),
        projects=a.projects + b.projects,
        country_codes=country_codes,
        nuts2_codes=nuts2_codes,
        nuts2_adjacent=_adjacency(nuts2_codes),
        country_adjacent=_adjacency(country_codes),
        text_encoder=b.text_encoder,
    )


def _is_custom(code: str) -> bool:
    return not taxonomy.s3().is_valid(code) or taxonomy.s3().family(code) == "custom"


def _geography(
    orgs: list[Organisation],
) -> tuple[Array, Array, Array, Array, Array, list[str], list[str]]:
    nuts = taxonomy.nuts()
    country_codes: dict[str, int] = {}
    nuts1_codes: dict[str, int] = {}
    nuts2_codes: dict[str, int] = {}
    cache: dict[str, tuple[int, int, int, int, tuple[float, float, float]]] = {}
    n = len(orgs)
    country = np.empty(n, dtype=np.int32)
    nuts1 = np.empty(n, dtype=np.int32)
    nuts2 = np.empty(n, dtype=np.int32)
    level = np.empty(n, dtype=np.int8)
    xyz = np.empty((n, 3), dtype=np.float64)
    nan3 = (math.nan, math.nan, math.nan)
    for i, o in enumerate(orgs):
        hit = cache.get(o.region)
        if hit is None:
            lvl = nuts.level(o.region)
            c = country_codes.setdefault(nuts.country(o.region), len(country_codes))
            r1 = nuts1_codes.setdefault(o.region[:3], len(nuts1_codes)) if lvl >= 1 else -1
            r2 = nuts2_codes.setdefault(o.region[:4], len(nuts2_codes)) if lvl >= 2 else -1
            point = nuts.point(o.region)
            if point is None:
                vec = nan3
            else:
                lat, lon = math.radians(point[0]), math.radians(point[1])
                vec = (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))
            hit = cache[o.region] = (c, r1, r2, lvl, vec)
        country[i], nuts1[i], nuts2[i], level[i], xyz[i] = hit
    return country, nuts1, nuts2, level, xyz, list(country_codes), list(nuts2_codes)


def _adjacency(codes: list[str]) -> Array:
    """Land neighbours among ``codes`` (NUTS codes of one level) as a boolean matrix."""
    nuts = taxonomy.nuts()
    index = {c: k for k, c in enumerate(codes)}
    adj = np.zeros((len(codes), len(codes)), dtype=bool)
    for k, code in enumerate(codes):
        for other in nuts.neighbours(code):
            j = index.get(other)
            if j is not None:
                adj[k, j] = adj[j, k] = True
    return adj
