"""Which column of a registration export goes to which field: the proposal and its file.

A registration platform (b2match, Brella, Swapcard, Grip, Eventbrite, Cvent, EUSurvey, Google
or Microsoft Forms) or a hand-kept sheet names its columns its own way, in its own language.
:func:`propose_mapping` reads a table's headers (and a sample of its cells) and proposes a field
for each column, with how sure it is and why; the organiser changes what is wrong, and the
mapping is kept (:class:`matchmaker.models.RegistrationMapping`) for the next upload.

The header is found even below a title row; of a workbook's sheets, the one whose headers are
best known is read unless one is named.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.io.columns import COLUMNS
from matchmaker.io.tabular import (
    MAX_FILE_BYTES,
    Table,
    detect_format,
    open_source,
    read_csv,
    read_source,
    read_xlsx,
    xlsx_sheet_names,
)
from matchmaker.io.values import (
    country_code,
    fold,
    language_code,
    org_type,
    size_class,
    split_list,
    vocabulary,
)
from matchmaker.models import REGISTRATION_FIELDS, RegistrationMapping

__all__ = [
    "FIELD_LABELS",
    "MULTI_FIELDS",
    "ColumnProposal",
    "MappingProposal",
    "dump_mapping",
    "find_header",
    "header_row_of",
    "load_mapping",
    "propose_mapping",
    "read_table",
]

FIELD_LABELS: dict[str, str] = {
    "participant": "Participant id",
    "first_name": "First name",
    "last_name": "Last name",
    "person": "Full name",
    "email": "E-mail",
    "job_title": "Job title",
    "phone": "Phone",
    "seats": "Seats",
    "organisation_id": "Organisation id",
    "organisation": "Organisation name",
    "type": "Organisation type",
    "size": "Organisation size",
    "country": "Country",
    "city": "City",
    "region": "Region",
    "website": "Website",
    "description": "Description",
    "offers": "Offers",
    "needs": "Requests (needs)",
    "areas": "Areas of activity (free text)",
    "sectors": "Sectors (NACE Rev. 2 codes)",
    "sectors_nace21": "Sectors (NACE Rev. 2.1 codes)",
    "s3_priorities": "S3 priorities (codes or labels)",
    "projects": "Projects",
    "languages": "Languages",
    "availability": "Availability (time slots)",
    "wishes": "Meeting wishes (organisations to meet)",
    "contact_person": "Organisation's contact person",
    "contact_email": "Organisation's contact e-mail",
    "contact_phone": "Organisation's contact phone",
    "extra": "Keep as an extra field",
    "ignore": "Not used",
}
assert set(FIELD_LABELS) == set(REGISTRATION_FIELDS)
# Fields that several columns may fill (their values are joined).
MULTI_FIELDS = frozenset(
    {
        "offers",
        "needs",
        "areas",
        "description",
        "languages",
        "sectors",
        "sectors_nace21",
        "s3_priorities",
        "projects",
        "availability",
        "wishes",
        "extra",
        "ignore",
    }
)
# The product's own column names (docs/import-format.md) and where they go.
_OWN_COLUMNS = {
    "id": "organisation_id",
    "name": "organisation",
    "contact.person": "contact_person",
    "contact.email": "contact_email",
    "contact.phone": "contact_phone",
}
SAMPLE_ROWS = 5
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True, slots=True)
class ColumnProposal:
    """One column: its header, sample values, the proposed field, confidence and reason."""

    position: int
    header: str
    samples: list[str]
    field: str
    confidence: float
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "header": self.header,
            "samples": self.samples,
            "field": self.field,
            "label": FIELD_LABELS[self.field],
            "confidence": self.confidence,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class MappingProposal:
    """The proposed (or given) mapping of a table, and what was found about the file."""

    columns: list[ColumnProposal]
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    rows: int = 0
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def mapping(self) -> RegistrationMapping:
        return RegistrationMapping.model_validate(
            {
                "sheet": self.sheet,
                "header_row": self.header_row,
                "columns": [{"header": c.header, "field": c.field} for c in self.columns],
                "values": self.values,
            }
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": "matchmaker-mapping/1",
            "sheet": self.sheet,
            "sheets": self.sheets,
            "header_row": self.header_row,
            "rows": self.rows,
            "file_format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "columns": [c.as_dict() for c in self.columns],
            "values": self.values,
            "fields": [{"field": k, "label": v} for k, v in FIELD_LABELS.items()],
        }


# --- spellings ----------------------------------------------------------------------------


@functools.cache
def _spellings() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Folded full header spellings -> field; and (word, field), longest words first."""
    full: dict[str, str] = {}
    for col in COLUMNS:
        target = _OWN_COLUMNS.get(col.field, col.field)
        for spelling in (col.name, *col.aliases):
            full.setdefault(fold(spelling), target)
    for name, target in (("participant", "participant"), ("person", "person"), ("seats", "seats")):
        full.setdefault(name, target)
    data = vocabulary()
    for fname, spellings in data.get("headers", {}).items():
        if fname not in FIELD_LABELS:
            continue
        for spelling in spellings:
            key = fold(spelling)
            if key:
                full[key] = fname  # the registration spellings win over the organisation ones
    # The product's own column names (as its exports write them) mean what they say.
    for col in COLUMNS:
        full[fold(col.name)] = _OWN_COLUMNS.get(col.field, col.field)
    for own in ("participant", "person", "seats"):
        full[own] = own
    full["name"] = "person"
    words: list[tuple[str, str]] = []
    for fname, stems in data.get("header_words", {}).items():
        if fname not in FIELD_LABELS:
            continue
        for stem in stems:
            key = fold(stem)
            if key:
                words.append((key, fname))
    words.sort(key=lambda w: -len(w[0]))
    return full, words


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$")


