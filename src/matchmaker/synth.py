"""Seeded synthetic registries and events, with planted ground-truth partner links.

:func:`generate_registry` draws organisation profiles of any size that read like the
registries of interregional cluster and brokerage platforms; :func:`generate_event` turns a
registry into an event (participants, 1:1 time slots, tables, requests, breakout rooms). Both
take a ``seed``; the same seed gives the same output. Nothing here is real: organisation names
are composed from word lists, e-mail addresses are at ``example.org``, and every description
says that the profile is synthetic.

How a profile is drawn
----------------------
- **Type** (:data:`TYPE_SHARES`): SMEs 50 %, universities 10 %, research organisations 9 %,
  clusters 8 %, public authorities 7 %, agencies 6 %, large companies 6 %, networks 4 %.
- **Country** (:data:`COUNTRY_WEIGHTS`): the EU27 weighted by population (millions, 2023),
  plus Norway, Switzerland, Iceland and Liechtenstein at full weight and the United Kingdom and
  five candidate countries at a quarter of theirs. **Region**: a NUTS2 region of the country
  drawn uniformly (NUTS 2021; the statistical regions for EFTA and candidate countries; NUTS
  2016 for the UK); 70 % keep it, 10 % take its NUTS1 parent, 20 % one of its NUTS3 children.
- **Value chain** (:data:`VALUE_CHAINS`, shares in :attr:`ValueChain.share`): each organisation
  has a primary chain and, one time in five, a secondary one. Sectors are one or two NACE codes
  of the chain (plus one of the secondary chain), preceded for universities, research
  organisations, clusters, networks, agencies and public authorities by the code of their own
  activity (P85.4, M72.1, S94.11, S94.11, O84.13, O84.13). S3 priorities are the chain's
  primary code and up to two more of its codes.
- **Languages**: the country's most spoken official language; its other official languages
  with probability equal to their CLDR population share; English with probability equal to its
  CLDR share (always where it is official). Montenegro, which the language data gives no
  official language with an ISO 639-1 code, takes Serbian ('sr').
- **Size**: SMEs micro 45 %, small 35 %, medium 20 %; large companies and universities large;
  research organisations medium or large; clusters and networks micro or small; agencies small,
  medium or large; public authorities medium, large or not given.
- **Offers and needs**: capabilities of the chain. A capability is a service applied to a topic
  of the chain, in an application ("pilot line for" + "nanocomposites" + "in automotive").
  Business organisations (SMEs, large companies, universities, research organisations) use the
  12 *technical* services and the chain's 8 applications (960 capabilities per chain),
  intermediaries and public bodies (clusters, agencies, public authorities, networks) the 8
  *support* services (funding schemes, peer reviews, matchmaking...) and 8 audiences ("for
  SMEs"; 640 per chain). Every organisation offers one to three and needs one or two
  capabilities at random (of its secondary chain three times in ten, if it has one), on top of
  those its planted links give it. Items are shuffled, so their order tells nothing.

Planted links: the rule
-----------------------
Organisations are put in *planted groups* of 1 to 4 members (a fraction 0.15 : 0.50 : 0.27 :
0.08 of them by group size, before groups that cannot be filled end smaller); every two members
of a group form a planted link, so each organisation has 0 to 3 planted partners, most 1 or 2.
For every planted link ``(a, b)``:

1. **Reciprocal complementarity**: ``a`` needs a capability that ``b`` offers, and ``b`` needs
   a capability that ``a`` offers (the same capability key; the texts may differ by the
   difficulty's variants). Neither needs what it offers itself.
2. **Shared value chain**: ``a`` and ``b`` have the same primary value chain, so they share its
   primary S3 priority, and both exchanged capabilities belong to that chain.
3. **Different regions**: neither region is the other or one of its NUTS ancestors
   (:func:`regions_apart`). Mostly the two are in different countries: when a member joins a
   group, with probability 0.15 (always, if only one country is allowed) a partner in a
   member's country is accepted and then preferred, so a few percent to 15 % of the links are
   between regions of one country.
4. **Complementary types** (:data:`COMPLEMENTARY_TYPES`, symmetric): SME with SME, large
   company, university or research organisation; large company with university or research
   organisation; university with research organisation; cluster with cluster, agency or
   network; agency with agency or public authority; public authority with public authority;
   network with network.

60 % of the groups also share a project acronym. The links are in
:attr:`SyntheticRegistry.links` (each pair once, ids in ascending order) and
:meth:`SyntheticRegistry.truth` maps every organisation to its planted partners; the
capability keys (``chain:service:topic:application``) behind the items are in
:attr:`SyntheticRegistry.offer_keys` and :attr:`SyntheticRegistry.need_keys`. Pairs outside
the groups can meet rule 1 by chance; they are not planted links. This is rare (about 10 such
pairs against 1,200 links in 2,000 'easy' or 'medium' profiles; the count grows with the square
of the registry's size per chain) apart from the 'hard' same-region distractors, which are made
to meet rules 1, 2 and 4 and not 3.

Difficulty
----------
``'easy'``
    Canonical texts and all keywords of each capability; no distractors.
``'medium'``
    Each item's service, topic and application take a synonym or a hyphenation variant
    ("nano-composites") with probability 0.35 each; one keyword is dropped with probability
    0.3. For half of the planted links a
    *distractor* of the same chain and type family offers what ``a`` needs from ``b`` without
    needing anything ``a`` offers (one-sided: same sector, no complementarity).
``'hard'``
    Variants with probability 0.7, a typo in 15 % of the item texts, keywords in other
    spellings; a one-sided distractor for every planted link, plus a *partial* one that offers
    a capability that differs in one part (service, topic or application), and for 30 % of
    the links a same-region distractor: complementary both ways but in ``a``'s region, so it
    breaks rule 3.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np

from matchmaker import taxonomy
from matchmaker._bulk import paused_gc
from matchmaker.errors import InvalidInputError
from matchmaker.models import (
    Contact,
    Event,
    Item,
    Organisation,
    OrgType,
    Participant,
    Preference,
    Request,
    Room,
    Round,
    Rules,
    SizeClass,
    TimeSlot,
)

__all__ = [
    "COMPLEMENTARY_TYPES",
    "COUNTRY_WEIGHTS",
    "DIFFICULTIES",
    "TYPE_SHARES",
    "VALUE_CHAINS",
    "Difficulty",
    "Languages",
    "SyntheticRegistry",
    "ValueChain",
    "Wording",
    "capability_text",
    "generate_event",
    "generate_registry",
    "regions_apart",
]

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
Wording = Literal["shared", "paraphrase"]
WORDINGS: tuple[Wording, ...] = ("shared", "paraphrase")
Languages = Literal["english", "native"]
LANGUAGE_MODES: tuple[Languages, ...] = ("english", "native")
# Where organisations write their offers in their own language (``languages='native'``).
_NATIVE: dict[str, str] = {"DE": "de", "FR": "fr", "ES": "es", "IT": "it", "PL": "pl"}


@functools.cache
def wordings() -> dict[str, dict[str, Any]]:
    """Paraphrases and translations of every term, by its canonical text (package data)."""
    from importlib import resources

    text = resources.files("matchmaker").joinpath("synth_wordings.json").read_text("utf-8")
    data: dict[str, dict[str, Any]] = json.loads(text)
    data.pop("_note", None)
    return data


T = TypeVar("T")

# --- the documented distributions -------------------------------------------------------

#: Share of each organisation type in a generated registry.
TYPE_SHARES: dict[OrgType, float] = {
    OrgType.SME: 0.50,
    OrgType.UNIVERSITY: 0.10,
    OrgType.RESEARCH: 0.09,
    OrgType.CLUSTER: 0.08,
    OrgType.PUBLIC_AUTHORITY: 0.07,
    OrgType.AGENCY: 0.06,
    OrgType.LARGE_COMPANY: 0.06,
    OrgType.NETWORK: 0.04,
}

_BUSINESS = frozenset({OrgType.SME, OrgType.LARGE_COMPANY, OrgType.UNIVERSITY, OrgType.RESEARCH})

#: Types that complement each other in a planted link (symmetric).
COMPLEMENTARY_TYPES: dict[OrgType, frozenset[OrgType]] = {
    OrgType.SME: frozenset(
        {OrgType.SME, OrgType.LARGE_COMPANY, OrgType.UNIVERSITY, OrgType.RESEARCH}
    ),
    OrgType.LARGE_COMPANY: frozenset({OrgType.SME, OrgType.UNIVERSITY, OrgType.RESEARCH}),
    OrgType.UNIVERSITY: frozenset({OrgType.SME, OrgType.LARGE_COMPANY, OrgType.RESEARCH}),
    OrgType.RESEARCH: frozenset({OrgType.SME, OrgType.LARGE_COMPANY, OrgType.UNIVERSITY}),
    OrgType.CLUSTER: frozenset({OrgType.CLUSTER, OrgType.AGENCY, OrgType.NETWORK}),
    OrgType.AGENCY: frozenset({OrgType.AGENCY, OrgType.CLUSTER, OrgType.PUBLIC_AUTHORITY}),
    OrgType.PUBLIC_AUTHORITY: frozenset({OrgType.PUBLIC_AUTHORITY, OrgType.AGENCY}),
    OrgType.NETWORK: frozenset({OrgType.NETWORK, OrgType.CLUSTER}),
}

#: Country weights: population in millions (2023) for the EU27 and EFTA; a quarter of it for
#: the United Kingdom and the candidate countries, which take part less often.
COUNTRY_WEIGHTS: dict[str, float] = {
    "DE": 84.4, "FR": 68.2, "IT": 59.0, "ES": 48.1, "PL": 36.8, "RO": 19.1, "NL": 17.8,
    "BE": 11.8, "CZ": 10.8, "SE": 10.5, "PT": 10.4, "EL": 10.4, "HU": 9.6, "AT": 9.1,
    "BG": 6.4, "DK": 5.9, "FI": 5.6, "SK": 5.4, "IE": 5.3, "HR": 3.9, "LT": 2.9, "SI": 2.1,
    "LV": 1.9, "EE": 1.4, "CY": 0.9, "LU": 0.66, "MT": 0.54,
    "NO": 5.5, "CH": 8.8, "IS": 0.39, "LI": 0.04,
    "UK": 67.6 / 4, "TR": 85.3 / 4, "RS": 6.6 / 4, "MK": 1.8 / 4, "AL": 2.8 / 4, "ME": 0.6 / 4,
}  # fmt: skip

_REGION_VERSION: dict[str, str] = {"UK": "UK2016"}
_NO_OFFICIAL: dict[str, str] = {"ME": "sr"}
_NON_EU = ("NO", "CH", "IS", "LI", "TR", "RS", "MK", "AL", "ME")
_REGION_VERSION.update({c: "SR2021" for c in _NON_EU})

# Fraction of organisations by planted-group size (1 = no planted partner).
_GROUP_SIZE_FRACTIONS: tuple[float, ...] = (0.15, 0.50, 0.27, 0.08)
_SAME_COUNTRY_LINKS = 0.15
_SHARED_PROJECT = 0.60
_SECOND_CHAIN = 0.20

_SIZES: dict[OrgType, tuple[tuple[SizeClass | None, float], ...]] = {
    OrgType.SME: ((SizeClass.MICRO, 0.45), (SizeClass.SMALL, 0.35), (SizeClass.MEDIUM, 0.20)),
    OrgType.LARGE_COMPANY: ((SizeClass.LARGE, 1.0),),
    OrgType.UNIVERSITY: ((SizeClass.LARGE, 1.0),),
    OrgType.RESEARCH: ((SizeClass.MEDIUM, 0.5), (SizeClass.LARGE, 0.5)),
    OrgType.CLUSTER: ((SizeClass.MICRO, 0.5), (SizeClass.SMALL, 0.5)),
    OrgType.NETWORK: ((SizeClass.MICRO, 0.6), (SizeClass.SMALL, 0.4)),
    OrgType.AGENCY: ((SizeClass.SMALL, 0.5), (SizeClass.MEDIUM, 0.4), (SizeClass.LARGE, 0.1)),
    OrgType.PUBLIC_AUTHORITY: (
        (SizeClass.MEDIUM, 0.3),
        (SizeClass.LARGE, 0.4),
        (None, 0.3),
    ),
}

_TYPE_SECTOR: dict[OrgType, str] = {
    OrgType.UNIVERSITY: "P85.4",
    OrgType.RESEARCH: "M72.1",
    OrgType.CLUSTER: "S94.11",
    OrgType.NETWORK: "S94.11",
    OrgType.AGENCY: "O84.13",
    OrgType.PUBLIC_AUTHORITY: "O84.13",
}


@dataclass(frozen=True, slots=True)
class _Noise:
    """Noise settings of one difficulty level."""

    variant: float  # probability that a service or topic takes a non-canonical spelling
    typo: float  # probability of a typo in an item text
    keyword_noise: float  # probability that a keyword is dropped or respelt
    one_sided: float  # one-sided distractors per planted link
    partial: float  # partial-overlap distractors per planted link
    same_region: float  # same-region (rule-3-breaking) distractors per planted link


_DIFFICULTY: dict[Difficulty, _Noise] = {
    "easy": _Noise(0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "medium": _Noise(0.35, 0.0, 0.3, 0.5, 0.0, 0.0),
    "hard": _Noise(0.7, 0.15, 0.3, 1.0, 1.0, 0.3),
}

# --- vocabularies ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A service (with a ``{t}`` slot for the topic) or a topic: its spellings and keywords.

    ``variants[0]`` is the canonical spelling.
    """

    variants: tuple[str, ...]
    keywords: tuple[str, ...]

    @property
    def slug(self) -> str:
        return _slug(self.variants[0].replace("{t}", ""))


