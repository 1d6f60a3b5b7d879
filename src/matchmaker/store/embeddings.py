"""The store as the sentence model's embedding cache: a text is embedded once per store.

A fit of the suggestion index embeds only the texts no earlier fit (of any process sharing the
database) has embedded: after an import or a profile edit, the new or changed texts alone.
Vectors are float32 bytes, keyed by the model's version and a 16-byte hash of the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaker.store.base import StoreBase
from matchmaker.store.schema import EmbeddingRow

__all__ = ["EmbeddingStore", "StoreEmbeddingCache"]

Array = npt.NDArray[Any]
_CHUNK = 500  # keys per query: within every database's limit on bound parameters


class EmbeddingStore(StoreBase):
    """Reads and writes of the ``text_embeddings`` table."""

    def embeddings(self, model: str, keys: Sequence[bytes]) -> dict[bytes, Array]:
        """The stored vectors of ``keys`` (those known) for ``model``."""

        def read(session: Session) -> dict[bytes, Array]:
            out: dict[bytes, Array] = {}
            for start in range(0, len(keys), _CHUNK):
                part = list(keys[start : start + _CHUNK])
                rows = session.execute(
                    select(EmbeddingRow.key, EmbeddingRow.vector).where(
                        EmbeddingRow.model == model, EmbeddingRow.key.in_(part)
                    )
                )
                for key, vector in rows:
                    out[bytes(key)] = np.frombuffer(vector, dtype=np.float32).copy()
            return out

        return self._read(read) if keys else {}

    def save_embeddings(self, model: str, vectors: dict[bytes, Array]) -> int:
        """Store ``vectors`` for ``model``; keys already stored are left as they are (another
        process may have embedded the same text). Returns how many were new."""
        if not vectors:
            return 0

        def write(session: Session) -> int:
            keys = list(vectors)
            known: set[bytes] = set()
            for start in range(0, len(keys), _CHUNK):
                part = keys[start : start + _CHUNK]
                known.update(
                    bytes(k)
                    for (k,) in session.execute(
                        select(EmbeddingRow.key).where(
                            EmbeddingRow.model == model, EmbeddingRow.key.in_(part)
                        )
                    )
                )
            rows = [
                EmbeddingRow(model=model, key=k, vector=np.asarray(v, dtype=np.float32).tobytes())
                for k, v in vectors.items()
                if k not in known
            ]
            session.add_all(rows)
            return len(rows)

        try:
            return self._write(write)
        except IntegrityError:  # a concurrent fit stored some of them first: they are equal
            return 0


class StoreEmbeddingCache:
    """An :class:`~matchmaker.text.EmbeddingCache` backed by a store."""

    def __init__(self, store: EmbeddingStore) -> None:
        self.store = store

    def get_many(self, model: str, keys: Sequence[bytes]) -> dict[bytes, Array]:
        return self.store.embeddings(model, keys)

    def put_many(self, model: str, vectors: dict[bytes, Array]) -> None:
        self.store.save_embeddings(model, vectors)