def _ends_in_country(value: str) -> bool:
    """'Como, Italy', 'Lyon (France)': a place with its country."""
    parts = [p.strip(" ()") for p in re.split(r"[,(/]", value) if p.strip(" ()")]
    return len(parts) > 1 and country_code(parts[-1]).code is not None


_URL = re.compile(r"^(https?://|www\.)\S+$|^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/\S*)?$", re.I)


# Words that name a thing without saying which of its fields a column holds: 'Organisation
# type' is the type, 'Participant e-mail' the e-mail.
_MODIFIERS = frozenset({"organisation", "person", "participant", "contact_person"})
_NAME_WORDS = frozenset({"name", "nom", "nombre", "nome", "nazwa", "naam", "bezeichnung"})
# The product's own column names: what they hold is checked by the reader, row by row.
_PRODUCT_NAMES = frozenset(
    fold(name)
    for name in (
        *(c.name for c in COLUMNS),
        "participant",
        "person",
        "seats",
        "sectors nace21",
    )
)
_CODE_FIELDS = frozenset({"sectors", "sectors_nace21", "s3_priorities"})
# Fields whose cells are checked even under a known header (a wrong guess corrupts data).
_CHECKED = frozenset(
    {
        "participant",
        "organisation_id",
        "sectors",
        "sectors_nace21",
        "s3_priorities",
        "city",
        "size",
        "type",
    }
)
_YES_NO = frozenset(
    {
        *[
            "yes",
            "no",
            "y",
            "n",
            "true",
            "false",
            "ja",
            "nein",
            "oui",
            "non",
            "si",
            "tak",
            "nie",
            "x",
            "ok",
            "accepted",
            "agreed",
            "1",
            "0",
        ],
        *("i agree", "i accept", "j accepte", "acepto", "accetto", "zgadzam sie"),
        "ich stimme zu",
    }
)
_ID_WORDS = frozenset({"id", "no", "nr", "number", "nummer", "numero", "code", "ref", "numer"})