def _term(variants: str, keywords: str) -> Term:
    return Term(
        tuple(v.strip() for v in variants.split("|")),
        tuple(k for k in keywords.split("|") if k),
    )


@dataclass(frozen=True, slots=True)
class ValueChain:
    """A themed value chain: its sectors, S3 priorities, topics and services.

    Attributes
    ----------
    key, label:
        Short key ('materials') and English label.
    share:
        Share of organisations whose primary chain it is.
    nace:
        NACE Rev. 2 codes of the chain (canonical form).
    s3:
        S3 priority codes; the first is the chain's primary priority.
    topics:
        What the chain works on ("nanocomposites").
    services:
        Chain-specific technical services ("pilot line for {t}").
    applications:
        Where the technical services are applied ("in automotive").
    roots:
        Word roots for organisation names and project acronyms.
    field:
        Name of the discipline, for universities and institutes.
    """

    key: str
    label: str
    share: float
    nace: tuple[str, ...]
    s3: tuple[str, ...]
    topics: tuple[Term, ...]
    services: tuple[Term, ...]
    applications: tuple[Term, ...]
    roots: tuple[str, ...]
    field: str


#: Technical services, offered and needed by companies, universities and research organisations.
TECHNICAL_SERVICES: tuple[Term, ...] = (
    _term("testing and characterisation of {t}|characterization and testing of {t}"
          "|test services for {t}", "testing|characterisation"),
    _term("life-cycle assessment of {t}|life cycle assessment of {t}|LCA of {t}",
          "life-cycle assessment|LCA"),
    _term("scale-up of {t}|upscaling of {t}|industrial scale-up of {t}", "scale-up"),
    _term("co-development of {t}|joint development of {t}|collaborative R&D on {t}",
          "co-development|R&D"),
    _term("demonstration site for {t}|demo site for {t}|living lab for {t}",
          "demonstration|living lab"),
    _term("market access for {t}|route to market for {t}|distribution partners for {t}",
          "market access|distribution"),
    _term("training and skills in {t}|upskilling in {t}|staff training on {t}",
          "training|skills"),
    _term("certification and standards for {t}|standardisation of {t}"
          "|compliance testing of {t}", "certification|standards"),
)  # fmt: skip

#: Support services, offered and needed by clusters, agencies, public authorities and networks.
SUPPORT_SERVICES: tuple[Term, ...] = (
    _term("peer review of {t} policies|policy peer review on {t}|peer learning on {t} policy",
          "peer review|policy learning"),
    _term("funding scheme for {t} projects|grant programme for {t}"
          "|financing instruments for {t}", "funding|financing"),
    _term("internationalisation support for {t} companies|export support for {t} SMEs"
          "|going-international services for {t} firms", "internationalisation|export"),
    _term("matchmaking with {t} companies|brokerage events on {t}|B2B matchmaking in {t}",
          "matchmaking|brokerage"),
    _term("cluster partnership on {t}|strategic cluster cooperation on {t}"
          "|inter-cluster collaboration on {t}", "cluster cooperation|partnership"),
    _term("smart specialisation strategy for {t}|S3 priority on {t}|RIS3 action plan for {t}",
          "smart specialisation|S3"),
    _term("innovation vouchers for {t}|voucher scheme for {t} SMEs|innovation cheques for {t}",
          "innovation vouchers"),
    _term("value-chain mapping of {t}|value chain mapping of {t}|mapping of {t} value chains",
          "value chain|mapping"),
)  # fmt: skip


#: Who the support services are for (the technical services' applications are per chain).
SUPPORT_AUDIENCES: tuple[Term, ...] = tuple(
    _term(v, "")
    for v in (
        "for SMEs|for small firms", "for start-ups|for young companies",
        "for research centres|for RTOs", "in rural areas|for rural regions",
        "across borders|for cross-border cooperation",
        "for women entrepreneurs|for female founders",
        "for traditional industries|for mature sectors", "for large companies|for industry leaders",
    )
)  # fmt: skip

_APPLICATIONS: dict[str, tuple[str, ...]] = {
    "materials": (
        "in automotive|for the automotive industry", "in packaging|for packaging applications",
        "in construction|for building products", "in electronics|for electronic devices",
        "in medical devices|for medtech", "in aerospace|for aircraft parts",
        "in consumer goods|for consumer products", "in energy storage|for batteries",
    ),
    "agrifood": (
        "in vineyards|for wine growers", "in dairy farms|for dairy farmers",
        "in greenhouses|for greenhouse growers", "in olive groves|for olive growers",
        "in organic farming|for organic producers", "in school catering|for public canteens",
        "in bakeries|for the bakery sector", "in fruit orchards|for fruit growers",
    ),
    "digital": (
        "in ports|for port operators", "in manufacturing|for factories",
        "in hospitals|for healthcare providers", "in retail|for shops",
        "in agriculture|for farms", "in public administration|for e-government",
        "in energy utilities|for utilities", "in smart cities|for municipalities",
    ),
    "energy": (
        "in industrial parks|for industrial sites", "on islands|for island systems",
        "in rural communities|for villages", "in social housing|for housing associations",
        "in ports|for port areas", "in data centres|for data centers",
        "in agriculture|for farms", "in public buildings|for municipal buildings",
    ),
    "health": (
        "in oncology|for cancer care", "in cardiology|for heart patients",
        "in elderly care|for nursing homes", "in paediatrics|for children",
        "in primary care|for general practitioners", "in diabetes care|for diabetic patients",
        "in rehabilitation centres|for rehab clinics", "in rural areas|for remote patients",
    ),
    "mobility": (
        "in city centres|for urban areas", "in rural areas|for rural regions",
        "in freight corridors|for freight transport", "in public transport|for transit operators",
        "in car sharing|for shared fleets", "in cross-border commuting|for commuters",
        "in airports|for airport access", "in tourism regions|for visitors",
    ),
    "construction": (
        "in social housing|for housing associations", "in schools|for school buildings",
        "in historic buildings|for heritage buildings", "in hospitals|for healthcare buildings",
        "in offices|for office buildings", "in bridges and tunnels|for civil works",
        "in industrial halls|for industrial buildings",
        "in coastal areas|for coastal infrastructure",
    ),
    "textile": (
        "in workwear|for work clothing", "in sportswear|for sports apparel",
        "in automotive interiors|for car interiors", "in medical textiles|for hospitals",
        "in home textiles|for interiors", "in luxury fashion|for premium brands",
        "in geotextiles|for civil engineering", "in outdoor gear|for outdoor equipment",
    ),
    "tourism": (
        "in mountain areas|for mountain resorts", "in coastal towns|for seaside destinations",
        "in UNESCO sites|for world heritage sites", "in rural villages|for rural destinations",
        "in cities|for urban destinations", "in national parks|for protected areas",
        "in wine regions|for wine routes", "on islands|for island destinations",
    ),
    "creative": (
        "in education|for schools", "in museums|for cultural institutions",
        "in tourism|for destinations", "in healthcare|for patients",
        "in advertising|for brands", "in public spaces|for cities",
        "in corporate training|for corporate learning", "in festivals|for events",
    ),
    "maritime": (
        "in the Baltic Sea|for Baltic ports", "in the Mediterranean|for Mediterranean ports",
        "in the North Sea|for North Sea operators", "in the Atlantic|for Atlantic coasts",
        "in inland waterways|for river transport", "in fishing fleets|for fishers",
        "on offshore platforms|for offshore operators", "in marinas|for leisure boating",
    ),
    "aerospace": (
        "in agriculture|for farmers", "in emergency services|for civil protection",
        "in regional airports|for small airports",
        "in environmental monitoring|for environment agencies",
        "in insurance|for insurers", "in urban planning|for city planners",
        "in security|for security users", "in forestry|for forest managers",
    ),
}  # fmt: skip


