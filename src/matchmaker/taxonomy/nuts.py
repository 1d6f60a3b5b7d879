"""NUTS regions: codes, hierarchy, neighbours and locations.

The register joins five code lists: NUTS 2021 and NUTS 2024 (EU27), the statistical regions
2021 and 2024 of the EFTA and candidate countries (versions 'SR2021' and 'SR2024') and the UK
codes of NUTS 2016 ('UK2016'). A code is valid if it is in any of them; :attr:`Region.versions`
says which. Neighbours and label points come from the GISCO NUTS 2021 geodata, so codes that
exist only in NUTS 2024 have no adjacency row and take the label point of an ancestor.

Sources and licences: ``data/nuts/SOURCE.md`` and ``data/nuts_geo/SOURCE.md``.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass

from matchmaker.errors import InvalidInputError, UnknownCodeError
from matchmaker.taxonomy._countries import ISO_TO_NUTS, countries, to_nuts_country
from matchmaker.taxonomy.closest import did_you_mean, rank, tied_best
from matchmaker.taxonomy.resources import read_rows

__all__ = ["VERSIONS", "Nuts", "Region", "nuts"]

#: Versions of the register, in the order their labels are preferred (newest first).
VERSIONS: tuple[str, ...] = ("2024", "2021", "SR2024", "SR2021", "UK2016")

_FILES: dict[str, str] = {
    "2024": "nuts2024_eu27.csv",
    "2021": "nuts2021_eu27.csv",
    "SR2024": "statistical_regions2024_nonEU.csv",
    "SR2021": "statistical_regions2021_nonEU.csv",
    "UK2016": "nuts2016_uk.csv",
}

_EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

# The UK list carries seven Northern Ireland NUTS3 codes under a parent 'UKN1' that does not
# exist; NUTS 2016 (and the GISCO geodata) codes them UKN0A-UKN0G, in the same order.
_UK2016_FIXES: dict[str, str] = {f"UKN1{i}": f"UKN0{'ABCDEFG'[i]}" for i in range(7)}


@dataclass(frozen=True, slots=True)
class Region:
    """One NUTS region (or statistical region).

    Attributes
    ----------
    code:
        The NUTS code, e.g. 'BE211'.
    level:
        0 (country) to 3.
    country:
        NUTS country code ('EL' for Greece, 'UK' for the United Kingdom).
    label:
        The label as Eurostat publishes it, in the national language(s).
    label_latin:
        The label in Latin script (transliterated for Cyrillic and Greek labels).
    parent:
        The code one level up, or ``None`` for a country.
    versions:
        The code lists that hold the code: a subset of '2021', '2024', 'SR2021', 'SR2024'
        and 'UK2016'; or 'ISO' for a country without NUTS regions (its ISO 3166 code, at
        country level only).
    extra_regio:
        Whether the code is an "Extra-Regio" code (xxZ, xxZZ, xxZZZ) for territory outside
        any region.
    """

    code: str
    level: int
    country: str
    label: str
    label_latin: str
    parent: str | None
    versions: frozenset[str]
    extra_regio: bool


def _load_regions() -> dict[str, Region]:
    rows_by_code: dict[str, dict[str, str]] = {}
    versions: defaultdict[str, set[str]] = defaultdict(set)
    # VERSIONS is newest first, so the first row seen for a code gives its label.
    for version in VERSIONS:
        for row in read_rows("nuts", _FILES[version]):
            if version == "UK2016" and row["code"] in _UK2016_FIXES:
                row = {**row, "code": _UK2016_FIXES[row["code"]], "parent": "UKN0"}
            rows_by_code.setdefault(row["code"], row)
            versions[row["code"]].add(version)
            versions[row["country"]].add(version)
    latin = {
        row["code"]: row["label_latin"]
        for row in read_rows("nuts", "nuts_label_transliteration.csv")
    }
    names = countries()
    regions: dict[str, Region] = {}
    for code, row in rows_by_code.items():
        label = row["label"]
        regions[code] = Region(
            code=code,
            level=int(row["level"]),
            country=row["country"],
            label=label,
            label_latin=latin.get(code, label),
            parent=row["parent"] or None,
            versions=frozenset(versions[code]),
            extra_regio=row["extra_regio"] == "1",
        )
    # The statistical-region and UK lists have no level-0 rows; add them with the CLDR name.
    for country in sorted({r.country for r in regions.values()} - set(regions)):
        name = names[country].name
        regions[country] = Region(
            code=country,
            level=0,
            country=country,
            label=name,
            label_latin=name,
            parent=None,
            versions=frozenset(versions[country]),
            extra_regio=False,
        )
    # Countries without NUTS regions (Tunisia, Moldova, Israel, the United States...): partners
    # at brokerage events and in EU programmes come from them too. They are regions at country
    # level only, in the list 'ISO', and never suggested for a mistyped NUTS code.
    import pycountry

    for entry in pycountry.countries:
        iso = entry.alpha_2
        code = {"GR": "EL", "GB": "UK"}.get(iso, iso)
        if code in regions:
            continue
        name = names[code].name if code in names else getattr(entry, "common_name", entry.name)
        regions[code] = Region(
            code=code,
            level=0,
            country=code,
            label=name,
            label_latin=name,
            parent=None,
            versions=frozenset({"ISO"}),
            extra_regio=False,
        )
    return regions


def _load_adjacency(regions: dict[str, Region]) -> dict[str, frozenset[str]]:
    # Pairs are kept only between codes of the register: the geodata has two UK NUTS3 codes
    # of a later UK revision (UKK24, UKK25) that the NUTS 2016 list does not have.
    pairs: set[tuple[str, str]] = set()
    for row in read_rows("nuts_geo", "nuts2_2021_adjacency_60M.csv"):
        a, b = row["nuts_id_a"], row["nuts_id_b"]
        pairs.add((a, b))
        if row["country_a"] != row["country_b"]:
            pairs.add((row["country_a"], row["country_b"]))
        parent_a = regions[a].parent if a in regions else a[:-1]
        parent_b = regions[b].parent if b in regions else b[:-1]
        if parent_a and parent_b and parent_a != parent_b:
            pairs.add((parent_a, parent_b))
    for row in read_rows("nuts_geo", "nuts3_2021_adjacency_60M.csv"):
        pairs.add((row["nuts_id_a"], row["nuts_id_b"]))
    adjacent: defaultdict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        if a not in regions or b not in regions:
            continue
        adjacent[a].add(b)
        adjacent[b].add(a)
    return {code: frozenset(others) for code, others in adjacent.items()}


def _load_points() -> dict[str, tuple[float, float]]:
    return {
        row["nuts_id"]: (float(row["label_lat"]), float(row["label_lon"]))
        for row in read_rows("nuts_geo", "nuts2021_points.csv")
        if row["label_lat"] and row["label_lon"]
    }


class Nuts:
    """Look-ups in the NUTS register.

    Every method that takes a code normalises it first (see :meth:`normalise`), so 'fr10',
    ' FR 10 ' and 'FR10' are the same code, and 'GR30' is read as 'EL30'. Methods that need a
    known code raise :class:`~matchmaker.errors.UnknownCodeError` with the closest valid codes.

    Use :func:`matchmaker.taxonomy.nuts` for the shared instance; building one reads the code
    lists (a few milliseconds), while neighbours and points are read on first use.

    Examples
    --------
    >>> from matchmaker.taxonomy import nuts
    >>> nuts().parents("BE211")
    ['BE21', 'BE2', 'BE']
    >>> nuts().are_neighbours("FRF1", "DE12")
    True
    """

    def __init__(self) -> None:
        self._regions = _load_regions()
        children: defaultdict[str, list[str]] = defaultdict(list)
        for region in self._regions.values():
            if region.parent is not None:
                children[region.parent].append(region.code)
        self._children = {code: sorted(kids) for code, kids in children.items()}
        self._sorted = sorted(self._regions)
        self._candidates = [
            c
            for c in self._sorted
            if not self._regions[c].extra_regio and self._regions[c].versions != {"ISO"}
        ]
        self._sr_countries = frozenset(
            r.country for r in self._regions.values() if r.versions & {"SR2021", "SR2024"}
        )

    def __repr__(self) -> str:
        return f"<Nuts: {len(self._regions)} codes, versions {', '.join(VERSIONS)}>"

    def __len__(self) -> int:
        return len(self._regions)

    # -- codes ---------------------------------------------------------------------------

    @staticmethod
    def normalise(code: str) -> str:
        """The canonical spelling of a code, without checking that it exists.

        Strips and upper-cases the code, removes inner spaces, and maps the ISO country codes
        'GR' and 'GB' at the start of the code to the NUTS codes 'EL' and 'UK'.

        Examples
        --------
        >>> Nuts.normalise(" gr30 ")
        'EL30'
        >>> Nuts.normalise("ukI 3")
        'UKI3'
        """
        text = "".join(code.split()).upper()
        alias = ISO_TO_NUTS.get(text[:2])
        return alias + text[2:] if alias is not None else text

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.normalise(code) in self._regions

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is a code of any version of the register (after normalising)."""
        return code in self

    def get(self, code: str) -> Region | None:
        """The region of ``code``, or ``None`` if it is not a valid code."""
        return self._regions.get(self.normalise(code))

    def region(self, code: str) -> Region:
        """The region of ``code``.

        Raises
        ------
        UnknownCodeError
            If the code is not valid; the message names the closest valid codes, e.g.
            ``region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?``.
        """
        norm = self.normalise(code)
        found = self._regions.get(norm)
        if found is None:
            raise self._unknown(code, norm)
        return found

    def _unknown(self, code: str, norm: str) -> UnknownCodeError:
        ranked = rank(norm, self._candidates, 3)
        if norm[:2] == "UK":
            scope = "a NUTS 2016 code of the United Kingdom"
        elif norm[:2] in self._sr_countries:
            scope = "a statistical region code (EFTA and candidate countries, 2021/2024)"
        else:
            scope = "a NUTS 2021/2024 code"
        message = f"region '{code.strip()}' is not {scope}{did_you_mean(tied_best(ranked))}"
        return UnknownCodeError(message, code, [c for _, c in ranked])

    def closest(self, code: str, n: int = 3) -> list[str]:
        """The valid codes closest to a mistyped ``code``, best first.

        Ranks by the longest common prefix with the normalised input, then codes of the same
        length (level), then Levenshtein distance, then the fewest digits typed for letters or
        the reverse, then code order. Extra-Regio codes are never suggested.

        Parameters
        ----------
        code:
            Any text.
        n:
            Maximum number of codes to return.

        Examples
        --------
        >>> nuts().closest("FR99", n=1)
        ['FR10']
        """
        return [c for _, c in rank(self.normalise(code), self._candidates, n)]

    def codes(
        self, level: int | None = None, version: str | None = None, *, extra_regio: bool = False
    ) -> list[str]:
        """The codes of the register, sorted.

        Parameters
        ----------
        level:
            Keep only this level (0-3).
        version:
            Keep only codes of this version: '2021', '2024', 'SR2021', 'SR2024' or 'UK2016'.
        extra_regio:
            Whether to include the Extra-Regio codes (xxZ, xxZZ, xxZZZ).

        Examples
        --------
        >>> len(nuts().codes(level=2, version="2021"))
        242
        """
        if level is not None and level not in (0, 1, 2, 3):
            raise InvalidInputError(f"level must be 0, 1, 2 or 3; got {level!r}")
        if version is not None and version not in VERSIONS:
            raise InvalidInputError(
                f"version must be one of {', '.join(sorted(VERSIONS))}; got {version!r}"
            )
        return [
            code
            for code in self._sorted
            if (level is None or self._regions[code].level == level)
            and (version is None or version in self._regions[code].versions)
            and (extra_regio or not self._regions[code].extra_regio)
        ]

    # -- hierarchy -----------------------------------------------------------------------

    def level(self, code: str) -> int:
        """The level of ``code``: 0 (country) to 3."""
        return self.region(code).level

    def country(self, code: str) -> str:
        """The NUTS country code of ``code`` ('EL' for 'GR30' or 'EL30')."""
        return self.region(code).country

    def label(self, code: str, latin: bool = False) -> str:
        """The label of ``code``; with ``latin=True`` in Latin script."""
        region = self.region(code)
        return region.label_latin if latin else region.label

    def parents(self, code: str) -> list[str]:
        """The ancestors of ``code``, immediate parent first, up to the country."""
        out: list[str] = []
        parent = self.region(code).parent
        while parent is not None:
            out.append(parent)
            parent = self._regions[parent].parent if parent in self._regions else None
        return out

    def children(self, code: str, version: str | None = None) -> list[str]:
        """The codes one level below ``code``, sorted (of all versions, or of ``version``)."""
        kids = self._children.get(self.region(code).code, [])
        if version is None:
            return list(kids)
        if version not in VERSIONS:
            raise InvalidInputError(
                f"version must be one of {', '.join(sorted(VERSIONS))}; got {version!r}"
            )
        return [c for c in kids if version in self._regions[c].versions]

    def country_name(self, code: str) -> str:
        """The English name of a country.

        Parameters
        ----------
        code:
            A NUTS or ISO 3166 country code ('EL', 'GR', 'UK', 'GB', 'CH', 'AD'), or any
            NUTS code, whose country is named.

        Raises
        ------
        UnknownCodeError
            If the code is neither a region nor a covered country.
        """
        norm = self.normalise(code)
        region = self._regions.get(norm)
        if region is not None:
            return self._regions[region.country].label
        found = countries().get(to_nuts_country(norm))
        if found is None:
            raise self._unknown(code, norm)
        return found.name

    # -- geography -----------------------------------------------------------------------

    @functools.cached_property
    def _adjacency(self) -> dict[str, frozenset[str]]:
        return _load_adjacency(self._regions)

    @functools.cached_property
    def _points(self) -> dict[str, tuple[float, float]]:
        return _load_points()

    def neighbours(self, code: str) -> list[str]:
        """The regions of the same level that share a land border with ``code``, sorted.

        NUTS2 and NUTS3 neighbours come from the GISCO 2021 adjacency lists (1:60M polygons).
        Countries border when two of their NUTS2 regions do, and NUTS1 regions when two of
        their NUTS2 regions with different parents do. Sea links are not counted, so islands
        such as MT00 have none, and a code without 2021 geometry (a NUTS 2024-only code)
        has none either.
        """
        return sorted(self._adjacency.get(self.region(code).code, ()))

    def are_neighbours(self, a: str, b: str) -> bool:
        """Whether regions ``a`` and ``b`` share a land border (see :meth:`neighbours`)."""
        other = self.region(b).code
        return other in self._adjacency.get(self.region(a).code, ())

    def point(self, code: str) -> tuple[float, float] | None:
        """The GISCO label point ``(lat, lon)`` of ``code`` in degrees (WGS84).

        A code without a point of its own (NUTS 2024-only) takes that of its nearest ancestor;
        ``None`` when no ancestor has one either (BA, UA and XK are not in the geodata).
        """
        region = self.region(code)
        for candidate in [region.code, *self.parents(region.code)]:
            found = self._points.get(candidate)
            if found is not None:
                return found
        return None

    def distance_km(self, a: str, b: str) -> float | None:
        """Great-circle distance in km between the label points of ``a`` and ``b``.

        ``None`` when either has no point (see :meth:`point`).
        """
        pa, pb = self.point(a), self.point(b)
        if pa is None or pb is None:
            return None
        lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.cache
def nuts() -> Nuts:
    """The shared NUTS look-up (built on first call, then cached)."""
    return Nuts()
