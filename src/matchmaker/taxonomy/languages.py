"""Languages (ISO 639-1) and the languages spoken in each covered country.

The codes and names come from ``pycountry`` (ISO 639-3 data); the share of speakers and the
official status per country come from Unicode CLDR (``data/country_languages/SOURCE.md``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

import pycountry

from matchmaker.errors import UnknownCodeError
from matchmaker.taxonomy._countries import countries, to_nuts_country
from matchmaker.taxonomy.closest import RankKey, did_you_mean, rank, tied_best
from matchmaker.taxonomy.resources import read_rows

__all__ = ["OFFICIAL_STATUSES", "CountryLanguage", "Languages", "languages"]

#: The statuses that count as national official languages in :meth:`Languages.official`.
OFFICIAL_STATUSES: frozenset[str] = frozenset({"official", "de_facto_official"})


@dataclass(frozen=True, slots=True)
class CountryLanguage:
    """A language spoken in a country.

    Attributes
    ----------
    code:
        ISO 639-1 code.
    percent:
        CLDR's estimate of the share of the population that speaks it, second language
        included (0-100).
    status:
        'official', 'de_facto_official', 'official_regional', or '' for none.
    """

    code: str
    percent: float
    status: str


class Languages:
    """Look-ups of ISO 639-1 languages and of the languages of a country.

    Use :func:`matchmaker.taxonomy.languages` for the shared instance.

    Examples
    --------
    >>> from matchmaker.taxonomy import languages
    >>> languages().normalise("English")
    'en'
    >>> languages().official("BE")
    ['nl', 'fr', 'de']
    """

    def __init__(self) -> None:
        rows = read_rows("country_languages", "country_languages_cldr.csv")
        self._names: dict[str, str] = {}
        self._lookup: dict[str, str] = {}
        for lang in pycountry.languages:
            alpha_2 = getattr(lang, "alpha_2", None)
            if alpha_2 is None:
                continue
            self._names[alpha_2] = getattr(lang, "common_name", None) or lang.name
            for attr in ("alpha_3", "bibliographic", "name", "common_name", "inverted_name"):
                value = getattr(lang, attr, None)
                if value:
                    self._lookup.setdefault(value.casefold(), alpha_2)
        for row in rows:
            # CLDR's short English names ('Greek') read better than ISO's ('Modern Greek').
            if row["lang_code"] in self._names and row["lang_name"]:
                self._names[row["lang_code"]] = row["lang_name"]
                self._lookup.setdefault(row["lang_name"].casefold(), row["lang_code"])
        for code in self._names:
            self._lookup[code] = code
        by_country: defaultdict[str, list[CountryLanguage]] = defaultdict(list)
        for row in rows:
            # Languages without an ISO 639-1 code (gsw, sco...) and script variants (sr_Latn)
            # are left out: profiles state languages as ISO 639-1 codes.
            if row["lang_code"] in self._names:
                by_country[row["nuts0"]].append(
                    CountryLanguage(
                        row["lang_code"], float(row["population_percent"]), row["official_status"]
                    )
                )
        self._by_country = {
            country: sorted(langs, key=lambda lang: (-lang.percent, lang.code))
            for country, langs in by_country.items()
        }
        self._sorted = sorted(self._names)

    def __repr__(self) -> str:
        return f"<Languages: {len(self._names)} ISO 639-1 codes, {len(self._by_country)} countries>"

    # -- codes ---------------------------------------------------------------------------

    def _read(self, value: str) -> str | None:
        return self._lookup.get(" ".join(value.split()).casefold())

    def normalise(self, value: str) -> str:
        """The ISO 639-1 code of a language.

        Accepts the ISO 639-1 code ('en', 'EN'), an ISO 639-2/3 code ('eng', 'ger') or the
        English name ('English', 'greek'), whatever the case.

        Raises
        ------
        UnknownCodeError
            If the value names no ISO 639-1 language; the message names the closest codes.
        """
        found = self._read(value)
        if found is None:
            raise self._unknown(value)
        return found

    def _rank(self, value: str, n: int) -> list[tuple[RankKey, str]]:
        query = " ".join(value.split()).casefold()
        if len(query) <= 3:
            return rank(query, self._sorted, n)
        # A longer input is a misspelt name: rank the names, then report their codes.
        names = {name: code for name, code in self._lookup.items() if len(name) > 3}
        ranked = rank(query, names, 3 * n)
        out: list[tuple[RankKey, str]] = []
        for key, name in ranked:
            if names[name] not in (code for _, code in out):
                out.append((key, names[name]))
        return out[:n]

    def _unknown(self, value: str) -> UnknownCodeError:
        ranked = self._rank(value, 3)
        message = (
            f"language '{value.strip()}' is not an ISO 639-1 code{did_you_mean(tied_best(ranked))}"
        )
        return UnknownCodeError(message, value, [c for _, c in ranked])

    def closest(self, value: str, n: int = 3) -> list[str]:
        """The ISO 639-1 codes closest to a mistyped code or name, best first."""
        return [c for _, c in self._rank(value, n)]

    def is_valid(self, value: str) -> bool:
        """Whether ``value`` is read as a language by :meth:`normalise`."""
        return self._read(value) is not None

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self._read(value) is not None

    def codes(self) -> list[str]:
        """The ISO 639-1 codes, sorted."""
        return list(self._sorted)

    def name(self, code: str) -> str:
        """The English name of a language ('Greek' for 'el')."""
        return self._names[self.normalise(code)]

    # -- countries -----------------------------------------------------------------------

    def _country(self, country: str) -> str:
        code = to_nuts_country(country)
        if code not in self._by_country:
            known = sorted(countries())
            ranked = rank(code, known, 3)
            message = (
                f"country '{country.strip()}' is not a country code of the language data "
                f"(NUTS or ISO 3166 codes of Europe){did_you_mean(tied_best(ranked))}"
            )
            raise UnknownCodeError(message, country, [c for _, c in ranked])
        return code

    def of_country(self, country: str) -> list[tuple[str, float, str]]:
        """The languages spoken in a country, the most widely spoken first.

        Parameters
        ----------
        country:
            NUTS ('EL', 'UK') or ISO 3166 ('GR', 'GB') country code.

        Returns
        -------
        list of (code, percent, status)
            ISO 639-1 code, CLDR's share of the population that speaks it (0-100, second
            language included), and its status: 'official', 'de_facto_official',
            'official_regional' or '' for none. Languages without an ISO 639-1 code are
            left out.

        Raises
        ------
        UnknownCodeError
            If the country is not covered (EU27, EFTA, the UK and the rest of Europe).
        """
        return [(lang.code, lang.percent, lang.status) for lang in self.spoken(country)]

    def spoken(self, country: str) -> list[CountryLanguage]:
        """As :meth:`of_country`, as :class:`CountryLanguage` records."""
        return list(self._by_country[self._country(country)])

    def official(self, country: str) -> list[str]:
        """The national official languages of a country, the most widely spoken first.

        Regional official languages (Catalan in Spain, Welsh in the UK) are not included.
        """
        return [lang.code for lang in self.spoken(country) if lang.status in OFFICIAL_STATUSES]


@functools.cache
def languages() -> Languages:
    """The shared language look-up (built on first call, then cached)."""
    return Languages()
