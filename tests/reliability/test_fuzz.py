"""Property-based fuzzing of the readers, the taxonomy look-ups and the solvers' entry points.

Each property: whatever the input, the function either returns a valid answer or raises a
:class:`~matchmaker.errors.MatchmakerError` (a message for the user), never another exception.
Answers are checked against the rules they promise (nobody twice in a slot, capacities kept,
pins kept...). The budget is a fixed number of examples per property (about 25 s of CPU for
the file); ``MATCHMAKER_FUZZ_SCALE=20`` multiplies it for a longer search.

Crashes found by these properties are kept as named regression tests at the end of the file.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from matchmaker import taxonomy
from matchmaker.cli import main
from matchmaker.errors import InvalidInputError, MatchmakerError
from matchmaker.io import read_event, read_organisations, read_registrations
from matchmaker.io.columns import COLUMNS
from matchmaker.solvers import Filters, solve_pairs, solve_schedule, suggest
from matchmaker.solvers.breakouts import solve_breakouts
from reliability.corpus import SHEET, base_event, good_event_json, good_xlsx, members, rezip

SCALE = max(1, int(os.environ.get("MATCHMAKER_FUZZ_SCALE", "1")))


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Settings of a property: ``examples`` examples (times the scale), no deadline."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def returns_or_refuses(call: Callable[[], Any]) -> Any:
    """The answer of ``call``, or ``None`` when it refused with a MatchmakerError.

    The share of each outcome shows with ``pytest --hypothesis-show-statistics``.
    """
    try:
        answer = call()
    except MatchmakerError as exc:
        event(f"refused: {type(exc).__name__}")
        return None
    event("answered")
    return answer


# --------------------------------------------------------------------------- text

# Characters that break parsers and people: delimiters, quotes, line ends, NUL, byte order
# marks, bidirectional overrides, zero-width joiners, combining marks, lone surrogates,
# homoglyphs, emoji, formula starts.
AWKWARD = list(
    ",;\t\"'\r\n|=+-@\x00\ufeff\u202e\u200d\u200b\u0301\u00a0\ud800\udfff\u0410\u039f\uff11"
    "\U0001f680"
)
text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(AWKWARD)), max_size=40)
# Per column: values that are right, and values that break one of its rules.
GOOD = {
    "name": ["Alpha", "Université de Liège", "Nanomat Cluster", "'=SUM(1)"],
    "type": ["sme", "Large enterprise", "RTO", "university", "Cluster organisation"],
    "region": ["FR10", "gr30", "UKI3", "DE11", "AT", "BE33"],
    "country": ["FR", "France"],
    "sectors": ["C26.51", "2651", "C26.51; M72.1", "C"],
    "sectors_nace21": ["26.51"],
    "s3_priorities": ["IE05", "TP-ENERGY", "NABS01; IE07"],
    "offers": ["Pilot line | nano, pilot", "Testing; Training"],
    "needs": ["Testing | lab", "Partners"],
    "languages": ["en, fr", "eng", "English"],
    "projects": ["REMIX", "a,b"],
    "size": ["micro", "12", "large"],
    "website": ["https://example.org"],
    "description": ["About us", ""],
    "contact_person": ["Desk"],
    "contact_email": ["desk@example.org"],
    "contact_phone": ["+49 711 000"],
}
BAD = {
    "id": ["", "a b", "-x", "x" * 65, "é"],
    "name": ["", "=SUM(1)", "x" * 301, "A\x00"],
    "type": ["unicorn", ""],
    "region": ["FR99", "FR1O", "", "XX"],
    "country": ["Atlantis", "BE"],
    "sectors": ["Z99", "26.99.9"],
    "sectors_nace21": ["46.89", "99.99"],
    "s3_priorities": ["IE99"],
    "offers": ["| kw", "x" * 2001],
    "needs": ["a | b; | c"],
    "languages": ["xx", "Klingon"],
    "size": ["-5", "lots"],
    "contact_email": ["nobody"],
    "contact_phone": ["call me"],
}
HEADERS = [c.name for c in COLUMNS] + ["Organisation", "NUTS", "E-mail", "Timestamp", "", "Regoin"]
REQUIRED = ["id", "name", "type", "region"]
OPTIONAL = [c.name for c in COLUMNS if c.name not in [*REQUIRED, "country"]] + ["Timestamp"]


@st.composite
def tables(draw: st.DrawFn, text: st.SearchStrategy[str] = text) -> list[list[str]]:
    """A header of known, aliased and unknown columns, and rows of mostly valid cells."""
    if draw(st.integers(0, 3)):
        extra = draw(st.lists(st.sampled_from(OPTIONAL), max_size=3, unique=True))
        header = draw(st.permutations(REQUIRED + [h for h in extra if h not in REQUIRED]))
    else:
        header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), text), min_size=1, max_size=8))
    rows = []
    for number in range(draw(st.integers(0, 6))):
        width = len(header) if draw(st.integers(0, 4)) else draw(st.integers(0, len(header) + 2))
        row = []
        for k in range(width):
            column = header[k] if k < len(header) else ""
            how = draw(st.sampled_from(["good"] * 12 + ["bad", "text"]))
            if how == "good" and column == "id":
                row.append(f"org-{number}")
            elif how == "good" and column in GOOD:
                row.append(draw(st.sampled_from(GOOD[column])))
            elif how == "bad" and column in BAD:
                row.append(draw(st.sampled_from(BAD[column])))
            else:
                row.append(draw(text))
        rows.append(row)
    return [header, *rows]


def csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="surrogatepass")


def _check_organisations(source: bytes, name: str, partial: bool = False) -> None:
    """Read as an import does; a report that comes back holds only valid, distinct profiles
    (and with ``partial``, the problems of the rows it left out)."""
    report = returns_or_refuses(lambda: read_organisations(source, name=name, partial=partial))
    if report is not None:
        assert report.ok or (partial and report.organisations and report.rejected_rows)
        assert all(p.row in report.rejected_rows for p in report.problems if p.row)
        ids = [o.id for o in report.organisations]
        assert len(ids) == len(set(ids))
        for org in report.organisations:
            assert "\x00" not in org.name
            assert taxonomy.nuts().is_valid(org.region)


@fuzz(300)
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.json", "x.xlsx", "x", "x.tsv"]))
def test_organisation_reader_on_arbitrary_bytes(data: bytes, name: str) -> None:
    _check_organisations(data, name)


@fuzz(300)
@given(
    tables(),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    st.booleans(),
)
def test_organisation_reader_on_near_valid_csv(
    rows: list[list[str]], delimiter: str, encoding: str, partial: bool
) -> None:
    try:
        data = csv_bytes(rows, delimiter, encoding)
    except UnicodeEncodeError:
        assume(False)  # text that the encoding cannot write is no file a user has
    _check_organisations(data, "x.csv", partial)


# What a spreadsheet cell can hold: no control characters, no lone surrogates.
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from(",;|= \u202e"),
    max_size=40,
)


@fuzz(40)
@given(tables(cell_text), st.booleans())
def test_organisation_reader_on_near_valid_xlsx(rows: list[list[str]], partial: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    try:
        for row in rows:
            ws.append(row)
        buffer = io.BytesIO()
        wb.save(buffer)
    except (IllegalCharacterError, UnicodeEncodeError, ValueError):
        assume(False)  # no spreadsheet program writes these cells
    _check_organisations(buffer.getvalue(), "x.xlsx", partial)


@fuzz(150)
@given(
    tables(),
    st.lists(
        st.tuples(
            st.sampled_from(["ok"] * 12 + ["", "P1", "P 1", "=P3"]),
            st.sampled_from(["Ann", ""] * 6 + ["=cmd|' /C calc'!A0"]),
            st.sampled_from(["1", "2", "", "1.0"] * 6 + ["0", "51", "two"]),
        ),
        max_size=7,
    ),
)
def test_registration_reader_on_near_valid_csv(
    rows: list[list[str]], people: list[tuple[str, str, str]]
) -> None:
    """A registration list: participant columns in front of organisation rows."""
    header, *body = rows
    lines = [["participant", "person", "seats", *header]]
    for k, row in enumerate(body):
        pid, person, seats = people[k] if k < len(people) else ("", "", "")
        lines.append([f"P{k}" if pid == "ok" else pid, person, seats, *row])
    report = returns_or_refuses(lambda: read_registrations(csv_bytes(lines, ",", "utf-8")))
    if report is None:
        return
    ids = [p.id for p in report.participants]
    assert len(ids) == len(set(ids))
    orgs = {o.id for o in report.organisations}
    assert all(p.organisation in orgs for p in report.participants)
    assert all(1 <= p.seats <= 50 for p in report.participants)


@st.composite
def damaged_workbooks(draw: st.DrawFn) -> bytes:
    """A valid workbook with one part damaged: bytes changed, cut, a token inserted, removed."""
    parts = members(good_xlsx())
    name = draw(st.sampled_from(sorted(parts)))
    body = bytearray(parts[name])
    how = draw(st.sampled_from(["flip", "cut", "insert", "remove"]))
    if how == "remove":
        return rezip(good_xlsx(), {name: None})
    if how == "cut":
        return rezip(good_xlsx(), {name: bytes(body[: draw(st.integers(0, len(body)))])})
    at = draw(st.integers(0, max(len(body) - 1, 0)))
    if how == "flip":
        body[at : at + 1] = bytes([draw(st.integers(0, 255))])
    else:
        token = draw(
            st.one_of(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b'"',
                        b"&",
                        b"</x>",
                        b' r="A0"',
                        b' r="ZZZZ99999999"',
                        b"<row/>",
                        b"<c><v>1e999</v></c>",
                        b'<c t="d"><v>x</v></c>',
                        b'<c t="s"><v>99</v></c>',
                    ]
                ),
                st.binary(max_size=8),
            )
        )
        body[at:at] = token
    return rezip(good_xlsx(), {name: bytes(body)})


@fuzz(300)
@given(damaged_workbooks())
def test_organisation_reader_on_damaged_workbooks(data: bytes) -> None:
    _check_organisations(data, "x.xlsx")


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(text, children, max_size=4)
    ),
    max_leaves=12,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()  # escapes lone surrogates


@fuzz(200)
@given(tables(), st.lists(st.tuples(st.integers(0, 5), st.text(max_size=12), json_values)))
def test_organisation_reader_on_near_valid_json(
    rows: list[list[str]], changes: list[tuple[int, str, Any]]
) -> None:
    """The rows of a table as JSON objects, then some fields set to arbitrary JSON values."""
    header, *body = rows
    items: list[Any] = [dict(zip(header, row, strict=False)) for row in body]
    for k, key, value in changes:
        if k < len(items):
            items[k][key or "name"] = value
    _check_organisations(_dumps(items), "x.json")


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for k, v in enumerate(doc):
            out += _paths(v, (*prefix, k))
    return out


EVENT_PATHS = _paths(base_event())[1:]
STRINGS = ["P1", "P2", "org-1", "org-9", "r1", "R2", "S3", "FR10", "DE99", "en", "xx", "C26"]
TIMES = ["2025-03-04T09:10:00", "2025-03-04T09:00:00+01:00", "2025-03-04", "09:00"]


def _replacement(draw: st.DrawFn, current: Any) -> Any:
    """A value of the same kind as ``current`` (mostly), or any JSON value."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    if isinstance(current, bool):
        return draw(st.booleans())
    if isinstance(current, int):
        return draw(st.integers(-2, 12))
    if isinstance(current, str):
        return draw(st.sampled_from([*STRINGS, *TIMES, current.upper(), current + "x", ""]))
    if isinstance(current, list) and current:
        how = draw(st.sampled_from(["drop", "repeat", "empty", "reverse"]))
        k = draw(st.integers(0, len(current) - 1))
        if how == "drop":
            return current[:k] + current[k + 1 :]
        if how == "repeat":
            return [*current, current[k]]
        return [] if how == "empty" else current[::-1]
    if isinstance(current, dict) and current:
        key = draw(st.sampled_from(sorted(current)))
        return {k: v for k, v in current.items() if k != key}
    return draw(json_values)


