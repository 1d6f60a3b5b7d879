"""Why two organisations fit: contributions that add up to the score, and reasons in words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from matchmaker import taxonomy
from matchmaker.models import Organisation, OrgType
from matchmaker.score import COMPONENTS, Scorer, network_of
from matchmaker.vectorise import S3_THEMES, THEME_LABELS, ProfileMatrix, nace_themes

__all__ = ["contributions", "indefinite", "reasons", "type_phrase"]

# A component below this value gives no reason: there is nothing to say about it.
# (Components as the scorer weighs them: calibrated to the registry by default.)
REASON_FLOOR = {
    "complementarity": 0.25,
    "relatedness": 0.3,
    "s3": 0.3,
    "sector": 0.3,
    "geography": 0.5,
    "type": 0.6,
    "language": 1.0,
    "network": 0.05,
    "experience": 0.3,
}
# Raw cosine of a need and an offer below which they are not said to meet: sentence-model
# cosines of unrelated texts are higher than TF-IDF ones.
ITEM_FLOOR = {"semantic": 0.35, "tfidf": 0.25}
_WORD = re.compile(r"(?u)\b\w\w+\b")


def contributions(comps: Mapping[str, float], scorer: Scorer) -> dict[str, float]:
    """Each component's share of the score: ``weight * value``; they add up to the score."""
    return {c: float(scorer.weight(c) * comps[c]) for c in COMPONENTS}


def _best_pair(p: ProfileMatrix, a: int, b: int) -> tuple[int, int, float] | None:
    """The need of ``a`` and the offer of ``b`` that meet best: item offsets and cosine."""
    needs = p.needs[p.need_ptr[a] : p.need_ptr[a + 1]]
    offers = p.offers[p.offer_ptr[b] : p.offer_ptr[b + 1]]
    if len(needs) == 0 or len(offers) == 0:
        return None
    sims = needs @ offers.T
    k, m = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return int(k), int(m), float(sims[k, m])


def _met(need: Any, offer: Any) -> list[str]:
    """Keywords (or else words) that the need and the offer share."""
    theirs = {k.casefold(): k for k in offer.keywords}
    shared = [k for k in need.keywords if k.casefold() in theirs]
    if shared:
        return shared
    stop = _stop()
    words_offer = {w for w in _WORD.findall(offer.text.casefold())}
    return [
        w
        for w in dict.fromkeys(_WORD.findall(need.text.casefold()))
        if w in words_offer and w not in stop
    ][:3]


def _stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _lower_first(text: str) -> str:
    """Lower-case the first letter of a text in sentence case, so that it reads inside a
    sentence; keep it where the first word is an acronym ("SME", "5G", "IoT") or the text
    capitalises other words too (German nouns, "Inspektion von Brücken mit Drohnen"; names)."""
    first, _, rest = text.partition(" ")
    if len(first) > 1 and (first[1:].lower() != first[1:] or not first.isalpha()):
        return text
    if any(w[:1].isupper() for w in rest.split()):
        return text
    return text[:1].lower() + text[1:]


def _complementarity_reasons(p: ProfileMatrix, a: int, b: int) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    oa, ob = p.organisations[a], p.organisations[b]
    for giver, taker, template, described in (
        (b, a, "you need {n}, they offer {o}", "you need {n}: their description says {d}"),
        (a, b, "they need {n}, you offer {o}", "they need {n}: your description says {d}"),
    ):
        best = _best_pair(p, taker, giver)
        if best is None or best[2] < ITEM_FLOOR.get(p.text_encoder, 0.25):
            continue
        k, m, sim = best
        need = (oa if taker == a else ob).needs[k]
        giver_org = ob if giver == b else oa
        if p.offer_is_description[p.offer_ptr[giver] + m]:
            what = f"\u201c{_snippet(giver_org.description)}\u201d"
            out.append((sim, described.format(n=_lower_first(need.text), d=what)))
            continue
        offer = giver_org.offers[m]
        text = template.format(n=_lower_first(need.text), o=_lower_first(offer.text))
        met = _met(need, offer)
        if met:
            text += f" ({', '.join(met)})"
        out.append((sim, text))
    return out


