"""Import and export of organisation profiles: CSV, XLSX and JSON.

Validation reports every problem at once, each with its row, column, value and rule. By default
nothing is imported when any row has a problem; ``partial=True`` keeps the valid rows and
reports the rest.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from matchmaker import taxonomy
from matchmaker._bulk import paused_gc
from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.io.columns import COLUMNS, Column, fold_header, known_spellings, match_headers
from matchmaker.io.sheets import csv_bytes, write_atomic, xlsx_bytes
from matchmaker.io.tabular import (
    MAX_FILE_BYTES,
    Table,
    check_size,
    decode_text,
    detect_format,
    json_records_past,
    load_json,
    open_source,
    read_csv,
    read_source,
    read_xlsx,
    unneutralise,
)
from matchmaker.limits import LIMITS
from matchmaker.models import Organisation, Registry, error_text

__all__ = [
    "ImportReport",
    "dump_organisations",
    "organisation_rows",
    "read_organisations",
    "validate_organisations",
    "write_organisations",
]

Source = str | Path | bytes
ExportFormat = Literal["csv", "xlsx", "json"]

ITEM_SEPARATOR = ";"
KEYWORD_MARK = "|"
# Columns whose values never hold commas, so that "EN, FR" reads as two values.
_COMMA_LISTS = {"sectors", "sectors_nace21", "languages", "projects"}
_MAX_JSON_DEPTH = 32


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import read: the valid organisations, and the problems of the other rows.

    ``problems`` are errors: their rows are not imported. ``warnings`` do not stop an import
    (a column that is not used, for instance).
    """

    organisations: list[Organisation]
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0
    rejected_rows: list[int] = field(default_factory=list)
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    vocabulary: dict[str, str] = field(default_factory=dict)
    # Problems past LIMITS.problems: counted (in the last problem's message), not listed.
    unlisted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        """Every problem found, the unlisted ones included."""
        return len(self.problems) - (1 if self.unlisted else 0) + self.unlisted

    def summary(self) -> str:
        n_bad = len(self.rejected_rows)
        text = (
            f"{self.rows} rows read: {len(self.organisations)} valid, {n_bad} with problems "
            f"({self.problem_count} problems)"
        )
        return text


