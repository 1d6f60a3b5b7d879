"""The collaboration network: who has worked with whom, from the profiles' shared projects.

Two organisations that list the same project are existing partners. Real partnerships form
along earlier ones (CORDIS: partners of partners become partners), so two components come from
this network:

``network``
    Partners of partners, by the Adamic–Adar index: the sum, over the partners the two share,
    of ``1 / log(degree)`` of each (a partner shared through a 50-member consortium tells less
    than one shared through a project of three), plus 1 for organisations that have worked
    together already (they are left out of suggestions unless asked for), as
    ``1 - exp(-index)`` in [0, 1).
``experience``
    How many projects each side has joined, saturating (``projects / (projects + 3)``), as the
    mean of both sides: symmetric, and for one organisation the more experienced partner ranks
    higher by the same margin whatever the organisation's own experience.

Decisions
---------
- Projects are matched by name, case-insensitively, as the profiles give them; a project
  joined by one organisation only links no one, but counts as experience.
- The index is computed on sparse matrices, one query row at a time or for an event's rows:
  O(sum over shared partners) per pair, never n² for a registry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["Network", "network_of"]

Array = npt.NDArray[Any]
F32 = np.float32
EXPERIENCE_SCALE = 3.0


class Network:
    """The project graph of a registry (built once per :class:`ProfileMatrix`)."""

    def __init__(self, projects: list[frozenset[str]]) -> None:
        n = len(projects)
        names: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, ps in enumerate(projects):
            for name in ps:
                rows.append(i)
                cols.append(names.setdefault(name, len(names)))
        incidence = sp.csr_matrix(
            (np.ones(len(rows), dtype=F32), (rows, cols)), shape=(n, len(names)), dtype=F32
        )
        adjacency = sp.csr_matrix(incidence @ incidence.T)
        adjacency.setdiag(0)
        adjacency.eliminate_zeros()
        adjacency.data[:] = 1.0
        self.adjacency: sp.csr_matrix = adjacency
        self.degree: Array = np.diff(adjacency.indptr).astype(np.int64)
        inv_log = np.zeros(n, dtype=F32)
        many = self.degree > 1
        inv_log[many] = 1.0 / np.log(self.degree[many])
        self._weighted: sp.csr_matrix = sp.csr_matrix(adjacency @ sp.diags(inv_log))
        self.n_projects: Array = np.diff(incidence.indptr).astype(np.int64)
        k = self.n_projects.astype(np.float64)
        self.experience: Array = (k / (k + EXPERIENCE_SCALE)).astype(F32)
        self.empty = adjacency.nnz == 0

    def _index(self, rows: Array, cols: Array | None, *, linked: bool) -> sp.csr_matrix:
        """The Adamic–Adar index (plus 1 for a shared project with ``linked``), sparse."""
        rows = np.asarray(rows, dtype=np.int64)
        left = self._weighted[rows]
        # the adjacency is symmetric: its rows are the columns wanted
        right = (self.adjacency if cols is None else self.adjacency[np.asarray(cols)]).T
        index = sp.csr_matrix(left @ right)
        if linked:
            direct = self.adjacency[rows]
            if cols is not None:
                direct = direct[:, np.asarray(cols, dtype=np.int64)]
            index = sp.csr_matrix(index + direct)
        return index

    def adamic_adar(self, rows: Array, cols: Array | None = None) -> Array:
        """The Adamic–Adar index of ``rows`` x ``cols`` (``None``: every row), dense."""
        n = self.adjacency.shape[0]
        width = n if cols is None else len(cols)
        if self.empty or len(rows) == 0:
            return np.zeros((len(rows), width), dtype=F32)
        out: Array = np.asarray(self._index(rows, cols, linked=False).toarray(), dtype=F32)
        return out

    def component(self, rows: Array, cols: Array | None = None) -> Array:
        """The ``network`` component: ``1 - exp(-(Adamic–Adar + existing link))``, computed on
        the pairs that have either (most have none: 0)."""
        n = self.adjacency.shape[0]
        width = n if cols is None else len(cols)
        if self.empty or len(rows) == 0:
            return np.zeros((len(rows), width), dtype=F32)
        index = self._index(rows, cols, linked=True)
        index.data = (1.0 - np.exp(-index.data)).astype(F32)
        out: Array = np.asarray(index.toarray(), dtype=F32)
        return out

    def experience_component(self, rows: Array, cols: Array | None = None) -> Array:
        """The ``experience`` component: the mean of both sides' experience."""
        e = self.experience
        c = e if cols is None else e[np.asarray(cols)]
        out: Array = ((e[np.asarray(rows)][:, None] + c[None, :]) / 2).astype(F32)
        return out

    def shared_partners(self, a: int, b: int) -> list[int]:
        """The rows that are partners of both ``a`` and ``b``."""
        adj = self.adjacency
        pa = set(adj.indices[adj.indptr[a] : adj.indptr[a + 1]].tolist())
        pb = adj.indices[adj.indptr[b] : adj.indptr[b + 1]].tolist()
        return sorted(pa.intersection(pb))


def network_of(p: Any) -> Network:
    """The :class:`Network` of a :class:`ProfileMatrix`, built on first use and kept with it."""
    cache = p.derived()
    net = cache.get("network")
    if net is None:
        net = cache["network"] = Network(p.projects)
    found: Network = net
    return found