def _chain(
    key: str,
    label: str,
    share: float,
    nace: str,
    s3: str,
    roots: str,
    field: str,
    topics: Sequence[tuple[str, str]],
    services: Sequence[tuple[str, str]],
) -> ValueChain:
    return ValueChain(
        key=key,
        label=label,
        share=share,
        nace=tuple(nace.split()),
        s3=tuple(s3.split()),
        topics=tuple(_term(v, k) for v, k in topics),
        services=tuple(_term(v, k) for v, k in services),
        applications=tuple(_term(v, "") for v in _APPLICATIONS[key]),
        roots=tuple(roots.split()),
        field=field,
    )


_CHAINS: tuple[ValueChain, ...] = (
    _chain(
        "materials", "Advanced materials", 0.12, "C20.16 C22.2 C23.1 C24 C25.6 M72.19",
        "IE07 TP-INDMOD NABS06", "Nano Mat Poly Lumi Kera Fibra", "Materials Science",
        [
            ("nanocomposites|nano-composites|nanocomposite materials",
             "nanocomposites|nanomaterials"),
            ("graphene coatings|graphene-based coatings|2D-material coatings", "graphene|coatings"),
            ("bio-based polymers|biobased polymers|bioplastics", "bio-based polymers|bioplastics"),
            ("lightweight alloys|light-weight alloys|light metal alloys", "lightweight|alloys"),
            ("technical ceramics|advanced ceramics|engineering ceramics", "ceramics"),
            ("metal powders for additive manufacturing|AM metal powders|3D-printing powders",
             "additive manufacturing|metal powders"),
            ("recycled plastics|post-consumer recyclates|plastic recyclates", "recycling|plastics"),
            ("fibre-reinforced composites|fiber reinforced composites|FRP composites",
             "composites|fibre-reinforced"),
            ("functional surfaces|smart surfaces|surface functionalisation",
             "surfaces|functional coatings"),
            ("packaging materials|sustainable packaging|packaging films", "packaging"),
        ],
        [
            ("pilot line for {t}|pilot-scale line for {t}|pilot plant for {t}", "pilot line"),
            ("simulation and modelling of {t}|modelling of {t}|materials modelling for {t}",
             "modelling|simulation"),
            ("recycling routes for {t}|end-of-life recovery of {t}|circular design of {t}",
             "circularity|recycling"),
            ("supply of {t}|production of {t}|manufacturing of {t}", "supply|manufacturing"),
        ],
    ),
    _chain(
        "agrifood", "Agri-food", 0.12, "A01 A01.1 C10 C10.5 C11 C11.02",
        "IE02 TP-AGRIFOOD NABS08", "Agri Terra Nutri Grano Frutti Campo", "Agri-Food Sciences",
        [
            ("precision farming|precision agriculture|smart farming", "precision farming|agritech"),
            ("plant-based proteins|alternative proteins|plant proteins", "proteins|plant-based"),
            ("food traceability|farm-to-fork traceability|food tracking",
             "traceability|food safety"),
            ("functional foods|nutraceuticals|health-promoting foods", "functional food|nutrition"),
            ("dairy processing|milk processing|dairy technologies", "dairy"),
            ("wine and beverages|winemaking|beverage production", "wine|beverages"),
            ("food waste valorisation|valorization of food waste|food side-streams",
             "food waste|valorisation"),
            ("vertical farming|indoor farming|controlled-environment agriculture",
             "vertical farming|indoor farming"),
            ("short food supply chains|local food chains|farm-to-table supply",
             "short supply chains|local food"),
            ("bio-fertilisers|biofertilizers|organic fertilisers", "fertilisers|soil health"),
        ],
        [
            ("field trials of {t}|field testing of {t}|on-farm trials of {t}", "field trials"),
            ("food safety testing of {t}|food-safety analysis of {t}|laboratory analysis of {t}",
             "food safety|laboratory"),
            ("sensory and consumer testing of {t}|consumer panels for {t}|sensory analysis of {t}",
             "consumer testing|sensory"),
            ("processing equipment for {t}|process lines for {t}|machinery for {t}",
             "equipment|processing"),
        ],
    ),
    _chain(
        "digital", "Digital", 0.15, "J62 J62.01 J63.1 C26 C26.1",
        "IE05 IE06 NABS04", "Digi Byte Cyber Data Quant Nexo", "Digital Technologies",
        [
            ("5G logistics|5G-enabled logistics|5G for logistics", "5G|logistics"),
            ("edge computing|edge-cloud computing|fog computing", "edge computing|cloud"),
            ("cybersecurity for SMEs|cyber-security for small firms|SME cyber security",
             "cybersecurity|SMEs"),
            ("AI for quality inspection|machine-learning quality inspection"
             "|artificial intelligence for quality control",
             "artificial intelligence|quality inspection"),
            ("digital twins|digital-twin models|virtual twins", "digital twin|simulation"),
            ("IoT sensor networks|Internet-of-Things sensors|connected sensors", "IoT|sensors"),
            ("blockchain for supply chains|distributed-ledger supply chains"
             "|supply-chain blockchain", "blockchain|supply chain"),
            ("open data platforms|open-data portals|data spaces", "open data|data spaces"),
            ("high-performance computing|HPC services|supercomputing", "HPC|computing"),
            ("embedded electronics|embedded systems|printed circuit design",
             "electronics|embedded systems"),
        ],
        [
            ("testbed for {t}|test-bed for {t}|experimentation facility for {t}", "testbed"),
            ("software development for {t}|custom software for {t}|app development for {t}",
             "software development"),
            ("data analytics on {t}|big-data analytics for {t}|analytics services for {t}",
             "data analytics"),
            ("system integration of {t}|integration services for {t}|deployment of {t}",
             "system integration"),
        ],
    ),
    _chain(
        "energy", "Renewable energy", 0.11, "D35 D35.11 C27.2 C28.1",
        "IE08 TP-ENERGY NABS05", "Volt Sola Ener Helio Vento Hydro", "Energy Engineering",
        [
            ("green hydrogen|renewable hydrogen|H2 from electrolysis", "hydrogen|electrolysis"),
            ("battery storage|battery energy storage|stationary batteries",
             "batteries|energy storage"),
            ("offshore wind|offshore wind power|floating wind", "offshore wind|wind energy"),
            ("solar photovoltaics|PV modules|photo-voltaic systems", "photovoltaics|solar"),
            ("smart grids|smart-grid management|intelligent electricity networks",
             "smart grid|grid management"),
            ("heat pumps|heat-pump systems|geothermal heat pumps", "heat pumps|heating"),
            ("energy communities|renewable energy communities|community energy",
             "energy communities|prosumers"),
            ("biogas|biomethane|anaerobic digestion", "biogas|bioenergy"),
            ("district heating|district-heating networks|heat networks", "district heating"),
            ("industrial energy efficiency|energy efficiency in industry"
             "|energy audits for industry", "energy efficiency|industry"),
        ],
        [
            ("pilot plant for {t}|demonstrator for {t}|pilot installation of {t}",
             "pilot plant"),
            ("grid integration of {t}|network integration of {t}|grid connection of {t}",
             "grid integration"),
            ("feasibility studies on {t}|techno-economic assessment of {t}"
             "|feasibility assessment of {t}", "feasibility study"),
            ("installation and maintenance of {t}|O&M services for {t}"
             "|operation and maintenance of {t}", "installation|maintenance"),
        ],
    ),
    _chain(
        "health", "Health", 0.11, "C21 C32.5 Q86 M72.11 C26.6",
        "IE09 NABS07", "Medi Salu Sana Cura Thera Vita", "Health Sciences",
        [
            ("medical imaging|diagnostic imaging|imaging diagnostics", "imaging|diagnostics"),
            ("wearable health monitoring|wearables for health|remote patient monitoring",
             "wearables|monitoring"),
            ("telemedicine|tele-medicine|remote care", "telemedicine|e-health"),
            ("orthopaedic implants|orthopedic implants|bone implants", "implants|orthopaedics"),
            ("in-vitro diagnostics|in vitro diagnostic tests|IVD tests", "diagnostics|IVD"),
            ("active ageing solutions|active and healthy ageing|independent living aids",
             "active ageing|elderly care"),
            ("biopharmaceuticals|bio-pharmaceuticals|biologics", "biopharma|biologics"),
            ("rehabilitation robotics|robot-assisted rehabilitation|rehab robotics",
             "rehabilitation|robotics"),
            ("clinical decision support|clinical decision-support software"
             "|decision support for clinicians", "clinical decision support|software"),
            ("sport for health|physical activity programmes|sport and healthy lifestyles",
             "sport|physical activity"),
        ],
        [
            ("clinical validation of {t}|clinical trials for {t}|clinical evaluation of {t}",
             "clinical validation|trials"),
            ("regulatory support for {t}|MDR compliance for {t}|CE marking of {t}",
             "regulatory|CE marking"),
            ("hospital testbed for {t}|hospital pilots of {t}|test hospital for {t}",
             "hospital|testbed"),
            ("prototyping of {t}|rapid prototyping of {t}|prototype development for {t}",
             "prototyping"),
        ],
    ),
    _chain(
        "mobility", "Mobility and automotive", 0.08, "C29 C29.32 C30.2 H49 H49.41",
        "IE10 NABS04", "Moto Rota Via Transi Kine Auto", "Mobility Engineering",
        [
            ("electric vehicles|e-vehicles|battery-electric vehicles",
             "electric vehicles|e-mobility"),
            ("charging infrastructure|EV charging|charging points", "charging|e-mobility"),
            ("autonomous shuttles|self-driving shuttles|automated minibuses",
             "autonomous vehicles|shuttles"),
            ("rail components|railway components|rolling-stock parts", "rail|components"),
            ("urban logistics|city logistics|last-mile delivery", "logistics|last mile"),
            ("mobility as a service|MaaS platforms|mobility-as-a-service",
             "MaaS|mobility services"),
            ("lightweight car bodies|light-weight vehicle structures|lightweight body-in-white",
             "lightweight|automotive"),
            ("hydrogen buses|fuel-cell buses|H2 buses", "hydrogen|buses"),
            ("cycling infrastructure|bike infrastructure|cycle-friendly streets",
             "cycling|active mobility"),
            ("intelligent transport systems|ITS services|smart traffic management",
             "ITS|traffic"),
        ],
        [
            ("vehicle testing for {t}|test track for {t}|proving ground for {t}",
             "testing|test track"),
            ("fleet trials of {t}|field operational tests of {t}|fleet pilots of {t}",
             "fleet trials"),
            ("component supply for {t}|parts manufacturing for {t}|tier-2 supply of {t}",
             "supply chain|components"),
            ("mobility data for {t}|traffic data analysis for {t}|travel-data analytics for {t}",
             "mobility data"),
        ],
    ),
    _chain(
        "construction", "Construction", 0.07, "F41 F41.2 F42 F43 C23.6",
        "IE03 NABS04 NABS06", "Domo Struct Casa Archi Lapis Tekto", "Building Sciences",
        [
            ("energy renovation of buildings|deep renovation|building retrofits",
             "renovation|energy efficiency"),
            ("timber construction|wood-based construction|mass timber",
             "timber|wood construction"),
            ("building information modelling|BIM|building information modeling",
             "BIM|digital construction"),
            ("low-carbon concrete|green concrete|low-CO2 cement", "concrete|low carbon"),
            ("modular housing|prefabricated housing|off-site construction",
             "modular|prefabrication"),
            ("construction waste recycling|recycling of demolition waste|C&D waste recovery",
             "recycling|construction waste"),
            ("smart buildings|building automation|smart-home systems",
             "smart buildings|automation"),
            ("insulation materials|thermal insulation|bio-based insulation", "insulation"),
            ("bridge monitoring|structural-health monitoring|infrastructure monitoring",
             "monitoring|infrastructure"),
            ("nature-based solutions|green roofs|green infrastructure",
             "nature-based solutions|green infrastructure"),
        ],
        [
            ("building demonstrator for {t}|demonstration building for {t}"
             "|test building for {t}", "demonstrator"),
            ("design and engineering of {t}|engineering services for {t}"
             "|architectural design for {t}", "engineering|design"),
            ("on-site installation of {t}|contracting for {t}|construction works for {t}",
             "installation|contracting"),
            ("performance monitoring of {t}|post-occupancy evaluation of {t}"
             "|monitoring campaigns for {t}", "monitoring|performance"),
        ],
    ),
    _chain(
        "textile", "Textile", 0.04, "C13 C13.96 C14 C14.13",
        "IE13 TP-INDMOD NABS06", "Texa Fila Tela Moda Lana Sarto", "Textile Engineering",
        [
            ("technical textiles|industrial textiles|performance fabrics", "technical textiles"),
            ("smart textiles|e-textiles|electronic textiles", "smart textiles|wearables"),
            ("textile recycling|fibre-to-fibre recycling|recycling of textiles",
             "recycling|textiles"),
            ("natural dyes|plant-based dyeing|bio-based dyes", "dyeing|natural dyes"),
            ("sustainable fashion|circular fashion|slow fashion", "fashion|sustainability"),
            ("protective clothing|personal protective equipment|PPE garments",
             "PPE|protective clothing"),
            ("digital textile printing|digital printing on fabrics|textile inkjet printing",
             "digital printing"),
            ("nonwovens|non-woven fabrics|nonwoven materials", "nonwovens"),
            ("wool processing|wool value chain|wool scouring", "wool"),
            ("3D knitting|seamless knitting|whole-garment knitting", "knitting|3D"),
        ],
        [
            ("sampling and prototyping of {t}|sample production of {t}"
             "|prototype collections in {t}", "prototyping|sampling"),
            ("small-batch production of {t}|short-run manufacturing of {t}"
             "|contract manufacturing of {t}", "manufacturing|small batch"),
            ("textile testing of {t}|laboratory testing of {t}|performance testing of {t}",
             "testing|laboratory"),
            ("design services for {t}|fashion design for {t}|product design in {t}", "design"),
        ],
    ),
    _chain(
        "tourism", "Tourism", 0.06, "I55 I55.1 I56 N79 N79.1",
        "IE14 NABS10", "Turi Viag Hospi Voya Sole Itin", "Tourism Studies",
        [
            ("sustainable tourism|eco-tourism|green tourism", "sustainable tourism|ecotourism"),
            ("cultural heritage tourism|heritage tourism|cultural routes",
             "cultural heritage|tourism"),
            ("digital booking platforms|online booking systems|e-booking",
             "booking|digital tourism"),
            ("rural tourism|agritourism|countryside tourism", "rural tourism"),
            ("cycle tourism|cycling tourism|bike tourism", "cycling|tourism"),
            ("accessible tourism|tourism for all|barrier-free tourism",
             "accessibility|tourism"),
            ("gastronomy tourism|food tourism|culinary tourism", "gastronomy|tourism"),
            ("visitor flow management|overtourism management|crowd management",
             "visitor management|overtourism"),
            ("wellness tourism|spa tourism|health tourism", "wellness|spa"),
            ("virtual tours|VR tourism experiences|virtual-reality tours",
             "virtual reality|tours"),
        ],
        [
            ("destination marketing for {t}|promotion of {t}|marketing campaigns for {t}",
             "marketing|destination"),
            ("tour packages for {t}|itinerary design for {t}|packaged offers for {t}",
             "tour operator|packages"),
            ("visitor surveys on {t}|tourism statistics for {t}|visitor analytics for {t}",
             "visitor data|surveys"),
            ("hospitality services for {t}|accommodation for {t}|hotel partnerships for {t}",
             "hospitality|accommodation"),
        ],
    ),
    _chain(
        "creative", "Cultural and creative industries", 0.06, "R90 J58 J59 M73 J58.21",
        "IE04 NABS10", "Crea Arte Musa Pixel Lyra Scena", "Creative Arts",
        [
            ("video games|serious games|game development", "games|gaming"),
            ("immersive media|virtual and augmented reality|XR content", "XR|immersive media"),
            ("film production|audiovisual production|film-making", "film|audiovisual"),
            ("music technology|music tech|audio technology", "music|audio"),
            ("digital publishing|e-publishing|online publishing", "publishing|digital media"),
            ("design thinking|design-led innovation|service design", "design|innovation"),
            ("performing arts|live performance|stage productions", "performing arts|live"),
            ("creative advertising|branding and advertising|brand campaigns",
             "advertising|branding"),
            ("heritage digitisation|digitisation of cultural heritage|3D scanning of heritage",
             "digitisation|cultural heritage"),
            ("animation|2D and 3D animation|animated content", "animation"),
        ],
        [
            ("content production for {t}|creative production in {t}|co-production of {t}",
             "content production"),
            ("creative hub for {t}|studio space for {t}|maker space for {t}",
             "creative hub|studio"),
            ("audience development for {t}|audience research on {t}|user testing of {t}",
             "audience development"),
            ("IP and licensing for {t}|rights management for {t}|licensing deals for {t}",
             "intellectual property|licensing"),
        ],
    ),
    _chain(
        "maritime", "Maritime and blue economy", 0.04, "C30.1 C30.11 H50 H52.22 A03",
        "IE10 NABS02 NABS01", "Mare Navi Aqua Oce Mari Sal", "Marine Sciences",
        [
            ("shipbuilding|ship construction|vessel building", "shipbuilding|vessels"),
            ("port digitalisation|smart ports|digital port operations", "ports|digitalisation"),
            ("aquaculture|fish farming|marine aquaculture", "aquaculture|fish farming"),
            ("marine biotechnology|blue biotechnology|marine biotech",
             "marine biotechnology|blue economy"),
            ("low-emission shipping|green shipping|ship emission reduction",
             "shipping|emissions"),
            ("underwater robotics|subsea drones|marine robotics", "robotics|subsea"),
            ("coastal protection|coastal resilience|shoreline protection",
             "coastal protection|climate adaptation"),
            ("seaweed products|macroalgae|algae-based products", "seaweed|algae"),
            ("marine spatial planning|maritime spatial planning|MSP",
             "spatial planning|maritime"),
            ("short-sea shipping|short sea shipping|coastal shipping", "short-sea shipping"),
        ],
        [
            ("sea trials of {t}|at-sea testing of {t}|offshore test site for {t}",
             "sea trials|test site"),
            ("naval engineering for {t}|marine engineering of {t}|naval architecture for {t}",
             "naval engineering"),
            ("port facilities for {t}|harbour infrastructure for {t}|quay space for {t}",
             "port|infrastructure"),
            ("environmental monitoring of {t}|marine monitoring of {t}"
             "|impact assessment of {t}", "environmental monitoring"),
        ],
    ),
    _chain(
        "aerospace", "Aerospace", 0.04, "C30.3 C30.30 H51 C33.16",
        "IE01 NABS03", "Aero Astra Orbi Stella Avia Zeni", "Aerospace Engineering",
        [
            ("satellite data services|Earth observation data|EO data",
             "Earth observation|satellite data"),
            ("drones|unmanned aerial vehicles|UAS", "drones|UAV"),
            ("small satellites|CubeSats|nanosatellites", "small satellites|CubeSat"),
            ("aircraft maintenance|MRO services|aircraft MRO", "MRO|maintenance"),
            ("composite aerostructures|composite airframe parts|aero-structures in composites",
             "aerostructures|composites"),
            ("sustainable aviation fuels|SAF|bio-jet fuels", "aviation fuels|SAF"),
            ("avionics|aircraft electronics|flight electronics", "avionics|electronics"),
            ("satellite navigation|GNSS applications|Galileo applications", "GNSS|navigation"),
            ("electric aircraft|e-aircraft|hybrid-electric aviation",
             "electric aviation|aircraft"),
            ("airport operations|airport logistics|ground handling", "airports|logistics"),
        ],
        [
            ("flight testing of {t}|flight-test campaigns for {t}|test flights of {t}",
             "flight testing"),
            ("qualification of {t}|space qualification of {t}"
             "|airworthiness certification of {t}", "qualification|certification"),
            ("precision machining for {t}|component manufacturing for {t}"
             "|machining services for {t}", "machining|manufacturing"),
            ("downstream applications of {t}|application development using {t}"
             "|value-added services from {t}", "applications|downstream"),
        ],
    ),
)  # fmt: skip