@st.composite
def near_valid_events(draw: st.DrawFn) -> bytes:
    """The base event with one to three values replaced by plausible or arbitrary values."""
    doc = base_event()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(EVENT_PATHS))
        target = doc
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = _replacement(draw, target[path[-1]])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the path
    return _dumps(doc)


@fuzz(200)
@given(st.one_of(near_valid_events(), near_valid_events(), st.binary(max_size=2000)))
def test_event_reader(data: bytes) -> None:
    ev = returns_or_refuses(lambda: read_event(data))
    if ev is not None:
        people = {p.id for p in ev.participants}
        assert len(people) == len(ev.participants)
        assert all(s.end > s.start for s in ev.slots)
        assert all(p.participant in people for p in ev.rules.pins)


# --------------------------------------------------------------------------- taxonomies


@fuzz(150)
@given(st.one_of(text, st.sampled_from(["FR10", "fr 10", "gr30", "C26.51", "2651", "en", "IE05"])))
def test_taxonomy_look_ups_on_any_text(value: str) -> None:
    nuts, nace, s3, languages = (
        taxonomy.nuts(),
        taxonomy.nace(),
        taxonomy.s3(),
        taxonomy.languages(),
    )
    region = returns_or_refuses(lambda: nuts.region(value))
    assert (region is not None) == nuts.is_valid(value)
    assert nuts.get(value) == region
    assert all(nuts.is_valid(c) for c in nuts.closest(value))
    code = returns_or_refuses(lambda: nace.normalise(value))
    assert (code is not None) == nace.is_valid(value)
    assert all(nace.is_valid(c) for c in nace.closest(value))
    returns_or_refuses(lambda: taxonomy.nace21().normalise(value))
    returns_or_refuses(lambda: taxonomy.to_rev2(value))
    assert (returns_or_refuses(lambda: s3.normalise(value)) is not None) == s3.is_valid(value)
    assert (returns_or_refuses(lambda: languages.normalise(value)) is not None) == (
        languages.is_valid(value)
    )


