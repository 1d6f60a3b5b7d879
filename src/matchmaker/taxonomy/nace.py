"""NACE activity classifications: Rev. 2 and Rev. 2.1, and the correspondence between them.

Codes are written in one canonical form, the section letter followed by the dotted code:
'C' (section), 'C26' (division), 'C26.5' (group), 'C26.51' (class). The section letters of
Rev. 2 and Rev. 2.1 differ from K onwards, so codes of the two versions are only comparable
through :func:`to_rev2` / :func:`to_rev21`.

Sources and licences: ``data/nace_rev2/SOURCE.md`` and ``data/nace_rev2_1/SOURCE.md``.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from matchmaker.errors import InvalidInputError, UnknownCodeError
from matchmaker.taxonomy.closest import RankKey, did_you_mean, rank, tied_best
from matchmaker.taxonomy.resources import read_rows

__all__ = [
    "Activity",
    "ActivityNotes",
    "Nace",
    "NaceVersion",
    "nace",
    "nace21",
    "to_rev2",
    "to_rev21",
]

NaceVersion = Literal["2", "2.1"]

_STRUCTURE: dict[str, tuple[str, str]] = {
    "2": ("nace_rev2", "nace_rev2_structure.csv"),
    "2.1": ("nace_rev2_1", "nace_rev2_1_structure.csv"),
}
_LEVEL_NAMES = {1: "section", 2: "division", 3: "group", 4: "class"}

# Optional section letter, then a 2-digit division and 1-2 more digits with or without the dot.
_CODE = re.compile(r"(?P<section>[A-Z])?(?:(?P<division>\d{2})\.?(?P<rest>\d{1,2})?)?")


@dataclass(frozen=True, slots=True)
class Activity:
    """One item of a NACE classification.

    Attributes
    ----------
    code:
        Canonical code: section letter and dotted code ('C26.51', 'C26.5', 'C26', 'C').
    level:
        1 section, 2 division, 3 group, 4 class.
    section:
        The section letter.
    label:
        The label as published (upper case for sections).
    parent:
        Canonical code one level up, or ``None`` for a section.
    version:
        '2' or '2.1'.
    """

    code: str
    level: int
    section: str
    label: str
    parent: str | None
    version: str

    @property
    def title(self) -> str:
        """The label in sentence case for a section, else the label as published.

        Examples
        --------
        >>> from matchmaker.taxonomy import nace
        >>> nace().activity("A").title
        'Agriculture, forestry and fishing'
        """
        return self.label.capitalize() if self.level == 1 else self.label

    @property
    def level_name(self) -> str:
        """'section', 'division', 'group' or 'class'."""
        return _LEVEL_NAMES[self.level]


@dataclass(frozen=True, slots=True)
class ActivityNotes:
    """The explanatory notes of a NACE Rev. 2 item (empty strings where there are none)."""

    includes: str
    also_includes: str
    rulings: str
    excludes: str


def _dotted(code: str) -> str:
    """The dotted code without the section letter ('C26.51' -> '26.51', 'C' -> '')."""
    return code[1:]


class Nace:
    """Look-ups in one version of NACE.

    Every method that takes a code reads it with :meth:`normalise`, so 'C26.51', 'c26.51',
    '26.51', '2651', 'C2651' and 'C 26.51' are the same code.

    Use :func:`matchmaker.taxonomy.nace` (Rev. 2) or :func:`matchmaker.taxonomy.nace21`
    (Rev. 2.1) for the shared instances.

    Parameters
    ----------
    version:
        '2' or '2.1'.

    Examples
    --------
    >>> from matchmaker.taxonomy import nace
    >>> nace().normalise("2651")
    'C26.51'
    >>> nace().parents("C26.51")
    ['C26.5', 'C26', 'C']
    """

    def __init__(self, version: NaceVersion = "2") -> None:
        if version not in _STRUCTURE:
            raise InvalidInputError(f"NACE version must be '2' or '2.1'; got {version!r}")
        self.version: NaceVersion = version
        folder, name = _STRUCTURE[version]
        rows = read_rows(folder, name)
        section_of = {row["code"]: row["section"] for row in rows}
        self._by_code: dict[str, Activity] = {}
        self._by_dotted: dict[str, str] = {}
        for row in rows:
            code = row["section"] + ("" if row["level"] == "1" else row["code"])
            parent = row["parent"]
            if parent:
                parent = section_of[parent] + ("" if len(parent) == 1 else parent)
            self._by_code[code] = Activity(
                code=code,
                level=int(row["level"]),
                section=row["section"],
                label=row["label"],
                parent=parent or None,
                version=version,
            )
            self._by_dotted[row["code"]] = code
        children: defaultdict[str, list[str]] = defaultdict(list)
        for activity in self._by_code.values():
            if activity.parent is not None:
                children[activity.parent].append(activity.code)
        self._children = {code: sorted(kids) for code, kids in children.items()}
        self._sorted = sorted(self._by_code)
        self._digits = {code: code[1:].replace(".", "") for code in self._sorted}

    def __repr__(self) -> str:
        return f"<Nace Rev. {self.version}: {len(self._by_code)} codes>"

    def __len__(self) -> int:
        return len(self._by_code)

    @property
    def name(self) -> str:
        """'NACE Rev. 2' or 'NACE Rev. 2.1'."""
        return f"NACE Rev. {self.version}"

    # -- codes ---------------------------------------------------------------------------

    def _read(self, code: str) -> str | None:
        """The canonical code of ``code``, or ``None`` if it is unreadable or unknown."""
        text = "".join(code.split()).upper()
        match = _CODE.fullmatch(text)
        if match is None or not text:
            return None
        section, division, rest = match.group("section", "division", "rest")
        if division is None:
            return section if section in self._by_code else None
        canonical = self._by_dotted.get(division + (f".{rest}" if rest else ""))
        if canonical is None or (section is not None and canonical[0] != section):
            return None
        return canonical

    def normalise(self, code: str) -> str:
        """The canonical form of a code.

        Accepts the section letter or not, the dot or not, any case and spaces: 'C26.51',
        'c26.51', '26.51', '2651', 'C2651', 'C 26.51', '26', '26.5' and 'C'.

        Raises
        ------
        UnknownCodeError
            If the code cannot be read or is not in this version; the message names the
            closest codes, e.g. ``sector 'C26.99' is not a NACE Rev. 2 code; did you mean
            C26.11, C26.12 or C26.20?``.
        """
        canonical = self._read(code)
        if canonical is None:
            raise self._unknown(code)
        return canonical

    def _unknown(self, code: str) -> UnknownCodeError:
        ranked = self._rank(code, 3)
        hint = "" if ranked else " (write it like C26.51, 26.51 or 2651)"
        message = (
            f"sector '{code.strip()}' is not a {self.name} code{hint}"
            f"{did_you_mean(tied_best(ranked))}"
        )
        return UnknownCodeError(message, code, [c for _, c in ranked])

    def _rank(self, code: str, n: int) -> list[tuple[RankKey, str]]:
        text = "".join(code.split()).upper()
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits:
            return []
        candidates = [c for c in self._sorted if self._digits[c]]
        return rank(digits, candidates, n, compare=self._digits)

    def closest(self, code: str, n: int = 3) -> list[str]:
        """The valid codes closest to a mistyped ``code``, best first.

        Compares the digits only: longest common prefix first, then the same number of
        digits (level), then Levenshtein distance, then code order. An input without digits
        gives no suggestion.
        """
        return [c for _, c in self._rank(code, n)]

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` can be read as a code of this version."""
        return self._read(code) is not None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self._read(code) is not None

    def get(self, code: str) -> Activity | None:
        """The item of ``code``, or ``None`` if it is not a code of this version."""
        canonical = self._read(code)
        return None if canonical is None else self._by_code[canonical]

    def activity(self, code: str) -> Activity:
        """The item of ``code``; raises :class:`UnknownCodeError` if there is none."""
        return self._by_code[self.normalise(code)]

    def codes(self, level: int | None = None) -> list[str]:
        """The canonical codes, sorted (which is the order of the classification).

        Parameters
        ----------
        level:
            Keep only this level: 1 section, 2 division, 3 group, 4 class.
        """
        if level is not None and level not in _LEVEL_NAMES:
            raise InvalidInputError(f"level must be 1, 2, 3 or 4; got {level!r}")
        return [c for c in self._sorted if level is None or self._by_code[c].level == level]

    # -- hierarchy -----------------------------------------------------------------------

    def level(self, code: str) -> int:
        """1 section, 2 division, 3 group or 4 class."""
        return self.activity(code).level

    def label(self, code: str) -> str:
        """The label as published."""
        return self.activity(code).label

    def title(self, code: str) -> str:
        """The label, in sentence case for a section (see :attr:`Activity.title`)."""
        return self.activity(code).title

    def parents(self, code: str) -> list[str]:
        """The ancestors of ``code``, immediate parent first, up to the section."""
        out: list[str] = []
        parent = self.activity(code).parent
        while parent is not None:
            out.append(parent)
            parent = self._by_code[parent].parent
        return out

    def children(self, code: str) -> list[str]:
        """The codes one level below ``code``, sorted."""
        return list(self._children.get(self.normalise(code), []))

    def notes(self, code: str) -> ActivityNotes | None:
        """The explanatory notes (includes, excludes...) of a Rev. 2 item.

        ``None`` for Rev. 2.1, which has no machine-readable notes.
        """
        canonical = self.normalise(code)
        if self.version != "2":
            return None
        return _notes_rev2()[_dotted(canonical) or canonical]