#: The value chains, by key.
VALUE_CHAINS: dict[str, ValueChain] = {c.key: c for c in _CHAINS}


@dataclass(frozen=True, slots=True)
class _Capability:
    key: str
    chain: int
    support: bool
    service: Term
    topic: Term
    application: Term
    parts: tuple[int, int, int]  # indices of service, topic and application


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    capabilities: tuple[_Capability, ...]
    technical: tuple[tuple[int, ...], ...]  # per chain: indices into capabilities
    support: tuple[tuple[int, ...], ...]
    by_parts: dict[tuple[int, bool, int, int, int], int]  # (chain, support, *parts)


@functools.cache
def vocabulary() -> _Vocabulary:
    caps: list[_Capability] = []
    technical: list[tuple[int, ...]] = []
    support: list[tuple[int, ...]] = []
    by_parts: dict[tuple[int, bool, int, int, int], int] = {}
    for ci, chain in enumerate(_CHAINS):
        for is_support, services, applications, out in (
            (False, (*TECHNICAL_SERVICES, *chain.services), chain.applications, technical),
            (True, SUPPORT_SERVICES, SUPPORT_AUDIENCES, support),
        ):
            indices: list[int] = []
            for si, service in enumerate(services):
                for ti, topic in enumerate(chain.topics):
                    for ai, application in enumerate(applications):
                        key = f"{chain.key}:{service.slug}:{topic.slug}:{application.slug}"
                        by_parts[(ci, is_support, si, ti, ai)] = len(caps)
                        indices.append(len(caps))
                        caps.append(
                            _Capability(
                                key, ci, is_support, service, topic, application, (si, ti, ai)
                            )
                        )
            out.append(tuple(indices))
    return _Vocabulary(tuple(caps), tuple(technical), tuple(support), by_parts)


