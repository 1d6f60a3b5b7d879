"""Values as registration exports write them, read as the product's codes.

Countries by their names in the languages of Europe, English variants and ISO codes;
languages by name (in those languages) or code; organisation types by the words of the
registration platforms and of everyday use in six languages. A value that cannot be placed
gets a suggestion that is plausible by its wording or meaning, never by a code prefix.

The names come from pycountry (ISO 3166-1 and ISO 639 with their translations) and from
``data/registration_vocabulary.json`` (header spellings and type words of the platforms).
"""

from __future__ import annotations

import functools
import gettext
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from matchmaker import taxonomy
from matchmaker.models import ORG_TYPE_ALIASES, OrgType

__all__ = [
    "EU_LANGUAGES",
    "Placed",
    "country_code",
    "country_of_address",
    "fold",
    "language_code",
    "org_type",
    "size_class",
    "split_list",
    "vocabulary",
]

# The official languages of the EU: the names of countries and languages are read in each.
EU_LANGUAGES = [
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
]
_ISO_TO_NUTS = {"GR": "EL", "GB": "UK"}


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: 'España ' -> 'espana'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("ß", "ss").replace("ł", "l").replace("ø", "o").replace("đ", "d")
    out = "".join(ch if ch.isalnum() else " " for ch in plain)
    return " ".join(out.split())


@functools.cache
def vocabulary() -> dict[str, Any]:
    """The packaged header spellings, type words and country names."""
    text = resources.files("matchmaker.io").joinpath("data/registration_vocabulary.json")
    data: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True, slots=True)
class Placed:
    """A value read as a code (``code``), or not (``code is None``) with a ``suggestion``."""

    value: str
    code: str | None
    suggestion: str | None = None
    why: str = ""


# --- countries ----------------------------------------------------------------------------


@functools.cache
def _country_names() -> tuple[dict[str, str], dict[str, str]]:
    """Folded country names -> NUTS country codes; and names of countries outside NUTS."""
    import pycountry

    nuts = taxonomy.nuts()
    inside = set(nuts.codes(level=0))
    names: dict[str, str] = {}
    outside: dict[str, str] = {}

    def add(name: str, iso: str, override: bool = False) -> None:
        code = _ISO_TO_NUTS.get(iso, iso)
        key = fold(name)
        if not key:
            return
        if key.startswith("the "):
            add(key[4:], iso, override)
        if code in inside:
            if override:
                names[key] = code
                outside.pop(key, None)
            else:
                names.setdefault(key, code)
        else:
            outside.setdefault(key, iso)

    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in EU_LANGUAGES
    ]
    for country in pycountry.countries:
        iso = country.alpha_2
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if not name:
                continue
            add(name, iso)
            for t in translations:
                add(t.gettext(name), iso)
    for code in inside:
        add(nuts.country_name(code), {"EL": "GR", "UK": "GB"}.get(code, code))
    # The vocabulary's names win over the translations ('Slovenská republika' is Slovakia,
    # not a translation of another country's official name).
    for iso, spellings in vocabulary().get("countries", {}).items():
        for name in spellings:
            add(name, iso, override=True)
    return names, outside


def country_code(value: str) -> Placed:
    """The NUTS country code of a country name or code ('Deutschland', 'UK', 'GR', 'DEU')."""
    import pycountry

    text = value.strip()
    upper = text.upper()
    nuts = taxonomy.nuts()
    names, outside = _country_names()
    if len(upper) in (2, 3) and upper.isalpha():
        iso = {"EL": "GR", "UK": "GB"}.get(upper, upper)
        found = pycountry.countries.get(alpha_2=iso) if len(iso) == 2 else None
        found = found or (pycountry.countries.get(alpha_3=iso) if len(iso) == 3 else None)
        if found is not None:
            code = _ISO_TO_NUTS.get(found.alpha_2, found.alpha_2)
            if nuts.is_valid(code) and nuts.level(code) == 0:
                return Placed(value, code)
            return Placed(value, None, why=_outside(value, found.name))
        if upper == "XK" or upper == "KOS":
            return Placed(value, "XK") if nuts.is_valid("XK") else Placed(value, None)
    key = fold(text)
    if key.startswith("the "):
        key = key[4:]
    if key in names:
        return Placed(value, names[key])
    if key in outside:
        found = pycountry.countries.get(alpha_2=outside[key])
        return Placed(value, None, why=_outside(value, found.name if found else value))
    # 'Germany (DE)', 'Deutschland / Germany': a name with a code or a second name.
    for part in re.split(r"[()/]", text):
        part = part.strip(" ,-")
        if part and part != text:
            found_part = country_code(part)
            if found_part.code is not None:
                return Placed(value, found_part.code)
    from rapidfuzz import fuzz, process

    best = process.extractOne(key, list(names), scorer=fuzz.ratio, score_cutoff=75)
    if best is not None:
        code = names[best[0]]
        return Placed(value, None, code, f"did you mean {nuts.country_name(code)} ({code})?")
    return Placed(value, None)