def validate_organisations(
    source: Source,
    *,
    name: str | None = None,
    format: Literal["csv", "xlsx", "json"] | None = None,
    vocabulary: Mapping[str, str] | None = None,
    sheet: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> ImportReport:
    """Read and check organisation profiles; never raises for problems of the content.

    Parameters
    ----------
    source:
        A path, or the file's bytes (then ``name`` or ``format`` tells its kind).
    vocabulary:
        An organiser's own S3 codes and labels, in addition to the built-in vocabularies.
    sheet:
        For XLSX, the sheet to read (default: the first).

    Returns
    -------
    ImportReport
        Valid organisations, problems (row, column, value, message) and warnings.
    """
    try:
        # A CSV file is read as it streams (a file it refuses is never held whole).
        opened, head, name = open_source(source, name, max_bytes=max_bytes)
    except InvalidInputError as exc:  # too large to be read
        fmt_guess = format or detect_format(b"", name or str(source))
        return ImportReport([], exc.problems, format=fmt_guess)
    fmt = format or detect_format(head, name)
    try:
        if fmt == "csv":
            table = read_csv(opened, max_bytes=max_bytes)
        else:
            data, _ = read_source(opened, name, max_bytes=max_bytes)
            if fmt == "json":
                with paused_gc():
                    return _capped_report(organisations_from_json(data, vocabulary, max_bytes))
            table = read_xlsx(data, sheet=sheet, max_bytes=max_bytes)
    except InvalidInputError as exc:
        return ImportReport(
            [], exc.problems or [Problem(None, None, None, exc.message)], format=fmt
        )
    with paused_gc():
        return _capped_report(organisations_from_table(table, dict(vocabulary or {}), fmt))


def _capped_report(report: ImportReport) -> ImportReport:
    """The report with at most :attr:`Limits.problems` problems listed (the rest counted)."""
    if len(report.problems) <= LIMITS.problems:
        return report
    return dataclasses.replace(
        report,
        problems=capped(report.problems),
        unlisted=len(report.problems) - LIMITS.problems,
        warnings=capped(report.warnings),
    )


def read_organisations(
    source: Source,
    *,
    name: str | None = None,
    format: Literal["csv", "xlsx", "json"] | None = None,
    vocabulary: Mapping[str, str] | None = None,
    sheet: str | None = None,
    partial: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
) -> ImportReport:
    """Read organisation profiles, all or nothing unless ``partial``.

    Raises
    ------
    InvalidInputError
        When any row has a problem and ``partial`` is false (every problem is listed), or when
        the file itself cannot be read, or when ``partial`` is true but no row is valid.
    """
    report = validate_organisations(
        source, name=name, format=format, vocabulary=vocabulary, sheet=sheet, max_bytes=max_bytes
    )
    if report.problems and (not partial or not report.organisations):
        rows = len(report.rejected_rows)
        where = f" in {rows:,} row{'s' if rows != 1 else ''}" if rows else ""
        n = report.problem_count
        raise InvalidInputError(
            f"{n:,} problem{'s' if n != 1 else ''}{where}; nothing was imported",
            report.problems,
        )
    return report


# --- tables -------------------------------------------------------------------------------


# Letters that do not decompose into a Latin letter and a mark: 'Łódź' -> 'lodz', 'Ørsted'
# -> 'orsted'; Greek and Cyrillic by their common romanisation ('Αθήνα' -> 'athina').
_LATIN = str.maketrans(
    {
        **dict(zip("łŁøØđĐħĦıþÞðÐ", "lLoOdDhHitTdD", strict=True)),
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        **dict(
            zip(
                "αβγδεζηικλμνξοπρστυφχωςάέήίόύώϊϋΐΰ",
                "avgdeziiklmnxoprstyfhosaeiioyoiyiy",
                strict=True,
            )
        ),
        "θ": "th",
        "ψ": "ps",
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdezijklmnoprstufye", strict=True)),
        "ж": "zh",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sht",
        "ъ": "a",
        "ь": "",
        "ю": "yu",
        "я": "ya",
        "ё": "yo",
        "є": "ye",
        "і": "i",
        "ї": "yi",
        "ґ": "g",
    }
)


def slug(text: str) -> str:
    """An id made from a name: its letters in Latin, lower case, words joined by '-'. A name
    with no letter or digit that can be written so gets a short hash of itself."""
    latin = unicodedata.normalize("NFC", text).translate(_LATIN)
    latin = latin.lower().translate(_LATIN)  # upper-case Greek and Cyrillic, lowered
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    if not slug and text.strip():
        import hashlib

        slug = "org-" + hashlib.blake2b(text.strip().encode(), digest_size=4).hexdigest()
    return slug[:64].rstrip("-")


def _split(value: str, commas: bool) -> list[str]:
    parts = re.split(r"[;\n]" if not commas else r"[;,\n]", value)
    return [p.strip() for p in parts if p.strip()]


def parse_item(text: str) -> dict[str, Any]:
    """Read an offer or need written as ``text | keyword, keyword``."""
    body, _, keywords = text.partition(KEYWORD_MARK)
    kws = [k.strip() for k in keywords.split(",") if k.strip()]
    return {"text": body.strip(), "keywords": kws}


def format_item(text: str, keywords: Sequence[str]) -> str:
    return f"{text} {KEYWORD_MARK} {', '.join(keywords)}" if keywords else text


def _country_code(value: str) -> str | None:
    nuts = taxonomy.nuts()
    code = nuts.normalise(value)
    if nuts.is_valid(code) and nuts.level(code) == 0:
        return code
    return _country_names().get(value.strip().casefold())


_COUNTRY_NAMES: dict[str, str] = {}


def _country_names() -> dict[str, str]:
    if not _COUNTRY_NAMES:
        import pycountry

        nuts = taxonomy.nuts()
        for code in nuts.codes(level=0):
            _COUNTRY_NAMES[nuts.country_name(code).casefold()] = code
            iso = {"EL": "GR", "UK": "GB"}.get(code, code)
            country = pycountry.countries.get(alpha_2=iso)
            if country is not None:
                for attr in ("name", "common_name", "official_name"):
                    if hasattr(country, attr):
                        _COUNTRY_NAMES[str(getattr(country, attr)).casefold()] = code
        _COUNTRY_NAMES.update({"greece": "EL", "united kingdom": "UK", "great britain": "UK"})
    return _COUNTRY_NAMES


def _pydantic_message(
    error: Mapping[str, Any], column: str, value: str | None, field: str | None = None
) -> str:
    kind = error.get("type")
    field = field or column
    ctx = error.get("ctx") or {}
    shown = f"'{value}'" if value is not None else ""
    if kind == "missing" or (kind == "string_too_short" and not value):
        return f"{column} is empty; it is required"
    if kind == "string_pattern_mismatch":
        if field == "id":
            return (
                f"id {shown} may hold only letters, digits and . _ : @ - , must start with a "
                "letter or digit, and has at most 64 characters"
            )
        if field.endswith("email"):
            return f"{column} {shown} is not an e-mail address"
        if field.endswith("phone"):
            return f"{column} {shown} is not a phone number (digits, spaces, + ( ) . / -)"
    if kind == "string_too_long":
        return f"{column} has {len(value or '')} characters; the limit is {ctx.get('max_length')}"
    if kind == "too_long":
        return f"{column} has too many items; the limit is {ctx.get('max_length')}"
    if kind == "extra_forbidden":
        return f"'{column}' is not a field of an organisation"
    if kind == "value_error":
        return error_text(error)
    msg = str(error.get("msg", "is not valid"))
    return f"{column} {shown}: {msg[0].lower()}{msg[1:]}" if msg else f"{column} is not valid"


def organisations_from_table(
    table: Table, vocabulary: dict[str, str], fmt: str, *, unique_ids: bool = True
) -> ImportReport:
    """Check a table of organisations; ``unique_ids=False`` lets rows share an id (colleagues
    of one organisation in a registration list, whose rows are merged afterwards)."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    matched, unmatched = match_headers(table.header)
    by_field: dict[str, int] = {}
    for i, col in sorted(matched.items()):
        if col.field in by_field:
            first = table.header[by_field[col.field]]
            problems.append(
                Problem(
                    1,
                    table.header[i],
                    table.header[i],
                    f"columns '{first}' and '{table.header[i]}' both give the {col.name}; keep one",
                )
            )
        else:
            by_field[col.field] = i
    if len(table.header) == 1 and not matched:
        problems.append(
            Problem(
                1,
                None,
                table.header[0][:80],
                "the header has a single column; separate columns with ',', ';' or a tab",
            )
        )
        return ImportReport([], problems, rows=len(table.rows), format=fmt, encoding=table.encoding)
    spellings = known_spellings()
    for i in unmatched:
        text = table.header[i]
        if not text:
            if any(len(r) > i and r[i] for r in table.rows[:1000]):
                warnings.append(
                    Problem(1, f"#{i + 1}", "", f"column {i + 1} has no header; it is not used")
                )
            continue
        near = _near_header(text, spellings)
        if near:
            problems.append(
                Problem(
                    1, text, text, f"column '{text}' is not a known column; did you mean '{near}'?"
                )
            )
        else:
            warnings.append(Problem(1, text, text, f"column '{text}' is not used"))
    required = [c for c in COLUMNS if c.required and c.field not in by_field]
    if "region" not in by_field and "country" not in by_field:
        required.append(next(c for c in COLUMNS if c.name == "region"))
    for col in required:
        also = ", ".join(f"'{a}'" for a in col.aliases[:4])
        extra = " (or a 'country' column)" if col.name == "region" else ""
        problems.append(
            Problem(
                None,
                col.name,
                None,
                f"missing column '{col.name}'{extra}; headers read as it: '{col.name}', {also}",
            )
        )
    if not table.rows:
        problems.append(
            Problem(None, None, None, "the file has a header but no data rows; nothing to import")
        )
    if problems:
        return ImportReport(
            [],
            problems,
            warnings,
            rows=len(table.rows),
            format=fmt,
            encoding=table.encoding,
            delimiter=table.delimiter,
        )

    vocab = taxonomy.s3().with_custom(vocabulary) if vocabulary else taxonomy.s3()
    context = {"vocabulary": vocab}
    header = table.header
    columns = {col.field: (i, col) for col, i in ((matched[i], i) for i in by_field.values())}
    valid: list[tuple[int, Organisation]] = []
    row_problems: dict[int, list[Problem]] = {}

    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        found: list[Problem] = []
        if len(cells) > len(header) and any(cells[len(header) :]):
            found.append(
                Problem(
                    number,
                    None,
                    cells[len(header)][:80],
                    f"the row has {len(cells)} cells but the header has {len(header)} columns "
                    "(a stray delimiter, or a cell that should be quoted?)",
                )
            )
        record, raw = _record(cells, columns, header, number, table, found)
        if not found:
            try:
                org = Organisation.model_validate(record, context=context)
            except ValidationError as exc:
                for err in exc.errors():
                    found.append(_table_problem(err, number, columns, header, raw))
            else:
                valid.append((number, org))
        if found:
            row_problems[number] = found

    if unique_ids:
        _duplicate_ids(valid, row_problems)
    organisations = [org for number, org in valid if number not in row_problems]
    for number in sorted(row_problems):
        problems.extend(row_problems[number])
    return ImportReport(
        organisations,
        problems,
        warnings,
        rows=len(table.rows),
        rejected_rows=sorted(row_problems),
        format=fmt,
        encoding=table.encoding,
        delimiter=table.delimiter,
        vocabulary=vocabulary,
    )


def _near_header(text: str, spellings: list[str]) -> str | None:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    folded = fold_header(text)
    if len(folded) < 4:
        return None
    best = process.extractOne(folded, spellings, scorer=Levenshtein.distance, score_cutoff=2)
    if best is None:
        return None
    # Name the canonical column, not the alias that was close.
    col = match_headers([best[0]])[0].get(0)
    return col.name if col else None


def _record(
    cells: list[str],
    columns: dict[str, tuple[int, Column]],
    header: list[str],
    number: int,
    table: Table,
    found: list[Problem],
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], str]]:
    """Turn a row into the organisation's fields; ``raw`` maps field paths to cell text."""
    record: dict[str, Any] = {}
    raw: dict[tuple[str | int, ...], str] = {}
    contact: dict[str, str] = {}

    def cell(field_name: str) -> str:
        i, _ = columns[field_name]
        value = cells[i] if i < len(cells) else ""
        if (number, i) in table.formula_cells:
            found.append(
                Problem(
                    number,
                    header[i],
                    value,
                    f"cell holds a spreadsheet formula ('{value[:40]}'); formulas are not "
                    "imported, paste the value instead",
                )
            )
            return ""
        if value.startswith("=") and len(value) > 1:
            found.append(
                Problem(
                    number,
                    header[i],
                    value,
                    f"value '{value[:40]}' starts with '=' like a spreadsheet formula; "
                    "formulas are not imported",
                )
            )
            return ""
        return unneutralise(value)

    for fname, (_, col) in columns.items():
        value = cell(fname)
        if not value:
            continue
        if col.multi:
            parts = _split(value, fname in _COMMA_LISTS)
            for k, part in enumerate(parts):
                raw[(fname, k)] = part
            if fname in {"offers", "needs"}:
                record[fname] = [parse_item(p) for p in parts]
                for k, part in enumerate(parts):
                    raw[(fname, k, "text")] = part
            else:
                record[fname] = parts
        elif fname.startswith("contact."):
            contact[fname.split(".", 1)[1]] = value
            raw[("contact", fname.split(".", 1)[1])] = value
        else:
            record[fname] = value
        raw[(fname,)] = value
    if contact:
        record["contact"] = contact

    if "sectors_nace21" in record:
        mapped: list[str] = list(record.get("sectors", []))
        i, _ = columns["sectors_nace21"]
        for code in record.pop("sectors_nace21"):
            try:
                rev2 = taxonomy.to_rev2(code)
            except MatchmakerError as exc:
                found.append(Problem(number, header[i], code, str(exc)))
                continue
            if not rev2:
                found.append(
                    Problem(
                        number,
                        header[i],
                        code,
                        f"NACE Rev. 2.1 code '{code}' has no NACE Rev. 2 counterpart in the "
                        "official correspondence; give the sector as a NACE Rev. 2 code",
                    )
                )
            mapped.extend(rev2)
        record["sectors"] = mapped

    country_value = record.pop("country", None)
    if country_value is not None:
        code = _country_code(country_value)
        i, _ = columns["country"]
        if code is None:
            found.append(
                Problem(
                    number,
                    header[i],
                    country_value,
                    f"country '{country_value}' is not a country code or name of the NUTS "
                    "countries (EU, EFTA, candidates, UK)",
                )
            )
        elif "region" not in record:
            record["region"] = code
            raw[("region",)] = country_value
        else:
            nuts = taxonomy.nuts()
            region = nuts.normalise(record["region"])
            if nuts.is_valid(region) and nuts.country(region) != code:
                found.append(
                    Problem(
                        number,
                        header[i],
                        country_value,
                        f"country '{country_value}' does not match region '{region}', which is "
                        f"in {nuts.country_name(nuts.country(region))}",
                    )
                )
    if "region" not in record and "region" in columns and country_value is None:
        i, _ = columns["region"]
        found.append(
            Problem(number, header[i], "", f"{header[i]} is empty; give a NUTS code or a country")
        )
    if "id" not in columns and "name" in record:
        record["id"] = slug(record["name"])
        raw[("id",)] = record["id"]
    return record, raw


def _table_problem(
    err: Mapping[str, Any],
    number: int,
    columns: dict[str, tuple[int, Column]],
    header: list[str],
    raw: dict[tuple[str | int, ...], str],
) -> Problem:
    loc = tuple(err.get("loc", ()))
    head = str(loc[0]) if loc else ""
    fname = head
    if head == "contact" and len(loc) > 1:
        fname = f"contact.{loc[1]}"
    elif head == "region" and "region" not in columns and "country" in columns:
        fname = "country"
    column = header[columns[fname][0]] if fname in columns else (head or None)
    value = None
    for k in range(len(loc), 0, -1):
        if loc[:k] in raw:
            value = raw[loc[:k]]
            break
    if value is None and fname in columns:
        value = raw.get((fname,))
    if head == "id" and "id" not in columns:
        column = header[columns["name"][0]]
        message = f"no id column, and the name gives no usable id ('{value}'); add an 'id' column"
        return Problem(number, column, value, message)
    return Problem(number, column, value, _pydantic_message(err, column or head, value, fname))


def also_used(numbers: Sequence[int], number: int) -> str:
    """Where else the value of row ``number`` is used, in words of a bounded size: a later
    row names the first; the first names the second and counts the rest (``"row 3 and
    19,998 more rows"``)."""
    if number != numbers[0]:
        return f"row {numbers[0]}"
    more = len(numbers) - 2
    rest = f" and {more:,} more row{'s' if more != 1 else ''}" if more else ""
    return f"row {numbers[1]}{rest}"


def _duplicate_ids(
    valid: list[tuple[int, Organisation]], row_problems: dict[int, list[Problem]]
) -> None:
    seen: dict[str, list[int]] = {}
    for number, org in valid:
        seen.setdefault(org.id, []).append(number)
    for org_id, numbers in seen.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            row_problems.setdefault(number, []).append(
                Problem(
                    number,
                    "id",
                    org_id,
                    f"id '{org_id}' is also used in {also_used(numbers, number)}; ids must be "
                    "unique",
                )
            )


def capped(problems: list[Problem], limit: int = LIMITS.problems) -> list[Problem]:
    """The first ``limit`` problems, and one line that counts the rest."""
    if len(problems) <= limit:
        return problems
    rest = len(problems) - limit
    return [
        *problems[:limit],
        Problem(
            None,
            None,
            None,
            f"... and {rest:,} more problems are not listed (the first {limit:,} are); fix "
            "these and check the file again",
        ),
    ]


# --- JSON ---------------------------------------------------------------------------------


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def _json_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _json_value(data: Any, loc: Sequence[Any]) -> str | None:
    value = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:200]
    return None if value is None else str(value)


