"""The fitted registry behind ``/suggestions``, cached per registry revision.

Fitting the text space and building the matrices takes seconds on a large registry (about 9 s
for 10,000 profiles), a suggestion a few milliseconds. So one fit is kept per process and
reused while ``store.registry_revision()`` is unchanged; a change (an import, an edit, an event
adding organisations) makes the next request start one rebuild, under a lock.

While the rebuild runs, requests are answered from the previous fit (stale by the changes
being fitted, and the answer says which revision it comes from) rather than waiting for
seconds; only a request for an organisation that the previous fit does not hold, or the very
first request, waits for the new fit. Two changes in a row cause at most one rebuild at a time.

A rebuild after a few edits is an update, not a refit: the store names the profiles whose
version changed since the fit (``store.registry_changes``), only those are read and
transformed in the fitted space, and their rows are put in place of the old ones
(``ProfileSpace.update``): milliseconds of work for an edit, where reading and fitting 10,000
profiles again takes about 9 s of CPU, most of it holding the interpreter lock, which made
every request of the worker wait during a refit. The text space is fitted again from scratch
when the profiles changed since the last fit reach a tenth of the registry, when a changed
profile brings an own S3 code the space does not know, or when the revision moved without a
profile changing (the registry's own vocabulary).

After a rebuild the allocator's free memory is given back to the system (glibc's
``malloc_trim``): a refit frees the previous fit's tens of MiB, which glibc otherwise keeps in
the heaps of the threads that used them, so that each refit left a worker's resident set higher
(``benchmarks/api_soak.py``).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

from matchmaker.errors import NotFoundError
from matchmaker.score import PRESETS
from matchmaker.solvers import suggest
from matchmaker.store import Store, StoreEmbeddingCache
from matchmaker.vectorise import ProfileMatrix, ProfileSpace

__all__ = ["Answers", "Fit", "SuggestionIndex", "freeze_long_lived", "release_free_memory"]

log = logging.getLogger("matchmaker.service")


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def freeze_long_lived() -> None:
    """Collect the garbage, then leave every object alive now out of later collections.

    A fit is millions of long-lived objects (profiles, their texts, the vocabulary); the
    collector's full passes walked all of them every few seconds under load, 400 to 500 ms each
    holding the interpreter lock, and found nothing to collect: those pauses were the slowest
    hundredth of the answers (``benchmarks/api_soak.py``). Frozen (:func:`gc.freeze`), they are
    no longer walked; they are still freed by their reference counts when a later fit replaces
    them (a fit holds no reference cycle: ``tests/service/test_suggestions.py``). The collection
    before it walks only what is not frozen yet: the new fit and the requests' garbage.
    """
    gc.collect()
    gc.freeze()


def release_free_memory() -> bool:
    """Give the allocator's free memory back to the system; ``False`` where malloc is not
    glibc's (nothing is done there)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class Answers:
    """The last answers given from one fit, by request: rendered bytes, at most ``max_bytes``
    of them, least recently used dropped first. A fit never changes, so an answer of it stays
    right while it is in use; the next fit starts empty. Thread-safe."""

    def __init__(self, max_bytes: int = 16 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 16:  # a few large answers would push out many small
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.bytes += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while self.bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class Fit:
    """The registry at ``revision``, as matrices.

    ``space`` is the fitted space they are in, ``stamps`` each profile's (version, time of its
    last change) as read, ``drift`` how many profiles changed since ``space`` was fitted, and
    ``answers`` the suggestions last answered from this fit.
    """

    revision: int
    profiles: ProfileMatrix
    space: ProfileSpace | None = None
    stamps: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    drift: int = 0
    answers: Answers = field(default_factory=Answers, compare=False)


class SuggestionIndex:
    """One fitted registry per process, rebuilt when the registry changes.

    Parameters
    ----------
    store:
        Where the registry and its revision are read.
    space:
        Makes the (unfitted) text space; by default a ``ProfileSpace`` whose sentence-model
        embeddings are cached in the store, so that a refit embeds only new or changed texts.
    background:
        Rebuild in a background thread while requests use the previous fit (the service);
        ``False`` makes each request wait for a fit of the current revision (tests that check
        that a change shows at once).
    check_every:
        Ask the store for the registry revision at most this often (seconds); in between the
        last answer is used. The query is a fifth of a suggestion's cost on 10,000 profiles,
        and a change then shows within this time (plus the refit). 0 asks every time.
    refit_share:
        Fit the text space again, rather than update the fitted one, once the profiles changed
        since the last fit reach this share of the registry.
    """

    def __init__(
        self,
        store: Store,
        *,
        space: Callable[[], ProfileSpace] | None = None,
        background: bool = True,
        check_every: float = 0.0,
        refit_share: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.refit_share = refit_share
        self.space: Callable[[], ProfileSpace] = space or (
            lambda: ProfileSpace(cache=StoreEmbeddingCache(store))
        )
        self.background = background
        self.check_every = check_every
        self._clock = clock
        self._checked: tuple[float, int] | None = None
        self._fit: Fit | None = None
        self._build_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._rebuilding = False

    def fit_for(self, org_id: str) -> Fit:
        """A fit holding ``org_id``: the current one, or the previous one while rebuilding.

        Raises
        ------
        NotFoundError
            When the registry (at its current revision) has no such organisation.
        """
        fit = self.ready(org_id)
        if fit is not None:
            return fit
        fit = self._build()
        if org_id not in fit.profiles.index:
            raise NotFoundError("organisation", org_id)
        return fit

    def ready(self, org_id: str) -> Fit | None:
        """The fit to answer from at once (starting a rebuild when the registry changed), or
        ``None`` when the caller has to wait for a new one (:meth:`fit_for`).

        Raises
        ------
        NotFoundError
            When the registry (at its current revision) has no such organisation.
        """
        revision = self._revision()
        fit = self._fit
        if fit is not None and fit.revision == revision:
            if org_id not in fit.profiles.index:
                raise NotFoundError("organisation", org_id)
            return fit
        if self.background and fit is not None and org_id in fit.profiles.index:
            self._rebuild_in_background()
            return fit
        return None

    def _revision(self) -> int:
        now = self._clock()
        checked = self._checked
        if checked is not None and now - checked[0] < self.check_every:
            return checked[1]
        revision = self.store.registry_revision()
        self._checked = (now, revision)
        return revision

    def warm(self) -> None:
        """Fit the current registry in the background (at start-up)."""
        self._rebuild_in_background()

    def refresh(self) -> Fit:
        """Fit the current registry now (when it changed), waiting for it."""
        return self._build()

    def _rebuild_in_background(self) -> None:
        with self._state_lock:
            if self._rebuilding:
                return
            self._rebuilding = True

        def run() -> None:
            try:
                self._build()
            except Exception:  # the next request tries again; this one was answered already
                log.exception("rebuilding the suggestion index failed")
            finally:
                with self._state_lock:
                    self._rebuilding = False
            release_free_memory()  # the previous fit, and what building this one used

        threading.Thread(target=run, name="suggestion-index", daemon=True).start()

    def _build(self) -> Fit:
        # One build at a time; whoever waited on the lock finds the fresh fit and returns it.
        with self._build_lock:
            fit = self._fit
            revision = self.store.registry_revision()
            if fit is not None and fit.revision == revision:
                return fit
            started = time.perf_counter()
            new = self._update(fit) if fit is not None else None
            how = "updated"
            if new is None:
                revision, stamps, organisations = self.store.registry_changes({})
                # In the ids' own order, not the database's collation: every worker's fit,
                # refitted or updated, then has the same rows in the same order.
                organisations.sort(key=lambda o: o.id)
                space = self.space()
                new = Fit(revision, space.fit_transform(organisations), space, stamps)
                how = "fitted"
            if len(new.profiles):
                # Fill the per-matrix lookups the first query would otherwise build: for every
                # preset, since each has its own calibration (0.1 to 0.5 s, which the first
                # request of each preset after an edit spent in a request thread).
                for preset in PRESETS:
                    suggest(new.profiles, new.profiles.ids[0], k=1, scorer=preset)
            self._fit = new
            freeze_long_lived()
            log.info(
                "suggestion index: %d organisations at revision %d (%s in %.2f s)",
                len(new.profiles),
                new.revision,
                how,
                time.perf_counter() - started,
            )
            return new

    def _update(self, fit: Fit) -> Fit | None:
        """``fit`` brought to the current revision by transforming only the changed profiles;
        ``None`` when a refit is due."""
        if fit.space is None:
            return None
        revision, stamps, changed = self.store.registry_changes(fit.stamps)
        removed = [oid for oid in fit.stamps if oid not in stamps]
        drift = fit.drift + len(changed) + len(removed)
        if not changed and not removed:  # the revision moved for another reason: refit
            return None
        if drift > self.refit_share * max(len(stamps), 1):
            return None
        profiles = fit.space.update(fit.profiles, changed, removed, sort_ids=True)
        if profiles is None:
            return None
        return Fit(revision, profiles, fit.space, stamps, drift)