def _guess(header: str, values: Sequence[str]) -> tuple[str, float, str]:
    """The field of one column, its confidence and why."""
    full, words = _spellings()
    key = fold(header)
    if not key:
        if any(values):
            return "extra", 0.3, "the column has no header; its cells are kept"
        return "ignore", 1.0, "the column has no header and no values"
    if set(key.split()) & _SOCIAL or _mostly_social(values):
        return (
            "extra",
            0.9,
            "a social-media profile is the person's, not the organisation's website",
        )
    known = full.get(key) or (full.get(key[:-1]) if key.endswith("s") else None)
    if known is not None:
        trusted = key in _PRODUCT_NAMES and known not in _CODE_FIELDS
        if trusted or _plausible(known, values):
            return known, 1.0, f"'{header}' is a known header"
        if known not in _CHECKED:
            # Kept, but a column whose cells fit the field better takes it ('Adresse de
            # messagerie' of an anonymous form beside 'Adresse e-mail professionnelle').
            return (
                known,
                0.5,
                (
                    f"'{header}' is a known header, but its cells do not look like "
                    f"{FIELD_LABELS[known].lower()}"
                ),
            )
        if known in _CODE_FIELDS:
            return "areas", 0.8, f"'{header}' holds words, not codes: read as areas by meaning"
        if known == "city":
            return "country", 0.8, f"the cells of '{header}' end in a country"
        if known == "type":
            return (
                "extra",
                0.5,
                (
                    f"'{header}' would give the organisation type, but most of its cells are no "
                    "type the reader knows; choose 'Organisation type' to place them by hand"
                ),
            )
        return (
            "extra",
            0.5,
            (
                f"'{header}' is a known header for {FIELD_LABELS[known].lower()}, but its cells "
                "do not look like it; they are kept as they are"
            ),
        )
    padded = f" {key} "
    hits: dict[str, str] = {}
    # Known headers inside a longer one ('Last name of the contact person'), the earliest
    # first (the head of 'X of the Y'; a leading modifier such as 'Company' is passed over
    # below) and, at one place, the longest; then single words.
    inside = sorted(
        (
            (padded.index(f" {spelling} "), -len(spelling), spelling, fname)
            for spelling, fname in full.items()
            if len(spelling) >= 5 and f" {spelling} " in padded
        ),
    )
    for _, _, spelling, fname in inside:
        hits.setdefault(fname, spelling)
    for word, fname in words:
        if f" {word}" in padded and fname not in hits:
            hits[fname] = word
    tokens = set(key.split())
    if "participant" in hits and not tokens & _ID_WORDS:
        del hits["participant"]  # 'Ticket type', 'Registration date': not an id
    if "organisation" in hits and tokens & _NAME_WORDS:
        candidates = ["organisation"]
    else:
        candidates = [f for f in hits if f not in _MODIFIERS] or list(hits)
    for fname in candidates:
        if _plausible(fname, values):
            return fname, 0.7, f"the header holds '{hits[fname]}'"
    from rapidfuzz import fuzz, process

    best = process.extractOne(key, list(full), scorer=fuzz.ratio, score_cutoff=92)
    if best is not None and _plausible(full[best[0]], values):
        return full[best[0]], 0.6, f"'{header}' is close to the header '{best[0]}'"
    by_content = _by_content(values[: SAMPLE_ROWS * 4])
    if by_content is not None:
        return by_content
    if candidates:
        return (
            "extra",
            0.4,
            f"the header holds '{hits[candidates[0]]}' but the cells do not look like "
            f"{FIELD_LABELS[candidates[0]].lower()}; they are kept as they are",
        )
    return "extra", 0.5, f"'{header}' is not a known header; its cells are kept as they are"


_SOCIAL = frozenset(
    {"linkedin", "twitter", "facebook", "instagram", "xing", "mastodon", "bluesky", "youtube"}
)
_SOCIAL_HOSTS = re.compile(
    r"(linkedin|twitter|x|facebook|instagram|xing|youtube|bsky)\.(com|app)/", re.I
)


def _mostly_social(values: Sequence[str]) -> bool:
    cells = [v for v in values if v]
    return bool(cells) and sum(bool(_SOCIAL_HOSTS.search(v)) for v in cells) * 2 >= len(cells)


def _plausible(fname: str, values: Sequence[str]) -> bool:
    """Whether a column's cells can be what a header word suggests (at least half of them)."""
    cells = [v for v in values if v]
    if not cells:
        return fname not in {"participant", "seats"}
    n = len(cells)
    if sum(fold(v) in _YES_NO for v in cells) * 2 >= n:
        return False  # a consent or yes/no question ('Ja' is no language here)
    if fname == "type":
        return sum(org_type(v, by_meaning=False).code is not None for v in cells) * 2 >= n
    if fname == "country":
        return sum(country_code(v).code is not None for v in cells) * 2 >= n
    if fname == "languages":
        return (
            sum(
                bool(parts) and all(language_code(p).code for p in parts)
                for parts in (split_list(v) for v in cells)
            )
            * 2
            >= n
        )
    if fname in {"email", "contact_email"}:
        return sum("@" in v for v in cells) * 2 >= n
    if fname == "website":
        return sum(bool(_URL.match(v)) for v in cells) * 2 >= n
    if fname in {"participant", "organisation_id"}:
        # Ids: each one a valid id; a participant's unique (colleagues share an organisation).
        ids_ok = all(_ID.match(v) for v in cells)
        return ids_ok and (fname == "organisation_id" or len(set(cells)) == n)
    if fname in {"sectors", "sectors_nace21"}:
        from matchmaker import taxonomy

        nace = taxonomy.nace()
        parts = [p for v in cells for p in re.split(r"[;,\n]", v) if p.strip()]
        return sum(nace.is_valid(p.strip()) for p in parts) * 2 >= len(parts)
    if fname == "s3_priorities":
        from matchmaker import taxonomy

        s3 = taxonomy.s3()
        parts = [p for v in cells for p in re.split(r"[;\n]", v) if p.strip()]
        return sum(s3.is_valid(p.strip()) for p in parts) * 2 >= len(parts)
    if fname == "city":
        return sum(_ends_in_country(v) for v in cells) * 2 < n
    if fname == "size":
        return sum(size_class(v).code is not None for v in cells) * 2 >= n
    if fname == "seats":
        return all(v.isdigit() and 0 < int(v) <= 50 for v in cells)
    return True


