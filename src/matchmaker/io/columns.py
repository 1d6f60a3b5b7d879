"""The column format of organisation tables, and the header spellings that are read as each.

See ``docs/import-format.md`` for the user-facing description; the two must agree.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COLUMNS", "Column", "fold_header", "match_headers"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the organisation table.

    ``field`` is where the value goes; ``multi`` columns hold several values separated by ``;``.
    """

    name: str
    field: str
    aliases: tuple[str, ...] = ()
    multi: bool = False
    required: bool = False
    doc: str = ""


def fold_header(text: str) -> str:
    """Fold a header for matching: case, punctuation, spaces and a trailing ``(s)`` removed."""
    out = "".join(ch if ch.isalnum() else " " for ch in text.casefold().replace("(s)", "s"))
    return " ".join(out.split())


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "id",
        ("organisation id", "organization id", "org id", "identifier", "pic", "registration id"),
        doc="Stable identifier; when the column is absent it is made from the name.",
    ),
    Column(
        "name",
        "name",
        (
            "organisation",
            "organization",
            "organisation name",
            "organization name",
            "company",
            "company name",
            "institution",
            "legal name",
        ),
        required=True,
        doc="Name of the organisation.",
    ),
    Column(
        "type",
        "type",
        (
            "organisation type",
            "organization type",
            "org type",
            "type of organisation",
            "type of organization",
            "category",
            "entity type",
        ),
        required=True,
        doc="cluster, sme, large_company, university, research_organisation, public_authority, "
        "agency, network or other (common spellings such as 'Large enterprise' are read too).",
    ),
    Column(
        "region",
        "region",
        ("nuts", "nuts code", "region nuts", "nuts region", "nuts 2", "nuts2", "region code"),
        doc="NUTS code at any level (2021 or 2024; EFTA/candidate statistical regions; UK 2016).",
    ),
    Column(
        "country",
        "country",
        ("country code", "country iso", "nation"),
        doc="Country code or English name; used as the region when no region is given, and "
        "checked against the region otherwise.",
    ),
    Column(
        "sectors",
        "sectors",
        ("sector", "nace", "nace codes", "nace code", "nace rev 2", "sector nace", "nace sectors"),
        multi=True,
        doc="NACE Rev. 2 codes at any level: C26.51, 26.51 or 2651.",
    ),
    Column(
        "sectors_nace21",
        "sectors_nace21",
        ("nace rev 2 1", "nace 2 1", "nace21", "sectors nace 2 1"),
        multi=True,
        doc="NACE Rev. 2.1 codes, converted to NACE Rev. 2 through the official correspondence.",
    ),
    Column(
        "s3_priorities",
        "s3_priorities",
        (
            "s3",
            "s3 priority",
            "s3 priorities",
            "smart specialisation priorities",
            "smart specialization priorities",
            "ris3 priorities",
        ),
        multi=True,
        doc="S3 codes (IE01-IE14, TP-ENERGY, NABS01, a NACE code) or labels, or own codes.",
    ),
    Column(
        "offers",
        "offers",
        ("offer", "we offer", "what we offer", "offering", "expertise offered"),
        multi=True,
        doc="Items separated by ';'; each item 'text | keyword, keyword'.",
    ),
    Column(
        "needs",
        "needs",
        ("need", "we need", "what we need", "we look for", "looking for", "requests"),
        multi=True,
        doc="Items separated by ';'; each item 'text | keyword, keyword'.",
    ),
    Column(
        "languages",
        "languages",
        ("language", "working languages", "working language", "spoken languages"),
        multi=True,
        doc="ISO 639-1 codes or English names.",
    ),
    Column(
        "projects",
        "projects",
        ("project", "interreg projects", "interreg project", "project acronyms"),
        multi=True,
        doc="Projects the organisation belongs to (e.g. Interreg acronyms).",
    ),
    Column(
        "size",
        "size",
        ("employees", "number of employees", "headcount", "head count", "staff", "size class"),
        doc="micro, small, medium, large, or a head count.",
    ),
    Column("website", "website", ("web", "url", "homepage", "web site", "web page")),
    Column("description", "description", ("about", "profile", "short description", "summary")),
    Column(
        "contact_person",
        "contact.person",
        ("contact", "contact person", "contact name"),
        doc="Private: seen by the organisation itself and by organisers only.",
    ),
    Column("contact_email", "contact.email", ("email", "e mail", "contact email", "mail")),
    Column("contact_phone", "contact.phone", ("phone", "telephone", "contact phone", "mobile")),
)

_BY_FOLDED: dict[str, Column] = {}
for _col in COLUMNS:
    for _spelling in (_col.name, *_col.aliases):
        _BY_FOLDED[fold_header(_spelling)] = _col


def match_headers(header: list[str]) -> tuple[dict[int, Column], list[int]]:
    """Map header positions to columns; returns ``(matched, unmatched positions)``."""
    matched: dict[int, Column] = {}
    unmatched: list[int] = []
    for i, text in enumerate(header):
        col = _BY_FOLDED.get(fold_header(text))
        if col is None:
            unmatched.append(i)
        else:
            matched[i] = col
    return matched, unmatched


def known_spellings() -> list[str]:
    return sorted(_BY_FOLDED)
