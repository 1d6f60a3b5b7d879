"""Country codes and names of the covered countries (CLDR country file).

Eurostat writes Greece and the United Kingdom as 'EL' and 'UK' where ISO 3166 has 'GR' and
'GB'. Both spellings are accepted everywhere; the NUTS spelling is the canonical one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from matchmaker.taxonomy.resources import read_rows

__all__ = ["ISO_TO_NUTS", "NUTS_TO_ISO", "Country", "countries", "to_nuts_country"]

ISO_TO_NUTS: dict[str, str] = {"GR": "EL", "GB": "UK"}
NUTS_TO_ISO: dict[str, str] = {nuts: iso for iso, nuts in ISO_TO_NUTS.items()}


@dataclass(frozen=True, slots=True)
class Country:
    """One country of the CLDR country file.

    Attributes
    ----------
    nuts:
        Eurostat country code ('EL', 'UK', 'CH').
    iso:
        ISO 3166-1 alpha-2 code ('GR', 'GB', 'CH').
    name:
        English short name as CLDR gives it ('Greece', 'Bosnia & Herzegovina').
    group:
        'EU27', 'EFTA' or 'other_europe'.
    """

    nuts: str
    iso: str
    name: str
    group: str


def to_nuts_country(code: str) -> str:
    """Upper-case a two-letter country code and map 'GR'/'GB' to 'EL'/'UK'."""
    code = code.strip().upper()
    return ISO_TO_NUTS.get(code, code)


@functools.cache
def countries() -> dict[str, Country]:
    """The countries of the CLDR country file, keyed by their NUTS country code."""
    out: dict[str, Country] = {}
    for row in read_rows("country_languages", "country_languages_cldr.csv"):
        if row["nuts0"] not in out:
            out[row["nuts0"]] = Country(
                row["nuts0"], row["iso2"], row["country_name"], row["group"]
            )
    return out
