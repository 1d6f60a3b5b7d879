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
* **Needs and offers**: each item's text and keywords as TF-IDF over word uni- and bigrams and
  character 3- to 5-grams within words (so "nano-materials", "nanomaterials" and small typos
  still meet), reduced by a truncated SVD (latent semantic analysis) to ``text_dims`` dense
  dimensions and normalised: the cosine of two items is one dot product. Small corpora keep the
  TF-IDF vectors themselves. Texts are vectorised once each (registries repeat phrases), and the
  fit is independent of the order of the rows.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
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

__all__ = [
    "S3_THEMES",
    "THEME_LABELS",
    "ProfileMatrix",
    "ProfileSpace",
    "code_features",
]

FORMAT = "matchmaker-space/1"
F32 = np.float32
Array = npt.NDArray[Any]

# Weight of a NACE code's own level and of each ancestor level in its vector.
# Latent dimensions kept for the fast candidate search (the leading ones of the SVD).
RETRIEVAL_DIMS = 64
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


def _nace_themes(code: str) -> tuple[str, ...]:
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
            for theme in _nace_themes(code):
                feats[f"theme:{theme}"] = THEME_WEIGHT
        return feats
    feats[f"s3:{code}"] = 1.0
    for theme in S3_THEMES.get(code, ()):
        feats[f"theme:{theme}"] = THEME_WEIGHT
    return feats


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(F32)) @ m, dtype=F32)


def _l2_dense(m: Array) -> Array:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Array = (m / norms).astype(F32, copy=False)
    return out


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
    needs_mean, offers_mean:
        Per row, the normalised sum of its item vectors (zero when it has none), in the first
        ``RETRIEVAL_DIMS`` latent dimensions (those of the largest singular values): used to
        find candidates fast.
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

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, org_id: str) -> int:
        try:
            return self.index[org_id]
        except KeyError:
            raise InvalidInputError(
                f"organisation '{org_id}' is not in the registry ({len(self.ids)} organisations)"
            ) from None


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def item_text(text: str, keywords: Sequence[str]) -> str:
    """What is vectorised of an item: its text and, weighing more, its keywords."""
    kw = " ".join(keywords)
    return f"{text} {kw} {kw}".strip() if kw else text