def organisations_from_json(
    data: bytes,
    vocabulary: Mapping[str, str] | None,
    max_bytes: int,
    *,
    unique_ids: bool = True,
) -> ImportReport:
    def fail(problem: Problem) -> ImportReport:
        return ImportReport([], [problem], format="json")

    try:
        check_size(data, max_bytes)
        text, _ = decode_text(data)
    except InvalidInputError as exc:
        return ImportReport([], exc.problems, format="json")
    if not text.strip():
        return fail(
            Problem(None, None, None, "the file is empty; expected a JSON list of organisations")
        )
    past = json_records_past(text, LIMITS.json_items)
    if past is not None:
        return fail(
            Problem(
                past,
                None,
                None,
                f"the file lists more than {LIMITS.json_items:,} organisations (record "
                f"{past:,}); the limit is {LIMITS.json_items:,}",
            )
        )
    try:
        doc = load_json(text)
    except InvalidInputError as exc:
        return fail(exc.problems[0])
    if _depth(doc, _MAX_JSON_DEPTH) > _MAX_JSON_DEPTH:
        return fail(
            Problem(None, None, None, f"the JSON is nested too deeply (limit {_MAX_JSON_DEPTH})")
        )

    vocab_entries: dict[str, str] = dict(vocabulary or {})
    if isinstance(doc, dict):
        unknown = sorted(set(doc) - {"organisations", "vocabulary"})
        if unknown:
            return fail(
                Problem(
                    None,
                    unknown[0],
                    None,
                    f"'{unknown[0]}' is not a key of a registry file; the keys are "
                    "'organisations' and 'vocabulary'",
                )
            )
        own = doc.get("vocabulary") or {}
        if not isinstance(own, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in own.items()
        ):
            return fail(
                Problem(None, "vocabulary", None, "'vocabulary' must map codes to labels (strings)")
            )
        vocab_entries.update(own)
        items = doc.get("organisations", [])
    else:
        items = doc
    if not isinstance(items, list):
        return fail(
            Problem(
                None,
                None,
                None,
                "expected a list of organisations, or an object with the key 'organisations'",
            )
        )
    try:
        vocab = taxonomy.s3().with_custom(vocab_entries) if vocab_entries else taxonomy.s3()
    except InvalidInputError as exc:
        return fail(Problem(None, "vocabulary", None, exc.message))
    if not items:
        return fail(
            Problem(
                None,
                None,
                None,
                "the file holds no organisation; expected a JSON list of organisations, or an "
                "object whose key 'organisations' lists them",
            )
        )
    if len(items) > LIMITS.json_items:
        return fail(
            Problem(
                None,
                None,
                None,
                f"the file lists {len(items):,} organisations; the limit is {LIMITS.json_items:,}",
            )
        )
    context = {"vocabulary": vocab}
    valid: list[tuple[int, Organisation]] = []
    row_problems: dict[int, list[Problem]] = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            row_problems[number] = [
                Problem(
                    number,
                    None,
                    _json_value(items, [number - 1]),
                    "an organisation must be a JSON object",
                )
            ]
            continue
        try:
            valid.append((number, Organisation.model_validate(item, context=context)))
        except ValidationError as exc:
            found = []
            for err in exc.errors():
                loc = tuple(err.get("loc", ()))
                path = _json_path(loc)
                value = _json_value(item, loc)
                found.append(Problem(number, path, value, _pydantic_message(err, path, value)))
            row_problems[number] = found
    if unique_ids:
        _duplicate_ids(valid, row_problems)
    problems = [p for n in sorted(row_problems) for p in row_problems[n]]
    return ImportReport(
        [org for n, org in valid if n not in row_problems],
        problems,
        rows=len(items),
        rejected_rows=sorted(row_problems),
        format="json",
        vocabulary=vocab_entries,
    )


