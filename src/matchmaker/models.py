"""Boundary types: organisation profiles, registries and events.

Every type is a pydantic v2 model with ``extra="forbid"``; codes are validated against the
packaged taxonomies and stored in their canonical form (NUTS ``FR10``, NACE ``C26.51``, S3
``IE05``, ISO 639-1 ``en``). The solvers, the store, the API and the web page all speak these.

An organiser's own S3 vocabulary is passed at validation time::

    Organisation.model_validate(data, context={"vocabulary": {"MY-1": "Blue economy"}})

or declared in a :class:`Registry` (``vocabulary``), whose organisations are then validated
against it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    computed_field,
    field_validator,
    model_serializer,
    model_validator,
)

from matchmaker import taxonomy
from matchmaker.errors import MatchmakerError
from matchmaker.limits import (
    LIMITS,
    Capacity,
    EventDate,
    EventDateTime,
    MaxPerCountry,
    Meetings,
    MinSize,
    Seats,
    TableCount,
)

__all__ = [
    "REGISTRATION_FIELDS",
    "ColumnChoice",
    "Contact",
    "Event",
    "HelixRole",
    "Item",
    "OrgType",
    "Organisation",
    "Participant",
    "Pin",
    "Preference",
    "RegistrationField",
    "RegistrationMapping",
    "Registry",
    "Request",
    "Room",
    "Round",
    "Rules",
    "SizeClass",
    "TimeSlot",
]

# An id is one segment of a URL path (``/api/events/{id}``, ``.../rooms/{round}/{room}``) and
# a file name's stem: no '/', which no route could address afterwards.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$"
ID_RULE = (
    "may hold only letters, digits and . _ : @ - (no '/'), must start with a letter or digit, "
    "and has at most 64 characters"
)


def id_message(value: object) -> str:
    """Why ``value`` is not an id, with the fix for the usual cause ('/')."""
    text = _shown(value)
    shown = text[:80] + ("..." if len(text) > 80 else "")
    if "/" in text:
        return (
            f"id '{shown}' holds '/', which no address can carry; replace it (with '-'): "
            f"an id {ID_RULE}"
        )
    return f"id '{shown}' {ID_RULE}"


Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=ID_PATTERN),
    Field(description="Stable identifier: letters, digits and . _ : @ - (at most 64)."),
]


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no form or spreadsheet means one.
    if "\x00" in value:
        shown = value[:60].replace("\x00", "\\x00")
        raise ValueError(
            f"'{shown}' holds a NUL character (\\x00), which cannot be stored; remove it"
        )
    return value


NoNul = AfterValidator(_no_nul)
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), NoNul]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul]
# ';' separates values in table cells, '|' starts an item's keywords, ',' separates keywords.
Keyword = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(lambda v: _no_separators(v, _KEYWORD_SEPARATORS)),
    NoNul,
]


_KEYWORD_SEPARATORS = re.compile(r"[;|,\n]")
_ITEM_SEPARATORS = re.compile(r"[;|\n]")


def _no_separators(value: str, forbidden: re.Pattern[str]) -> str:
    if forbidden.search(value):
        bad = list(dict.fromkeys(forbidden.findall(value)))
        shown = ", ".join(repr(c) for c in bad)
        raise ValueError(
            f"'{value[:60]}' holds {shown}, which separates values in table cells; "
            "rephrase it without"
        )
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class HelixRole(StrEnum):
    """Role of an organisation in the triple helix (plus the bridging organisations)."""

    INDUSTRY = "industry"
    ACADEMIA = "academia"
    GOVERNMENT = "government"
    INTERMEDIARY = "intermediary"
    OTHER = "other"


class OrgType(StrEnum):
    """Kind of organisation, as registration forms of cluster events ask for it."""

    CLUSTER = "cluster"
    SME = "sme"
    LARGE_COMPANY = "large_company"
    UNIVERSITY = "university"
    RESEARCH = "research_organisation"
    PUBLIC_AUTHORITY = "public_authority"
    AGENCY = "agency"
    NETWORK = "network"
    OTHER = "other"

    @property
    def helix(self) -> HelixRole:
        """The triple-helix role; clusters and networks are the bridging intermediaries."""
        return _HELIX[self]

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_HELIX: dict[OrgType, HelixRole] = {
    OrgType.CLUSTER: HelixRole.INTERMEDIARY,
    OrgType.SME: HelixRole.INDUSTRY,
    OrgType.LARGE_COMPANY: HelixRole.INDUSTRY,
    OrgType.UNIVERSITY: HelixRole.ACADEMIA,
    OrgType.RESEARCH: HelixRole.ACADEMIA,
    OrgType.PUBLIC_AUTHORITY: HelixRole.GOVERNMENT,
    OrgType.AGENCY: HelixRole.GOVERNMENT,
    OrgType.NETWORK: HelixRole.INTERMEDIARY,
    OrgType.OTHER: HelixRole.OTHER,
}

_TYPE_LABELS: dict[OrgType, str] = {
    OrgType.CLUSTER: "cluster organisation",
    OrgType.SME: "SME",
    OrgType.LARGE_COMPANY: "large company",
    OrgType.UNIVERSITY: "university",
    OrgType.RESEARCH: "research organisation",
    OrgType.PUBLIC_AUTHORITY: "public authority",
    OrgType.AGENCY: "regional or innovation agency",
    OrgType.NETWORK: "network or intermediary",
    OrgType.OTHER: "other",
}

# Spellings that registration forms use, folded to lower case without punctuation.
ORG_TYPE_ALIASES: dict[str, OrgType] = {
    "cluster": OrgType.CLUSTER,
    "cluster organisation": OrgType.CLUSTER,
    "cluster organization": OrgType.CLUSTER,
    "cluster management organisation": OrgType.CLUSTER,
    "sme": OrgType.SME,
    "company": OrgType.SME,
    "small or medium enterprise": OrgType.SME,
    "small and medium sized enterprise": OrgType.SME,
    "startup": OrgType.SME,
    "start up": OrgType.SME,
    "large company": OrgType.LARGE_COMPANY,
    "large enterprise": OrgType.LARGE_COMPANY,
    "corporate": OrgType.LARGE_COMPANY,
    "university": OrgType.UNIVERSITY,
    "higher education": OrgType.UNIVERSITY,
    "higher education institution": OrgType.UNIVERSITY,
    "research organisation": OrgType.RESEARCH,
    "research organization": OrgType.RESEARCH,
    "research institute": OrgType.RESEARCH,
    "rto": OrgType.RESEARCH,
    "research and technology organisation": OrgType.RESEARCH,
    "public authority": OrgType.PUBLIC_AUTHORITY,
    "public body": OrgType.PUBLIC_AUTHORITY,
    "regional authority": OrgType.PUBLIC_AUTHORITY,
    "local authority": OrgType.PUBLIC_AUTHORITY,
    "national authority": OrgType.PUBLIC_AUTHORITY,
    "agency": OrgType.AGENCY,
    "regional agency": OrgType.AGENCY,
    "innovation agency": OrgType.AGENCY,
    "regional development agency": OrgType.AGENCY,
    "regional innovation agency": OrgType.AGENCY,
    "network": OrgType.NETWORK,
    "intermediary": OrgType.NETWORK,
    "network or intermediary": OrgType.NETWORK,
    "association": OrgType.NETWORK,
    "chamber of commerce": OrgType.NETWORK,
    "other": OrgType.OTHER,
}


_NOT_ALNUM = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    return _NOT_ALNUM.sub(" ", text.casefold()).strip()


def _shown(value: object) -> str:
    """``value`` as text for a message; a lone surrogate (from a JSON escape) is written as its
    escape, since pydantic cannot carry it in an error."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def parse_org_type(value: object) -> OrgType:
    """Read an organisation type from its code or a common spelling (``"Large enterprise"``)."""
    if isinstance(value, OrgType):
        return value
    text = str(value)
    folded = _fold(text)
    for member in OrgType:
        if folded == _fold(member.value):
            return member
    try:
        return ORG_TYPE_ALIASES[folded]
    except KeyError:
        choices = ", ".join(m.value for m in OrgType)
        raise ValueError(
            f"type '{_shown(text)}' is not an organisation type; use one of: {choices}"
        ) from None