def _by_content(samples: Sequence[str]) -> tuple[str, float, str] | None:
    values = [s for s in samples if s]
    if not values:
        return None
    n = len(values)
    if sum(fold(v) in _YES_NO for v in values) * 2 >= n:
        return None
    if sum(bool(_EMAIL.match(v)) for v in values) >= 0.8 * n:
        return "email", 0.6, "its cells are e-mail addresses"
    if sum(bool(_URL.match(v)) for v in values) >= 0.8 * n:
        return "website", 0.6, "its cells are web addresses"
    if sum(country_code(v).code is not None for v in values) >= 0.8 * n:
        return "country", 0.6, "its cells are countries"
    langs = [split_list(v) for v in values]
    if (
        all(parts for parts in langs)
        and sum(all(language_code(p).code for p in parts) for parts in langs) >= 0.8 * n
    ):
        return "languages", 0.6, "its cells are languages"
    return None


def _row_numbers(values: Sequence[str]) -> bool:
    """Whole numbers, each once: a form's response or attendee numbers."""
    cells = [v for v in values if v]
    return bool(cells) and all(v.isdigit() for v in cells) and len(set(cells)) == len(cells)


def _resolve(
    proposals: list[ColumnProposal], values: Sequence[Sequence[str]]
) -> list[ColumnProposal]:
    """One column per single-valued field (the surest keeps it); 'Name' beside an
    organisation column is the person's name."""
    out = list(proposals)
    # 'Name' is the person's name in exports, the organisation's in the product's own format;
    # it is the organisation's when no other column gives that.
    if not any(p.field == "organisation" for p in out):
        for k, p in enumerate(out):
            if fold(p.header) == "name":
                out[k] = _replace(p, "organisation", 0.8, "no other column names the organisation")
                break
    # A bare 'ID' in an export is the row's (the attendee's or the response's), unless the
    # product's own format gives the participant beside it.
    if not any(p.field == "participant" for p in out):
        for k, p in enumerate(out):
            if fold(p.header) == "id" and p.field == "organisation_id" and _row_numbers(values[k]):
                out[k] = _replace(
                    p, "participant", 0.8, "'ID' numbers the rows: the participant's id"
                )
    # EUSurvey's metadata: 'Languages' is the language the answer was given in.
    headers = {fold(p.header) for p in out}
    if {"contribution id", "invitation number"} <= headers:
        for k, p in enumerate(out):
            if fold(p.header) == "languages" and p.field == "languages":
                out[k] = _replace(p, "extra", 0.8, "EUSurvey's language of the answer")
    taken: dict[str, int] = {}
    # Of two columns for one field, the surer and then the more specific header keeps it
    # ('Nom de famille' before 'Nom').
    for k in sorted(range(len(out)), key=lambda k: (-out[k].confidence, -len(out[k].header), k)):
        p = out[k]
        if p.field in MULTI_FIELDS:
            continue
        if p.field in taken:
            first = out[taken[p.field]]
            out[k] = _replace(
                p,
                "extra",
                p.confidence,
                f"'{first.header}' already gives the {FIELD_LABELS[p.field].lower()}; "
                "this column is kept as an extra field",
            )
        else:
            taken[p.field] = k
    if "person" in taken and "first_name" in taken and "last_name" in taken:
        k = taken["person"]
        out[k] = _replace(
            out[k], "extra", out[k].confidence, "first and last names are in their own columns"
        )
    return out


def _replace(p: ColumnProposal, fname: str, confidence: float, why: str) -> ColumnProposal:
    return ColumnProposal(p.position, p.header, p.samples, fname, confidence, why)


def _header_score(cells: Sequence[str]) -> int:
    full, _ = _spellings()
    return sum(1 for c in cells if fold(c) in full)