class ProfileSpace:
    """Learns the text representation of needs and offers; turns profiles into matrices.

    Parameters
    ----------
    text_dims:
        Dimensions of the latent text space (truncated SVD of the TF-IDF matrix).
    max_features:
        Largest vocabulary of each analyzer (words, character n-grams).
    min_df:
        Ignore terms that occur in fewer distinct item texts.
    fit_sample:
        At most this many distinct item texts are used to learn the vocabulary and the SVD
        (a sample chosen by a hash of the text, so independent of the order of the rows).
    random_state:
        Seed of the randomized SVD.

    Examples
    --------
    >>> from matchmaker.synth import generate_registry
    >>> orgs = generate_registry(50, seed=1).organisations
    >>> profiles = ProfileSpace(text_dims=32).fit(orgs).transform(orgs)
    >>> len(profiles), profiles.needs.shape[1] <= 32
    (50, True)
    """

    word_vocabulary_: list[str]
    char_vocabulary_: list[str]
    word_idf_: Array
    char_idf_: Array
    svd_components_: Array | None
    n_fit_texts_: int
    n_text_dims_: int
    custom_s3_: list[str]
    version_: str
    sector_features_: dict[str, int]
    s3_features_: dict[str, int]
    language_codes_: dict[str, int]
    _char_index_cache: dict[str, int] | None

    def __init__(
        self,
        *,
        text_dims: int = 128,
        max_features: int = 100_000,
        min_df: int = 1,
        fit_sample: int = 20_000,
        random_state: int = 0,
    ) -> None:
        self.text_dims = text_dims
        self.max_features = max_features
        self.min_df = min_df
        self.fit_sample = fit_sample
        self.random_state = random_state

    # --- validation ---------------------------------------------------------------------------

    def _check_params(self) -> None:
        for name, value, low in (
            ("text_dims", self.text_dims, 2),
            ("max_features", self.max_features, 10),
            ("min_df", self.min_df, 1),
            ("fit_sample", self.fit_sample, 10),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InvalidInputError(
                    f"The '{name}' parameter of ProfileSpace must be an int >= {low}. "
                    f"Got {value!r} instead."
                )

    def _check_fitted(self) -> None:
        if not hasattr(self, "word_vocabulary_"):
            raise NotFittedError(
                "This ProfileSpace instance is not fitted yet. Call 'fit' with the registry's "
                "organisations before 'transform', or load a fitted space."
            )

    # --- text ---------------------------------------------------------------------------------

    def _tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sublinear TF-IDF over the fitted word and character vocabularies, rows L2-normed."""
        words, grams = _count(
            texts, {t: i for i, t in enumerate(self.word_vocabulary_)}, self._char_index()
        )
        blocks = []
        for counts, idf in ((words, self.word_idf_), (grams, self.char_idf_)):
            counts = counts.tocsr()
            counts.data = (1.0 + np.log(counts.data)).astype(F32)
            blocks.append(_l2_rows(sp.csr_matrix(counts.multiply(idf[None, :]), dtype=F32)))
        # Words and character n-grams weigh the same.
        return _l2_rows(sp.hstack(blocks, format="csr", dtype=F32))

    def _char_index(self) -> dict[str, int]:
        index = getattr(self, "_char_index_cache", None)
        if index is None:
            index = {t: i for i, t in enumerate(self.char_vocabulary_)}
            self._char_index_cache = index
        return index

    def embed(self, texts: Sequence[str]) -> Array:
        """Unit vectors of texts in the fitted text space (one row per text)."""
        self._check_fitted()
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> Array:
        if not texts:
            return np.zeros((0, self.n_text_dims_), dtype=F32)
        tfidf = self._tfidf(texts)
        if self.svd_components_ is None:
            return np.asarray(tfidf.toarray(), dtype=F32)
        return _l2_dense(np.asarray(tfidf @ self.svd_components_.T, dtype=F32))

    # --- fit / transform ------------------------------------------------------------------------

    def fit(self, organisations: Sequence[Organisation]) -> ProfileSpace:
        """Learn the vocabularies, IDF weights and the latent text space from ``organisations``.

        Notes
        -----
        O(u · t) for u distinct item texts (at most ``fit_sample``) of t characters, plus the
        randomized SVD, O(u · f · text_dims) for f features.
        """
        from sklearn.utils.extmath import randomized_svd

        self._check_params()
        texts = sorted(
            {item_text(i.text, i.keywords) for o in organisations for i in (*o.needs, *o.offers)}
        )
        if len(texts) > self.fit_sample:
            texts = sorted(texts, key=_stable_hash)[: self.fit_sample]
            texts.sort()
        n = max(len(texts), 1)
        self.n_fit_texts_ = len(texts)
        min_df = self.min_df if len(texts) >= 10 * self.min_df else 1
        self._char_index_cache = None
        word_df, char_df = _document_frequencies(texts)
        for name, df_map in (("word", word_df), ("char", char_df)):
            kept = [(t, d) for t, d in df_map.items() if d >= min_df]
            kept.sort(key=lambda td: (-td[1], td[0]))
            kept = sorted(kept[: self.max_features])
            df = np.array([d for _, d in kept], dtype=np.float64)
            setattr(self, f"{name}_vocabulary_", [t for t, _ in kept])
            setattr(self, f"{name}_idf_", (np.log((1 + n) / (1 + df)) + 1.0).astype(F32))
        self.svd_components_ = None
        n_features = len(self.word_vocabulary_) + len(self.char_vocabulary_)
        if len(texts) > 2 * self.text_dims and n_features > self.text_dims:
            tfidf = self._tfidf(texts)
            _, _, vt = randomized_svd(
                tfidf, self.text_dims, n_iter=3, random_state=self.random_state
            )
            self.svd_components_ = np.asarray(vt, dtype=F32)
            self.n_text_dims_ = self.text_dims
        else:
            self.n_text_dims_ = n_features
        custom = sorted({c for o in organisations for c in o.s3_priorities if _is_custom(c)})
        self.custom_s3_ = custom
        self._index_features()
        self.version_ = self._version()
        return self

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
        for part in (self.word_vocabulary_, self.char_vocabulary_, self.custom_s3_):
            h.update("\x1f".join(part).encode())
        if self.svd_components_ is not None:
            h.update(self.svd_components_.tobytes())
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
        O(n) for n organisations, plus the text of each distinct item once.
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
        needs, need_owner, need_ptr, needs_mean = self._items(orgs, "needs")
        offers, offer_owner, offer_ptr, offers_mean = self._items(orgs, "offers")
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
        )

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
        return _l2_rows(m)

    def _items(self, orgs: list[Organisation], kind: str) -> tuple[Array, Array, Array, Array]:
        texts: list[str] = []
        owner: list[int] = []
        ptr = [0]
        for i, o in enumerate(orgs):
            for item in getattr(o, kind):
                texts.append(item_text(item.text, item.keywords))
                owner.append(i)
            ptr.append(len(texts))
        unique = list(dict.fromkeys(texts))
        position = {t: k for k, t in enumerate(unique)}
        vectors = self._embed(unique)
        items = vectors[[position[t] for t in texts]] if texts else vectors
        owner_arr = np.asarray(owner, dtype=np.int64)
        ptr_arr = np.asarray(ptr, dtype=np.int64)
        dims = (
            items.shape[1] if self.svd_components_ is None else min(RETRIEVAL_DIMS, items.shape[1])
        )
        mean = np.zeros((len(orgs), dims), dtype=F32)
        if len(texts):
            np.add.at(mean, owner_arr, items[:, :dims])
        return items, owner_arr, ptr_arr, _l2_dense(mean)

    # --- persistence --------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Save the fitted space (NumPy ``.npz``: arrays and a JSON header, no pickles)."""
        self._check_fitted()
        header = {
            "format": FORMAT,
            "version": self.version_,
            "params": {
                "text_dims": self.text_dims,
                "max_features": self.max_features,
                "min_df": self.min_df,
                "fit_sample": self.fit_sample,
                "random_state": self.random_state,
            },
            "n_fit_texts": self.n_fit_texts_,
            "n_text_dims": self.n_text_dims_,
            "word_vocabulary": self.word_vocabulary_,
            "char_vocabulary": self.char_vocabulary_,
            "custom_s3": self.custom_s3_,
        }
        arrays: dict[str, Array] = {
            "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            "word_idf": self.word_idf_,
            "char_idf": self.char_idf_,
        }
        if self.svd_components_ is not None:
            arrays["svd_components"] = self.svd_components_
        target = Path(path)
        with target.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        return target

    @classmethod
    def load(cls, path: str | Path) -> ProfileSpace:
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
        space = cls(**header["params"])
        space.word_vocabulary_ = header["word_vocabulary"]
        space.char_vocabulary_ = header["char_vocabulary"]
        space.word_idf_ = arrays["word_idf"].astype(F32)
        space.char_idf_ = arrays["char_idf"].astype(F32)
        space.svd_components_ = arrays.get("svd_components")
        space.n_fit_texts_ = header["n_fit_texts"]
        space.n_text_dims_ = header["n_text_dims"]
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
            f"ProfileSpace(text_dims={self.text_dims}, max_features={self.max_features}, "
            f"min_df={self.min_df}, fit_sample={self.fit_sample}, "
            f"random_state={self.random_state})"
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


_TOKEN = re.compile(r"(?u)\b\w\w+\b")
CHAR_NGRAMS = (3, 5)


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


_JOINERS = re.compile(r"(?<=\w)[-\u2010\u2011'’](?=\w)")


def _fold_text(text: str) -> str:
    # "nano-materials" and "nanomaterials" are one word; so are "co-design" and "codesign".
    return _JOINERS.sub("", text.lower())


def _word_terms(text: str) -> list[str]:
    """Word unigrams and bigrams (English stop words removed), as scikit-learn's word analyzer."""
    stop = _stop_words()
    tokens = [t for t in _TOKEN.findall(_fold_text(text)) if t not in stop]
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


@functools.lru_cache(maxsize=500_000)
def _word_grams(word: str) -> tuple[str, ...]:
    """Character n-grams of one word padded with spaces (like ``char_wb``)."""
    w = f" {word} "
    lo, hi = CHAR_NGRAMS
    if len(w) <= lo:
        return (w,)
    return tuple(
        w[k : k + n] for n in range(lo, min(hi, len(w)) + 1) for k in range(len(w) - n + 1)
    )


def _char_words(text: str) -> list[str]:
    return _fold_text(text).split()


def _document_frequencies(texts: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    word_df: dict[str, int] = {}
    char_df: dict[str, int] = {}
    for text in texts:
        for t in set(_word_terms(text)):
            word_df[t] = word_df.get(t, 0) + 1
        grams: set[str] = set()
        for w in _char_words(text):
            grams.update(_word_grams(w))
        for g in grams:
            char_df[g] = char_df.get(g, 0) + 1
    return word_df, char_df


def _count(
    texts: Sequence[str], word_index: dict[str, int], char_index: dict[str, int]
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Term counts of texts over the word and the character vocabularies.

    Character n-grams are counted per distinct word and summed through a (texts x words)
    matrix: each word is cut into n-grams once, however often it occurs.
    """
    w_rows: list[int] = []
    w_cols: list[int] = []
    t_rows: list[int] = []
    t_cols: list[int] = []
    words: dict[str, int] = {}
    for r, text in enumerate(texts):
        for term in _word_terms(text):
            j = word_index.get(term)
            if j is not None:
                w_rows.append(r)
                w_cols.append(j)
        for w in _char_words(text):
            k = words.get(w)
            if k is None:
                k = words[w] = len(words)
            t_rows.append(r)
            t_cols.append(k)
    n = len(texts)
    word_counts = sp.csr_matrix(
        (np.ones(len(w_rows), dtype=F32), (w_rows, w_cols)), shape=(n, len(word_index))
    )
    g_rows: list[int] = []
    g_cols: list[int] = []
    for w, k in words.items():
        for g in _word_grams(w):
            j = char_index.get(g)
            if j is not None:
                g_rows.append(k)
                g_cols.append(j)
    word_grams = sp.csr_matrix(
        (np.ones(len(g_rows), dtype=F32), (g_rows, g_cols)), shape=(len(words), len(char_index))
    )
    text_words = sp.csr_matrix(
        (np.ones(len(t_rows), dtype=F32), (t_rows, t_cols)), shape=(n, len(words))
    )
    word_counts.sum_duplicates()
    char_counts = sp.csr_matrix(text_words @ word_grams)
    return word_counts, char_counts
