"""Reading of the packaged taxonomy files.

The files live in ``matchmaker/taxonomy/data/<folder>/`` next to the ``SOURCE.md`` that names
their origin and licence. They are read with :mod:`csv` through :mod:`importlib.resources`, so
they also load from a zipped installation.
"""

from __future__ import annotations

import csv
import gzip
import io
from importlib.resources import files

__all__ = ["read_rows"]

_PACKAGE = "matchmaker.taxonomy"


def read_rows(folder: str, name: str, *, delimiter: str = ",") -> list[dict[str, str]]:
    """Read one packaged CSV file into a list of rows.

    Parameters
    ----------
    folder:
        Folder under ``data/`` (``'nuts'``, ``'nace_rev2'``, ...).
    name:
        File name; a name ending in ``.gz`` is decompressed on the fly.
    delimiter:
        Field separator of the file.

    Returns
    -------
    list of dict
        One dict per data row, keyed by the header; empty cells are ``''``.
    """
    resource = files(_PACKAGE).joinpath("data", folder, name)
    with resource.open("rb") as raw:
        data = raw.read()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    # utf-8-sig drops a byte-order mark if an editor ever adds one.
    text = io.StringIO(data.decode("utf-8-sig"), newline="")
    return [dict(row) for row in csv.DictReader(text, delimiter=delimiter)]
