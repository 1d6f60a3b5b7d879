"""Registration exports: the column mapping proposal and the import of a large export.

The export is built from ``fixtures/exports/b2match-smart-industry.csv`` (60 rows of a
b2match-style participant export): its rows repeated with the organisation names, people and
e-mail addresses numbered, so that there are ``n`` participants of about ``0.8 n``
organisations, with delegations, free-text areas, offers, requests and languages as the
platform writes them. The sentence encoder and the label vectors are loaded before the timed
runs (a server has them loaded; a command-line run pays about 3 s more once).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from benchmarks.core import Case, Target, register

SOURCE = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "b2match-smart-industry.csv"
SIZES = {"quick": {"n": 1_000}, "full": {"n": 5_000}}


def _export(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """An ``n``-row export in the style of the fixture, written once per size."""
    n = int(params["n"])
    path = data_dir / f"registrations_b2match_{n}.csv"
    if not path.exists():
        text = SOURCE.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        at = {name: header.index(name) for name in ("First Name", "Email", "Organisation")}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for k in range(n):
            row = list(body[k % len(body)])
            batch = k // len(body)
            if batch:
                row[at["First Name"]] = f"{row[at['First Name']]} {batch}"
                user, _, domain = row[at["Email"]].partition("@")
                row[at["Email"]] = f"{user}.{batch}@{domain}" if domain else row[at["Email"]]
                row[at["Organisation"]] = f"{row[at['Organisation']]} {batch}"
            writer.writerow(row)
        path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())
    return {"path": str(path), "bytes": path.stat().st_size}


def _warm(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.io import validate_registrations

    validate_registrations(SOURCE)  # loads the encoder, the label vectors and the names
    return prepared


def _mapping(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.io.mapping import propose_mapping, read_table

    table, fmt, sheet, sheets = read_table(state["path"])
    proposal = propose_mapping(table, fmt=fmt, sheet=sheet, sheets=sheets)
    fields = {c.header: c.field for c in proposal.columns}
    return {
        "rows": proposal.rows,
        "columns": len(proposal.columns),
        "extra_columns": sum(f == "extra" for f in fields.values()),
        "offers_mapped": int(fields.get("Marketplace - Offers") == "offers"),
    }


def _import(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from matchmaker.io import validate_registrations

    report = validate_registrations(state["path"])
    return {
        "rows": report.rows,
        "participants": len(report.participants),
        "organisations": len(report.organisations),
        "problems": len(report.problems),
        "file_mib": round(state["bytes"] / 2**20, 2),
    }


def _plain(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    # The floor: decoding and splitting the same file, nothing else.
    with open(state["path"], encoding="utf-8-sig", newline="") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    return {"rows": rows}


_SKIP = None if SOURCE.exists() else f"no fixture at {SOURCE}"

register(
    Case(
        name="registrations.mapping",
        group="registrations",
        description="Propose the column mapping of a b2match-style export (headers and cells).",
        prepare=_export,
        setup=_warm,
        run=_mapping,
        params=SIZES,
        repeats=5,
        reference="registrations.csv.reader",
        skip=_SKIP,
        targets={
            "full": [
                Target("time_s.median", "<=", 2.0, "the mapping of 5,000 rows in at most 2 s"),
                Target("quality.offers_mapped", ">=", 1, "'Marketplace - Offers' read as offers"),
            ],
            "quick": [
                Target("quality.offers_mapped", ">=", 1, "'Marketplace - Offers' read as offers"),
            ],
        },
    )
)

register(
    Case(
        name="registrations.import",
        group="registrations",
        description="Read a b2match-style export with the proposed mapping: values placed, "
        "areas matched by meaning, colleagues merged (all rows valid).",
        prepare=_export,
        setup=_warm,
        run=_import,
        params=SIZES,
        repeats=3,
        reference="registrations.csv.reader",
        skip=_SKIP,
        targets={
            "full": [
                Target("time_s.median", "<=", 10.0, "5,000 rows in at most 10 s"),
                Target("quality.participants", ">=", 5_000, "every row is a participant"),
                Target("quality.problems", "<=", 0, "no problem in a valid export"),
            ],
            "quick": [
                Target("quality.participants", ">=", 1_000, "every row is a participant"),
                Target("quality.problems", "<=", 0, "no problem in a valid export"),
            ],
        },
    )
)

register(
    Case(
        name="registrations.csv.reader",
        group="registrations",
        description="Reference: csv.reader over the same export, nothing else.",
        prepare=_export,
        run=_plain,
        params=SIZES,
        repeats=5,
        skip=_SKIP,
    )
)