class SizeClass(StrEnum):
    """Enterprise size classes of the EU SME definition, by head count."""

    MICRO = "micro"  # fewer than 10
    SMALL = "small"  # 10 to 49
    MEDIUM = "medium"  # 50 to 249
    LARGE = "large"  # 250 or more

    @classmethod
    def from_headcount(cls, employees: int) -> SizeClass:
        if employees < 0:
            raise ValueError(f"size {employees} is negative; give a head count of 0 or more")
        if employees < 10:
            return cls.MICRO
        if employees < 50:
            return cls.SMALL
        if employees < 250:
            return cls.MEDIUM
        return cls.LARGE


def _parse_size(value: object) -> object:
    if value is None or isinstance(value, SizeClass):
        return value
    if isinstance(value, bool):
        raise ValueError(f"size {str(value).lower()} is neither a head count nor a size class")
    if isinstance(value, int):
        return SizeClass.from_headcount(_headcount(value))
    text = str(value).strip().casefold()
    if text.isdigit():
        if len(text) > len(str(LIMITS.headcount)):
            raise ValueError(
                f"size must be a head count from 0 to {LIMITS.headcount:,}; got a number of "
                f"{len(text)} digits"
            )
        return SizeClass.from_headcount(_headcount(int(text)))
    if text in {m.value for m in SizeClass}:
        return SizeClass(text)
    raise ValueError(
        f"size '{_shown(value)}' is neither a head count nor one of: micro, small, medium, large"
    )