def find_header(
    table: Table, header_row: int | None = None, expected: Collection[str] = ()
) -> Table:
    """The table with its header where the headers are: below a title row if there is one.

    The header is the row among the first ones with the most known headers (two at least);
    failing that, a title row (one cell filled) gives way to the first row as wide as the
    data. ``header_row`` (a spreadsheet row number, as a kept mapping holds it) is taken when
    that row holds the ``expected`` headers (folded), at least half of its cells.
    """
    best_k, best_score = -1, _header_score(table.header)
    if header_row is not None:
        numbers = table.row_numbers[:HEADER_SEARCH_ROWS]
        if header_row - 1 in numbers or (header_row == 1 and not numbers):
            pass  # the file's first row: already the header
        elif header_row in numbers:
            k = numbers.index(header_row)
            cells = [fold(c) for c in table.rows[k] if c]
            if cells and sum(c in expected for c in cells) * 2 >= len(cells):
                best_k, best_score = k, 10**6
    for k, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        score = _header_score(row)
        if score > best_score and score >= 2:
            best_k, best_score = k, score
    if best_k < 0 and sum(1 for c in table.header if c) <= 1 and table.rows:
        widths = sorted(sum(1 for c in r if c) for r in table.rows[:50])
        typical = widths[len(widths) // 2]
        for k, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
            if typical >= 3 and sum(1 for c in row if c) >= typical:
                best_k = k
                break
    if best_k < 0:
        return _trim(table)
    return _trim(
        Table(
            header=list(table.rows[best_k]),
            rows=table.rows[best_k + 1 :],
            row_numbers=table.row_numbers[best_k + 1 :],
            encoding=table.encoding,
            delimiter=table.delimiter,
            formula_cells={(n, j) for n, j in table.formula_cells if n > table.row_numbers[best_k]},
        )
    )


def _trim(table: Table) -> Table:
    """Trailing columns with neither header nor values left out."""
    width = len(table.header)
    while width > 0 and not table.header[width - 1]:
        j = width - 1
        if any(len(r) > j and r[j] for r in table.rows):
            break
        width -= 1
    if width == len(table.header):
        return table
    return Table(
        header=table.header[:width],
        rows=[r[:width] if not any(r[width:]) else r for r in table.rows],
        row_numbers=table.row_numbers,
        encoding=table.encoding,
        delimiter=table.delimiter,
        formula_cells=table.formula_cells,
    )


def header_row_of(table: Table) -> int:
    """The spreadsheet row number of a table's header."""
    if table.row_numbers:
        return max(1, table.row_numbers[0] - 1)
    return 1


def read_table(
    source: str | Path | bytes,
    *,
    name: str | None = None,
    sheet: str | None = None,
    prefer: str | None = None,
    header_row: int | None = None,
    expected: Collection[str] = (),
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[Table, str, str | None, list[str]]:
    """A registration export as a table with its header found: ``(table, format, sheet,
    sheets)``. Of several sheets, the one with the most known headers, unless ``sheet`` (which
    must exist) or ``prefer`` (a sheet read before, when this workbook has it)."""
    opened, head, name = open_source(source, name, max_bytes=max_bytes)
    fmt = detect_format(head, name)
    if fmt == "json":
        raise MatchmakerError("a JSON registration list has no columns to map")
    if fmt == "csv":  # read as it streams: a file it refuses is never held whole
        table = read_csv(opened, max_bytes=max_bytes)
        return find_header(table, header_row, expected), fmt, None, []
    data, name = read_source(opened, name, max_bytes=max_bytes)
    sheets = xlsx_sheet_names(data, max_bytes=max_bytes)
    if sheet is None and prefer in sheets:
        sheet = prefer
    if sheet is not None or len(sheets) <= 1:
        table = read_xlsx(data, sheet=sheet, max_bytes=max_bytes)
        chosen = sheet or (sheets[0] if sheets else None)
        return find_header(table, header_row, expected), fmt, chosen, sheets
    best: tuple[int, int, Table, str] | None = None
    for k, candidate in enumerate(sheets):
        try:
            table = find_header(read_xlsx(data, sheet=candidate, max_bytes=max_bytes))
        except InvalidInputError:
            continue
        score = _header_score(table.header)
        if best is None or (score, len(table.rows) > 0) > (best[0], len(best[2].rows) > 0):
            best = (score, k, table, candidate)
    if best is None:
        table = read_xlsx(data, max_bytes=max_bytes)
        return find_header(table), fmt, sheets[0], sheets
    return best[2], fmt, best[3], sheets


def propose_mapping(
    table: Table,
    *,
    given: RegistrationMapping | None = None,
    fmt: str = "csv",
    sheet: str | None = None,
    sheets: Sequence[str] = (),
) -> MappingProposal:
    """Propose a field for each column; columns named in ``given`` keep the organiser's choice."""
    chosen: dict[str, list[str]] = {}
    if given is not None:
        for c in given.columns:
            chosen.setdefault(fold(c.header), []).append(c.field)
    proposals = []
    for j, header in enumerate(table.header):
        samples = _samples(table, j)
        picks = chosen.get(fold(header))
        if picks:
            fname = picks.pop(0) if len(picks) > 1 else picks[0]
            proposals.append(ColumnProposal(j, header, samples, fname, 1.0, "as chosen before"))
            continue
        fname, confidence, why = _guess(header, _column(table, j))
        proposals.append(ColumnProposal(j, header, samples, fname, confidence, why))
    kept = [p for p in proposals if p.why == "as chosen before"]
    guessed = [p for p in proposals if p.why != "as chosen before"]
    resolved = _resolve(guessed, [_column(table, p.position) for p in guessed])
    by_position = {p.position: p for p in (*kept, *resolved)}
    return MappingProposal(
        [by_position[j] for j in range(len(table.header))],
        sheet=sheet,
        sheets=list(sheets),
        header_row=header_row_of(table),
        rows=len(table.rows),
        format=fmt,
        encoding=table.encoding,
        delimiter=table.delimiter,
        values={k: dict(v) for k, v in (given.values if given else {}).items()},
    )


def _column(table: Table, j: int, limit: int = 200) -> list[str]:
    """The first ``limit`` cells of a column (empty ones too), to judge what it holds."""
    return [row[j] if j < len(row) else "" for row in table.rows[:limit]]


def _samples(table: Table, j: int) -> list[str]:
    out: list[str] = []
    for row in table.rows:
        if j < len(row) and row[j] and row[j] not in out:
            out.append(row[j][:120])
            if len(out) == SAMPLE_ROWS:
                break
    return out


# --- the mapping file ---------------------------------------------------------------------


def dump_mapping(proposal: MappingProposal) -> bytes:
    """The mapping as an editable JSON file: one entry per column, with its samples."""
    doc = {
        "format": "matchmaker-mapping/1",
        "sheet": proposal.sheet,
        "header_row": proposal.header_row,
        "fields": dict(FIELD_LABELS),
        "columns": [
            {
                "header": c.header,
                "field": c.field,
                "samples": c.samples,
                "confidence": c.confidence,
                "why": c.why,
            }
            for c in proposal.columns
        ],
        "values": proposal.values,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()


def load_mapping(source: str | Path | bytes) -> RegistrationMapping:
    """Read a mapping file (as :func:`dump_mapping` writes it; samples and notes ignored).

    Raises
    ------
    InvalidInputError
        A file that is not such a mapping; the problem names the entry and the rule.
    """
    from pydantic import ValidationError

    from matchmaker.io.tabular import decode_text, load_json
    from matchmaker.models import error_text

    data, _ = read_source(source, None, max_bytes=16 * 1024 * 1024)
    try:
        text, _ = decode_text(data)
        doc = load_json(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidInputError(
            "the mapping file is not JSON", [Problem(None, None, None, str(exc)[:300])]
        ) from None
    if not isinstance(doc, dict):
        raise InvalidInputError(
            "the mapping file is not a mapping",
            [Problem(None, None, None, "expected a JSON object with 'columns'")],
        )
    columns = doc.get("columns")
    if isinstance(columns, list):
        doc = {
            **{k: v for k, v in doc.items() if k in {"format", "sheet", "header_row", "values"}},
            "columns": [
                {k: v for k, v in c.items() if k in {"header", "field"}}
                if isinstance(c, dict)
                else c
                for c in columns
            ],
        }
    try:
        return RegistrationMapping.model_validate(doc)
    except ValidationError as exc:
        problems = [
            Problem(
                None,
                ".".join(str(x) for x in err["loc"]),
                str(err.get("input"))[:80] if not isinstance(err.get("input"), dict) else None,
                error_text(err)
                + (
                    f"; fields: {', '.join(REGISTRATION_FIELDS)}"
                    if err["loc"] and err["loc"][-1] == "field"
                    else ""
                ),
            )
            for err in exc.errors()
        ]
        raise InvalidInputError(problems[0].message, problems) from None
