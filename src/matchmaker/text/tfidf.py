"""TF-IDF with latent semantic analysis: the encoder that needs no model.

Each text becomes sublinear TF-IDF over word uni- and bigrams and character 3- to 5-grams within
words (so "nano-materials", "nanomaterials" and small typos still meet), reduced by a truncated
SVD (latent semantic analysis) to ``dims`` dense dimensions and normalised: the cosine of two
texts is one dot product. Small corpora keep the TF-IDF vectors themselves.

Decisions
---------
- It is *fitted*: the vocabulary, the IDF weights and the SVD are learned from the registry's
  own texts, so its vectors change with every fit and are never cached across fits.
- It compares wordings, not meanings: "UAV inspection" and "aerial monitoring" share nothing,
  and an English need never meets a German offer. It stays as the fallback where the sentence
  model is not installed, and as the baseline the benchmarks measure the model against.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matchmaker.errors import InvalidInputError

__all__ = ["TfidfEncoder"]

F32 = np.float32
Array = npt.NDArray[Any]


def l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(F32)) @ m, dtype=F32)


def l2_dense(m: Array) -> Array:
    """Rows scaled to unit length (zero rows stay zero), float32."""
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Array = (m / norms).astype(F32, copy=False)
    return out


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


class TfidfEncoder:
    """TF-IDF over words and character n-grams, reduced by a truncated SVD.

    Parameters
    ----------
    dims:
        Dimensions of the latent space (truncated SVD of the TF-IDF matrix).
    max_features:
        Largest vocabulary of each analyzer (words, character n-grams).
    min_df:
        Ignore terms that occur in fewer distinct texts.
    fit_sample:
        At most this many distinct texts are used to learn the vocabulary and the SVD (a sample
        chosen by a hash of the text, so independent of the order of the rows).
    random_state:
        Seed of the randomized SVD.
    """

    name = "tfidf"
    fitted = True

    word_vocabulary_: list[str]
    char_vocabulary_: list[str]
    word_idf_: Array
    char_idf_: Array
    svd_components_: Array | None
    n_fit_texts_: int
    dim_: int

    def __init__(
        self,
        *,
        dims: int = 128,
        max_features: int = 100_000,
        min_df: int = 1,
        fit_sample: int = 20_000,
        random_state: int = 0,
    ) -> None:
        self.dims = dims
        self.max_features = max_features
        self.min_df = min_df
        self.fit_sample = fit_sample
        self.random_state = random_state
        self._char_index_cache: dict[str, int] | None = None

    def check_params(self) -> None:
        for name, value, low in (
            ("text_dims", self.dims, 2),
            ("max_features", self.max_features, 10),
            ("min_df", self.min_df, 1),
            ("fit_sample", self.fit_sample, 10),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InvalidInputError(
                    f"The '{name}' parameter of ProfileSpace must be an int >= {low}. "
                    f"Got {value!r} instead."
                )

    @property
    def dim(self) -> int:
        return self.dim_

    @property
    def version(self) -> str:
        h = hashlib.blake2b(digest_size=8)
        for part in (self.word_vocabulary_, self.char_vocabulary_):
            h.update("\x1f".join(part).encode())
        if self.svd_components_ is not None:
            h.update(self.svd_components_.tobytes())
        return f"tfidf+{h.hexdigest()}"

    def fit(self, texts: Sequence[str]) -> TfidfEncoder:
        """Learn the vocabularies, IDF weights and the latent space from distinct ``texts``.

        Notes
        -----
        O(u · t) for u distinct texts (at most ``fit_sample``) of t characters, plus the
        randomized SVD, O(u · f · dims) for f features.
        """
        from sklearn.utils.extmath import randomized_svd

        self.check_params()
        texts = sorted(set(texts))
        if len(texts) > self.fit_sample:
            texts = sorted(texts, key=stable_hash)[: self.fit_sample]
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
        if len(texts) > 2 * self.dims and n_features > self.dims:
            tfidf = self._tfidf(texts)
            _, _, vt = randomized_svd(tfidf, self.dims, n_iter=3, random_state=self.random_state)
            self.svd_components_ = np.asarray(vt, dtype=F32)
            self.dim_ = self.dims
        else:
            self.dim_ = n_features
        return self

    def _tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sublinear TF-IDF over the fitted word and character vocabularies, rows L2-normed."""
        words, grams = _count(
            texts, {t: i for i, t in enumerate(self.word_vocabulary_)}, self._char_index()
        )
        blocks = []
        for counts, idf in ((words, self.word_idf_), (grams, self.char_idf_)):
            counts = counts.tocsr()
            counts.data = (1.0 + np.log(counts.data)).astype(F32)
            blocks.append(l2_rows(sp.csr_matrix(counts.multiply(idf[None, :]), dtype=F32)))
        # Words and character n-grams weigh the same.
        return l2_rows(sp.hstack(blocks, format="csr", dtype=F32))

    def _char_index(self) -> dict[str, int]:
        index = self._char_index_cache
        if index is None:
            index = {t: i for i, t in enumerate(self.char_vocabulary_)}
            self._char_index_cache = index
        return index

    def encode(self, texts: Sequence[str]) -> Array:
        """Unit vectors of ``texts`` (one float32 row per text)."""
        if not texts:
            return np.zeros((0, self.dim_), dtype=F32)
        tfidf = self._tfidf(texts)
        if self.svd_components_ is None:
            return np.asarray(tfidf.toarray(), dtype=F32)
        return l2_dense(np.asarray(tfidf @ self.svd_components_.T, dtype=F32))

    # --- persistence --------------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, Array]]:
        """The fitted state as a JSON-able header and arrays (no pickles)."""
        header = {
            "params": {
                "dims": self.dims,
                "max_features": self.max_features,
                "min_df": self.min_df,
                "fit_sample": self.fit_sample,
                "random_state": self.random_state,
            },
            "n_fit_texts": self.n_fit_texts_,
            "dim": self.dim_,
            "word_vocabulary": self.word_vocabulary_,
            "char_vocabulary": self.char_vocabulary_,
        }
        arrays: dict[str, Array] = {"word_idf": self.word_idf_, "char_idf": self.char_idf_}
        if self.svd_components_ is not None:
            arrays["svd_components"] = self.svd_components_
        return header, arrays

    @classmethod
    def from_state(cls, header: dict[str, Any], arrays: dict[str, Array]) -> TfidfEncoder:
        enc = cls(**header["params"])
        enc.word_vocabulary_ = header["word_vocabulary"]
        enc.char_vocabulary_ = header["char_vocabulary"]
        enc.word_idf_ = arrays["word_idf"].astype(F32)
        enc.char_idf_ = arrays["char_idf"].astype(F32)
        enc.svd_components_ = arrays.get("svd_components")
        enc.n_fit_texts_ = header["n_fit_texts"]
        enc.dim_ = header["dim"]
        return enc


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