# --- export -------------------------------------------------------------------------------

EXPORT_COLUMNS = [c for c in COLUMNS if c.name not in {"sectors_nace21"}]


def organisation_rows(
    organisations: Iterable[Organisation], *, public: bool = False
) -> tuple[list[str], list[list[str]]]:
    """The organisations as a header and rows of text, in the documented column format."""
    cols = [c for c in EXPORT_COLUMNS if not (public and c.field.startswith("contact."))]
    header = [c.name for c in cols]
    rows: list[list[str]] = []
    for org in organisations:
        row: list[str] = []
        for col in cols:
            row.append(_export_value(org, col))
        rows.append(row)
    return header, rows


def _export_value(org: Organisation, col: Column) -> str:
    if col.field.startswith("contact."):
        if org.contact is None:
            return ""
        value = getattr(org.contact, col.field.split(".", 1)[1])
        return "" if value is None else str(value)
    value = getattr(org, col.field)
    if col.field in {"offers", "needs"}:
        return f"{ITEM_SEPARATOR} ".join(format_item(i.text, i.keywords) for i in value)
    if col.multi:
        return f"{ITEM_SEPARATOR} ".join(value)
    if value is None:
        return ""
    return str(value)


def dump_organisations(
    organisations: Sequence[Organisation],
    format: ExportFormat = "csv",
    *,
    public: bool = False,
    vocabulary: Mapping[str, str] | None = None,
) -> bytes:
    """Serialise organisations as CSV (UTF-8 with BOM, so that spreadsheets read it), XLSX or
    JSON. Text cells that a spreadsheet would run as formulas are neutralised with ``'``."""
    if format == "json":
        registry = Registry(
            organisations=[o.public() if public else o for o in organisations],
            vocabulary=dict(vocabulary or {}),
        )
        payload = registry.model_dump(mode="json", exclude_none=True)
        return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()
    header, rows = organisation_rows(organisations, public=public)
    if format == "csv":
        return csv_bytes(header, rows)
    if format == "xlsx":
        return xlsx_bytes([("Organisations", header, rows)])
    raise ValueError(f"format '{format}' must be one of: csv, xlsx, json")


def write_organisations(
    organisations: Sequence[Organisation],
    path: str | Path,
    *,
    format: ExportFormat | None = None,
    public: bool = False,
    vocabulary: Mapping[str, str] | None = None,
) -> Path:
    """Write organisations to ``path``; the format follows the suffix unless given."""
    target = Path(path)
    fmt = format or detect_format(b"", target.name)
    data = dump_organisations(organisations, fmt, public=public, vocabulary=vocabulary)
    return write_atomic(target, data)  # nothing half-written
