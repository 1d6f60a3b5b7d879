"""Schema migrations: from empty, from a database of the old create_all, models agree."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    MetaData,
    String,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from conftest import make_org
from matchmaker.errors import MatchmakerError
from matchmaker.models import Event, Organisation, Participant, Room
from matchmaker.store import Store
from matchmaker.store.migrate import (
    FIRST_REVISION,
    alembic_config,
    current_revision,
    head_revision,
)
from matchmaker.store.schema import Base

TABLES = {
    "alembic_version",
    "api_keys",
    "counters",
    "events",
    "jobs",
    "organisations",
    "participants",
    "results",
    "rooms",
    "vocabulary",
}


# The schema as the store made it with create_all before it had migrations (copied from that
# version of the store, unchanged).
class OldBase(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OldOrganisationRow(OldBase):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(8), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class OldEventRow(OldBase):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


def _differences(store: Store) -> list[Any]:
    with store.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def _old_event() -> Event:
    uni = make_org(id="uni", name="Université", type="university", region="BE33")
    own = Organisation.model_validate(
        {**uni.model_dump(exclude={"country"}), "s3_priorities": ["IE07", "MY-1"]},
        context={"vocabulary": {"MY-1": "Blue economy"}},
    )
    return Event(
        id="ws",
        name="Workshop",
        vocabulary={"MY-1": "Blue economy"},
        organisations=[make_org(), own],
        participants=[
            Participant(id="p2", organisation="uni", person="Zoë", seats=2),
            Participant(id="p1", organisation="nanomat"),
        ],
        rooms=[Room(id="r2", name="Second", capacity=5), Room(id="r1", name="First", capacity=9)],
    )


def _make_old_database(url: str) -> None:
    engine = create_engine(url)
    OldBase.metadata.create_all(engine)
    ev = _old_event()
    document = ev.model_dump(mode="json", exclude_none=True)
    for org in document["organisations"]:
        org.pop("country")
    with Session(engine) as session, session.begin():
        for org in ev.organisations:
            session.add(
                OldOrganisationRow(
                    id=org.id,
                    name=org.name,
                    type=org.type.value,
                    region=org.region,
                    country=org.country,
                    profile=org.model_dump(mode="json", exclude_none=True, exclude={"country"}),
                    version=3,
                )
            )
        session.add(OldEventRow(id=ev.id, name=ev.name, document=document, version=2))
    engine.dispose()


def test_an_empty_database_is_upgraded_to_the_head(db_url: str) -> None:
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            assert set(inspect(conn).get_table_names()) >= TABLES
        assert _differences(store) == []
        assert store.registry_revision() == 0


def test_opening_again_changes_nothing(db_url: str) -> None:
    with Store(db_url) as store:
        store.create_organisation(make_org())
    with Store(db_url) as store:
        assert store.registry_revision() == 1
        assert store.count_organisations() == 1


def test_an_old_create_all_database_is_stamped_and_upgraded(db_url: str) -> None:
    _make_old_database(db_url)
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
        assert _differences(store) == []
        # the event's participants and rooms moved to their tables, in order
        record = store.get_event_record("ws")
        assert record is not None
        assert record.value == _old_event()
        assert (record.version, record.owner) == (2, None)
        # organisations kept their versions and got their filter columns
        org = store.get_organisation_record("uni")
        assert org is not None
        assert org.version == 3
        assert [r.id for r in store.list_organisations(q="universite")[0]] == ["uni"]
        assert [r.id for r in store.list_organisations(sector="C20")[0]] == ["nanomat", "uni"]
        # the event's own S3 code, used by a stored profile, joined the registry's vocabulary
        assert org.value.s3_priorities == ["IE07", "MY-1"]
        assert store.registry_vocabulary() == {"MY-1": "Blue economy"}
        # and it works as a new one
        store.update_event(record.value, expected_version=2)
        assert store.registry_revision() == 0


def test_downgrade_to_the_first_revision_and_back(db_url: str) -> None:
    _make_old_database(db_url)
    with Store(db_url) as store:
        store.save_result("ws", "pairs", {"pairs": []}, event_version=2)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), FIRST_REVISION)
        with store.engine.connect() as conn:
            assert current_revision(conn) == FIRST_REVISION
            assert set(inspect(conn).get_table_names()) == {
                "alembic_version",
                "events",
                "organisations",
            }
            document = conn.execute(text("SELECT document FROM events")).scalar_one()
        if isinstance(document, str):  # SQLite gives the JSON text
            document = json.loads(document)
        assert [p["id"] for p in document["participants"]] == ["p2", "p1"]
        assert [r["id"] for r in document["rooms"]] == ["r2", "r1"]
    with Store(db_url) as store:
        assert store.get_event("ws") == _old_event()
        assert _differences(store) == []


def test_a_database_of_an_unknown_revision_is_refused(db_url: str) -> None:
    with Store(db_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(MatchmakerError, match="schema revision 'ffff', which this version"):
        Store(db_url)


def test_an_unreachable_database_is_a_message(tmp_path: Any) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(MatchmakerError, match="cannot open the database"):
        Store(str(tmp_path / "dir.db"))


def test_the_revisions_form_one_line() -> None:
    from alembic.script import ScriptDirectory

    from matchmaker.store.migrate import MIGRATIONS

    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
    revisions = [r.revision for r in scripts.walk_revisions()]
    assert revisions[-1] == FIRST_REVISION
    assert revisions[0] == head_revision()


def test_ids_stored_with_a_slash_are_renamed_and_readable(db_url: str) -> None:
    """Revision 0008: an event, its participants, rooms, rules and results, an organisation and
    its member key, stored with ids holding '/' before ids could not hold one, are renamed
    ('/' to '-', a number where that name is taken) and can be read and addressed again."""
    import importlib

    from matchmaker.models import Rules

    rename = importlib.import_module("matchmaker.migrations.versions.r0008_ids_without_slash")
    orgs = [make_org(id="org:x", region="DE11"), make_org(id="org-x", region="FR10")]
    event = Event(
        id="fair:2025",
        name="Fair",
        organisations=orgs,
        participants=[
            Participant(id="p:1", person="P1", organisation="org:x"),
            Participant(id="p2", person="P2", organisation="org-x"),
        ],
        # a room named as its id will read: its name is text, and stays as it was
        rooms=[Room(id="r:1", name="r/1", capacity=4), Room(id="r2", name="Room 2", capacity=4)],
        rules=Rules(keep_apart=[["p:1", "p2"]]),
    )
    with Store(db_url) as store:
        store.import_organisations(orgs)
        store.create_event(event, owner="org-a")
        _, member = store.create_api_key(role="member", subject="org:x", name="member")
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), "0007")
    # What an older version stored: the same rows with '/' where ':' is now.
    slash = {"fair:2025": "fair/2025", "p:1": "p/1", "r:1": "r/1", "org:x": "org/x"}
    engine = create_engine(db_url)
    meta = MetaData()
    meta.reflect(engine, only=["events", "participants", "rooms", "organisations"])
    order = ("organisations", "events", "participants", "rooms")  # parents first
    with engine.begin() as conn:
        rows = {
            name: [
                rename._renamed(dict(r), slash)
                for r in conn.execute(select(meta.tables[name])).mappings()
            ]
            for name in order
        }
        for name in reversed(order):
            conn.execute(meta.tables[name].delete())
        for name in order:
            conn.execute(meta.tables[name].insert(), rows[name])
        conn.execute(text("UPDATE api_keys SET subject = 'org/x' WHERE subject = 'org:x'"))
    engine.dispose()
    with Store(db_url) as store:  # upgraded to the head on opening
        assert {o.id for o in store.registry_snapshot()[1]} == {"org-x-2", "org-x"}
        (read,) = store.list_events()
        assert read.value.id == "fair-2025"
        full = store.get_event("fair-2025")
        assert full is not None
        assert [p.id for p in full.participants] == ["p-1", "p2"]
        assert [p.organisation for p in full.participants] == ["org-x-2", "org-x"]
        assert [r.id for r in full.rooms] == ["r-1", "r2"]
        assert [r.name for r in full.rooms] == ["r/1", "Room 2"]
        found = store.list_organisations(q="org-x-2")
        assert [r.id for r in found[0]] == ["org-x-2"]
        assert full.rules.keep_apart == [["p-1", "p2"]]
        assert {o.id for o in full.organisations} == {"org-x-2", "org-x"}
        principal = store.authenticate(member)
        assert principal is not None
        assert principal.subject == "org-x-2"