def country_of_address(address: str) -> str | None:
    """The NUTS country of an e-mail or web address's country domain ('.de', '.co.uk'),
    if it has one ('.com', '.eu' and '.org' say nothing)."""
    import pycountry

    host = address.rsplit("@", 1)[-1].split("/")[0].split("//")[-1].strip().lower().rstrip(".")
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) != 2 or not tld.isalpha():
        return None
    iso = {"uk": "GB", "el": "GR"}.get(tld, tld.upper())
    if pycountry.countries.get(alpha_2=iso) is None:
        return None
    code = _ISO_TO_NUTS.get(iso, iso)
    nuts = taxonomy.nuts()
    return code if nuts.is_valid(code) and nuts.level(code) == 0 else None


def _outside(value: str, name: str) -> str:
    return (
        f"'{value}' is {name}, which has no NUTS regions (the EU, EFTA, candidate countries "
        "and the UK have them)"
    )


# --- languages ----------------------------------------------------------------------------


@functools.cache
def _language_names() -> dict[str, str]:
    """Folded language names (in the EU languages, and their own names) -> ISO 639-1."""
    import pycountry

    known = set(taxonomy.languages().codes())
    names: dict[str, str] = {}
    translations = [
        gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in EU_LANGUAGES
    ]
    for lang in pycountry.languages:
        code = getattr(lang, "alpha_2", None)
        if code is None or code not in known:
            continue
        for attr in ("alpha_2", "alpha_3", "bibliographic", "name", "common_name"):
            name = getattr(lang, attr, None)
            if name:
                names.setdefault(fold(name), code)
        for t in translations:
            translated = t.gettext(lang.name)
            for part in re.split(r"[;,(]", translated):
                if part.strip():
                    names.setdefault(fold(part), code)
    for code in known:
        names.setdefault(fold(taxonomy.languages().name(code)), code)
    # Everyday names the translations lack or qualify ('griego', 'greco' for Modern Greek).
    for code, spellings in vocabulary().get("languages", {}).items():
        if code in known:
            for name in spellings:
                names[fold(name)] = code
    return names


def language_code(value: str) -> Placed:
    """The ISO 639-1 code of a language named in any EU language or by its code."""
    key = fold(value)
    for candidate in (key, re.sub(r"\s*\(.*$", "", key)):
        code = _language_names().get(candidate)
        if code is not None:
            return Placed(value, code)
    # 'Englisch (fließend)', 'English - fluent', 'native German'
    words = key.split()
    for word in words:
        code = _language_names().get(word)
        if code is not None and len(word) > 3:
            return Placed(value, code)
    from rapidfuzz import fuzz, process

    best = process.extractOne(key, list(_language_names()), scorer=fuzz.ratio, score_cutoff=80)
    if best is not None and len(key) > 3:
        code = _language_names()[best[0]]
        name = taxonomy.languages().name(code)
        return Placed(value, None, code, f"did you mean {name} ({code})?")
    return Placed(value, None)


# '·' is no separator: Catalan writes 'Intel·ligència'.
_LIST_SPLIT = re.compile(r"\s*(?:[,;/|+&\n•]|\s(?:and|und|et|y|e|i|og|en|és)\s)\s*", re.I)


def split_list(text: str) -> list[str]:
    """'Deutsch, Englisch und Französisch' -> ['Deutsch', 'Englisch', 'Französisch']."""
    return [part.strip(" .-*") for part in _LIST_SPLIT.split(text) if part.strip(" .-*")]


# --- sizes --------------------------------------------------------------------------------

_SIZE_WORDS = {
    "micro": ("micro", "mikro", "micro entreprise", "microimpresa", "microempresa", "mikroprzeds"),
    "small": ("small", "klein", "petite", "pequena", "piccola", "mala", "maly", "kleines"),
    "medium": ("medium", "mittel", "moyenne", "mediana", "media", "srednia", "sredni"),
    "large": ("large", "gross", "grande", "gran", "duza", "duzy", "big", "corporate"),
}
_FIRST_NUMBER = re.compile(r"(\d[\d ,.']*)")