@fuzz(100)
@given(st.dictionaries(text, text, max_size=4))
def test_own_vocabularies(entries: dict[str, str]) -> None:
    vocab = returns_or_refuses(lambda: taxonomy.s3().with_custom(entries))
    if vocab is not None:
        for code in entries:
            assert vocab.is_valid(code)


# --------------------------------------------------------------------------- solvers

special = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e300, -1e300, 5e-324])
cells = st.one_of(st.floats(-5, 5, allow_nan=False), special)


@st.composite
def square(draw: st.DrawFn, n: int, *, nasty: bool) -> np.ndarray:
    a = draw(
        hnp.arrays(np.float64, (n, n), elements=cells if nasty else st.floats(-5, 5, width=32))
    )
    return a if draw(st.booleans()) and nasty else (a + a.T) / 2


index_pairs = st.lists(st.tuples(st.integers(-1, 8), st.integers(-1, 8)), max_size=4)


@st.composite
def pairs_inputs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 8))
    nasty = draw(st.booleans())
    args: dict[str, Any] = {"scores": draw(square(n, nasty=nasty))}
    if draw(st.booleans()):
        args["capacities"] = draw(
            st.one_of(st.integers(-1, 3), hnp.arrays(np.int64, n, elements=st.integers(-1, 3)))
        )
    if draw(st.booleans()):
        args["forbidden"] = draw(index_pairs)
    if draw(st.booleans()):
        args["required"] = draw(index_pairs)
    if draw(st.booleans()):
        args["sides"] = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1 + nasty)))
    args["seed"] = draw(st.one_of(st.none(), st.integers(0, 3)))
    return args