@functools.cache
def _canonical_texts() -> dict[str, str]:
    return {c.key: _render(c, 0, 0, 0) for c in vocabulary().capabilities}


def _render(c: _Capability, si: int, ti: int, ai: int) -> str:
    service = c.service.variants[si].format(t=c.topic.variants[ti])
    text = f"{service} {c.application.variants[ai]}"
    return text[0].upper() + text[1:]


def capability_text(key: str) -> str:
    """The canonical text of a capability key (as items have it at the 'easy' level).

    Examples
    --------
    >>> capability_text("materials:pilot-line-for:nanocomposites:in-automotive")
    'Pilot line for nanocomposites in automotive'
    """
    try:
        return _canonical_texts()[key]
    except KeyError:
        raise InvalidInputError(
            f"capability '{key}' is not a key of the generator's vocabularies "
            "(chain:service:topic:application)"
        ) from None


# --- names -------------------------------------------------------------------------------

_SYLLABLES = (
    "ra", "vion", "tek", "lis", "ora", "nex", "via", "lux", "gen", "tis", "mar", "dex", "quo",
    "ven", "zia", "rix", "lem", "sto", "nova", "tal",
)  # fmt: skip
_DESCRIPTORS = ("Solutions", "Systems", "Labs", "Technologies", "Engineering", "Innovations",
                "Works", "Dynamics")  # fmt: skip
_GROUP_WORDS = ("Group", "Industries", "International", "Holding")
_LEGAL: dict[str, tuple[str, str]] = {
    "DE": ("GmbH", "AG"), "AT": ("GmbH", "AG"), "CH": ("GmbH", "AG"), "LI": ("GmbH", "AG"),
    "FR": ("SAS", "SA"), "BE": ("SRL", "NV"), "LU": ("SARL", "SA"), "IT": ("S.r.l.", "S.p.A."),
    "ES": ("S.L.", "S.A."), "PT": ("Lda.", "S.A."), "NL": ("B.V.", "N.V."),
    "PL": ("sp. z o.o.", "S.A."), "CZ": ("s.r.o.", "a.s."), "SK": ("s.r.o.", "a.s."),
    "SE": ("AB", "AB"), "DK": ("ApS", "A/S"), "NO": ("AS", "ASA"), "FI": ("Oy", "Oyj"),
    "EE": ("OÜ", "AS"), "LV": ("SIA", "AS"), "LT": ("UAB", "AB"), "HU": ("Kft.", "Zrt."),
    "RO": ("S.R.L.", "S.A."), "BG": ("OOD", "AD"), "HR": ("d.o.o.", "d.d."),
    "SI": ("d.o.o.", "d.d."), "RS": ("d.o.o.", "a.d."), "EL": ("IKE", "S.A."),
    "CY": ("Ltd", "Plc"), "MT": ("Ltd", "Plc"), "IE": ("Ltd", "Plc"), "UK": ("Ltd", "Plc"),
    "TR": ("Ltd. Şti.", "A.Ş."), "IS": ("ehf.", "hf."),
}  # fmt: skip
_FIRST = (
    "Anna", "Lukas", "Marta", "Jonas", "Elena", "Marco", "Sofia", "Pieter", "Ines", "Tomas",
    "Clara", "Mikael", "Laura", "Andrei", "Eva", "Nikos", "Julia", "Matteo", "Katarzyna",
    "Hugo", "Lena", "Pablo", "Ingrid", "Dario", "Zofia", "Emil", "Ana", "Jan", "Maria", "Olivier",
)  # fmt: skip
_LAST = (
    "Example", "Sample", "Placeholder", "Testwell", "Mockford", "Demoulin", "Fictius", "Probst",
    "Synthet", "Modello", "Esempio", "Ejemplo", "Beispiel", "Exemplar", "Proefman", "Kokeilu",
)  # fmt: skip


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in ascii_text)
    return "-".join(part for part in out.split("-") if part)


def _place(label: str) -> str:
    for sep in ("/", ",", " - ", "("):
        label = label.split(sep)[0]
    return " ".join(label.split())


# --- random draws ------------------------------------------------------------------------


