"""API keys at request time: the principal of a key, looked up in the store.

A key's principal is remembered for a few seconds (by the SHA-256 of the key, never the key
itself) so that a busy client does not cost a database query per request; a key revoked
through this process is forgotten at once, one revoked elsewhere within ``ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import cast

from matchmaker.service.deps import Principal, Role
from matchmaker.store import Store

__all__ = ["KeyRing"]


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


class KeyRing:
    """Authenticate keys against ``store``, with a short cache.

    Parameters
    ----------
    store:
        The store holding the hashed keys.
    ttl:
        Seconds a key's principal is remembered; 0 turns the cache off.
    """

    def __init__(
        self, store: Store, *, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[bytes, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> Principal | None:
        """Who ``key`` belongs to, when that was looked up less than ``ttl`` seconds ago."""
        if self.ttl <= 0:
            return None
        digest = _digest(key)
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and self._clock() - hit[0] < self.ttl:
            return hit[1]
        return None

    def principal(self, key: str) -> Principal | None:
        """Who ``key`` belongs to, or ``None`` when it is unknown or revoked."""
        found = self.cached(key)
        if found is not None:
            return found
        digest = _digest(key)
        now = self._clock()
        record = self.store.authenticate(key)
        if record is None:
            return None
        found = Principal(
            role=cast(Role, record.role),
            subject=record.subject or "",
            name=record.name or "",
            key_id=record.id,
        )
        if self.ttl > 0:
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now, found)
        return found

    def forget(self, key_id: str) -> None:
        """Drop a revoked key from the cache."""
        with self._lock:
            for digest, (_, p) in list(self._cache.items()):
                if p.key_id == key_id:
                    del self._cache[digest]

    def clear(self) -> None:
        """Forget every key (after changes that revoke keys in bulk)."""
        with self._lock:
            self._cache.clear()