def best_matching(w: np.ndarray, allowed: np.ndarray, required: set[tuple[int, int]]) -> float:
    """The best total of a matching by brute force (tiny ``n``): required pairs, then any
    allowed pair of positive score."""
    n = w.shape[0]
    taken = {v for p in required for v in p}
    base = sum(w[i, j] for i, j in required)

    @functools.cache
    def best(free: frozenset[int]) -> float:
        if not free:
            return 0.0
        i = min(free)
        rest = free - {i}
        value = best(rest)
        for j in rest:
            if allowed[i, j] and w[i, j] > 0:
                value = max(value, w[i, j] + best(rest - {j}))
        return value

    return base + best(frozenset(range(n)) - taken)


@fuzz(200)
@given(pairs_inputs())
def test_solve_pairs(args: dict[str, Any]) -> None:
    res = returns_or_refuses(lambda: solve_pairs(**args))
    if res is None:
        return
    s = args["scores"]
    n = s.shape[0]
    caps = np.broadcast_to(np.asarray(args.get("capacities", 1)), (n,))
    if (caps == 1).all():
        w = (s + s.T) / 2
        allowed = np.isfinite(w) & ~np.eye(n, dtype=bool)
        for i, j in args.get("forbidden", []):
            allowed[i, j] = allowed[j, i] = False
        if "sides" in args:
            allowed &= np.not_equal.outer(args["sides"], args["sides"])
        required = {(min(p), max(p)) for p in args.get("required", [])}
        optimum = best_matching(w, allowed, required)
        tol = 1e-6 * max(1.0, abs(optimum))
        assert res.objective <= optimum + tol
        assert res.upper_bound >= optimum - tol
        if res.status == "optimal":
            assert math.isclose(res.objective, optimum, rel_tol=1e-6, abs_tol=1e-9)
    degree = np.zeros(n, dtype=int)
    forbidden = {tuple(sorted(p)) for p in args.get("forbidden", [])}
    for i, j in res.pairs:
        assert 0 <= i < j < n
        assert (i, j) not in forbidden
        if "sides" in args:
            assert args["sides"][i] != args["sides"][j]
        degree[[i, j]] += 1
    assert (degree <= caps).all()
    assert len(set(res.pairs)) == len(res.pairs)
    assert {tuple(sorted(p)) for p in args.get("required", [])} <= set(res.pairs)
    total = sum((s[i, j] + s[j, i]) / 2 for i, j in res.pairs)
    assert math.isclose(res.objective, total, rel_tol=1e-6, abs_tol=1e-6)
    assert res.upper_bound >= res.objective - 1e-6 * max(1.0, abs(res.objective))
    assert res.gap >= 0


