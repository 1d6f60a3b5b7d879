"""Text encoders: texts in, unit vectors out, so that a cosine is one dot product.

``semantic`` (the default) is a multilingual sentence-embedding model that runs offline on
the CPU (:class:`SentenceEncoder`); ``tfidf`` is TF-IDF with latent semantic analysis fitted on
the registry's own texts (:class:`TfidfEncoder`), the fallback and the baseline.
"""

from __future__ import annotations

from typing import Any, Literal

from matchmaker.errors import InvalidInputError
from matchmaker.text.semantic import EmbeddingCache, MemoryCache, SentenceEncoder, text_key
from matchmaker.text.tfidf import TfidfEncoder, l2_dense

__all__ = [
    "ENCODERS",
    "EmbeddingCache",
    "EncoderName",
    "MemoryCache",
    "SentenceEncoder",
    "TextEncoder",
    "TfidfEncoder",
    "l2_dense",
    "make_encoder",
    "text_key",
]

EncoderName = Literal["semantic", "tfidf"]
ENCODERS: tuple[str, ...] = ("semantic", "tfidf")
TextEncoder = SentenceEncoder | TfidfEncoder


def make_encoder(
    name: str, *, cache: EmbeddingCache | None = None, **tfidf: Any
) -> SentenceEncoder | TfidfEncoder:
    """The encoder called ``name`` (one of :data:`ENCODERS`), unfitted."""
    if name == "semantic":
        return SentenceEncoder(cache=cache)
    if name == "tfidf":
        return TfidfEncoder(**tfidf)
    raise InvalidInputError(
        f"The 'encoder' parameter of ProfileSpace must be one of {', '.join(ENCODERS)}. "
        f"Got {name!r} instead."
    )