def _headcount(value: int) -> int:
    if value > LIMITS.headcount:
        shown = f"{value:,}" if value < 10**30 else f"a number of {len(str(value))} digits"
        raise ValueError(f"size must be a head count from 0 to {LIMITS.headcount:,}; got {shown}")
    return value


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class Item(_Model):
    """One offer or need: a short text and its keywords."""

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        AfterValidator(lambda v: _no_separators(v, _ITEM_SEPARATORS)),
        NoNul,
    ]
    keywords: list[Keyword] = Field(default_factory=list, max_length=50)


class Contact(_Model):
    """Private contact fields: shown to the organisation itself and to organisers only."""

    person: Name | None = None
    email: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
            ),
            NoNul,
        ]
        | None
    ) = None
    phone: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9 ()./-]{4,}$"
            ),
        ]
        | None
    ) = None


def _vocabulary(info: ValidationInfo) -> taxonomy.S3Vocabulary:
    ctx = info.context
    if isinstance(ctx, Mapping):
        vocab = ctx.get("vocabulary")
        if isinstance(vocab, taxonomy.S3Vocabulary):
            return vocab
        if isinstance(vocab, Mapping) and vocab:
            return _custom_vocabulary(tuple(sorted(vocab.items())))
    return taxonomy.s3()


_VOCAB_CACHE: dict[tuple[tuple[str, str], ...], taxonomy.S3Vocabulary] = {}


def _custom_vocabulary(entries: tuple[tuple[str, str], ...]) -> taxonomy.S3Vocabulary:
    vocab = _VOCAB_CACHE.get(entries)
    if vocab is None:
        if len(_VOCAB_CACHE) > 64:
            _VOCAB_CACHE.clear()
        vocab = taxonomy.s3().with_custom(dict(entries))
        _VOCAB_CACHE[entries] = vocab
    return vocab


def _nuts_code(value: str) -> str:
    return taxonomy.nuts().region(value).code


def _nace_code(value: str) -> str:
    return taxonomy.nace().normalise(value)


def _language_code(value: str) -> str:
    return taxonomy.languages().normalise(value)


