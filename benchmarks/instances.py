"""Readers of the published grouping benchmark files: MDGPLIB and CCPLIB.

* MDGPLIB (Gallego et al., JORS 2013): line 1 is ``n G ss|ds a_1 b_1 ... a_G b_G``, then one
  line ``i j d_ij`` per unordered pair (0-based).
* CCPLIB RanReal and Sparse: line 1 is ``n K ds L_1 U_1 ... L_K U_K W w_1 ... w_n`` (bounds on
  the sum of the node weights of each cluster), then ``i j d_ij`` lines.
* CCPLIB Handover: ``n``, ``K``, the capacity ``C``, the ``n`` node weights, then the ``n x n``
  edge-weight matrix, whitespace-separated.

Node weights that are not integers (Handover) are scaled by a power of ten to integers, with
the capacity, so that the seats stay exact; ``seat_scale`` says by how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError

__all__ = ["GroupingInstance", "read_ccp", "read_instance", "read_mdgp"]

Kind = Literal["mdgp", "ccp"]


@dataclass(frozen=True, eq=False)
class GroupingInstance:
    """A grouping problem read from a file.

    Attributes
    ----------
    name:
        The file name without its extension.
    weights:
        ``(n, n)`` float64, symmetric, zero diagonal: the value of two nodes in the same group.
    seats:
        ``(n,)`` int64: what each node counts toward group sizes (ones for MDGP).
    lo, hi:
        ``(G,)`` int64: the bounds on each group's size in seats.
    kind:
        ``"mdgp"`` or ``"ccp"``.
    seat_scale:
        The factor applied to the file's node weights and capacities to make them integers
        (1 unless the file has fractional node weights).
    """

    name: str
    weights: npt.NDArray[np.float64]
    seats: npt.NDArray[np.int64]
    lo: npt.NDArray[np.int64]
    hi: npt.NDArray[np.int64]
    kind: Kind
    seat_scale: int = 1

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])

    @property
    def groups(self) -> int:
        return int(self.lo.shape[0])


def _error(path: Path, line: int | None, message: str) -> InvalidInputError:
    where = f"{path}, line {line}" if line is not None else str(path)
    return InvalidInputError(f"{where}: {message}")


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: not a text file ({exc.reason})") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InvalidInputError(f"{path}: the file is empty")
    return lines


def _int(path: Path, line: int | None, token: str, what: str, minimum: int = 0) -> int:
    try:
        value = int(token)
    except ValueError:
        raise _error(path, line, f"{what} must be an integer; got {token!r}") from None
    if value < minimum:
        raise _error(path, line, f"{what} must be >= {minimum}; got {value}")
    return value


def _float(path: Path, line: int | None, token: str, what: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise _error(path, line, f"{what} must be a number; got {token!r}") from None
    if not math.isfinite(value):
        raise _error(path, line, f"{what} must be finite; got {token!r}")
    return value


def _pairs(path: Path, lines: list[str], n: int) -> npt.NDArray[np.float64]:
    """The ``i j d_ij`` lines after the header: every unordered pair exactly once."""
    weights = np.zeros((n, n))
    seen = np.zeros((n, n), dtype=np.bool_)
    for number, raw in enumerate(lines[1:], start=2):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise _error(path, number, f"expected 'i j d_ij' (3 values); got {raw.strip()!r}")
        i = _int(path, number, parts[0], "node i")
        j = _int(path, number, parts[1], "node j")
        if i >= n or j >= n:
            raise _error(path, number, f"node {max(i, j)} is out of range 0..{n - 1}")
        if i == j:
            raise _error(path, number, f"a pair needs two different nodes; got {i} {j}")
        if seen[i, j]:
            raise _error(path, number, f"the pair {min(i, j)} {max(i, j)} appears twice")
        d = _float(path, number, parts[2], f"the weight of {i} {j}")
        weights[i, j] = weights[j, i] = d
        seen[i, j] = seen[j, i] = True
    missing = np.argwhere(np.triu(~seen, 1))
    if len(missing):
        i, j = missing[0]
        raise _error(path, None, f"{len(missing)} pairs have no weight line, the first {i} {j}")
    return weights


def _header_numbers(path: Path, header: list[str], count: int, start: int) -> list[int]:
    values = header[start : start + count]
    if len(values) < count:
        raise _error(path, 1, f"expected {count} group bounds after the type; got {len(values)}")
    return [_int(path, 1, t, f"bound {k + 1} of the header") for k, t in enumerate(values)]


def _bounds(
    path: Path, numbers: list[int], groups: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    lo = np.array(numbers[0::2], dtype=np.int64)
    hi = np.array(numbers[1::2], dtype=np.int64)
    for g in range(groups):
        if lo[g] > hi[g]:
            raise _error(path, 1, f"group {g} has a lower bound {lo[g]} above its upper {hi[g]}")
    return lo, hi


def read_mdgp(path: str | Path) -> GroupingInstance:
    """Read an MDGPLIB file (``n G ss|ds a_1 b_1 ...`` then ``i j d_ij`` lines).

    Raises
    ------
    InvalidInputError
        The file is missing or malformed; the message names the file, the line and the problem.
    """
    path = Path(path)
    lines = _lines(path)
    header = lines[0].split()
    if len(header) < 3:
        raise _error(path, 1, f"expected 'n G ss|ds a_1 b_1 ...'; got {lines[0].strip()!r}")
    n = _int(path, 1, header[0], "n", minimum=1)
    groups = _int(path, 1, header[1], "the number of groups G", minimum=1)
    kind = header[2]
    if kind not in ("ss", "ds"):
        raise _error(path, 1, f"the type must be 'ss' or 'ds'; got {kind!r}")
    if "W" in header:
        raise _error(path, 1, "node weights ('W') belong to a CCPLIB file; use read_ccp")
    if len(header) != 3 + 2 * groups:
        raise _error(
            path,
            1,
            f"expected {2 * groups} group bounds for G = {groups}; got {len(header) - 3}",
        )
    lo, hi = _bounds(path, _header_numbers(path, header, 2 * groups, 3), groups)
    weights = _pairs(path, lines, n)
    return GroupingInstance(
        name=path.stem,
        weights=weights,
        seats=np.ones(n, dtype=np.int64),
        lo=lo,
        hi=hi,
        kind="mdgp",
    )


def _scaled(
    path: Path, line: int | None, tokens: list[str], what: str
) -> tuple[list[Decimal], int]:
    """Decimal values and the power of ten that makes all of them integers."""
    values: list[Decimal] = []
    places = 0
    for k, token in enumerate(tokens):
        try:
            value = Decimal(token)
        except InvalidOperation:
            raise _error(path, line, f"{what} {k + 1} must be a number; got {token!r}") from None
        if not value.is_finite() or value < 0:
            raise _error(path, line, f"{what} {k + 1} must be finite and >= 0; got {token!r}")
        exponent = value.normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        places = max(places, -exponent)
        values.append(value)
    return values, places


def read_ccp(path: str | Path) -> GroupingInstance:
    """Read a CCPLIB file: RanReal / Sparse (``n K ds L_1 U_1 ... W w_1 ... w_n`` then
    ``i j d_ij`` lines) or Handover (``n``, ``K``, ``C``, node weights, ``n x n`` matrix).

    Raises
    ------
    InvalidInputError
        The file is missing or malformed; the message names the file, the line and the problem.
    """
    path = Path(path)
    lines = _lines(path)
    header = lines[0].split()
    if len(header) == 1:
        return _read_handover(path, lines)
    if len(header) < 4:
        raise _error(path, 1, f"expected 'n K ds L_1 U_1 ... W w_1 ...'; got {lines[0].strip()!r}")
    n = _int(path, 1, header[0], "n", minimum=1)
    groups = _int(path, 1, header[1], "the number of clusters K", minimum=1)
    if "W" not in header:
        raise _error(path, 1, "no node weights: expected 'W w_1 ... w_n' after the bounds")
    at = header.index("W")
    if at != 3 + 2 * groups:
        raise _error(
            path, 1, f"expected {2 * groups} cluster bounds for K = {groups}; got {at - 3}"
        )
    lo, hi = _bounds(path, _header_numbers(path, header, 2 * groups, 3), groups)
    tokens = header[at + 1 :]
    if len(tokens) != n:
        raise _error(path, 1, f"expected {n} node weights after 'W'; got {len(tokens)}")
    seats = np.array(
        [_int(path, 1, t, f"node weight {k + 1}", minimum=1) for k, t in enumerate(tokens)],
        dtype=np.int64,
    )
    return GroupingInstance(
        name=path.stem, weights=_pairs(path, lines, n), seats=seats, lo=lo, hi=hi, kind="ccp"
    )


def _read_handover(path: Path, lines: list[str]) -> GroupingInstance:
    tokens = " ".join(lines).split()
    n = _int(path, 1, tokens[0], "n", minimum=1)
    if len(tokens) < 3:
        raise _error(path, None, "expected n, K and the capacity C at the start")
    groups = _int(path, 2, tokens[1], "the number of clusters K", minimum=1)
    expected = 3 + n + n * n
    if len(tokens) != expected:
        raise _error(
            path,
            None,
            f"a Handover file with n = {n} holds {expected} values (n, K, C, {n} node weights, "
            f"{n}x{n} matrix); got {len(tokens)}",
        )
    (capacity, *node_weights), places = _scaled(path, None, tokens[2 : 3 + n], "value")
    scale = 10**places
    seats = np.array([int(v * scale) for v in node_weights], dtype=np.int64)
    if seats.min() < 1:
        k = int(np.argmin(seats))
        raise _error(path, None, f"node weight {k + 1} must be > 0; got {node_weights[k]}")
    matrix = np.array(
        [_float(path, None, t, "a matrix entry") for t in tokens[3 + n :]], dtype=np.float64
    ).reshape(n, n)
    if not np.array_equal(matrix, matrix.T):
        i, j = np.argwhere(matrix != matrix.T)[0]
        raise _error(
            path,
            None,
            f"the matrix is not symmetric: entry {i} {j} is {matrix[i, j]}, "
            f"entry {j} {i} is {matrix[j, i]}",
        )
    np.fill_diagonal(matrix, 0.0)
    return GroupingInstance(
        name=path.name,
        weights=matrix,
        seats=seats,
        lo=np.zeros(groups, dtype=np.int64),
        hi=np.full(groups, int(capacity * scale), dtype=np.int64),
        kind="ccp",
        seat_scale=scale,
    )


def read_instance(path: str | Path) -> GroupingInstance:
    """Read an MDGPLIB or CCPLIB file, telling them apart by the first line (a ``W`` marks
    CCPLIB RanReal / Sparse, a single number a Handover file)."""
    path = Path(path)
    first = next((line for line in _lines(path) if line.strip()), "").split()
    if len(first) == 1 or "W" in first:
        return read_ccp(path)
    return read_mdgp(path)