class _Draw:
    """Uniform numbers from ``rng``, drawn in blocks: scalar draws from a Generator are slow."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self._rng = rng
        self._block = block
        self._buffer: list[float] = []
        self._next = 0

    def u(self) -> float:
        if self._next >= len(self._buffer):
            self._buffer = self._rng.random(self._block).tolist()
            self._next = 0
        value = self._buffer[self._next]
        self._next += 1
        return value

    def below(self, n: int) -> int:
        return min(n - 1, int(self.u() * n))

    def chance(self, p: float) -> bool:
        return p > 0 and self.u() < p

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.below(len(seq))]

    def weighted(self, cumulative: Sequence[float]) -> int:
        return min(len(cumulative) - 1, bisect.bisect_right(cumulative, self.u() * cumulative[-1]))

    def shuffle(self, items: list[T]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        pool = list(seq)
        k = min(k, len(pool))
        for i in range(k):
            j = i + self.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


def _cumulative(weights: Sequence[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


# --- geography ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Country:
    code: str
    nuts2: tuple[str, ...]
    nuts1: dict[str, str]  # NUTS2 -> its NUTS1 parent
    nuts3: dict[str, tuple[str, ...]]  # NUTS2 -> its NUTS3 children
    place: dict[str, str]  # NUTS2 -> a place name for organisation names
    name: str
    languages: tuple[tuple[str, float], ...]  # (code, probability), first always taken


@functools.cache
def _country(code: str) -> _Country:
    nuts = taxonomy.nuts()
    version = _REGION_VERSION.get(code, "2021")
    nuts2 = tuple(c for c in nuts.codes(level=2, version=version) if nuts.country(c) == code)
    nuts1 = {c: nuts.parents(c)[0] for c in nuts2}
    nuts3 = {c: tuple(nuts.children(c, version=version)) for c in nuts2}
    place = {c: _place(nuts.label(c, latin=True)) for c in nuts2}
    langs = taxonomy.languages()
    spoken = langs.of_country(code)
    # Montenegrin has no ISO 639-1 code; the language data lists none as official.
    official = langs.official(code) or [_NO_OFFICIAL.get(code, spoken[0][0])]
    share = {lang: pct for lang, pct, _ in spoken}
    chosen: list[tuple[str, float]] = [(official[0], 1.0)]
    chosen.extend(
        (lang, 1.0 if lang == "en" else share.get(lang, 0.0) / 100) for lang in official[1:]
    )
    if "en" not in official:
        chosen.append(("en", share.get("en", 0.0) / 100))
    return _Country(code, nuts2, nuts1, nuts3, place, nuts.country_name(code), tuple(chosen))


def _countries(countries: Sequence[str] | None) -> tuple[list[str], list[float]]:
    if countries is None:
        return list(COUNTRY_WEIGHTS), list(COUNTRY_WEIGHTS.values())
    if isinstance(countries, str):
        raise InvalidInputError(
            f"countries must be a sequence of country codes such as ['DE', 'FR']; got '{countries}'"
        )
    nuts = taxonomy.nuts()
    codes: list[str] = []
    for given in countries:
        code = nuts.normalise({"GR": "EL", "GB": "UK"}.get(str(given).upper(), str(given)))
        if code not in COUNTRY_WEIGHTS:
            known = ", ".join(sorted(COUNTRY_WEIGHTS))
            raise InvalidInputError(
                f"country '{given}' is not one the generator covers; use NUTS country codes: "
                f"{known}"
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise InvalidInputError("countries is empty; give at least one country code, e.g. ['DE']")
    return codes, [COUNTRY_WEIGHTS[c] for c in codes]


def regions_apart(a: str, b: str) -> bool:
    """Whether two NUTS codes are different regions: neither is the other or its ancestor.

    Examples
    --------
    >>> regions_apart("DE11", "DE1"), regions_apart("DE11", "DE12"), regions_apart("FR10", "DE1")
    (False, True, True)
    """
    return not (a.startswith(b) or b.startswith(a))


# --- the registry ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyntheticRegistry:
    """A generated registry and its planted ground truth.

    Attributes
    ----------
    organisations:
        The profiles, ids ``org-000000`` upwards.
    links:
        The planted partner links, each pair once with ids in ascending order, sorted.
    seed:
        The seed given to :func:`generate_registry`.
    difficulty:
        The difficulty level.
    wording, languages:
        The wording and language modes (see :func:`generate_registry`).
    chains:
        Organisation id to the key of its primary value chain (:data:`VALUE_CHAINS`).
    offer_keys, need_keys:
        Organisation id to the capability keys (``chain:service:topic:application``) of its
        offers and needs, in the order of the items (see :func:`capability_text`).
    """

    organisations: list[Organisation]
    links: list[tuple[str, str]]
    seed: int | None
    difficulty: Difficulty
    chains: dict[str, str]
    offer_keys: dict[str, list[str]]
    need_keys: dict[str, list[str]]
    wording: Wording = "shared"
    languages: Languages = "english"

    def truth(self) -> dict[str, set[str]]:
        """Every organisation id mapped to the ids of its planted partners (maybe none)."""
        out: dict[str, set[str]] = {o.id: set() for o in self.organisations}
        for a, b in self.links:
            out[a].add(b)
            out[b].add(a)
        return out

    def by_id(self) -> dict[str, Organisation]:
        """The organisations by id."""
        return {o.id: o for o in self.organisations}


@dataclass(slots=True)
class _Profile:
    type: OrgType
    chain: int
    chain2: int
    country: str
    region: str
    nuts2: str
    offers: list[int]
    needs: list[int]
    projects: list[str]


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidInputError(f"{name} must be an integer; got {value!r}")
    if value < minimum:
        raise InvalidInputError(f"{name} must be at least {minimum}; got {value}")
    return int(value)


def _check_seed(seed: object) -> int | None:
    if seed is None:
        return None
    return _check_int("seed", seed, 0)


def generate_registry(
    n: int,
    *,
    seed: int | None = None,
    difficulty: Difficulty = "medium",
    countries: Sequence[str] | None = None,
    wording: Wording = "shared",
    languages: Languages = "english",
) -> SyntheticRegistry:
    """Generate ``n`` organisation profiles with planted partner links.

    Parameters
    ----------
    n:
        Number of organisations (0 or more).
    seed:
        Seed of ``np.random.default_rng``; the same seed gives the same registry. ``None``
        draws fresh entropy.
    difficulty:
        ``'easy'``, ``'medium'`` or ``'hard'``: how noisy the texts are and how many
        distractors there are (see the module documentation).
    countries:
        NUTS country codes to draw from (ISO 'GR' and 'GB' are read as 'EL' and 'UK'),
        weighted as in :data:`COUNTRY_WEIGHTS`; by default all of them.
    wording:
        ``'shared'``: needs and offers draw on one set of wordings (per ``difficulty``);
        ``'paraphrase'``: offers are written in wordings of their own that share almost no
        word with the needs' (and carry no keywords), as another sector would say it.
    languages:
        ``'english'``: every text in English; ``'native'``: organisations in Germany,
        France, Spain, Italy and Poland write their offers in their own language (needs stay
        in English).

    Returns
    -------
    SyntheticRegistry
        The organisations, the planted links and the capability keys behind the items.

    Raises
    ------
    InvalidInputError
        If ``n`` is not a non-negative integer, ``difficulty`` is unknown or a country is not
        covered.

    Notes
    -----
    Time and memory are linear in ``n``: 100,000 profiles take about 10 seconds. The profiles are
    built with ``model_construct`` from codes checked against the taxonomies once; they
    validate with ``Organisation.model_validate``.

    Examples
    --------
    >>> reg = generate_registry(100, seed=7)
    >>> len(reg.organisations), reg.organisations[0].id
    (100, 'org-000000')
    >>> a, b = reg.links[0]
    >>> b in reg.truth()[a]
    True
    """
    n = _check_int("n", n, 0)
    seed = _check_seed(seed)
    if difficulty not in _DIFFICULTY:
        raise InvalidInputError(
            f"difficulty must be one of {', '.join(DIFFICULTIES)}; got {difficulty!r}"
        )
    if wording not in WORDINGS:
        raise InvalidInputError(f"wording must be one of {', '.join(WORDINGS)}; got {wording!r}")
    if languages not in LANGUAGE_MODES:
        raise InvalidInputError(
            f"languages must be one of {', '.join(LANGUAGE_MODES)}; got {languages!r}"
        )
    codes, weights = _countries(countries)
    with paused_gc():
        return _generate(n, seed, difficulty, codes, weights, wording, languages)


def _generate(
    n: int,
    seed: int | None,
    difficulty: Difficulty,
    codes: list[str],
    weights: list[float],
    wording: Wording = "shared",
    languages: Languages = "english",
) -> SyntheticRegistry:
    noise = _DIFFICULTY[difficulty]
    vocab = vocabulary()
    rng = np.random.default_rng(seed)

    types = list(TYPE_SHARES)
    type_of = rng.choice(len(types), size=n, p=np.array(list(TYPE_SHARES.values()))).tolist()
    chain_p = np.array([c.share for c in _CHAINS])
    chain_of = rng.choice(len(_CHAINS), size=n, p=chain_p / chain_p.sum()).tolist()
    country_p = np.array(weights)
    country_of = rng.choice(len(codes), size=n, p=country_p / country_p.sum()).tolist()
    draw = _Draw(rng)
    geo = {c: _country(c) for c in codes}
    single_country = len(codes) == 1

    profiles: list[_Profile] = []
    for i in range(n):
        country = geo[codes[country_of[i]]]
        nuts2 = draw.pick(country.nuts2)
        u = draw.u()
        region = nuts2
        if u < 0.10:
            region = country.nuts1[nuts2]
        elif u >= 0.80 and country.nuts3[nuts2]:
            region = draw.pick(country.nuts3[nuts2])
        chain2 = -1
        if draw.chance(_SECOND_CHAIN):
            chain2 = (chain_of[i] + 1 + draw.below(len(_CHAINS) - 1)) % len(_CHAINS)
        profiles.append(
            _Profile(
                types[type_of[i]], chain_of[i], chain2, country.code, region, nuts2, [], [], []
            )
        )

    groups = _plant_groups(profiles, draw, single_country)
    projects = _ProjectNames(draw)
    links: list[tuple[int, int]] = []
    for group in groups:
        if len(group) < 2:
            continue
        if draw.chance(_SHARED_PROJECT):
            acronym = projects.new(profiles[group[0]].chain)
            for m in group:
                profiles[m].projects.append(acronym)
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                links.append((group[x], group[y]))

    for p in profiles:
        _baseline_items(p, vocab, draw)
    for a, b in links:
        _exchange(profiles[a], profiles[b], vocab, draw)
    if n > 1:
        _distractors(profiles, links, noise, vocab, draw)
    for p in profiles:
        if draw.chance(0.3):
            p.projects.append(projects.pick(p.chain))

    width = max(6, len(str(max(n - 1, 0))))
    ids = [f"org-{i:0{width}d}" for i in range(n)]
    builder = _Builder(vocab, noise, draw, geo, wording=wording, languages=languages)
    organisations = [builder.organisation(ids[i], p) for i, p in enumerate(profiles)]
    pairs = sorted((min(ids[a], ids[b]), max(ids[a], ids[b])) for a, b in links)
    return SyntheticRegistry(
        organisations=organisations,
        links=pairs,
        seed=seed,
        difficulty=difficulty,
        wording=wording,
        languages=languages,
        chains={ids[i]: _CHAINS[p.chain].key for i, p in enumerate(profiles)},
        offer_keys={
            ids[i]: [vocab.capabilities[c].key for c in p.offers] for i, p in enumerate(profiles)
        },
        need_keys={
            ids[i]: [vocab.capabilities[c].key for c in p.needs] for i, p in enumerate(profiles)
        },
    )


def _fits(candidate: _Profile, members: list[_Profile], same_country_ok: bool) -> bool:
    for m in members:
        if candidate.type not in COMPLEMENTARY_TYPES[m.type]:
            return False
        if not regions_apart(candidate.region, m.region):
            return False
        if candidate.country == m.country and not same_country_ok:
            return False
    return True


def _plant_groups(profiles: list[_Profile], draw: _Draw, single_country: bool) -> list[list[int]]:
    """Put organisations in groups of 1-4 members that meet the planted-link rule pairwise."""
    n = len(profiles)
    pools: dict[tuple[int, OrgType], list[int]] = {}
    order = list(range(n))
    draw.shuffle(order)
    for i in order:
        pools.setdefault((profiles[i].chain, profiles[i].type), []).append(i)
    start = dict.fromkeys(pools, 0)
    grouped = [False] * n
    sizes = _cumulative([f / (k + 1) for k, f in enumerate(_GROUP_SIZE_FRACTIONS)])
    groups: list[list[int]] = []
    seeds = list(range(n))
    draw.shuffle(seeds)
    for s in seeds:
        if grouped[s]:
            continue
        grouped[s] = True
        group = [s]
        want = draw.weighted(sizes) + 1
        chain = profiles[s].chain
        while len(group) < want:
            members = [profiles[m] for m in group]
            allowed = set.intersection(*(set(COMPLEMENTARY_TYPES[m.type]) for m in members))
            options = [t for t in TYPE_SHARES if t in allowed and (chain, t) in pools]
            if not options:
                break
            same_country_ok = single_country or draw.chance(_SAME_COUNTRY_LINKS)
            found = -1
            for t in draw.sample(options, len(options)):
                key = (chain, t)
                pool = pools[key]
                k = start[key]
                while k < len(pool) and grouped[pool[k]]:
                    k += 1
                start[key] = k
                window = [c for c in pool[k : k + 40] if not grouped[c]]
                if same_country_ok:  # prefer a partner in one of the members' countries
                    home = {m.country for m in members}
                    found = next(
                        (c for c in window if profiles[c].country in home
                         and _fits(profiles[c], members, True)),
                        -1,
                    )  # fmt: skip
                if found < 0:
                    found = next(
                        (c for c in window if _fits(profiles[c], members, same_country_ok)), -1
                    )
                if found >= 0:
                    break
            if found < 0:
                break
            grouped[found] = True
            group.append(found)
        groups.append(group)
    return groups


def _space(vocab: _Vocabulary, p: _Profile, chain: int) -> tuple[int, ...]:
    table = vocab.technical if p.type in _BUSINESS else vocab.support
    return table[chain]


def _add(items: list[int], cap: int) -> None:
    if cap not in items:
        items.append(cap)


def _baseline_items(p: _Profile, vocab: _Vocabulary, draw: _Draw) -> None:
    for count, items, other in (
        (1 + draw.below(3), p.offers, p.needs),
        (1 + draw.below(2), p.needs, p.offers),
    ):
        for _ in range(count):
            chain = p.chain2 if p.chain2 >= 0 and draw.chance(0.3) else p.chain
            cap = draw.pick(_space(vocab, p, chain))
            if cap not in other:
                _add(items, cap)


def _choose(offerer: _Profile, needer: _Profile, vocab: _Vocabulary, draw: _Draw) -> int:
    """A capability of the offerer's primary chain for ``needer`` to need from ``offerer``."""
    space = _space(vocab, offerer, offerer.chain)
    support = offerer.type not in _BUSINESS
    caps = vocab.capabilities
    own = [
        c
        for c in offerer.offers
        if caps[c].chain == offerer.chain and caps[c].support == support and c not in needer.offers
    ]
    if own and draw.chance(0.5):
        return draw.pick(own)
    for _ in range(20):
        cap = draw.pick(space)
        if cap not in offerer.needs and cap not in needer.offers:
            return cap
    return next(c for c in space if c not in offerer.needs and c not in needer.offers)