def _s3_code(value: str, info: ValidationInfo) -> str:
    return _vocabulary(info).normalise(value)


NutsCode = Annotated[
    str,
    AfterValidator(_nuts_code),
    Field(description="NUTS code at any level (2021, 2024, EFTA/candidate regions, UK 2016)."),
]
NaceCode = Annotated[
    str, AfterValidator(_nace_code), Field(description="NACE Rev. 2 code at any level.")
]
LanguageCode = Annotated[
    str, AfterValidator(_language_code), Field(description="ISO 639-1 language code.")
]
S3Code = Annotated[
    str,
    AfterValidator(_s3_code),
    Field(description="S3 priority: ecosystem, platform, NABS or NACE code, or an own code."),
]


class Organisation(_Model):
    """An organisation's profile in the registry.

    ``contact`` is private: only the organisation itself and organisers see it.
    """

    id: Id
    name: Name
    type: OrgType
    region: NutsCode
    sectors: list[NaceCode] = Field(default_factory=list, max_length=100)
    s3_priorities: list[S3Code] = Field(default_factory=list, max_length=100)
    offers: list[Item] = Field(default_factory=list, max_length=100)
    needs: list[Item] = Field(default_factory=list, max_length=100)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=50)
    projects: list[Keyword] = Field(default_factory=list, max_length=200)
    size: SizeClass | None = None
    website: Annotated[str, StringConstraints(max_length=500), NoNul] | None = None
    description: Text = ""
    contact: Contact | None = None

    @model_validator(mode="before")
    @classmethod
    def _derived_country(cls, data: Any) -> Any:
        # ``country`` is derived from the region; accept it back (as the API and JSON export
        # write it) when it agrees, so that what was exported imports again.
        if isinstance(data, Mapping) and "country" in data:
            data = dict(data)
            given = data.pop("country")
            region = data.get("region")
            if isinstance(region, str) and given is not None:
                nuts = taxonomy.nuts()
                code = nuts.normalise(region)
                if nuts.is_valid(code) and nuts.country(code) != nuts.normalise(str(given)):
                    raise ValueError(
                        f"country '{_shown(given)}' does not match region '{code}', which is in "
                        f"{nuts.country(code)}"
                    )
        return data

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: object) -> OrgType:
        return parse_org_type(value)

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: object) -> object:
        return _parse_size(value)

    @field_validator("sectors", "s3_priorities", "languages")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return _dedupe(values)

    @field_validator("projects")
    @classmethod
    def _projects(cls, values: list[str]) -> list[str]:
        return _dedupe(values)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def country(self) -> str:
        """NUTS country code of the region (``EL`` for Greece, ``UK`` for the United Kingdom)."""
        return taxonomy.nuts().country(self.region)

    @property
    def helix(self) -> HelixRole:
        return self.type.helix

    def public(self) -> Organisation:
        """The profile as other members see it: without the private contact fields."""
        return self.model_copy(update={"contact": None})


def _duplicates(values: Iterable[str]) -> list[str]:
    return [v for v, n in Counter(values).items() if n > 1]


def _organisations_with_vocabulary(value: Any, vocabulary: Mapping[str, str] | None) -> Any:
    """Validate raw organisations against an own vocabulary (pydantic cannot pass it down)."""
    if not vocabulary or not isinstance(value, list):
        return value
    s3 = _custom_vocabulary(tuple(sorted(vocabulary.items())))
    orgs: list[Any] = []
    errors: list[str] = []
    for i, item in enumerate(value):
        if isinstance(item, Organisation):
            orgs.append(item)
            continue
        try:
            orgs.append(Organisation.model_validate(item, context={"vocabulary": s3}))
        except ValidationError as exc:
            errors.extend(
                f"organisations[{i}].{'.'.join(map(str, e['loc']))}: {error_text(e)}"
                for e in exc.errors()
            )
    if errors:
        raise ValueError("; ".join(errors))
    return orgs


