"""The registry in the store: records, versioned changes, filtered pages and the revision."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import count_validations, make_org
from matchmaker.errors import (
    AlreadyExistsError,
    InvalidInputError,
    NotFoundError,
    UnknownCodeError,
    VersionConflictError,
)
from matchmaker.models import Organisation
from matchmaker.store import Store


def test_create_and_read_a_record(db_url: str) -> None:
    with Store(db_url) as store:
        assert store.dialect in {"sqlite", "postgresql"}
        record = store.create_organisation(make_org())
        assert record.id == "nanomat"
        assert record.version == 1
        assert record.value == make_org()
        assert record.created_at.tzinfo is not None
        assert record.created_at == record.updated_at
        assert abs(record.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
        assert store.get_organisation_record("nanomat") == record
        assert store.get_organisation_record("nobody") is None


def test_create_refuses_an_existing_id(db_url: str) -> None:
    with Store(db_url) as store:
        store.create_organisation(make_org())
        with pytest.raises(AlreadyExistsError, match="1 organisation id is already") as info:
            store.create_organisation(make_org(name="Other"))
        assert [p.value for p in info.value.problems] == ["nanomat"]
        got = store.get_organisation("nanomat")
        assert got is not None
        assert got.name == "Nanomat Cluster"


def test_update_raises_the_version_and_refuses_a_stale_one(db_url: str) -> None:
    with Store(db_url) as store:
        first = store.create_organisation(make_org())
        second = store.update_organisation(make_org(name="Renamed"), expected_version=1)
        assert second.version == 2
        assert second.value.name == "Renamed"
        assert second.created_at == first.created_at
        assert second.updated_at >= first.updated_at
        with pytest.raises(VersionConflictError) as info:
            store.update_organisation(make_org(name="Lost update"), expected_version=1)
        err = info.value
        assert (err.current, err.sent) == (2, 1)
        assert str(err) == (
            "organisation 'nanomat' was changed by someone else (version 2 is stored, you sent "
            "1); reload it and try again"
        )
        stored = store.get_organisation_record("nanomat")
        assert stored is not None
        assert (stored.version, stored.value.name) == (2, "Renamed")


def test_update_and_delete_of_a_missing_organisation(db_url: str) -> None:
    with Store(db_url) as store:
        with pytest.raises(NotFoundError, match="organisation 'ghost' is not in the database"):
            store.update_organisation(make_org(id="ghost"), expected_version=1)
        with pytest.raises(NotFoundError) as info:
            store.delete_organisation("ghost", expected_version=1)
        assert (info.value.what, info.value.id) == ("organisation", "ghost")


def test_delete_is_versioned_and_revokes_member_keys(db_url: str) -> None:
    with Store(db_url) as store:
        store.create_organisation(make_org())
        key, secret = store.create_api_key(role="member", subject="nanomat", name="desk")
        store.update_organisation(make_org(name="v2"), expected_version=1)
        with pytest.raises(VersionConflictError):
            store.delete_organisation("nanomat", expected_version=1)
        assert store.get_organisation("nanomat") is not None
        store.delete_organisation("nanomat", expected_version=2)
        assert store.get_organisation("nanomat") is None
        assert store.authenticate(secret) is None
        revoked = store.get_api_key(key.id)
        assert revoked is not None
        assert revoked.revoked


def test_import_replace_raises_versions(db_url: str, sample_orgs: list[Organisation]) -> None:
    with Store(db_url) as store:
        store.import_organisations(sample_orgs)
        store.import_organisations(sample_orgs, replace=True)
        record = store.get_organisation_record("liege-uni")
        assert record is not None
        assert record.version == 2


def test_the_registry_revision_follows_every_change(
    db_url: str, sample_orgs: list[Organisation]
) -> None:
    with Store(db_url) as store:
        seen = [store.registry_revision()]

        def changed() -> bool:
            seen.append(store.registry_revision())
            return seen[-1] > seen[-2]

        store.import_organisations(sample_orgs[:1])
        assert changed()
        with pytest.raises(AlreadyExistsError):
            store.import_organisations(sample_orgs)
        assert not changed()  # a refused import changes nothing
        store.create_organisation(sample_orgs[1])
        assert changed()
        store.update_organisation(make_org(name="v2"), expected_version=1)
        assert changed()
        store.import_organisations(sample_orgs, replace=True)
        assert changed()
        store.delete_organisation("liege-uni", expected_version=2)
        assert changed()
        from matchmaker.models import Event

        # an event that brings a new organisation changes the registry; one that does not, not
        store.create_event(Event(id="e1", name="E", organisations=[make_org()]), owner="o")
        assert not changed()
        store.create_event(Event(id="e2", name="E", organisations=sample_orgs), owner="o")
        assert changed()
        revision, orgs = store.registry_snapshot()
        assert revision == seen[-1]
        assert [o.id for o in orgs] == ["liege-uni", "nanomat"]


def _registry() -> list[Organisation]:
    return [
        make_org(id="a-chip", name="Chip Works", type="sme", region="FR10", sectors=["C26.11"]),
        make_org(id="b-opt", name="Optics Lab", type="rto", region="DE21", sectors=["2670"]),
        make_org(
            id="c-uni",
            name="Université de Liège",
            type="university",
            region="BE33",
            sectors=["P85.4"],
        ),
        make_org(id="d-food", name="FOODCLUSTER", type="cluster", region="EL30", sectors=["C10"]),
        make_org(id="e-x_y", name="100% Chips", type="sme", region="FR10", sectors=["C26"]),
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["a-chip", "b-opt", "c-uni", "d-food", "e-x_y"]),
        ({"country": "FR"}, ["a-chip", "e-x_y"]),
        ({"country": "gr"}, ["d-food"]),  # read as EL
        ({"type": "SME"}, ["a-chip", "e-x_y"]),
        ({"type": "RTO"}, ["b-opt"]),
        ({"sector": "C26"}, ["a-chip", "b-opt", "e-x_y"]),
        ({"sector": "26.1"}, ["a-chip"]),
        ({"sector": "C"}, ["a-chip", "b-opt", "d-food", "e-x_y"]),
        ({"sector": "C26.7", "country": "DE"}, ["b-opt"]),
        ({"q": "chip"}, ["a-chip", "e-x_y"]),
        ({"q": "universite"}, ["c-uni"]),  # without accents
        ({"q": "LIÈGE"}, ["c-uni"]),
        ({"q": "foodcluster"}, ["d-food"]),
        ({"q": "100%"}, ["e-x_y"]),  # % is a character, not a wildcard
        ({"q": "x_y"}, ["e-x_y"]),
        ({"q": "a_c"}, []),
        ({"type": "sme", "q": "works"}, ["a-chip"]),
    ],
)
def test_list_filters(db_url: str, filters: dict[str, str], expected: list[str]) -> None:
    with Store(db_url) as store:
        store.import_organisations(_registry())
        records, total = store.list_organisations(**filters)  # type: ignore[arg-type]
        assert [r.id for r in records] == expected
        assert total == len(expected)


def test_list_pages(db_url: str) -> None:
    with Store(db_url) as store:
        store.import_organisations(_registry())
        page, total = store.list_organisations(limit=2, offset=1)
        assert [r.id for r in page] == ["b-opt", "c-uni"]
        assert total == 5
        assert all(r.version == 1 for r in page)
        page, total = store.list_organisations(limit=2, offset=4, country="FR")
        assert (page, total) == ([], 2)


def test_list_refuses_bad_filters(db_url: str) -> None:
    with Store(db_url) as store:
        with pytest.raises(InvalidInputError, match="type 'spaceship' is not an organisation"):
            store.list_organisations(type="spaceship")
        with pytest.raises(UnknownCodeError, match=r"'C99' is not a NACE Rev\. 2 code"):
            store.list_organisations(sector="C99")
        with pytest.raises(InvalidInputError, match="must not be negative"):
            store.list_organisations(offset=-1)


def test_registry_changes_names_what_changed_since_a_snapshot(db_url: str) -> None:
    with Store(db_url) as store:
        store.import_organisations([make_org(), make_org(id="liege-uni", region="BE33")])
        revision, stamps, everything = store.registry_changes({})
        assert [o.id for o in everything] == ["liege-uni", "nanomat"]
        assert set(stamps) == {"liege-uni", "nanomat"}
        assert store.registry_changes(stamps) == (revision, stamps, [])  # nothing since
        record = store.get_organisation_record("nanomat")
        assert record is not None
        store.update_organisation(
            record.value.model_copy(update={"name": "Nanomat (renamed)"}),
            expected_version=record.version,
        )
        store.delete_organisation("liege-uni", expected_version=1)
        store.create_organisation(make_org(id="new-one", region="FR10"))
        later, now, changed = store.registry_changes(stamps)
        assert later > revision
        assert set(now) == {"nanomat", "new-one"}  # liege-uni: gone
        assert [(o.id, o.name) for o in changed] == [
            ("nanomat", "Nanomat (renamed)"),
            ("new-one", make_org().name),
        ]
        # deleted and made again under the same id: its stamp differs, so it counts as changed
        store.delete_organisation("new-one", expected_version=1)
        store.create_organisation(make_org(id="new-one", region="FR10"))
        assert [o.id for o in store.registry_changes(now)[2]] == ["new-one"]


def test_profiles_read_again_are_not_validated_again(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads and pages validate a profile once per version (``ParsedProfiles``); a change made
    through another store (another process) is seen at once, and so is a profile deleted and
    stored again under its id."""
    with Store(db_url) as store, Store(db_url) as other:
        store.import_organisations([make_org(id=f"o{k}") for k in range(5)])
        validated = count_validations(monkeypatch, Organisation)
        page, total = store.list_organisations(limit=3, offset=1)
        assert ([r.id for r in page], total) == (["o1", "o2", "o3"], 5)
        assert sorted(validated) == ["o1", "o2", "o3"]
        validated.clear()
        again, _ = store.list_organisations(limit=3, offset=1)
        assert again == page
        one = store.get_organisation_record("o2")
        assert one is not None
        assert one.value is page[1].value
        assert validated == []
        edited = one.value.model_copy(update={"name": "Renamed"})
        other.update_organisation(edited, expected_version=1)
        validated.clear()
        after = store.get_organisation_record("o2")
        assert after is not None
        assert (after.version, after.value.name) == (2, "Renamed")
        assert validated == ["o2"]
        other.delete_organisation("o2", expected_version=2)
        assert store.get_organisation_record("o2") is None
        other.create_organisation(make_org(id="o2", name="Back again"))
        back = store.get_organisation_record("o2")
        assert back is not None
        assert (back.version, back.value.name) == (1, "Back again")
        assert store.get_organisation_record("nothing") is None