@st.composite
def schedule_inputs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 7))
    nasty = not draw(st.integers(0, 3))
    slots = draw(st.integers(-1 if nasty else 1, 4))
    args: dict[str, Any] = {
        "scores": draw(square(n, nasty=nasty)),
        "slots": slots,
        "tables": draw(
            st.one_of(
                st.integers(-1 if nasty else 0, 3),
                hnp.arrays(np.int64, max(slots, 0), elements=st.integers(-1 if nasty else 0, 3)),
            )
        ),
    }
    if draw(st.booleans()) and slots > 0:
        args["availability"] = draw(hnp.arrays(np.bool_, (n, slots)))
    if draw(st.booleans()):
        args["requests"] = draw(hnp.arrays(np.int8, (n, n), elements=st.integers(0, 1 + nasty)))
    if draw(st.booleans()):
        args["min_meetings"] = draw(st.integers(-1 if nasty else 0, 2))
    if draw(st.booleans()):
        args["max_meetings"] = draw(
            st.one_of(st.integers(0, 4), hnp.arrays(np.int64, n, elements=st.integers(0, 4)))
        )
    pairs = index_pairs if nasty else st.lists(st.tuples(*[st.integers(0, n - 1)] * 2), max_size=2)
    if draw(st.booleans()) and n > 1:
        args["forbidden"] = draw(pairs)
    if draw(st.booleans()) and n > 1:
        args["required"] = draw(pairs)
    if draw(st.booleans()) and nasty:
        args["keep"] = draw(
            st.lists(st.tuples(*[st.integers(-1, 7)] * 4), max_size=3 if nasty else 1)
        )
    args["seed"] = draw(st.integers(0, 3))
    return args