class Registry(_Model):
    """A set of organisation profiles, with the organiser's own S3 vocabulary if any.

    The organisations are validated against ``vocabulary`` (declared first for that reason).
    """

    vocabulary: dict[Id, Name] = Field(
        default_factory=dict,
        max_length=LIMITS.vocabulary_codes,
        description="Own S3 priority codes and their labels.",
    )
    organisations: list[Organisation] = Field(default_factory=list)

    @field_validator("organisations", mode="before")
    @classmethod
    def _with_vocabulary(cls, value: Any, info: ValidationInfo) -> Any:
        return _organisations_with_vocabulary(value, info.data.get("vocabulary"))

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        dups = _duplicates(o.id for o in self.organisations)
        if dups:
            raise ValueError(
                f"organisation id {_quote(dups)} appears more than once; ids are unique"
            )
        return self

    def by_id(self) -> dict[str, Organisation]:
        return {o.id: o for o in self.organisations}


def error_text(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error, without pydantic's ``Value error,`` prefix."""
    ctx = error.get("ctx") or {}
    if error.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", ""))


def _quote(values: list[str]) -> str:
    shown = ", ".join(f"'{v}'" for v in values[:10])
    return shown + (f" and {len(values) - 10} more" if len(values) > 10 else "")


class Preference(StrEnum):
    """A participant's wish about meeting another organisation."""

    MUST_MEET = "must_meet"
    WOULD_LIKE = "would_like"
    WOULD_RATHER_NOT = "would_rather_not"


class Request(_Model):
    """A wish to meet (or not) an organisation."""

    organisation: Id
    preference: Preference = Preference.WOULD_LIKE


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    NoNul,
]
ExtraKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ExtraValue = Annotated[str, StringConstraints(max_length=5000), NoNul]


