"""Events in the store: owners, versions, participants and rooms as rows; and their results."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import count_validations, make_org
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import AlreadyExistsError, NotFoundError, VersionConflictError
from matchmaker.io import read_event
from matchmaker.models import Event, Organisation, Participant, Room
from matchmaker.store import Store
from matchmaker.store.schema import ParticipantRow, RoomRow


@pytest.fixture
def leuven() -> Event:
    return read_event(DEMO_DATA / "leuven-2018" / "event.json")


def test_create_and_read_back_in_order(db_url: str, leuven: Event) -> None:
    with Store(db_url) as store:
        record = store.create_event(leuven, owner="iepl")
        assert (record.version, record.owner, record.id) == (1, "iepl", "leuven-2018")
        assert record.value == leuven
        got = store.get_event_record("leuven-2018")
        assert got == record
        assert store.get_event("leuven-2018") == leuven
        assert store.get_event_record("nothing") is None
        # participants and rooms are rows of their own, in the event's order
        with store.engine.connect() as conn:
            people = conn.execute(
                select(ParticipantRow.id, ParticipantRow.organisation).order_by(
                    ParticipantRow.position
                )
            ).all()
            rooms = conn.execute(select(RoomRow.id).order_by(RoomRow.position)).scalars().all()
        assert [tuple(p) for p in people] == [(p.id, p.organisation) for p in leuven.participants]
        assert rooms == ["wg1", "wg2", "wg3"]
        # its organisations joined the registry
        assert store.count_organisations() == len(leuven.organisations)


def test_create_refuses_an_existing_id(db_url: str, leuven: Event) -> None:
    with Store(db_url) as store:
        store.create_event(leuven, owner="a")
        with pytest.raises(AlreadyExistsError, match="event 'leuven-2018' is already"):
            store.create_event(leuven, owner="b")
        record = store.get_event_record("leuven-2018")
        assert record is not None
        assert record.owner == "a"


def test_update_replaces_participants_and_rooms(db_url: str, leuven: Event) -> None:
    with Store(db_url) as store:
        store.create_event(leuven, owner="iepl")
        fewer = leuven.model_copy(
            update={
                "participants": list(reversed(leuven.participants[5:])),
                "rooms": [Room(id="big", name="Plenary", capacity=40)],
                "name": "Renamed",
            }
        )
        fewer = Event.model_validate(fewer.model_dump())
        record = store.update_event(fewer, expected_version=1)
        assert (record.version, record.owner) == (2, "iepl")
        assert record.value == fewer
        assert store.get_event("leuven-2018") == fewer
        with pytest.raises(VersionConflictError, match=r"event 'leuven-2018' was changed"):
            store.update_event(leuven, expected_version=1)
        assert store.get_event("leuven-2018") == fewer
        with pytest.raises(NotFoundError, match="event 'other' is not in the database"):
            store.update_event(leuven.model_copy(update={"id": "other"}), expected_version=1)


def test_update_adds_new_organisations_and_keeps_stored_profiles(db_url: str) -> None:
    stored = make_org(name="Stored name")
    with Store(db_url) as store:
        store.create_organisation(stored)
        ev = Event(id="ev", name="Workshop", organisations=[make_org()])
        store.create_event(ev, owner="o")
        newcomer = make_org(id="newcomer", name="Newcomer")
        ev2 = Event(
            id="ev",
            name="Workshop",
            organisations=[make_org(), newcomer],
            participants=[Participant(id="p1", organisation="newcomer", person="Ana")],
        )
        store.update_event(ev2, expected_version=1)
        assert store.get_organisation("newcomer") == newcomer
        kept = store.get_organisation("nanomat")
        assert kept is not None
        assert kept.name == "Stored name"
        # the event keeps its own copy
        got = store.get_event("ev")
        assert got is not None
        assert got.organisations[0].name == "Nanomat Cluster"


def test_list_events_by_owner(db_url: str) -> None:
    with Store(db_url) as store:
        for event_id, owner in (("b", "anna"), ("a", "bert"), ("c", "anna")):
            store.create_event(Event(id=event_id, name=event_id.upper()), owner=owner)
        store.save_event(Event(id="cli", name="From the command line"))
        assert [r.id for r in store.list_events(owner="anna")] == ["b", "c"]
        assert [r.id for r in store.list_events()] == ["a", "b", "c", "cli"]
        assert [r.owner for r in store.list_events()] == ["bert", "anna", "anna", None]
        assert store.list_events(owner="nobody") == []
        assert store.event_ids() == ["a", "b", "c", "cli"]


def test_delete_removes_participants_rooms_and_results(db_url: str, leuven: Event) -> None:
    with Store(db_url) as store:
        store.create_event(leuven, owner="iepl")
        store.create_event(Event(id="other", name="Other"), owner="iepl")
        result = store.save_result("leuven-2018", "breakouts", {"rounds": []}, event_version=1)
        kept = store.save_result("other", "pairs", {"pairs": []}, event_version=1)
        with pytest.raises(VersionConflictError):
            store.delete_event("leuven-2018", expected_version=2)
        store.delete_event("leuven-2018", expected_version=1)
        assert store.get_event_record("leuven-2018") is None
        assert store.get_result(result.id) is None
        assert store.get_result(kept.id) == kept
        with store.engine.connect() as conn:
            assert conn.execute(select(ParticipantRow)).all() == []
            assert conn.execute(select(RoomRow)).all() == []
        with pytest.raises(NotFoundError):
            store.delete_event("leuven-2018", expected_version=1)
        # the organisations stay in the registry
        assert store.count_organisations() == len(leuven.organisations)


def test_save_event_replace_keeps_owner_and_rewrites_rows(db_url: str, leuven: Event) -> None:
    with Store(db_url) as store:
        store.create_event(leuven, owner="iepl")
        smaller = Event.model_validate(
            {**leuven.model_dump(), "participants": [], "rules": {}, "rooms": []}
        )
        version, _ = store.save_event(smaller, replace=True)
        record = store.get_event_record("leuven-2018")
        assert record is not None
        assert (version, record.version, record.owner) == (2, 2, "iepl")
        assert record.value == smaller


# --- results ------------------------------------------------------------------------------


def test_results_are_versioned_and_listed_newest_first(db_url: str) -> None:
    with Store(db_url) as store:
        store.create_event(Event(id="ev", name="E"), owner="o")
        first = store.save_result("ev", "breakouts", {"n": 1}, event_version=1)
        assert (first.version, first.event_version, first.kind) == (1, 1, "breakouts")
        pairs = store.save_result("ev", "pairs", {"n": 2}, event_version=1)
        second = store.save_result("ev", "breakouts", {"n": 3}, event_version=2)
        assert second.id > pairs.id > first.id
        assert store.latest_result("ev", "breakouts") == second
        assert store.latest_result("ev", "schedule") is None
        assert [r.id for r in store.list_results("ev")] == [second.id, pairs.id, first.id]
        assert store.list_results("ev", "breakouts") == [second, first]
        moved = store.update_result(second.id, {"n": 4}, expected_version=1)
        assert (moved.version, moved.document, moved.created_at) == (2, {"n": 4}, second.created_at)
        with pytest.raises(VersionConflictError, match=r"result \d+ was changed by someone else"):
            store.update_result(second.id, {"n": 5}, expected_version=1)
        assert store.get_result(second.id) == moved
        with pytest.raises(NotFoundError, match="result 999999 is not in the database"):
            store.update_result(999_999, {}, expected_version=1)


def test_results_need_an_event_and_a_known_kind(db_url: str) -> None:
    with Store(db_url) as store:
        with pytest.raises(NotFoundError, match="event 'ghost'"):
            store.save_result("ghost", "pairs", {}, event_version=1)
        store.create_event(Event(id="ev", name="E"), owner="o")
        with pytest.raises(ValueError, match="result kind 'rooms' must be one of: breakouts"):
            store.save_result("ev", "rooms", {}, event_version=1)


def test_documents_keep_unicode_and_nesting(db_url: str) -> None:
    document = {"rooms": [{"people": [{"name": "Zoë Ørsted", "why": "“quoted”"}]}], "gap": 0.5}
    with Store(db_url) as store:
        store.create_event(Event(id="ev", name="É"), owner="o")
        saved = store.save_result("ev", "breakouts", document, event_version=1)
        got = store.get_result(saved.id)
        assert got is not None
        assert got.document == document


def test_events_with_their_own_vocabulary(db_url: str, tmp_path: Path) -> None:
    org: Organisation = Organisation.model_validate(
        {**make_org().model_dump(exclude={"country"}), "s3_priorities": ["MY-1"]},
        context={"vocabulary": {"MY-1": "Blue economy"}},
    )
    ev = Event(id="ev", name="E", vocabulary={"MY-1": "Blue economy"}, organisations=[org])
    with Store(db_url) as store:
        store.create_event(ev, owner="o")
        assert store.get_event("ev") == ev
        # its organisation joined the registry, and reads back with the event's own code
        assert store.get_organisation("nanomat") == org
        assert store.registry_vocabulary() == {"MY-1": "Blue economy"}
        assert store.registry_snapshot()[1] == [org]
        assert store.list_organisations()[0][0].value == org
        assert store.organisations() == [org]
        # an import that uses another own code, with or without its label
        other = org.model_copy(update={"id": "other", "s3_priorities": ["SEA-2"]})
        third = org.model_copy(update={"id": "third", "s3_priorities": ["SKY-3"]})
        store.import_organisations([other], vocabulary={"SEA-2": "Ports"})
        store.import_organisations([third])
        assert store.registry_vocabulary() == {
            "MY-1": "Blue economy",
            "SEA-2": "Ports",
            "SKY-3": "SKY-3",
        }
        assert [o.id for o in store.organisations()] == ["nanomat", "other", "third"]


def test_an_event_read_again_is_not_validated_again(
    db_url: str, leuven: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads decode and validate an event once per version (``ParsedEvents``); a change made
    through another store (another process) is seen at once, and so is an event deleted and
    stored again under its id, which starts at version 1 again."""
    with Store(db_url) as store, Store(db_url) as other:
        store.create_event(leuven, owner="iepl")
        validated = count_validations(monkeypatch, Event)
        first = store.get_event_record("leuven-2018")
        assert first is not None
        assert store.get_event_record("leuven-2018") == first
        assert [r.id for r in store.list_events()] == ["leuven-2018"]
        assert validated == []  # the store read it back when it was created
        renamed = leuven.model_copy(update={"name": "Leuven, second edition"})
        other.update_event(renamed, expected_version=1)  # validates it to answer its record
        validated.clear()
        second = store.get_event_record("leuven-2018")
        assert second is not None
        assert (second.version, second.value.name) == (2, "Leuven, second edition")
        assert validated == ["leuven-2018"]
        other.delete_event("leuven-2018", expected_version=2)
        assert store.get_event_record("leuven-2018") is None
        assert store.list_events() == []
        fewer = leuven.model_copy(update={"participants": leuven.participants[:3]})
        other.create_event(fewer, owner="iepl")
        again = store.get_event_record("leuven-2018")
        assert again is not None
        assert (again.version, len(again.value.participants)) == (1, 3)
        assert len(store.parsed_events) <= store.parsed_events.size