@fuzz(150)
@given(schedule_inputs())
def test_solve_schedule(args: dict[str, Any]) -> None:
    res = returns_or_refuses(lambda: solve_schedule(**args))
    if res is None:
        return
    n, slots = args["scores"].shape[0], args["slots"]
    tables = np.broadcast_to(np.asarray(args["tables"]), (slots,))
    avail = args.get("availability", np.ones((n, slots), dtype=bool))
    s = args["scores"]
    seen_tables, seen_people, seen_pairs = set(), set(), set()
    count = np.zeros(n, dtype=int)
    for m in res.meetings:
        assert 0 <= m.slot < slots
        assert 0 <= m.table < tables[m.slot]
        assert 0 <= m.a < m.b < n
        assert (m.slot, m.table) not in seen_tables
        assert (m.a, m.slot) not in seen_people
        assert (m.b, m.slot) not in seen_people
        assert (m.a, m.b) not in seen_pairs
        assert avail[m.a, m.slot]
        assert avail[m.b, m.slot]
        assert np.isfinite(s[m.a, m.b]) or (m.a, m.b) in {
            tuple(sorted(p)) for p in args.get("required", [])
        }
        seen_tables.add((m.slot, m.table))
        seen_people |= {(m.a, m.slot), (m.b, m.slot)}
        seen_pairs.add((m.a, m.b))
        count[[m.a, m.b]] += 1
    assert tuple(count) == tuple(res.meetings_per_participant)
    cap = np.broadcast_to(np.asarray(args.get("max_meetings", slots)), (n,))
    assert (count <= cap).all()
    forbidden = {tuple(sorted(p)) for p in args.get("forbidden", [])}
    assert not forbidden & seen_pairs
    assert {tuple(sorted(p)) for p in args.get("required", [])} <= seen_pairs


