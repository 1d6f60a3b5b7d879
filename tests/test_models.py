"""The boundary types: validation, normalisation, derived fields and references."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from matchmaker.models import (
    Event,
    HelixRole,
    Organisation,
    OrgType,
    Participant,
    Registry,
    SizeClass,
)

OrgFactory = Callable[..., Organisation]


def test_codes_are_stored_canonical(org: OrgFactory) -> None:
    o = org(region="de11", sectors=["2016", "C22", "c22"], languages=["EN", "German"])
    assert o.region == "DE11"
    assert o.sectors == ["C20.16", "C22"]
    assert o.languages == ["en", "de"]
    assert o.country == "DE"


@pytest.mark.parametrize(
    ("region", "country"),
    [("EL30", "EL"), ("GR30", "EL"), ("UKI3", "UK"), ("CH01", "CH"), ("NL35", "NL"), ("FR", "FR")],
)
def test_country_is_derived_from_the_region(org: OrgFactory, region: str, country: str) -> None:
    assert org(region=region).country == country


@pytest.mark.parametrize(
    ("org_type", "helix"),
    [
        (OrgType.CLUSTER, HelixRole.INTERMEDIARY),
        (OrgType.SME, HelixRole.INDUSTRY),
        (OrgType.LARGE_COMPANY, HelixRole.INDUSTRY),
        (OrgType.UNIVERSITY, HelixRole.ACADEMIA),
        (OrgType.RESEARCH, HelixRole.ACADEMIA),
        (OrgType.PUBLIC_AUTHORITY, HelixRole.GOVERNMENT),
        (OrgType.AGENCY, HelixRole.GOVERNMENT),
        (OrgType.NETWORK, HelixRole.INTERMEDIARY),
        (OrgType.OTHER, HelixRole.OTHER),
    ],
)
def test_every_type_has_a_helix_role(org: OrgFactory, org_type: OrgType, helix: HelixRole) -> None:
    assert org(type=org_type.value).helix is helix


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Large enterprise", OrgType.LARGE_COMPANY), ("RTO", OrgType.RESEARCH), ("SME", OrgType.SME)],
)
def test_type_spellings(org: OrgFactory, text: str, expected: OrgType) -> None:
    assert org(type=text).type is expected


@pytest.mark.parametrize(
    ("size", "expected"), [(5, "micro"), ("12", "small"), (250, "large"), ("Medium", "medium")]
)
def test_size_from_head_count_or_class(org: OrgFactory, size: object, expected: str) -> None:
    assert org(size=size).size is SizeClass(expected)


def test_extra_fields_are_refused(org: OrgFactory) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        org(colour="red")


def test_country_given_back_must_agree(org: OrgFactory) -> None:
    assert org(country="DE").country == "DE"
    with pytest.raises(ValidationError, match="country 'FR' does not match region 'DE11'"):
        org(country="FR")


def test_separators_are_refused_in_keywords_and_items(org: OrgFactory) -> None:
    with pytest.raises(ValidationError, match="which separates values in table cells"):
        org(projects=["A;B"])
    with pytest.raises(ValidationError, match="which separates values in table cells"):
        org(offers=[{"text": "a | b"}])


def test_public_profile_has_no_contact(org: OrgFactory) -> None:
    o = org()
    assert o.contact is not None
    assert o.public().contact is None
    assert "desk@example.org" not in o.public().model_dump_json()


def test_own_vocabulary(org: OrgFactory) -> None:
    with pytest.raises(ValidationError, match="S3 priority 'BLUE-1'"):
        org(s3_priorities=["BLUE-1"])
    o = Organisation.model_validate(
        org().model_dump(exclude={"country"}) | {"s3_priorities": ["BLUE-1"]},
        context={"vocabulary": {"BLUE-1": "Blue economy"}},
    )
    assert o.s3_priorities == ["BLUE-1"]
    reg = Registry.model_validate(
        {"vocabulary": {"BLUE-1": "Blue economy"}, "organisations": [o.model_dump()]}
    )
    assert reg.organisations == [o]


def test_registry_refuses_duplicate_ids(org: OrgFactory) -> None:
    with pytest.raises(ValidationError, match="organisation id 'nanomat' appears more than once"):
        Registry(organisations=[org(), org()])


def _event(org: OrgFactory, **overrides: object) -> Event:
    data: dict[str, object] = {
        "id": "ev1",
        "name": "Clusters meet Regions",
        "organisations": [org().model_dump(), org(id="b", name="B").model_dump()],
        "participants": [
            {
                "id": "p1",
                "organisation": "nanomat",
                "available": ["s1"],
                "requests": [{"organisation": "b", "preference": "must_meet"}],
            },
            {"id": "p2", "organisation": "b", "seats": 2},
        ],
        "rooms": [{"id": "r1", "name": "Room A", "capacity": 10, "themes": ["IE05"]}],
        "slots": [{"id": "s1", "start": "2026-06-01T09:00", "end": "2026-06-01T09:20"}],
        "tables": 5,
        "rules": {"pins": [{"participant": "p1", "room": "r1"}], "keep_apart": [["p1", "p2"]]},
    }
    data.update(overrides)
    return Event.model_validate(data)


def test_event_validates(org: OrgFactory) -> None:
    ev = _event(org)
    assert [r.id for r in ev.rounds] == ["R1"]
    assert ev.slots[0].end - ev.slots[0].start == dt.timedelta(minutes=20)


def test_event_reports_every_broken_reference_at_once(org: OrgFactory) -> None:
    with pytest.raises(ValidationError) as info:
        _event(
            org,
            participants=[
                {
                    "id": "p1",
                    "organisation": "zzz",
                    "available": ["s9"],
                    "requests": [{"organisation": "nobody"}],
                },
                {"id": "p1", "organisation": "b"},
            ],
            rules={"pins": [{"participant": "p7", "room": "r9", "round": "R4"}]},
        )
    text = str(info.value)
    for fragment in [
        "participant id 'p1' appears more than once",
        "participant 'p1': organisation 'zzz' is not in the event",
        "participant 'p1': slot 's9' is not a slot of the event",
        "participant 'p1': requested organisation 'nobody' is not in the event",
        "pin: participant 'p7' is not in the event",
        "pin: room 'r9' is not a room of the event",
        "pin: round 'R4' is not a round of the event",
    ]:
        assert fragment in text


def test_participant_rules() -> None:
    with pytest.raises(ValidationError, match="min_meetings 5 is above max_meetings 2"):
        Participant(id="p", organisation="o", min_meetings=5, max_meetings=2)
    with pytest.raises(ValidationError, match="requests its own organisation"):
        Participant.model_validate(
            {"id": "p", "organisation": "o", "requests": [{"organisation": "o"}]}
        )
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Participant(id="p", organisation="o", seats=0)


def test_slot_must_end_after_it_starts(org: OrgFactory) -> None:
    with pytest.raises(ValidationError, match="slot 's1' ends"):
        _event(org, slots=[{"id": "s1", "start": "2026-06-01T09:20", "end": "2026-06-01T09:00"}])


def test_room_minimum_within_capacity(org: OrgFactory) -> None:
    with pytest.raises(ValidationError, match="min_size 12 is above capacity 10"):
        _event(org, rooms=[{"id": "r1", "name": "A", "capacity": 10, "min_size": 12}])


def test_models_are_frozen(org: OrgFactory) -> None:
    o = org()
    with pytest.raises(ValidationError):
        o.name = "x"  # type: ignore[misc]