def _snippet(text: str, limit: int = 140) -> str:
    """The first sentence of a text (one of at least 40 characters: "Prov." or "Dr." do not
    end it), at most ``limit`` characters."""
    text = " ".join(text.split())
    for end in re.finditer(r"[.!?](?=\s+[A-Z\u00C0-\u017D])", text):
        if end.end() >= 40:
            text = text[: end.end()]
            break
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _relatedness_reason(p: ProfileMatrix, a: int, b: int) -> str | None:
    # Needs and offers speak for themselves (complementarity); a description is said here.
    ob = p.organisations[b]
    if ob.description.strip():
        return f"related work: \u201c{_snippet(ob.description)}\u201d"
    return None


def _network_reason(p: ProfileMatrix, a: int, b: int) -> str | None:
    shared = network_of(p).shared_partners(a, b)
    if not shared:
        return None
    names = [p.organisations[k].name for k in shared[:3]]
    more = f" and {len(shared) - 3} more" if len(shared) > 3 else ""
    count = "1 of your partners" if len(shared) == 1 else f"{len(shared)} of your partners"
    return f"has worked with {count}: {', '.join(names)}{more}"


def _experience_reason(p: ProfileMatrix, b: int) -> str | None:
    k = int(network_of(p).n_projects[b])
    if k == 0:
        return None
    return "experienced: 1 project" if k == 1 else f"experienced: {k} projects"


def _s3_reason(oa: Organisation, ob: Organisation, vocabulary: Any) -> str | None:
    shared = [c for c in oa.s3_priorities if c in set(ob.s3_priorities)]
    if shared:
        labels = [vocabulary.label(c) if vocabulary.is_valid(c) else c for c in shared[:2]]
        return "both prioritise " + " and ".join(labels)
    themes_a = _themes(oa.s3_priorities)
    themes_b = _themes(ob.s3_priorities)
    common = [t for t in themes_a if t in themes_b]
    if common:
        t = common[0]
        return (
            f"both prioritise {THEME_LABELS[t]}: you with {_label(vocabulary, themes_a[t])}, "
            f"they with {_label(vocabulary, themes_b[t])}"
        )
    return None


def _label(vocabulary: Any, code: str) -> str:
    return str(vocabulary.label(code)) if vocabulary.is_valid(code) else code