@st.composite
def breakouts_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly instances whose rooms can seat everyone (with rules that may still clash); one
    in four with arguments out of any range."""
    nasty = not draw(st.integers(0, 3))
    n = draw(st.integers(0 if nasty else 1, 9))
    g = draw(st.integers(0 if nasty else 1, 4))
    rounds = draw(st.integers(0 if nasty else 1, 3))
    seats = draw(hnp.arrays(np.int64, n, elements=st.integers(0 if nasty else 1, 3)))
    if nasty:
        sizes = [(draw(st.integers(-1, 3)), draw(st.integers(0, 6))) for _ in range(g)]
    else:
        per_room = -(-int(seats.sum()) // g) + max(int(seats.max()), 1)
        sizes = [(draw(st.integers(0, 1)), per_room + draw(st.integers(0, 2))) for _ in range(g)]
    args: dict[str, Any] = {
        "affinity": draw(square(n, nasty=nasty)),
        "sizes": sizes,
        "rounds": rounds,
        "seats": seats,
        "seed": draw(st.integers(0, 3)),
        "max_iterations": 200,
    }
    low = -1 if nasty else 0
    members_ = st.lists(st.integers(low, max(n - 1, 0)), min_size=2, max_size=3)
    if draw(st.booleans()):
        args["pins"] = draw(
            st.lists(
                st.tuples(
                    st.integers(low, n - 1 + nasty),
                    st.integers(low, g - 1 + nasty),
                    st.one_of(st.none(), st.integers(low, rounds - 1 + nasty)),
                ),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        args["apart"] = draw(st.lists(members_, max_size=2))
    if draw(st.booleans()):
        args["together"] = draw(st.lists(members_, max_size=2))
    if draw(st.booleans()) and g:
        args["fit"] = draw(
            hnp.arrays(np.float64, (n, g), elements=cells if nasty else st.floats(0, 1))
        )
    args["mode"] = draw(
        st.sampled_from(["affinity", "diversity", "chaos"] if nasty else ["affinity", "diversity"])
    )
    return args


@fuzz(120)
@given(breakouts_inputs())
def test_solve_breakouts(args: dict[str, Any]) -> None:
    res = returns_or_refuses(lambda: solve_breakouts(**args))
    if res is None:
        return
    n, rounds = args["affinity"].shape[0], args["rounds"]
    seats = args.get("seats", np.ones(n, dtype=np.int64))
    lo = np.array([s[0] for s in args["sizes"]])
    hi = np.array([s[1] for s in args["sizes"]])
    rooms = np.asarray(res.rooms)
    assert rooms.shape == (rounds, n)
    for r in range(rounds):
        taken = np.bincount(rooms[r], weights=seats, minlength=len(hi))
        assert ((taken >= lo) & (taken <= hi)).all()
        for who, room, rnd in args.get("pins", []):
            if rnd is None or rnd == r:
                assert rooms[r, who] == room
        for group in args.get("apart", []):
            members_ = sorted(set(group))
            assert len({int(rooms[r, i]) for i in members_}) == len(members_)
        for group in args.get("together", []):
            assert len({int(rooms[r, i]) for i in set(group)}) <= 1
    assert math.isfinite(res.objective)


@functools.cache
def _profiles() -> Any:
    from matchmaker.synth import generate_registry
    from matchmaker.vectorise import ProfileSpace

    orgs = generate_registry(40, seed=3).organisations
    return ProfileSpace().fit_transform(orgs)


@fuzz(120)
@given(
    st.data(),
    st.integers(-1, 45),
    st.sampled_from([None, -1, 0, 1, 3]),
    st.sampled_from([None, "business", "policy_learning", "research", "nonsense"]),
)
def test_suggest(
    data: st.DataObject, k: int, max_per_country: int | None, preset: str | None
) -> None:
    profiles = _profiles()
    org_id = data.draw(st.one_of(st.sampled_from(profiles.ids), text))
    codes = st.one_of(text, st.sampled_from(["FR", "DE", "EL", "GR", "C26", "C", "sme", "RTO"]))
    some = st.lists(codes, max_size=2) if data.draw(st.booleans()) else st.just([])
    filters = Filters(
        countries=data.draw(some),
        types=data.draw(some),
        sectors=data.draw(some),
        exclude=data.draw(st.lists(st.sampled_from(profiles.ids), max_size=3)),
        include_partners=data.draw(st.booleans()),
    )
    found = returns_or_refuses(
        lambda: suggest(
            profiles,
            org_id,
            k=k,
            scorer=preset,
            filters=filters,
            max_per_country=max_per_country,
            explain=True,
        )
    )
    if found is None:
        return
    ids = [s.id for s in found]
    assert len(ids) <= k
    assert len(set(ids)) == len(ids)
    assert org_id not in ids
    assert not set(ids) & set(filters.exclude)
    assert all(math.isfinite(s.score) for s in found)
    if filters.countries:
        wanted = {taxonomy.nuts().normalise(c) for c in filters.countries}
        by_id = {o.id: o for o in profiles.organisations}
        assert all(by_id[i].country in wanted for i in ids)


# --------------------------------------------------------------------------- regressions
# Crashes that the corpus and the properties above found, each fixed and kept here by name.


def test_regression_sheet_xml_cut_short_is_a_message() -> None:
    data = rezip(good_xlsx(), {SHEET: members(good_xlsx())[SHEET][:300]})
    with pytest.raises(InvalidInputError, match="not a valid XLSX workbook"):
        read_organisations(data, name="x.xlsx")


def test_regression_content_types_with_unknown_attribute_is_a_message() -> None:
    types = members(good_xlsx())["[Content_Types].xml"].replace(b"<Default ", b'<Default x="1" ', 1)
    with pytest.raises(InvalidInputError, match="not a valid XLSX workbook"):
        read_organisations(rezip(good_xlsx(), {"[Content_Types].xml": types}), name="x.xlsx")


def test_regression_bad_cell_reference_while_reading_rows_is_a_message() -> None:
    sheet = members(good_xlsx())[SHEET].replace(b'r="A2"', b'r="A 2"')
    with pytest.raises(InvalidInputError, match="not a valid XLSX workbook"):
        read_organisations(rezip(good_xlsx(), {SHEET: sheet}), name="x.xlsx")


def test_regression_workbook_without_sheets_is_a_message() -> None:
    with pytest.raises(InvalidInputError, match="the workbook has no sheet"):
        read_organisations(rezip(good_xlsx(), {SHEET: None}), name="x.xlsx")


@pytest.mark.parametrize("reader", [read_organisations, read_event], ids=["organisations", "event"])
def test_regression_integer_past_the_digit_limit_is_a_message(reader: Any) -> None:
    data = b'{"id": "e", "name": "E", "tables": ' + b"7" * 5000 + b"}"
    with pytest.raises(InvalidInputError) as info:
        reader(b"[" + data + b"]" if reader is read_organisations else data)
    assert "a number has more than 4,300 digits" in str(info.value)


def test_regression_duplicate_keys_are_refused_not_silently_dropped() -> None:
    data = b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "name": "Beta"}]'
    with pytest.raises(InvalidInputError, match="key 'name' appears twice in one object"):
        read_organisations(data, name="x.json")


def test_regression_nul_in_text_is_refused_before_the_database() -> None:
    # PostgreSQL refuses NUL in text: the import failed with a database traceback.
    with pytest.raises(InvalidInputError, match="holds a NUL character"):
        read_organisations(
            b'[{"id": "A", "name": "A\\u0000", "type": "sme", "region": "FR10"}]', name="x.json"
        )


def test_regression_lone_surrogate_in_a_message_prints(tmp_path: Path) -> None:
    # The value is quoted in the message; printing it to a UTF-8 stdout failed.
    path = tmp_path / "x.json"
    path.write_bytes(b'[{"id": "A", "name": "Al\\ud800pha", "type": "sme", "region": "FR10"}]')
    exe = Path(sys.executable).with_name("matchmaker")
    proc = subprocess.run([str(exe), "validate", str(path)], capture_output=True, check=False)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr
    assert b"name 'Al\\ud800pha'" in proc.stdout


def test_regression_deep_json_as_a_previous_schedule_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = tmp_path / "event.json"
    ev.write_bytes(good_event_json())
    prev = tmp_path / "prev.json"
    prev.write_bytes(b'{"meetings": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert main(["schedule", str(ev), "--previous", str(prev)]) == 1
    assert "is not the JSON output of 'matchmaker schedule --json'" in capsys.readouterr().err


def test_regression_start_that_is_not_a_time_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = tmp_path / "event.json"
    ev.write_bytes(good_event_json())
    assert main(["schedule", str(ev), "--tables", "2", "--start", "9am"]) == 1
    assert "--start '9am' is not a date and time" in capsys.readouterr().err


def test_regression_slot_with_and_without_a_time_zone_is_a_message() -> None:
    # Comparing the two raised TypeError inside the model, past pydantic.
    doc = base_event()
    doc["slots"][0]["end"] += "+01:00"
    with pytest.raises(InvalidInputError, match="must both have a time zone, or neither"):
        read_event(json.dumps(doc).encode())


def test_regression_scores_near_the_float_limit_are_refused() -> None:
    # HiGHS read them as infinite: the b-matching LP gave no solution (TypeError) and the exact
    # breakouts called a feasible instance infeasible.
    s = np.zeros((4, 4))
    s[0, 1:] = s[1:, 0] = 1e300
    with pytest.raises(InvalidInputError, match=r"scores must lie within ±1e\+09"):
        solve_pairs(s, capacities=2, sides=[0, 1, 1, 1])
    with pytest.raises(InvalidInputError, match=r"affinity must lie within ±1e\+09"):
        solve_breakouts(np.full((4, 4), 1e300), [(2, 2), (2, 2)])
    with pytest.raises(InvalidInputError, match=r"scores must lie within ±1e\+09"):
        solve_schedule(np.full((3, 3), -1e10), slots=1, tables=1)


def test_regression_denormal_scores_are_solved() -> None:
    # The integer scale of the matchings was infinite: OverflowError (schedule), garbage
    # weights (pairs).
    tiny = np.full((3, 3), 5e-324)
    result = solve_schedule(tiny, slots=2, tables=1)
    assert len(result.meetings) == 2
    s = np.array([[0, 5e-324, 0, 0], [5e-324, 0, 0, 0], [0, 0, 0, 5e-324], [0, 0, 5e-324, 0]])
    assert solve_pairs(s).pairs == ((0, 1), (2, 3))


def test_regression_a_key_with_a_lone_surrogate_is_a_message() -> None:
    # pydantic raised UnicodeEncodeError while reporting the unknown field.
    data = b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "\\ud800": 1}]'
    with pytest.raises(InvalidInputError, match="holds a lone surrogate"):
        read_organisations(data, name="x.json")


@pytest.mark.parametrize("field", ["type", "size", "country"])
def test_regression_a_value_with_a_lone_surrogate_in_a_message(field: str) -> None:
    # A validator's message quoted the value; pydantic raised UnicodeEncodeError carrying it.
    item = {"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", field: "\ud800"}
    with pytest.raises(InvalidInputError, match=r"\\ud800"):
        read_organisations(json.dumps([item]).encode(), name="x.json")
