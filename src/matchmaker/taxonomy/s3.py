"""Vocabulary of Smart Specialisation (S3) priorities.

No machine-readable copy of the Eye@RIS3 priority categories exists (see
``data/s3/SOURCE.md``), so an S3 priority is a code of one of these families:

``'ecosystem'``
    The 14 industrial ecosystems of the EU Industrial Strategy, IE01-IE14.
``'platform'``
    The three S3 thematic platforms: TP-ENERGY, TP-AGRIFOOD, TP-INDMOD.
``'nabs'``
    The 14 NABS 2007 chapters (scientific domains), NABS01-NABS14.
``'nace'``
    Any NACE Rev. 2 code (economic domains), in canonical form ('C26', 'J62.01'); the form
    'NACE:<code>' is accepted too, with the code in any form NACE reads.
``'custom'``
    An organiser's own codes and labels, added with :meth:`S3Vocabulary.with_custom`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Literal

from matchmaker.errors import InvalidInputError, Problem, UnknownCodeError
from matchmaker.taxonomy.closest import RankKey, did_you_mean, rank, tied_best
from matchmaker.taxonomy.nace import nace
from matchmaker.taxonomy.resources import read_rows

__all__ = ["FAMILIES", "S3Family", "S3Vocabulary", "s3"]

S3Family = Literal["ecosystem", "platform", "nabs", "nace", "custom"]

#: The families, in the order in which an ambiguous label is resolved.
FAMILIES: tuple[S3Family, ...] = ("ecosystem", "platform", "nabs", "nace", "custom")

_FILES: dict[S3Family, str] = {
    "ecosystem": "eu_industrial_ecosystems.csv",
    "platform": "s3_thematic_platforms.csv",
    "nabs": "nabs2007_chapters.csv",
}
_NACE_PREFIX = "NACE:"
_FAMILY_NAMES: dict[S3Family, str] = {
    "ecosystem": "EU industrial ecosystem",
    "platform": "S3 thematic platform",
    "nabs": "NABS chapter",
    "nace": "NACE",
    "custom": "custom",
}


@functools.cache
def _builtin_entries() -> dict[str, tuple[S3Family, str]]:
    entries: dict[str, tuple[S3Family, str]] = {}
    for family, name in _FILES.items():
        for row in read_rows("s3", name):
            entries[row["code"]] = (family, row["label"])
    return entries


def _canonical_nace(upper: str) -> str | None:
    """``upper`` if it is a NACE Rev. 2 code in canonical form ('C26', not '26')."""
    found = nace().get(upper)
    return found.code if found is not None and found.code == upper else None


class S3Vocabulary:
    """The codes an S3 priority may take, with their labels and families.

    Codes are case-insensitive and are matched before labels. A label is accepted in place
    of its code when it matches exactly, apart from case and surrounding spaces; when a label
    belongs to several entries the first family of :data:`FAMILIES` wins, so 'Agri-food' is
    the ecosystem IE02 and not the platform TP-AGRIFOOD, and 'Energy' is TP-ENERGY and not the
    NABS chapter NABS05. NACE items are matched by code only (their labels repeat across
    levels).

    Use :func:`matchmaker.taxonomy.s3` for the shared built-in vocabulary and
    :meth:`with_custom` for one that adds an event's own entries.

    Examples
    --------
    >>> from matchmaker.taxonomy import s3
    >>> s3().normalise("agri-food")
    'IE02'
    >>> s3().normalise("nace:2651")
    'C26.51'
    """

    def __init__(self, custom: Mapping[str, str] | None = None) -> None:
        builtin = _builtin_entries()
        self._entries: dict[str, tuple[S3Family, str]] = dict(builtin)
        self._custom = self._check_custom(custom or {}, builtin)
        for code, label in self._custom.items():
            self._entries[code] = ("custom", label)
        self._by_upper = {code.upper(): code for code in self._entries}
        self._by_label: dict[str, str] = {}
        for family in FAMILIES:
            for code, (fam, label) in self._entries.items():
                if fam == family:
                    self._by_label.setdefault(label.strip().casefold(), code)

    @staticmethod
    def _check_custom(
        custom: Mapping[str, str], builtin: Mapping[str, tuple[S3Family, str]]
    ) -> dict[str, str]:
        problems: list[Problem] = []
        out: dict[str, str] = {}
        seen: dict[str, str] = {}
        builtin_upper = {code.upper(): code for code in builtin}
        for raw_code, raw_label in custom.items():
            code, label = str(raw_code).strip(), str(raw_label).strip()
            upper = code.upper()
            nace_code = _canonical_nace(upper)
            if not code:
                message = "a custom S3 code must not be empty"
            elif upper.startswith(_NACE_PREFIX):
                message = f"custom S3 code '{code}' uses the reserved prefix 'NACE:'"
            elif upper in builtin_upper or nace_code is not None:
                clash = builtin_upper.get(upper) or nace_code or ""
                family = builtin[clash][0] if clash in builtin else "nace"
                message = (
                    f"custom S3 code '{code}' clashes with the built-in code '{clash}' "
                    f"({_FAMILY_NAMES[family]}); choose another code"
                )
            elif upper in seen:
                message = f"custom S3 code '{code}' repeats '{seen[upper]}' (codes ignore case)"
            elif not label:
                message = f"custom S3 code '{code}' has an empty label"
            else:
                seen[upper] = code
                out[code] = label
                continue
            problems.append(Problem(None, None, code, message))
        if problems:
            first = problems[0].message
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InvalidInputError(first + more, problems)
        return out

    def with_custom(self, entries: Mapping[str, str]) -> S3Vocabulary:
        """A new vocabulary with the custom ``code -> label`` entries added.

        Entries already custom in this vocabulary are kept; a code given again takes the new
        label.

        Raises
        ------
        InvalidInputError
            If a code clashes with a built-in code (including any NACE Rev. 2 code or the
            'NACE:' prefix), repeats another custom code apart from case, or a code or label
            is empty. The message names the code; ``problems`` lists every bad entry.
        """
        merged = dict(self._custom)
        merged.update(entries)
        return S3Vocabulary(merged)

    def __repr__(self) -> str:
        return (
            f"<S3Vocabulary: {len(self._entries)} codes + NACE Rev. 2, {len(self._custom)} custom>"
        )

    # -- codes ---------------------------------------------------------------------------

    def _read(self, code: str) -> str | None:
        text = code.strip()
        upper = text.upper()
        if upper.startswith(_NACE_PREFIX):
            found = nace().get(text[len(_NACE_PREFIX) :])
            return None if found is None else found.code
        if upper in self._by_upper:
            return self._by_upper[upper]
        return _canonical_nace(upper) or self._by_label.get(text.casefold())

    def normalise(self, code: str) -> str:
        """The code of an S3 priority given as a code or as an exact label.

        Raises
        ------
        UnknownCodeError
            If neither a code nor a label matches; the message names the closest codes.
        """
        found = self._read(code)
        if found is None:
            raise self._unknown(code)
        return found

    def _rank(self, code: str, n: int) -> list[tuple[RankKey, str]]:
        candidates = [*self._by_upper, *nace().codes()]
        ranked = rank(code.strip().upper(), candidates, n)
        return [(key, self._by_upper.get(c, c)) for key, c in ranked]

    def _unknown(self, code: str) -> UnknownCodeError:
        ranked = self._rank(code, 3)
        message = (
            f"S3 priority '{code.strip()}' is not a code of the S3 vocabularies (EU industrial "
            "ecosystems, S3 thematic platforms, NABS chapters, NACE) or of the event's own "
            f"vocabulary{did_you_mean(tied_best(ranked))}"
        )
        return UnknownCodeError(message, code, [c for _, c in ranked])

    def closest(self, code: str, n: int = 3) -> list[str]:
        """The codes closest to a mistyped ``code``, best first (built-in, NACE and custom).

        Same ranking as for NUTS codes, ignoring case: longest common prefix, same length,
        Levenshtein distance, then code order.
        """
        return [c for _, c in self._rank(code, n)]

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is a code or an exact label of the vocabulary."""
        return self._read(code) is not None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self._read(code) is not None

    def family(self, code: str) -> S3Family:
        """The family of ``code``: 'ecosystem', 'platform', 'nabs', 'nace' or 'custom'."""
        found = self.normalise(code)
        entry = self._entries.get(found)
        return "nace" if entry is None else entry[0]

    def label(self, code: str) -> str:
        """The label of ``code`` (for a NACE section in sentence case)."""
        found = self.normalise(code)
        entry = self._entries.get(found)
        return nace().activity(found).title if entry is None else entry[1]

    def codes(self, family: S3Family | None = None) -> list[str]:
        """The codes of one family, or of all; sorted within each family.

        NACE codes are included only when asked for by ``family='nace'`` or with all
        families; their order is that of the classification.
        """
        if family is not None and family not in FAMILIES:
            raise InvalidInputError(
                f"S3 family must be one of {', '.join(FAMILIES)}; got {family!r}"
            )
        out: list[str] = []
        for fam in FAMILIES if family is None else (family,):
            if fam == "nace":
                out.extend(nace().codes())
            else:
                out.extend(sorted(c for c, (f, _) in self._entries.items() if f == fam))
        return out

    @property
    def custom(self) -> dict[str, str]:
        """The custom ``code -> label`` entries (a copy)."""
        return dict(self._custom)


@functools.cache
def s3() -> S3Vocabulary:
    """The shared built-in S3 vocabulary, without custom entries (cached)."""
    return S3Vocabulary()