def _exchange(a: _Profile, b: _Profile, vocab: _Vocabulary, draw: _Draw) -> None:
    ab = _choose(b, a, vocab, draw)  # a needs it, b offers it
    _add(b.offers, ab)
    _add(a.needs, ab)
    ba = _choose(a, b, vocab, draw)
    _add(a.offers, ba)
    _add(b.needs, ba)


def _distractors(
    profiles: list[_Profile],
    links: list[tuple[int, int]],
    noise: _Noise,
    vocab: _Vocabulary,
    draw: _Draw,
) -> None:
    if not (noise.one_sided or noise.partial or noise.same_region):
        return
    partners: dict[int, set[int]] = {}
    for a, b in links:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    by_chain: dict[tuple[int, bool], list[int]] = {}
    by_area: dict[tuple[int, bool, str], list[int]] = {}
    for i, p in enumerate(profiles):
        family = p.type in _BUSINESS
        by_chain.setdefault((p.chain, family), []).append(i)
        by_area.setdefault((p.chain, family, p.nuts2), []).append(i)

    def candidate(pool: list[int], a: int) -> int:
        for _ in range(8):
            x = draw.pick(pool)
            if x != a and x not in partners.get(a, ()):
                return x
        return -1

    for a, b in links:
        if draw.u() < 0.5:  # either side of the link can be the one distracted
            a, b = b, a
        pa = profiles[a]
        family = pa.type in _BUSINESS
        wanted = [c for c in pa.needs if c in profiles[b].offers]
        if not wanted:
            continue
        cap = draw.pick(wanted)
        pool = by_chain[(pa.chain, family)]
        for kind, rate in (("one", noise.one_sided), ("partial", noise.partial)):
            if not draw.chance(rate):
                continue
            x = candidate(pool, a)
            if x < 0:
                continue
            px = profiles[x]
            if any(c in pa.offers for c in px.needs):
                continue  # would be reciprocal: not a one-sided distractor
            offer = cap if kind == "one" else _near(cap, vocab, draw)
            if offer not in px.needs:
                _add(px.offers, offer)
        if draw.chance(noise.same_region):
            area = by_area[(pa.chain, family, pa.nuts2)]
            x = candidate(area, a) if len(area) > 1 else -1
            if x >= 0 and profiles[x].type in COMPLEMENTARY_TYPES[pa.type]:
                px = profiles[x]
                back = [c for c in pa.offers if c not in px.offers]
                if back and cap not in px.needs:
                    _add(px.offers, cap)
                    _add(px.needs, draw.pick(back))


def _near(cap: int, vocab: _Vocabulary, draw: _Draw) -> int:
    """A capability that differs from ``cap`` in one part: service, topic or application."""
    c = vocab.capabilities[cap]
    chain = _CHAINS[c.chain]
    sizes = (
        len(SUPPORT_SERVICES) if c.support else len(TECHNICAL_SERVICES) + len(chain.services),
        len(chain.topics),
        len(SUPPORT_AUDIENCES) if c.support else len(chain.applications),
    )
    parts = list(c.parts)
    k = draw.below(3)
    parts[k] = (parts[k] + 1 + draw.below(sizes[k] - 1)) % sizes[k]
    return vocab.by_parts[(c.chain, c.support, parts[0], parts[1], parts[2])]


class _ProjectNames:
    """Interreg-style project acronyms, unique within a registry."""

    _MIDDLES = ("", "VAL", "UP", "IN", "CO", "RE", "X", "PRO")
    _JOINS = ("", "4", "-")
    _ENDS = ("REG", "LINK", "NET", "S3", "GROW", "CLUST", "EU", "INNO", "VALUE", "HUB",
             "BRIDGE", "PACT", "MED", "NORD", "ALP")  # fmt: skip
    _VERSIONS = ("", "", " 2.0", "+")

    def __init__(self, draw: _Draw) -> None:
        self._draw = draw
        self._used: set[str] = set()
        self._by_chain: dict[int, list[str]] = {}

    def _compose(self, chain: int) -> str:
        d = self._draw
        root = d.pick(_CHAINS[chain].roots).upper()
        return (
            root
            + d.pick(self._MIDDLES)
            + d.pick(self._JOINS)
            + d.pick(self._ENDS)
            + d.pick(self._VERSIONS)
        )

    def new(self, chain: int) -> str:
        name = self._compose(chain)
        tries = 0
        while name in self._used:
            tries += 1
            name = self._compose(chain) if tries < 10 else f"{self._compose(chain)} {tries}"
        self._used.add(name)
        self._by_chain.setdefault(chain, []).append(name)
        return name

    def pick(self, chain: int) -> str:
        known = self._by_chain.get(chain, [])
        if len(known) < 5 or self._draw.chance(0.2):
            return self.new(chain)
        return self._draw.pick(known)


_PREFIXES = ("nano", "bio", "agri", "eco", "tele", "micro", "cyber", "aero")


@functools.cache
def _respell(word: str) -> str:
    """Another spelling of a keyword: hyphens dropped or a hyphen after a common prefix."""
    if "-" in word:
        return word.replace("-", "" if len(word) < 14 else " ")
    lower = word.lower()
    for prefix in _PREFIXES:
        if lower.startswith(prefix) and len(word) > len(prefix) + 3 and word[len(prefix)] != " ":
            return f"{word[: len(prefix)]}-{word[len(prefix) :]}"
    return word


def _typo(text: str, draw: _Draw) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not candidates:
        return text
    i = draw.pick(candidates)
    w = words[i]
    j = 1 + draw.below(len(w) - 2)
    op = draw.below(3)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif op == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


class _Builder:
    """Turns drawn profiles into :class:`Organisation` objects."""

    def __init__(
        self,
        vocab: _Vocabulary,
        noise: _Noise,
        draw: _Draw,
        geo: dict[str, _Country],
        *,
        wording: Wording = "shared",
        languages: Languages = "english",
    ) -> None:
        self.vocab = vocab
        self.noise = noise
        self.draw = draw
        self.geo = geo
        self.wording = wording
        self.languages = languages
        self._cache: dict[tuple[str, ...], Item] = {}
        self._labels = {t: t.label for t in OrgType}
        self._sizes = {
            t: ([s for s, _ in v], _cumulative([w for _, w in v])) for t, v in _SIZES.items()
        }

    def offer(self, cap: int, country: str) -> Item:
        """An offer: as :meth:`item`, or in the offer side's own wording or language."""
        language = _NATIVE.get(country) if self.languages == "native" else None
        if language is None and self.wording == "shared":
            return self.item(cap)
        c = self.vocab.capabilities[cap]
        d = self.draw
        words = wordings()
        parts = []
        for term in (c.service, c.topic, c.application):
            entry = words[term.variants[0]]
            if language is not None:
                parts.append(entry[language])
            else:
                options = entry["paraphrase"]
                parts.append(options[d.below(len(options))])
        text = f"{parts[0].format(t=parts[1])} {parts[2]}"
        text = text[0].upper() + text[1:]
        if self.noise.typo and d.chance(self.noise.typo):
            text = _typo(text, d)
        key = (text,)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = Item.model_construct(text=text, keywords=[])
        return found

    def item(self, cap: int) -> Item:
        # Items are frozen, so equal ones are shared; only texts with a typo are one-offs.
        noise = self.noise
        d = self.draw
        c = self.vocab.capabilities[cap]
        si = d.below(len(c.service.variants)) if d.chance(noise.variant) else 0
        ti = d.below(len(c.topic.variants)) if d.chance(noise.variant) else 0
        typo = d.chance(noise.typo)
        keywords = [*c.service.keywords, *c.topic.keywords]
        if len(keywords) > 2 and d.chance(noise.keyword_noise):
            del keywords[d.below(len(keywords))]
        if noise.typo > 0:
            keywords = [_respell(k) if d.chance(noise.keyword_noise) else k for k in keywords]
        ai = d.below(len(c.application.variants)) if d.chance(noise.variant) else 0
        text = _render(c, si, ti, ai)
        if typo:
            text = _typo(text, d)
        key = (text, *keywords)
        found = self._cache.get(key)
        if found is None:
            found = Item.model_construct(text=text, keywords=list(dict.fromkeys(keywords)))
            if not typo:
                self._cache[key] = found
        return found

    def name(self, p: _Profile, place: str) -> str:
        d = self.draw
        chain = _CHAINS[p.chain]
        coined = d.pick(chain.roots) + d.pick(_SYLLABLES)
        label = " ".join(w if w == "and" else w[0].upper() + w[1:] for w in chain.label.split())
        small, large = _LEGAL.get(p.country, ("Ltd", "Plc"))
        t = p.type
        if t is OrgType.SME:
            return f"{coined} {d.pick(_DESCRIPTORS)} {small}"
        if t is OrgType.LARGE_COMPANY:
            return f"{coined} {d.pick(_GROUP_WORDS)} {large}"
        if t is OrgType.UNIVERSITY:
            return d.pick((f"{place} University of {chain.field}",
                           f"University of {chain.field} {place}"))  # fmt: skip
        if t is OrgType.RESEARCH:
            return d.pick((f"{coined} Institute for {chain.field}",
                           f"{chain.field} Research Centre {place}"))  # fmt: skip
        if t is OrgType.CLUSTER:
            return d.pick((f"{coined} Cluster {place}", f"{label} Cluster {place}"))
        if t is OrgType.AGENCY:
            return d.pick((f"{label} Innovation Agency of {place}",
                           f"{place} Agency for {label} Innovation"))  # fmt: skip
        if t is OrgType.PUBLIC_AUTHORITY:
            return d.pick((f"Directorate for {label}, Regional Government of {place}",
                           f"{place} Regional Authority, {label} Department"))  # fmt: skip
        return d.pick((f"{coined} Network {place}", f"{label} Business Network {place}"))

    def organisation(self, oid: str, p: _Profile) -> Organisation:
        d = self.draw
        chain = _CHAINS[p.chain]
        country = self.geo[p.country]
        place = country.place[p.nuts2]
        sectors = d.sample(chain.nace, 1 + d.below(2))
        if p.type in _TYPE_SECTOR:
            sectors.insert(0, _TYPE_SECTOR[p.type])
        s3 = [chain.s3[0], *d.sample(chain.s3[1:], d.below(len(chain.s3)))]
        if p.chain2 >= 0:
            second = _CHAINS[p.chain2]
            sectors.append(d.pick(second.nace))
            s3.append(second.s3[0])
        languages = [lang for lang, prob in country.languages if prob >= 1.0 or d.chance(prob)]
        sizes, cum = self._sizes[p.type]
        size = sizes[d.weighted(cum)]
        name = self.name(p, place)
        d.shuffle(p.offers)  # planted items last would give them away
        d.shuffle(p.needs)
        offers = [self.offer(c, p.country) for c in p.offers]
        needs = [self.item(c) for c in p.needs]
        first, last = d.pick(_FIRST), d.pick(_LAST)
        topics = d.sample(chain.topics, 2)
        description = (
            f"{self._labels[p.type][0].upper()}{self._labels[p.type][1:]} in {place} "
            f"({country.name}) working on {chain.label.lower()}: {topics[0].variants[0]} and "
            f"{topics[1].variants[0]}. Synthetic profile for testing."
        )
        return Organisation.model_construct(
            id=oid,
            name=name,
            type=p.type,
            region=p.region,
            sectors=list(dict.fromkeys(sectors)),
            s3_priorities=list(dict.fromkeys(s3)),
            offers=offers,
            needs=needs,
            languages=languages,
            projects=list(dict.fromkeys(p.projects)),
            size=size,
            website=f"https://{oid}.example.org",
            description=description,
            contact=Contact.model_construct(
                person=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}.{oid}@example.org",
                phone=None,
            ),
        )