class Participant(_Model):
    """A person (or a delegation) of an organisation at an event.

    ``available`` lists the time slots the participant can attend; ``None`` means all of them.
    ``seats`` is how many seats the delegation takes in a breakout room. The person's own
    ``email``, ``job_title``, ``phone``, ``languages``, ``offers`` and ``needs`` may differ from a
    colleague's (the organisation's profile holds the union); ``email`` and ``phone`` are
    private, as an organisation's contact is. ``extra`` keeps the columns of a registration
    export that have no field of their own (header -> value).
    """

    id: Id
    organisation: Id
    person: Name | None = None
    email: Email | None = None
    job_title: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), NoNul] | None
    ) = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), NoNul] | None = (
        None
    )
    languages: list[LanguageCode] = Field(default_factory=list, max_length=50)
    offers: list[Item] = Field(default_factory=list, max_length=100)
    needs: list[Item] = Field(default_factory=list, max_length=100)
    extra: dict[ExtraKey, ExtraValue] = Field(default_factory=dict, max_length=200)
    seats: Seats = 1
    available: list[Id] | None = Field(default=None, max_length=LIMITS.slots)
    requests: list[Request] = Field(default_factory=list, max_length=LIMITS.requests)
    min_meetings: Meetings | None = None
    max_meetings: Meetings | None = None

    @field_validator("available")
    @classmethod
    def _available_once(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _dedupe(values)

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The person's own lists and extra fields are left out when empty, so that event
        # files and documents without them stay as they were.
        data: dict[str, Any] = handler(self)
        for key in ("languages", "offers", "needs", "extra"):
            if key in data and not data[key]:
                del data[key]
        return data

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if (
            self.min_meetings is not None
            and self.max_meetings is not None
            and self.min_meetings > self.max_meetings
        ):
            raise ValueError(
                f"min_meetings {self.min_meetings} is above max_meetings {self.max_meetings}"
            )
        targets = [r.organisation for r in self.requests]
        dups = _duplicates(targets)
        if dups:
            raise ValueError(f"requests name organisation {_quote(dups)} more than once")
        if self.organisation in targets:
            raise ValueError(f"participant '{self.id}' requests its own organisation")
        return self


class Room(_Model):
    """A breakout room: capacity in seats, an optional minimum, and its themes."""

    id: Id
    name: Name
    capacity: Capacity
    min_size: MinSize = 0
    themes: list[Keyword] = Field(
        default_factory=list,
        max_length=100,
        description="S3 codes or free words the room is about.",
    )

    @model_validator(mode="after")
    def _sizes(self) -> Self:
        if self.min_size > self.capacity:
            raise ValueError(
                f"room '{self.id}': min_size {self.min_size} is above capacity {self.capacity}"
            )
        return self


class Round(_Model):
    """A breakout round."""

    id: Id
    name: Name | None = None
    start: EventDateTime | None = None


class TimeSlot(_Model):
    """A time slot for 1:1 meetings."""

    id: Id
    start: EventDateTime
    end: EventDateTime

    @model_validator(mode="after")
    def _order(self) -> Self:
        if (self.start.utcoffset() is None) != (self.end.utcoffset() is None):
            raise ValueError(
                f"slot '{self.id}': start ({self.start}) and end ({self.end}) must both have a "
                "time zone, or neither"
            )
        if self.end <= self.start:
            raise ValueError(f"slot '{self.id}' ends ({self.end}) before it starts ({self.start})")
        return self


class Pin(_Model):
    """Put a participant in a room, in one round or (``round=None``) in all of them."""

    participant: Id
    room: Id
    round: Id | None = None


Group = Annotated[list[Id], Field(max_length=LIMITS.group_members)]


def _pin_clash(pins: list[Pin]) -> tuple[Pin, Pin] | None:
    """Two pins of one participant that hold in the same round, if any."""
    seen: dict[str | None, Pin] = {}
    for pin in pins:
        earlier = seen.get(pin.round) or seen.get(None)
        if earlier is None and pin.round is None and seen:
            earlier = next(iter(seen.values()))
        if earlier is not None:
            return earlier, pin
        seen[pin.round] = pin
    return None


class Rules(_Model):
    """The organiser's rules. Hard rules are never broken; soft rules carry weights."""

    pins: list[Pin] = Field(default_factory=list, max_length=LIMITS.pins)
    keep_apart: list[Group] = Field(
        default_factory=list,
        max_length=LIMITS.groups,
        description="Sets of participants that must be in different rooms.",
    )
    keep_together: list[Group] = Field(
        default_factory=list,
        max_length=LIMITS.groups,
        description="Sets of participants that must share a room.",
    )
    apart_same_organisation: bool = Field(
        default=True,
        description="Spread colleagues of one organisation over the rooms: no room gets more "
        "of them than an even spread needs (different rooms when there are enough).",
    )
    max_per_country: MaxPerCountry | None = None
    mix_types: bool = True
    shared_language: bool = True
    avoid_repeats: bool = True
    min_meetings: Meetings = 0
    max_meetings: Meetings | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        if self.max_meetings is not None and self.min_meetings > self.max_meetings:
            problems.append(
                f"min_meetings {self.min_meetings} is above max_meetings {self.max_meetings}"
            )
        for name, groups in (
            ("keep_apart", self.keep_apart),
            ("keep_together", self.keep_together),
        ):
            for i, group in enumerate(groups):
                # A group is a set: a name twice would make a hard rule that no plan keeps (a
                # participant cannot be in another room than itself).
                twice = _duplicates(group)
                if twice:
                    problems.append(
                        f"{name}[{i}] names participant {_quote(twice)} more than once; list "
                        "each participant once"
                    )
                elif len(group) < 2:
                    problems.append(f"{name}[{i}] needs at least two participants, got {group}")
                if len(problems) >= LIMITS.problems:
                    break
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def restricted_to(
        self,
        participants: Collection[str],
        *,
        rooms: Collection[str] | None = None,
        rounds: Collection[str] | None = None,
    ) -> Rules:
        """The rules for the participants still present: pins of anyone else (or, when
        ``rooms`` or ``rounds`` are given, to another room or round) are dropped; keep-apart
        and keep-together groups lose the members not present, and go when fewer than two
        are left. The other rules are kept as they are."""
        pins = [
            p
            for p in self.pins
            if p.participant in participants
            and (rooms is None or p.room in rooms)
            and (rounds is None or p.round is None or p.round in rounds)
        ]
        groups = {
            name: [
                kept
                for kept in ([pid for pid in group if pid in participants] for group in given)
                if len(kept) > 1
            ]
            for name, given in (
                ("keep_apart", self.keep_apart),
                ("keep_together", self.keep_together),
            )
        }
        return self.model_copy(update={"pins": pins, **groups})


REGISTRATION_FIELDS = (
    "participant",
    "first_name",
    "last_name",
    "person",
    "email",
    "job_title",
    "phone",
    "seats",
    "organisation_id",
    "organisation",
    "type",
    "size",
    "country",
    "city",
    "region",
    "website",
    "description",
    "offers",
    "needs",
    "areas",
    "sectors",
    "sectors_nace21",
    "s3_priorities",
    "projects",
    "languages",
    "availability",
    "wishes",
    "contact_person",
    "contact_email",
    "contact_phone",
    "extra",
    "ignore",
)
RegistrationField = Literal[
    "participant",
    "first_name",
    "last_name",
    "person",
    "email",
    "job_title",
    "phone",
    "seats",
    "organisation_id",
    "organisation",
    "type",
    "size",
    "country",
    "city",
    "region",
    "website",
    "description",
    "offers",
    "needs",
    "areas",
    "sectors",
    "sectors_nace21",
    "s3_priorities",
    "projects",
    "languages",
    "availability",
    "wishes",
    "contact_person",
    "contact_email",
    "contact_phone",
    "extra",
    "ignore",
]


class ColumnChoice(_Model):
    """Where one column of a registration export goes: a field, ``extra`` (kept as it is) or
    ``ignore`` (not read)."""

    header: Annotated[str, StringConstraints(max_length=500), NoNul]
    field: RegistrationField


class RegistrationMapping(_Model):
    """How a registration export is read: its columns, and values placed by hand.

    ``columns`` are matched to the file's headers by their text (case, accents and spacing
    ignored), so that the mapping of one upload applies to the next even if columns moved.
    ``values`` maps a field (``type``, ``country``, ``languages``, ``areas``) to the codes of
    values the reader could not place itself: ``{"type": {"Verein": "network"}}``.
    """

    format: Literal["matchmaker-mapping/1"] = "matchmaker-mapping/1"
    sheet: Annotated[str, StringConstraints(max_length=100), NoNul] | None = None
    header_row: int | None = Field(default=None, ge=1, le=100)
    columns: list[ColumnChoice] = Field(default_factory=list, max_length=5000)
    values: dict[
        Literal["type", "country", "languages", "areas", "size"],
        dict[
            Annotated[str, StringConstraints(max_length=500)],
            Annotated[str, StringConstraints(max_length=100)],
        ],
    ] = Field(default_factory=dict)


class Event(_Model):
    """An event: participants, breakout rooms and rounds, 1:1 slots and tables, rules.

    References are checked: participants' organisations (when ``organisations`` is given),
    slots in availability, participants and rooms in rules, and requested organisations.
    """

    id: Id
    name: Name
    date: EventDate | None = None
    vocabulary: dict[Id, Name] = Field(
        default_factory=dict,
        max_length=LIMITS.vocabulary_codes,
        description="Own S3 priority codes and their labels.",
    )
    organisations: list[Organisation] = Field(
        default_factory=list,
        max_length=LIMITS.participants,
        description="Profiles of the participating organisations.",
    )
    participants: list[Participant] = Field(default_factory=list, max_length=LIMITS.participants)
    rooms: list[Room] = Field(default_factory=list, max_length=LIMITS.rooms)
    rounds: list[Round] = Field(default_factory=lambda: [Round(id="R1")], max_length=LIMITS.rounds)
    slots: list[TimeSlot] = Field(default_factory=list, max_length=LIMITS.slots)
    tables: TableCount = 0
    rules: Rules = Field(default_factory=Rules)
    registration_mapping: RegistrationMapping | None = Field(
        default=None, description="How the last registration export was read."
    )

    @field_validator("organisations", mode="before")
    @classmethod
    def _with_vocabulary(cls, value: Any, info: ValidationInfo) -> Any:
        return _organisations_with_vocabulary(value, info.data.get("vocabulary"))

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[str] = []
        for what, ids in (
            ("organisation", [o.id for o in self.organisations]),
            ("participant", [p.id for p in self.participants]),
            ("room", [r.id for r in self.rooms]),
            ("round", [r.id for r in self.rounds]),
            ("slot", [s.id for s in self.slots]),
        ):
            dups = _duplicates(ids)
            if dups:
                problems.append(f"{what} id {_quote(dups)} appears more than once")
        orgs = {o.id for o in self.organisations}
        people = {p.id for p in self.participants}
        rooms = {r.id for r in self.rooms}
        rounds = {r.id for r in self.rounds}
        slots = {s.id for s in self.slots}
        for p in self.participants:
            if orgs and p.organisation not in orgs:
                problems.append(
                    f"participant '{p.id}': organisation '{p.organisation}' is not in the event"
                )
            for s in p.available or []:
                if s not in slots:
                    problems.append(f"participant '{p.id}': slot '{s}' is not a slot of the event")
            for r in p.requests:
                if orgs and r.organisation not in orgs:
                    problems.append(
                        f"participant '{p.id}': requested organisation '{r.organisation}'"
                        " is not in the event"
                    )
        for pin in self.rules.pins:
            if pin.participant not in people:
                problems.append(f"pin: participant '{pin.participant}' is not in the event")
            if pin.room not in rooms:
                problems.append(f"pin: room '{pin.room}' is not a room of the event")
            if pin.round is not None and pin.round not in rounds:
                problems.append(f"pin: round '{pin.round}' is not a round of the event")
        problems.extend(self._pin_clashes())
        for name, groups in (
            ("keep_apart", self.rules.keep_apart),
            ("keep_together", self.rules.keep_together),
        ):
            for group in groups:
                problems.extend(
                    f"{name}: participant '{pid}' is not in the event"
                    for pid in group
                    if pid not in people
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _pin_clashes(self) -> list[str]:
        """Two pins of one participant in one round (a pin without a round holds in every
        round): no plan keeps both."""
        by_participant: dict[str, list[Pin]] = {}
        for pin in self.rules.pins:
            by_participant.setdefault(pin.participant, []).append(pin)
        rooms = {r.id: r.name for r in self.rooms}
        numbers = {r.id: k + 1 for k, r in enumerate(self.rounds)}
        found = []
        for pid, pins in by_participant.items():
            clash = _pin_clash(pins) if len(pins) > 1 else None
            if clash is None:
                continue
            first, second = clash
            rnd = second.round or first.round
            where = f"in round {numbers.get(rnd, rnd)} ('{rnd}')" if rnd else "in every round"
            one, other = rooms.get(first.room, first.room), rooms.get(second.room, second.room)
            what = (
                f"twice to room '{one}'"
                if first.room == second.room
                else f"to rooms '{one}' and '{other}'"
            )
            found.append(
                f"pins: participant '{pid}' is pinned {what} {where}; keep one pin per "
                "participant and round"
            )
        return found

    def registry(self) -> Registry:
        return Registry(organisations=self.organisations, vocabulary=self.vocabulary)


def check_references(event: Event, registry: Registry) -> None:
    """Check that an event's participants belong to organisations of ``registry``."""
    known = {o.id for o in registry.organisations}
    missing = sorted({p.organisation for p in event.participants if p.organisation not in known})
    if missing:
        raise MatchmakerError(
            f"participants refer to organisation {_quote(missing)}, not in the registry"
        )