@functools.cache
def nace() -> Nace:
    """The shared NACE Rev. 2 look-up (built on first call, then cached)."""
    return Nace("2")


@functools.cache
def nace21() -> Nace:
    """The shared NACE Rev. 2.1 look-up (built on first call, then cached)."""
    return Nace("2.1")


@functools.cache
def _notes_rev2() -> dict[str, ActivityNotes]:
    return {
        row["Code"]: ActivityNotes(
            includes=row["This_item_includes"].strip(),
            also_includes=row["This_item_also_includes"].strip(),
            rulings=row["Rulings"].strip(),
            excludes=row["This_item_excludes"].strip(),
        )
        for row in read_rows("nace_rev2", "nace_rev2_eurostat_full.csv.gz", delimiter=";")
    }


@functools.cache
def _correspondence() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Rev. 2.1 -> Rev. 2 and Rev. 2 -> Rev. 2.1, canonical codes on both sides."""
    rev2, rev21 = nace(), nace21()
    down: defaultdict[str, set[str]] = defaultdict(set)
    up: defaultdict[str, set[str]] = defaultdict(set)
    rows = read_rows("nace_rev2_1", "nace21_to_nace2_correspondence.tsv", delimiter="\t")
    for row in rows:
        new = rev21.normalise(row["NACE21_CODE"])
        down[new]  # a Rev. 2.1 code without a Rev. 2 link (46.89) still maps, to nothing
        if row["NACE2_CODE"]:
            old = rev2.normalise(row["NACE2_CODE"])
            down[new].add(old)
            up[old].add(new)
    return (
        {code: tuple(sorted(codes)) for code, codes in down.items()},
        {code: tuple(sorted(codes)) for code, codes in up.items()},
    )


def to_rev2(code21: str) -> list[str]:
    """The NACE Rev. 2 codes that a NACE Rev. 2.1 code maps to (official correspondence).

    The correspondence is many-to-many and links codes of the same level; the result may be
    empty (Rev. 2.1 class 46.89 has no Rev. 2 counterpart).

    Parameters
    ----------
    code21:
        A Rev. 2.1 code in any form :meth:`Nace.normalise` reads.

    Returns
    -------
    list of str
        Canonical Rev. 2 codes, sorted.

    Examples
    --------
    >>> to_rev2("62.20")
    ['J62.02', 'J62.03']
    """
    return list(_correspondence()[0][nace21().normalise(code21)])


def to_rev21(code2: str) -> list[str]:
    """The NACE Rev. 2.1 codes that a NACE Rev. 2 code maps to (reverse of :func:`to_rev2`).

    Examples
    --------
    >>> to_rev21("J62.01")
    ['K62.10']
    """
    return list(_correspondence()[1].get(nace().normalise(code2), ()))
