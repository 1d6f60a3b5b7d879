"""Tests of the synthetic registry and event generator."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from matchmaker import taxonomy
from matchmaker.errors import InvalidInputError
from matchmaker.models import Event, Organisation, OrgType, Preference
from matchmaker.synth import (
    COMPLEMENTARY_TYPES,
    SUPPORT_AUDIENCES,
    SUPPORT_SERVICES,
    TECHNICAL_SERVICES,
    TYPE_SHARES,
    VALUE_CHAINS,
    SyntheticRegistry,
    capability_text,
    generate_event,
    generate_registry,
    regions_apart,
)


@pytest.fixture(scope="module")
def medium() -> SyntheticRegistry:
    return generate_registry(2000, seed=3, difficulty="medium")


@pytest.fixture(scope="module")
def hard() -> SyntheticRegistry:
    return generate_registry(2000, seed=3, difficulty="hard")


@pytest.fixture(scope="module")
def easy() -> SyntheticRegistry:
    return generate_registry(600, seed=3, difficulty="easy")


def dumps(reg: SyntheticRegistry) -> list[dict[str, object]]:
    return [o.model_dump() for o in reg.organisations]


# --- determinism and sizes ----------------------------------------------------------------


def test_same_seed_same_registry() -> None:
    a = generate_registry(300, seed=11, difficulty="hard")
    b = generate_registry(300, seed=11, difficulty="hard")
    assert dumps(a) == dumps(b)
    assert a.links == b.links
    assert a.offer_keys == b.offer_keys
    assert a.need_keys == b.need_keys


def test_different_seed_different_registry() -> None:
    a = generate_registry(300, seed=11)
    b = generate_registry(300, seed=12)
    assert dumps(a) != dumps(b)
    assert a.links != b.links


@pytest.mark.parametrize("n", [0, 1, 2, 37])
def test_sizes(n: int) -> None:
    reg = generate_registry(n, seed=1)
    assert len(reg.organisations) == n
    assert len({o.id for o in reg.organisations}) == n
    assert set(reg.truth()) == {o.id for o in reg.organisations}
    assert reg.seed == 1
    assert reg.difficulty == "medium"


def test_ids_are_zero_padded_and_sorted() -> None:
    reg = generate_registry(12, seed=1)
    assert [o.id for o in reg.organisations] == [f"org-{i:06d}" for i in range(12)]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_every_organisation_validates(difficulty: str) -> None:
    reg = generate_registry(400, seed=5, difficulty=difficulty)  # type: ignore[arg-type]
    for org in reg.organisations:
        again = Organisation.model_validate(org.model_dump())
        assert again.model_dump() == org.model_dump()


def test_json_round_trip_of_a_sample(hard: SyntheticRegistry) -> None:
    for org in hard.organisations[::50]:
        assert Organisation.model_validate_json(org.model_dump_json()).model_dump() == (
            org.model_dump()
        )


def test_codes_are_canonical(medium: SyntheticRegistry) -> None:
    nuts, nace, s3 = taxonomy.nuts(), taxonomy.nace(), taxonomy.s3()
    langs = taxonomy.languages()
    for org in medium.organisations[::7]:
        assert nuts.region(org.region).code == org.region
        assert 1 <= nuts.level(org.region) <= 3
        assert all(nace.normalise(c) == c for c in org.sectors)
        assert all(s3.normalise(c) == c for c in org.s3_priorities)
        assert all(langs.normalise(c) == c for c in org.languages)


def test_value_chain_codes_are_valid() -> None:
    nace, s3 = taxonomy.nace(), taxonomy.s3()
    for chain in VALUE_CHAINS.values():
        assert all(nace.normalise(c) == c for c in chain.nace), chain.key
        assert all(s3.normalise(c) == c for c in chain.s3), chain.key
    assert sum(c.share for c in VALUE_CHAINS.values()) == pytest.approx(1.0)
    assert sum(TYPE_SHARES.values()) == pytest.approx(1.0)


# --- the planted-link rule ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["easy", "medium", "hard"])
def test_planted_links_follow_the_rule(name: str, request: pytest.FixtureRequest) -> None:
    reg: SyntheticRegistry = request.getfixturevalue(name)
    orgs = reg.by_id()
    assert reg.links == sorted(set(reg.links))
    for a, b in reg.links:
        assert a < b
        oa, ob = orgs[a], orgs[b]
        needs_a, offers_a = set(reg.need_keys[a]), set(reg.offer_keys[a])
        needs_b, offers_b = set(reg.need_keys[b]), set(reg.offer_keys[b])
        assert needs_a & offers_b, (a, b)  # reciprocal
        assert needs_b & offers_a, (a, b)
        chain = reg.chains[a]
        assert reg.chains[b] == chain
        assert any(k.startswith(f"{chain}:") for k in needs_a & offers_b)
        assert any(k.startswith(f"{chain}:") for k in needs_b & offers_a)
        assert VALUE_CHAINS[chain].s3[0] in set(oa.s3_priorities) & set(ob.s3_priorities)
        assert regions_apart(oa.region, ob.region)
        assert ob.type in COMPLEMENTARY_TYPES[oa.type]
        assert oa.type in COMPLEMENTARY_TYPES[ob.type]
    for oid in reg.chains:
        assert not set(reg.need_keys[oid]) & set(reg.offer_keys[oid])


def test_keys_match_items(medium: SyntheticRegistry) -> None:
    for org in medium.organisations[::10]:
        assert len(medium.offer_keys[org.id]) == len(org.offers)
        assert len(medium.need_keys[org.id]) == len(org.needs)


def test_links_mostly_between_countries(medium: SyntheticRegistry) -> None:
    orgs = medium.by_id()
    same = sum(orgs[a].country == orgs[b].country for a, b in medium.links)
    assert 0 < same <= 0.15 * len(medium.links)


def test_one_country_still_gives_links_between_regions() -> None:
    reg = generate_registry(400, seed=2, countries=["de"])
    assert {o.country for o in reg.organisations} == {"DE"}
    assert len(reg.links) > 100
    orgs = reg.by_id()
    assert all(regions_apart(orgs[a].region, orgs[b].region) for a, b in reg.links)


def test_partners_per_organisation(medium: SyntheticRegistry) -> None:
    degrees = Counter(len(v) for v in medium.truth().values())
    assert max(degrees) <= 3
    n = len(medium.organisations)
    assert (degrees[1] + degrees[2]) / n > 0.6
    assert 0.05 < degrees[0] / n < 0.35


def test_truth_is_symmetric(medium: SyntheticRegistry) -> None:
    truth = medium.truth()
    for a, partners in truth.items():
        for b in partners:
            assert a in truth[b]
    assert sum(len(v) for v in truth.values()) == 2 * len(medium.links)


def test_groups_often_share_a_project(medium: SyntheticRegistry) -> None:
    orgs = medium.by_id()
    shared = sum(bool(set(orgs[a].projects) & set(orgs[b].projects)) for a, b in medium.links)
    assert 0.4 < shared / len(medium.links) < 0.9


def test_easy_texts_match_exactly(easy: SyntheticRegistry) -> None:
    orgs = easy.by_id()
    for a, b in easy.links:
        assert {i.text for i in orgs[a].needs} & {i.text for i in orgs[b].offers}
        assert {i.text for i in orgs[b].needs} & {i.text for i in orgs[a].offers}


def test_chance_reciprocal_pairs_are_rare(medium: SyntheticRegistry) -> None:
    offered: dict[str, set[str]] = {}
    for oid, keys in medium.offer_keys.items():
        for k in keys:
            offered.setdefault(k, set()).add(oid)
    truth = medium.truth()
    chance = 0
    for a, needs in medium.need_keys.items():
        for b in set().union(*(offered.get(k, set()) for k in needs)) - {a} - truth[a]:
            chance += bool(set(medium.need_keys[b]) & set(medium.offer_keys[a]))
    assert chance / 2 < 0.05 * len(medium.links)


def canonical_share(reg: SyntheticRegistry) -> float:
    same = total = 0
    for org in reg.organisations:
        for items, keys in ((org.offers, reg.offer_keys), (org.needs, reg.need_keys)):
            for item, key in zip(items, keys[org.id], strict=True):
                same += item.text == capability_text(key)
                total += 1
    return same / total


def test_easy_texts_are_canonical(easy: SyntheticRegistry) -> None:
    assert canonical_share(easy) == 1.0


def vocabulary_words() -> set[str]:
    terms = [*TECHNICAL_SERVICES, *SUPPORT_SERVICES, *SUPPORT_AUDIENCES]
    for chain in VALUE_CHAINS.values():
        terms += [*chain.topics, *chain.services, *chain.applications]
    return {w.lower() for t in terms for v in t.variants for w in v.split()}


def test_harder_levels_vary_the_text(medium: SyntheticRegistry, hard: SyntheticRegistry) -> None:
    assert 0.35 < canonical_share(medium) < 0.65
    assert canonical_share(hard) < 0.3
    texts = [i.text for o in hard.organisations for i in (*o.offers, *o.needs)]
    assert any("nano-composites" in t or "biobased" in t for t in texts)
    known = vocabulary_words()
    typos = sum(any(w.lower() not in known for w in t.split()) for t in texts)
    assert 0.08 < typos / len(texts) < 0.2
    medium_texts = [i.text for o in medium.organisations for i in (*o.offers, *o.needs)]
    assert all(w.lower() in known for t in medium_texts for w in t.split())


def test_capability_text_unknown_key() -> None:
    with pytest.raises(InvalidInputError, match="capability 'x:y' is not a key"):
        capability_text("x:y")


def test_hard_has_one_sided_distractors(hard: SyntheticRegistry) -> None:
    # an organisation outside a's partners offering what a needs from a partner
    offered: dict[str, set[str]] = {}
    for oid, keys in hard.offer_keys.items():
        for k in keys:
            offered.setdefault(k, set()).add(oid)
    truth = hard.truth()
    distracted = 0
    for a, b in hard.links:
        for k in set(hard.need_keys[a]) & set(hard.offer_keys[b]):
            distracted += bool(offered[k] - {a, b} - truth[a])
    assert distracted > 0.3 * len(hard.links)


# --- distributions ------------------------------------------------------------------------


def test_type_shares(medium: SyntheticRegistry) -> None:
    counts = Counter(o.type for o in medium.organisations)
    n = len(medium.organisations)
    for org_type, share in TYPE_SHARES.items():
        assert abs(counts[org_type] / n - share) < 0.035, org_type
    assert counts[OrgType.SME] == max(counts.values())


def test_country_weights(medium: SyntheticRegistry) -> None:
    counts = Counter(o.country for o in medium.organisations)
    assert counts.most_common(1)[0][0] == "DE"
    assert counts["DE"] > counts["NL"] > counts["LU"]
    assert len(counts) > 20


def test_region_levels(medium: SyntheticRegistry) -> None:
    nuts = taxonomy.nuts()
    levels = Counter(nuts.level(o.region) for o in medium.organisations)
    n = len(medium.organisations)
    assert 0.6 < levels[2] / n < 0.8
    assert levels[1] > 0
    assert levels[3] > 0


def test_sizes_by_type(medium: SyntheticRegistry) -> None:
    for org in medium.organisations:
        if org.type is OrgType.LARGE_COMPANY or org.type is OrgType.UNIVERSITY:
            assert org.size == "large"
        if org.type is OrgType.SME:
            assert org.size in {"micro", "small", "medium"}


def test_sectors_s3_and_languages(medium: SyntheticRegistry) -> None:
    langs = taxonomy.languages()
    for org in medium.organisations:
        chain = VALUE_CHAINS[medium.chains[org.id]]
        assert 1 <= len(org.sectors) <= 4
        assert org.s3_priorities[0] == chain.s3[0]
        assert set(org.sectors) & set(chain.nace)
        official = langs.official(org.country) or ["sr"]  # Montenegro: none in the data
        assert org.languages
        assert org.languages[0] in official
    english = sum("en" in o.languages for o in medium.organisations)
    assert 0.3 < english / len(medium.organisations) < 0.9


def test_contacts_and_descriptions_are_synthetic(medium: SyntheticRegistry) -> None:
    for org in medium.organisations:
        assert org.contact is not None
        assert org.contact.email is not None
        assert org.contact.email.endswith("@example.org")
        assert org.website is not None
        assert org.website.endswith(".example.org")
        assert "Synthetic profile" in org.description
        assert len(org.offers) >= 1
        assert len(org.needs) >= 1
        for item in (*org.offers, *org.needs):
            assert 1 <= len(item.keywords) <= 4


# --- bad input ----------------------------------------------------------------------------


def test_negative_n() -> None:
    with pytest.raises(InvalidInputError, match="n must be at least 0; got -1"):
        generate_registry(-1)


def test_n_not_an_integer() -> None:
    with pytest.raises(InvalidInputError, match=r"n must be an integer; got 2\.5"):
        generate_registry(2.5)  # type: ignore[arg-type]


def test_unknown_difficulty() -> None:
    with pytest.raises(InvalidInputError, match="difficulty must be one of easy, medium, hard"):
        generate_registry(5, difficulty="extreme")  # type: ignore[arg-type]


def test_unknown_country() -> None:
    with pytest.raises(InvalidInputError, match="country 'US' is not one the generator covers"):
        generate_registry(5, countries=["DE", "US"])


def test_countries_as_a_string() -> None:
    with pytest.raises(InvalidInputError, match="countries must be a sequence"):
        generate_registry(5, countries="DE")


def test_iso_country_codes_are_read() -> None:
    reg = generate_registry(30, seed=1, countries=["GR", "GB"])
    assert {o.country for o in reg.organisations} <= {"EL", "UK"}


def test_negative_seed() -> None:
    with pytest.raises(InvalidInputError, match="seed must be at least 0"):
        generate_registry(5, seed=-3)


# --- events -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def event_registry() -> SyntheticRegistry:
    return generate_registry(400, seed=8)


@pytest.fixture(scope="module")
def event(event_registry: SyntheticRegistry) -> Event:
    return generate_event(event_registry, n_participants=150, n_slots=12, seed=9)


def test_event_validates(event: Event) -> None:
    again = Event.model_validate(event.model_dump())
    assert again.model_dump() == event.model_dump()
    assert len(event.participants) == 150
    assert len(event.slots) == 12
    assert event.tables == 60


def test_event_is_deterministic(event_registry: SyntheticRegistry, event: Event) -> None:
    again = generate_event(event_registry, n_participants=150, n_slots=12, seed=9)
    assert again.model_dump() == event.model_dump()
    other = generate_event(event_registry, n_participants=150, n_slots=12, seed=10)
    assert other.model_dump() != event.model_dump()


def test_event_organisations(event: Event, event_registry: SyntheticRegistry) -> None:
    orgs = {o.id for o in event.organisations}
    assert orgs == {p.organisation for p in event.participants}
    per_org = Counter(p.organisation for p in event.participants)
    assert max(per_org.values()) <= 3
    assert any(v > 1 for v in per_org.values())
    known = event_registry.by_id()
    assert all(o.model_dump() == known[o.id].model_dump() for o in event.organisations)
    assert {p.seats for p in event.participants} <= {1, 2}


def test_event_slots(event: Event) -> None:
    slots = event.slots
    lengths = {(s.end - s.start).total_seconds() / 60 for s in slots}
    assert len(lengths) == 1
    assert lengths <= {20, 25, 30}
    gaps = [(b.start - a.end).total_seconds() / 60 for a, b in itertools.pairwise(slots)]
    assert sorted(gaps) == [0] * 10 + [30]


def test_event_availability(event: Event) -> None:
    slot_ids = [s.id for s in event.slots]
    everyone = sum(p.available is None for p in event.participants)
    assert 0.6 < everyone / len(event.participants) < 0.9
    for p in event.participants:
        if p.available is not None:
            assert p.available
            assert set(p.available) < set(slot_ids)
            start = slot_ids.index(p.available[0])
            assert p.available == slot_ids[start : start + len(p.available)]


def test_event_requests(event: Event, event_registry: SyntheticRegistry) -> None:
    orgs = {o.id for o in event.organisations}
    truth = event_registry.truth()
    to_partner = 0
    prefs: Counter[Preference] = Counter()
    for p in event.participants:
        for r in p.requests:
            assert r.organisation in orgs
            assert r.organisation != p.organisation
            to_partner += r.organisation in truth[p.organisation]
            prefs[r.preference] += 1
    assert to_partner > 30
    assert all(prefs[k] > 0 for k in Preference)
    one_sided = 0
    asked = {(p.organisation, r.organisation) for p in event.participants for r in p.requests}
    one_sided = sum((b, a) not in asked for a, b in asked)
    assert one_sided > 0


def test_event_rooms_and_rounds(event_registry: SyntheticRegistry) -> None:
    ev = generate_event(event_registry, n_participants=60, n_slots=0, n_rooms=4, rounds=3, seed=1)
    assert ev.slots == []
    assert ev.tables == 0
    assert [r.id for r in ev.rounds] == ["R1", "R2", "R3"]
    seats = sum(p.seats for p in ev.participants)
    assert sum(r.capacity for r in ev.rooms) >= seats
    s3 = taxonomy.s3()
    for room in ev.rooms:
        assert s3.is_valid(room.themes[0])
    assert len({r.name for r in ev.rooms}) == 4


def test_event_without_registry() -> None:
    ev = generate_event(n_participants=20, n_slots=4, seed=5)
    assert len(ev.participants) == 20
    assert ev.id == "synthetic-event-5"


def test_event_registry_too_small() -> None:
    reg = generate_registry(3, seed=1)
    with pytest.raises(InvalidInputError, match="too few for 20 participants"):
        generate_event(reg, n_participants=20)


def test_event_all_organisations_used() -> None:
    reg = generate_registry(10, seed=1)
    ev = generate_event(reg, n_participants=30, n_slots=2, seed=1)
    assert len(ev.participants) == 30
    assert len(ev.organisations) == 10


def test_event_bad_counts() -> None:
    with pytest.raises(InvalidInputError, match="n_participants must be at least 2; got 1"):
        generate_event(n_participants=1)
    with pytest.raises(InvalidInputError, match="rounds must be at least 1; got 0"):
        generate_event(n_participants=4, rounds=0)


def _words(text: str) -> set[str]:
    return {w for w in text.casefold().replace(",", " ").split() if len(w) > 3}


def test_paraphrase_mode_words_each_side_its_own_way() -> None:
    from matchmaker.synth import capability_text, vocabulary

    reg = generate_registry(300, seed=2, wording="paraphrase")
    by_id = reg.by_id()
    shared = []
    for a, b in reg.links[:60]:
        for giver, taker in ((a, b), (b, a)):
            met = set(reg.offer_keys[giver]) & set(reg.need_keys[taker])
            assert met  # planted: the key is there
            key = next(iter(met))
            offer = by_id[giver].offers[reg.offer_keys[giver].index(key)]
            need = by_id[taker].needs[reg.need_keys[taker].index(key)]
            assert offer.keywords == []
            assert offer.text != capability_text(key)
            union = _words(need.text) | {k.casefold() for k in need.keywords}
            shared.append(len(_words(offer.text) & union) / max(1, len(_words(offer.text))))
    assert float(np.mean(shared)) < 0.1
    assert vocabulary()  # the vocabulary itself is unchanged


def test_native_mode_writes_offers_in_the_organisations_languages() -> None:
    from matchmaker.synth import vocabulary, wordings

    reg = generate_registry(400, seed=3, languages="native")
    caps = {c.key: c for c in vocabulary().capabilities}
    words = wordings()
    seen = set()
    for o in reg.organisations:
        lang = {"DE": "de", "FR": "fr", "ES": "es", "IT": "it", "PL": "pl"}.get(o.region[:2])
        for item, key in zip(o.offers, reg.offer_keys[o.id], strict=True):
            c = caps[key]
            if lang is None:
                assert any(v.casefold() in item.text.casefold() for v in c.topic.variants)
                continue
            w = [words[t.variants[0]][lang] for t in (c.service, c.topic, c.application)]
            text = f"{w[0].format(t=w[1])} {w[2]}"
            assert item.text == text[0].upper() + text[1:]
            seen.add(lang)
        for item, key in zip(o.needs, reg.need_keys[o.id], strict=True):
            # needs stay in English, in the generator's own wordings
            topic = caps[key].topic
            assert any(v.casefold() in item.text.casefold() for v in topic.variants), item.text
    assert seen == {"de", "fr", "es", "it", "pl"}


def test_unknown_modes_are_named_errors() -> None:
    with pytest.raises(InvalidInputError, match="wording must be one of shared, paraphrase"):
        generate_registry(5, wording="poetic")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="languages must be one of english, native"):
        generate_registry(5, languages="klingon")  # type: ignore[arg-type]