def size_class(value: str) -> Placed:
    """A size class (micro, small, medium, large) of a head count or a range ('10-49',
    '250+', '1-9 employees', 'Small (10-49)') or a word for it in six languages."""
    key = fold(value)
    for code, words in _SIZE_WORDS.items():
        if any(key == w or key.startswith(w + " ") for w in words):
            return Placed(value, code)
    found = _FIRST_NUMBER.search(value)
    if found is not None:
        digits = re.sub(r"[ ,.']", "", found.group(1))
        if digits.isdigit():
            n = int(digits)
            code = "micro" if n < 10 else "small" if n < 50 else "medium" if n < 250 else "large"
            return Placed(value, code)
    return Placed(value, None)


# --- organisation types -------------------------------------------------------------------


@functools.cache
def _type_names() -> tuple[dict[str, OrgType], list[tuple[str, OrgType]]]:
    names = {fold(k): v for k, v in ORG_TYPE_ALIASES.items()}
    for code, values in vocabulary().get("org_types", {}).items():
        for value in values:
            names.setdefault(fold(value), OrgType(code))
    stems = [
        (fold(stem), OrgType(code))
        for code, words in vocabulary().get("org_type_words", {}).items()
        for stem in words
        if fold(stem)
    ]
    # Longer stems first: 'research and development' before 'development'.
    stems.sort(key=lambda item: -len(item[0]))
    return names, stems


_TYPE_MEANINGS = {
    OrgType.CLUSTER: "cluster organisation of companies and research in one industry",
    OrgType.SME: "small or medium-sized company, start-up, consultancy, private business",
    OrgType.LARGE_COMPANY: "large company, corporation, multinational group",
    OrgType.UNIVERSITY: "university, higher education institution, college",
    OrgType.RESEARCH: "research institute, research and technology organisation, laboratory",
    OrgType.PUBLIC_AUTHORITY: "public authority, government, ministry, municipality, region",
    OrgType.AGENCY: "regional development agency, innovation agency, public agency",
    OrgType.NETWORK: "association, chamber of commerce, federation, non-profit network",
    OrgType.OTHER: "investor, bank, media, individual, other",
}


def org_type(value: str, *, by_meaning: bool = True) -> Placed:
    """The product's organisation type of a platform's or a person's word for it; what it
    cannot place gets the closest type by meaning as a suggestion (unless ``by_meaning`` is
    false)."""
    names, stems = _type_names()
    key = fold(value)
    if key in names:
        return Placed(value, names[key].value)
    padded = f" {key} "
    # The word that comes first names the kind ('Association / réseau d'entreprises' is an
    # association); of stems at one place, the longest.
    hits = sorted(
        (padded.index(f" {stem}"), -len(stem), stem, code)
        for stem, code in stems
        if f" {stem}" in padded
    )
    if hits:
        _, _, stem, code = hits[0]
        return Placed(value, code.value, why=f"'{stem}' in '{value}'")
    found = type_by_meaning(value) if by_meaning else None
    if found is None:
        return Placed(value, None)
    suggestion, word = found
    return Placed(
        value, None, suggestion.value, f"closest in meaning to '{word}': {suggestion.value}?"
    )


def type_by_meaning(value: str) -> tuple[OrgType, str] | None:
    """The type of the closest word in meaning (the sentence encoder) among the types' known
    words and descriptions, and that word, if it is close enough."""
    try:
        import numpy as np

        words, types, vectors = _type_vectors()
        query = _type_encoder().encode([value])[0]
    except Exception:
        return None
    sims = vectors @ query
    best = int(np.argmax(sims))
    if float(sims[best]) < TYPE_SUGGESTION_THRESHOLD:
        return None
    return types[best], words[best]


# Similarity of the sentence encoder from which a type is suggested (never applied unasked).
TYPE_SUGGESTION_THRESHOLD = 0.5


@functools.cache
def _type_vectors() -> tuple[list[str], list[OrgType], Any]:
    """The types' English words and descriptions, with their vectors (the encoder places
    other languages near English; words of third languages would suggest by sound)."""
    words: list[str] = []
    types: list[OrgType] = []
    for alias, kind in ORG_TYPE_ALIASES.items():
        if len(alias) > 4:  # 'rto', 'sme': acronyms are near anything short
            words.append(alias)
            types.append(kind)
    for kind, meaning in _TYPE_MEANINGS.items():
        words.append(meaning)
        types.append(kind)
    return words, types, _type_encoder().encode(words)


@functools.cache
def _type_encoder() -> Any:
    from matchmaker.text import SentenceEncoder

    return SentenceEncoder()