# --- events ------------------------------------------------------------------------------

_DEFAULT_START = dt.datetime(2025, 3, 18, 9, 0)


def generate_event(
    registry: SyntheticRegistry | None = None,
    *,
    n_participants: int = 150,
    n_slots: int = 12,
    tables: int | None = None,
    n_rooms: int = 0,
    rounds: int = 1,
    seed: int | None = None,
    start: dt.datetime | None = None,
) -> Event:
    """Generate a brokerage event from a registry: participants, slots, requests, rooms.

    Parameters
    ----------
    registry:
        Where the participating organisations come from; by default a 'medium' registry of
        ``2 * n_participants`` organisations drawn with ``seed``.
    n_participants:
        Number of participants (at least 2). Most organisations send one person, some two
        or three; a participant takes one seat, or two (a delegation) one time in ten.
    n_slots:
        Number of 1:1 meeting slots; they last 20, 25 or 30 minutes (one length per event),
        follow each other from ``start`` and break for 30 minutes after the first half.
    tables:
        Number of meeting tables; by default ``ceil(0.4 * n_participants)`` (0 without slots).
    n_rooms:
        Number of breakout rooms, themed after the value chains most represented (their S3
        priorities and label); capacities hold every seat with 15 % to spare.
    rounds:
        Number of breakout rounds (they follow the meeting slots).
    seed:
        Seed of ``np.random.default_rng``; the same seed and registry give the same event.
    start:
        Start of the first slot; by default 18 March 2025, 9:00.

    Returns
    -------
    Event
        The event, validated, with its organisations embedded. Participants ``P001``...,
        slots ``S01``..., rounds ``R1``..., rooms ``room-1``....

    Raises
    ------
    InvalidInputError
        If a count is out of range, or the registry has too few organisations (each sends at
        most three people).

    Notes
    -----
    Availability: three participants in four attend every slot (``available`` is ``None``),
    the others arrive late or leave early. Requests: a planted partner present at the event is
    requested with probability 0.85 (must_meet one time in three, would_like otherwise), so
    some requests are one-sided; other organisations of the same chain with a complementary
    type in another region are asked for ('would_like') with probability 0.3 each, up to
    three; one participant in ten would rather not meet a competitor (same chain, type and
    country) or, failing one, another organisation.
    """
    n_participants = _check_int("n_participants", n_participants, 2)
    n_slots = _check_int("n_slots", n_slots, 0)
    n_rooms = _check_int("n_rooms", n_rooms, 0)
    rounds = _check_int("rounds", rounds, 1)
    if tables is not None:
        tables = _check_int("tables", tables, 0)
    seed = _check_seed(seed)
    if registry is None:
        registry = generate_registry(2 * n_participants, seed=seed, difficulty="medium")
    orgs = registry.organisations
    if 3 * len(orgs) < n_participants:
        raise InvalidInputError(
            f"the registry has {len(orgs)} organisations, too few for {n_participants} "
            f"participants (each organisation sends at most 3); generate at least "
            f"{math.ceil(n_participants / 3)}"
        )
    rng = np.random.default_rng(None if seed is None else [seed, 0xE7E47])
    draw = _Draw(rng, block=4096)
    truth = registry.truth()
    index = {o.id: i for i, o in enumerate(orgs)}

    # organisations and how many people each sends, partners of those chosen first
    chosen: dict[int, int] = {}
    total = 0
    order = list(range(len(orgs)))
    draw.shuffle(order)
    queue: list[int] = []
    cursor = 0
    while total < n_participants:
        if queue:
            i = queue.pop(0)
        else:
            while cursor < len(order) and order[cursor] in chosen:
                cursor += 1
            if cursor == len(order):  # every organisation is in: send more people
                i = next(j for j in order if chosen[j] < 3)
                chosen[i] += 1
                total += 1
                continue
            i = order[cursor]
        if i in chosen:
            continue
        u = draw.u()
        people = min(1 if u < 0.8 else 2 if u < 0.95 else 3, n_participants - total)
        chosen[i] = people
        total += people
        partners = sorted(index[p] for p in truth[orgs[i].id])
        queue.extend(j for j in partners if j not in chosen and draw.chance(0.7))
    members = sorted(chosen)
    event_orgs = [orgs[i] for i in members]

    slots = _slots(n_slots, start or _DEFAULT_START, draw)
    slot_ids = [s.id for s in slots]
    participants: list[Participant] = []
    for i in members:
        for _ in range(chosen[i]):
            pid = f"P{len(participants) + 1:03d}"
            participants.append(
                Participant(
                    id=pid,
                    organisation=orgs[i].id,
                    person=f"{draw.pick(_FIRST)} {draw.pick(_LAST)}",
                    seats=2 if draw.chance(0.1) else 1,
                    available=_availability(slot_ids, draw),
                    requests=_requests(orgs[i], event_orgs, truth, registry, draw),
                )
            )
    seats = sum(p.seats for p in participants)
    rooms = _rooms(event_orgs, registry, n_rooms, seats)
    end = slots[-1].end if slots else (start or _DEFAULT_START)
    round_list = [
        Round(id=f"R{k + 1}", name=f"Round {k + 1}", start=end + dt.timedelta(minutes=30 + 60 * k))
        for k in range(rounds)
    ]
    if tables is None:
        tables = math.ceil(0.4 * n_participants) if n_slots else 0
    first = start or _DEFAULT_START
    label = seed if seed is not None else registry.seed
    suffix = "" if label is None else f"-{label}"
    return Event(
        id=f"synthetic-event{suffix}",
        name="Synthetic B2B brokerage event",
        date=first.date(),
        organisations=event_orgs,
        participants=participants,
        rooms=rooms,
        rounds=round_list,
        slots=slots,
        tables=tables,
        rules=Rules(),
    )


def _slots(n: int, start: dt.datetime, draw: _Draw) -> list[TimeSlot]:
    length = dt.timedelta(minutes=draw.pick((20, 25, 30)))
    pause = dt.timedelta(minutes=30)
    out: list[TimeSlot] = []
    t = start
    for k in range(n):
        if n >= 4 and k == (n + 1) // 2:
            t += pause
        out.append(TimeSlot(id=f"S{k + 1:02d}", start=t, end=t + length))
        t += length
    return out


def _availability(slots: list[str], draw: _Draw) -> list[str] | None:
    u = draw.u()
    if u < 0.75 or len(slots) < 2:
        return None
    missed = 1 + draw.below(max(1, len(slots) // 3))
    return slots[missed:] if u < 0.875 else slots[: len(slots) - missed]


def _requests(
    org: Organisation,
    event_orgs: list[Organisation],
    truth: dict[str, set[str]],
    registry: SyntheticRegistry,
    draw: _Draw,
) -> list[Request]:
    out: dict[str, Preference] = {}
    present = {o.id for o in event_orgs}
    for partner in sorted(truth[org.id] & present):
        if draw.chance(0.85):
            out[partner] = Preference.MUST_MEET if draw.chance(1 / 3) else Preference.WOULD_LIKE
    chain = registry.chains[org.id]
    others = [o for o in event_orgs if o.id != org.id and o.id not in out]
    complementary = [
        o
        for o in others
        if registry.chains.get(o.id) == chain
        and o.type in COMPLEMENTARY_TYPES.get(org.type, frozenset())
        and regions_apart(o.region, org.region)
    ]
    asked = 0
    for o in draw.sample(complementary, len(complementary)):
        if asked == 3:
            break
        if draw.chance(0.3):
            out[o.id] = Preference.WOULD_LIKE
            asked += 1
    if draw.chance(0.1):
        rest = [o for o in others if o.id not in out]
        rivals = [
            o
            for o in rest
            if o.type == org.type
            and o.country == org.country
            and registry.chains.get(o.id) == chain
        ]
        if rivals or rest:
            out[draw.pick(rivals or rest).id] = Preference.WOULD_RATHER_NOT
    return [Request(organisation=k, preference=v) for k, v in out.items()]


def _rooms(
    event_orgs: list[Organisation], registry: SyntheticRegistry, n_rooms: int, seats: int
) -> list[Room]:
    if n_rooms == 0:
        return []
    counts = Counter(registry.chains[o.id] for o in event_orgs)
    ranked = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    ranked += [c.key for c in _CHAINS if c.key not in counts]
    capacity = max(1, math.ceil(1.15 * seats / n_rooms))
    rooms: list[Room] = []
    for k in range(n_rooms):
        chain = VALUE_CHAINS[ranked[k % len(ranked)]]
        label = chain.label if k < len(ranked) else f"{chain.label} {k // len(ranked) + 1}"
        rooms.append(
            Room(
                id=f"room-{k + 1}",
                name=f"Room {k + 1}: {label}",
                capacity=capacity,
                themes=[*chain.s3[:2], chain.label],
            )
        )
    return rooms