def _themes(codes: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    nace = taxonomy.nace()
    for c in codes:
        themes = nace_themes(c) if nace.is_valid(c) else S3_THEMES.get(c, ())
        for t in themes:
            out.setdefault(t, c)
    return out


def _sector_reason(oa: Organisation, ob: Organisation) -> str | None:
    nace = taxonomy.nace()
    best: tuple[int, str] | None = None
    for ca in oa.sectors:
        line_a = [ca, *nace.parents(ca)]
        for cb in ob.sectors:
            line_b = {cb, *nace.parents(cb)}
            for c in line_a:
                if c in line_b:
                    level = nace.level(c)
                    if best is None or level > best[0]:
                        best = (level, c)
                    break
    if best is None or best[0] < 2:
        return None
    code = best[1]
    return f"both work in {_lower_first(nace.title(code))} (NACE {code})"


def _region_name(code: str) -> str:
    nuts = taxonomy.nuts()
    label, country = nuts.label(code, latin=True), nuts.country(code)
    return label if label.endswith(f"({country})") else f"{label} ({country})"


def _geography_reason(oa: Organisation, ob: Organisation, relation: int) -> str | None:
    nuts = taxonomy.nuts()
    if relation == 3:
        return (
            f"cross-border: {_region_name(oa.region)} and {_region_name(ob.region)} are neighbours"
        )
    if relation == 4:
        return (
            f"neighbouring countries: {nuts.country_name(oa.country)} and "
            f"{nuts.country_name(ob.country)}"
        )
    if relation == 5:
        distance = nuts.distance_km(oa.region, ob.region)
        far = f", {distance:,.0f} km apart" if distance is not None else ""
        return f"interregional: {_region_name(oa.region)} and {_region_name(ob.region)}{far}"
    if relation == 0:
        return f"both in {nuts.label(oa.region, latin=True)}"
    return f"both in {nuts.country_name(oa.country)}"


# Letters whose names start with a vowel sound, for acronyms read letter by letter ("an SME",
# "an NGO", "a EU body" is read "a you").
_VOWEL_LETTERS = set("AEFHILMNORSX")
# Words spelt with a vowel but said with a consonant ("a university", "a European network"),
# and words spelt with a consonant but said with a vowel ("an hour").
_SAID_WITH_A = ("uni", "use", "usu", "uti", "ure", "eu", "one", "once", "ubiq")
_SAID_WITH_AN = ("hour", "honest", "honour", "honor", "heir")


def indefinite(text: str) -> str:
    """``text`` with the indefinite article it takes: "a university", "an agency",
    "an SME", "a European network", "an hour"."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and word.isupper():  # an acronym, read letter by letter
        return ("an " if word[0] in _VOWEL_LETTERS else "a ") + text
    low = word.casefold()
    if low.startswith(_SAID_WITH_AN):
        return "an " + text
    vowel = low[:1] in ("a", "e", "i", "o", "u") and not low.startswith(_SAID_WITH_A)
    return ("an " if vowel else "a ") + text


def type_phrase(kind: OrgType) -> str:
    """An organisation of this type, with its article ("an organisation of another kind" for
    the type other)."""
    if kind is OrgType.OTHER:
        return "an organisation of another kind"
    return indefinite(kind.label)


def _type_reason(oa: Organisation, ob: Organisation) -> str:
    ra, rb = oa.type.helix.value, ob.type.helix.value
    if oa.type is ob.type:
        return f"peers: you are both {type_phrase(oa.type)} ({ra})"
    roles = ra if ra == rb else f"{ra} meets {rb}"
    return f"you are {type_phrase(oa.type)}, they are {type_phrase(ob.type)}: {roles}"


def _language_reason(oa: Organisation, ob: Organisation) -> str | None:
    shared = [lang for lang in oa.languages if lang in set(ob.languages)]
    if not shared:
        return None
    names = [taxonomy.languages().name(c) for c in shared[:3]]
    return "you both work in " + ", ".join(names)


def reasons(
    p: ProfileMatrix,
    a: int,
    b: int,
    comps: Mapping[str, float],
    relation: int,
    scorer: Scorer,
    *,
    limit: int = 3,
    vocabulary: Any = None,
) -> list[str]:
    """Up to ``limit`` reasons, in the order of the contributions they stand for.

    Written from ``a``'s side ("you need ..., they offer ...").
    """
    oa, ob = p.organisations[a], p.organisations[b]
    vocab = vocabulary or taxonomy.s3()
    found: list[tuple[float, str]] = []
    contrib = contributions(comps, scorer)
    for c in COMPONENTS:
        if comps[c] < REASON_FLOOR[c] or contrib[c] <= 0:
            continue
        weight = contrib[c]
        if c == "complementarity":
            # The contribution is shared by the two directions, by how well each is met.
            met = _complementarity_reasons(p, a, b)
            total_sim = sum(sim for sim, _ in met)
            for sim, text in met:
                found.append((weight * sim / max(total_sim, 1e-9), text))
            continue
        said: str | None
        if c == "s3":
            said = _s3_reason(oa, ob, vocab)
        elif c == "sector":
            said = _sector_reason(oa, ob)
        elif c == "geography":
            said = _geography_reason(oa, ob, relation)
        elif c == "type":
            said = _type_reason(oa, ob)
        elif c == "relatedness":
            said = _relatedness_reason(p, a, b)
        elif c == "network":
            said = _network_reason(p, a, b)
        elif c == "experience":
            said = _experience_reason(p, b)
        else:
            said = _language_reason(oa, ob)
        if said:
            found.append((weight, said))
    found.sort(key=lambda t: -t[0])
    return [text for _, text in found[:limit]]
