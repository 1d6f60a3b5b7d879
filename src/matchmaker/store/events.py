"""Events: the document in one row, participants and rooms as rows of their own, an owner."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Select, delete, insert, select, true, update
from sqlalchemy.orm import Session

from matchmaker.errors import AlreadyExistsError, Problem
from matchmaker.models import Event
from matchmaker.store.base import Parsed, StoreBase, versioned
from matchmaker.store.keys import as_owner, owner_name
from matchmaker.store.organisations import aware, import_organisations
from matchmaker.store.records import EventRecord, ImportSummary
from matchmaker.store.schema import EventRow, ParticipantRow, ResultRow, RoomRow, now

__all__ = ["EventStore"]


def _document(ev: Event) -> dict[str, Any]:
    """The event's document without participants and rooms, which are stored as rows."""
    document = ev.model_dump(mode="json", exclude_none=True, exclude={"participants", "rooms"})
    for org in document.get("organisations", []):
        org.pop("country", None)  # derived from the region
    return document


def _write_children(session: Session, ev: Event, *, replace: bool) -> None:
    if replace:
        session.execute(delete(ParticipantRow).where(ParticipantRow.event_id == ev.id))
        session.execute(delete(RoomRow).where(RoomRow.event_id == ev.id))
    people = [
        {
            "event_id": ev.id,
            "id": p.id,
            "position": k,
            "organisation": p.organisation,
            "document": p.model_dump(mode="json", exclude_none=True),
        }
        for k, p in enumerate(ev.participants)
    ]
    rooms = [
        {
            "event_id": ev.id,
            "id": r.id,
            "position": k,
            "document": r.model_dump(mode="json", exclude_none=True),
        }
        for k, r in enumerate(ev.rooms)
    ]
    if people:
        session.execute(insert(ParticipantRow), people)
    if rooms:
        session.execute(insert(RoomRow), rooms)


# What identifies an event's content: every write raises the version, and an event deleted and
# stored again under its id starts at version 1 with another creation time.
_HEAD = (
    EventRow.id,
    EventRow.version,
    EventRow.created_at,
    EventRow.updated_at,
    EventRow.owner,
    EventRow.owned_by,
)
EventKey = tuple[str, int, dt.datetime]


#: The events a store read last, validated (:class:`~matchmaker.store.base.Parsed`). An event
#: is a document of hundreds of participants, rooms and embedded profiles: decoding and
#: validating it took a few tens of milliseconds of CPU on every read of the event, of its
#: participants and of the event list (the organiser's page reads them all the time), holding
#: the interpreter lock all along (``benchmarks/api_soak.py``).
ParsedEvents = Parsed[EventKey, Event]


def _records(session: Session, where: Any, parsed: ParsedEvents) -> list[EventRecord]:
    """The events matching ``where`` (a SQL condition on the events), ordered by id, assembled
    from their rows, participants and rooms in the stored order; the ones in ``parsed`` at
    their current version are not read and validated again."""
    heads = session.execute(select(*_HEAD).where(where).order_by(EventRow.id)).all()
    if not heads:
        return []

    def load(missing_keys: list[EventKey]) -> dict[EventKey, Event]:
        missing = [key[0] for key in missing_keys]
        query = select(EventRow.id, EventRow.document).where(EventRow.id.in_(missing))
        documents: dict[str, dict[str, Any]] = dict(session.execute(query).tuples().all())
        people: dict[str, list[dict[str, Any]]] = {i: [] for i in missing}
        rooms: dict[str, list[dict[str, Any]]] = {i: [] for i in missing}
        for table, into in ((ParticipantRow, people), (RoomRow, rooms)):
            query = (
                select(table.event_id, table.document)
                .where(table.event_id.in_(missing))
                .order_by(table.event_id, table.position)
            )
            for event_id, document in session.execute(query):
                into[event_id].append(document)
        return {
            key: Event.model_validate(
                {**documents[key[0]], "participants": people[key[0]], "rooms": rooms[key[0]]}
            )
            for key in missing_keys
        }

    events = parsed.many([(h.id, h.version, aware(h.created_at)) for h in heads], load)
    return [
        EventRecord(
            value=ev,
            version=h.version,
            owner=h.owner,
            owned_by=h.owned_by,
            created_at=aware(h.created_at),
            updated_at=aware(h.updated_at),
        )
        for h, ev in zip(heads, events, strict=True)
    ]


def _version_of(event_id: str) -> Select[int]:
    return select(EventRow.version).where(EventRow.id == event_id)


def _exists(event_id: str) -> AlreadyExistsError:
    return AlreadyExistsError(
        f"event '{event_id}' is already in the database; nothing was stored",
        [Problem(None, "id", event_id, f"event id '{event_id}' is already in the database")],
    )


class EventStore(StoreBase):
    """The events' part of :class:`~matchmaker.store.Store`.

    Organisations embedded in an event are added to the registry when their ids are new, as
    brought in by the event's owner; profiles already stored are kept (the event keeps its own
    copy in its document).

    An owner is an owner identity (``organiser:org-a``, a key's ``Principal.owner``, see
    :func:`~matchmaker.store.keys.owner_identity`); a bare name is an organiser's. Access is
    decided by the identity (``EventRecord.owned_by``); ``EventRecord.owner`` is its name.
    """

    def create_event(self, ev: Event, *, owner: str | None) -> EventRecord:
        """Store a new event at version 1, owned by ``owner`` (an owner identity).

        Raises
        ------
        AlreadyExistsError
            When its id is stored.
        """

        def run(session: Session) -> EventRecord:
            if session.get(EventRow, ev.id) is not None:
                raise _exists(ev.id)
            at = now()
            owned_by = as_owner(owner)
            import_organisations(
                session,
                ev.organisations,
                replace=False,
                at=at,
                keep_existing=True,
                vocabulary=ev.vocabulary,
                owned_by=owned_by,
            )
            session.execute(
                insert(EventRow).values(
                    id=ev.id,
                    name=ev.name,
                    document=_document(ev),
                    version=1,
                    owner=owner_name(owned_by),
                    owned_by=owned_by,
                    created_at=at,
                    updated_at=at,
                )
            )
            _write_children(session, ev, replace=False)
            return self._record(session, ev.id)

        return self._write(run)

    def update_event(self, ev: Event, *, expected_version: int) -> EventRecord:
        """Replace a stored event (document, participants, rooms) at ``expected_version``.

        Its owner stays; its version goes up by one.

        Raises
        ------
        NotFoundError, VersionConflictError
        """

        def run(session: Session) -> EventRecord:
            at = now()
            versioned(
                session,
                update(EventRow)
                .where(EventRow.id == ev.id, EventRow.version == expected_version)
                .values(
                    name=ev.name,
                    document=_document(ev),
                    updated_at=at,
                    version=EventRow.version + 1,
                ),
                what="event",
                key=ev.id,
                expected=expected_version,
                version_of=_version_of(ev.id),
            )
            import_organisations(
                session,
                ev.organisations,
                replace=False,
                at=at,
                keep_existing=True,
                vocabulary=ev.vocabulary,
                owned_by=session.scalar(select(EventRow.owned_by).where(EventRow.id == ev.id)),
            )
            _write_children(session, ev, replace=True)
            return self._record(session, ev.id)

        return self._write(run)

    def delete_event(self, event_id: str, *, expected_version: int) -> None:
        """Delete an event at ``expected_version``, with its participants, rooms and results.

        Raises
        ------
        NotFoundError, VersionConflictError
        """

        def run(session: Session) -> None:
            versioned(
                session,
                delete(EventRow).where(
                    EventRow.id == event_id, EventRow.version == expected_version
                ),
                what="event",
                key=event_id,
                expected=expected_version,
                version_of=_version_of(event_id),
            )
            # The foreign keys cascade too; said here so as not to depend on SQLite's pragma.
            for table in (ParticipantRow, RoomRow, ResultRow):
                session.execute(delete(table).where(table.event_id == event_id))

        self._write(run)

    def get_event_record(self, event_id: str) -> EventRecord | None:
        """The stored event with its version, owner and times, or ``None``."""

        def run(session: Session) -> EventRecord | None:
            found = _records(session, EventRow.id == event_id, self.parsed_events)
            return found[0] if found else None

        return self._read(run)

    def list_events(self, *, owner: str | None = None) -> list[EventRecord]:
        """Stored events ordered by id: all of them, or those of ``owner`` (an owner
        identity)."""
        owned_by = as_owner(owner)

        def run(session: Session) -> list[EventRecord]:
            where = true() if owned_by is None else EventRow.owned_by == owned_by
            return _records(session, where, self.parsed_events)

        return self._read(run)

    def save_event(
        self, ev: Event, *, replace: bool = False, owner: str | None = None
    ) -> tuple[int, ImportSummary]:
        """Store an event and its embedded organisations in one transaction (the command line's
        import, without versions).

        Organisations already in the registry keep their stored profile unless ``replace``,
        which also overwrites an event of the same id (keeping its owner). Returns the event's
        version and what happened to the organisations.

        Raises
        ------
        AlreadyExistsError
            When the event's id is stored and ``replace`` is false.
        """

        def run(session: Session) -> tuple[int, ImportSummary]:
            row = session.get(EventRow, ev.id)
            if row is not None and not replace:
                raise _exists(ev.id)
            at = now()
            owned_by = as_owner(owner) if row is None else row.owned_by
            summary = import_organisations(
                session,
                ev.organisations,
                replace=replace,
                at=at,
                keep_existing=True,
                vocabulary=ev.vocabulary,
                owned_by=owned_by,
            )
            if row is None:
                session.execute(
                    insert(EventRow).values(
                        id=ev.id,
                        name=ev.name,
                        document=_document(ev),
                        version=1,
                        owner=owner_name(owned_by),
                        owned_by=owned_by,
                        created_at=at,
                        updated_at=at,
                    )
                )
                _write_children(session, ev, replace=False)
                return 1, summary
            session.execute(
                update(EventRow)
                .where(EventRow.id == ev.id)
                .values(
                    name=ev.name,
                    document=_document(ev),
                    updated_at=at,
                    version=EventRow.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            _write_children(session, ev, replace=True)
            version = session.scalar(_version_of(ev.id))
            assert version is not None
            return version, summary

        return self._write(run)

    def get_event(self, event_id: str) -> Event | None:
        """The stored event, or ``None``."""
        record = self.get_event_record(event_id)
        return None if record is None else record.value

    def event_ids(self) -> list[str]:
        """Ids of the stored events, sorted."""
        return self._read(lambda s: list(s.scalars(select(EventRow.id).order_by(EventRow.id))))

    def _record(self, session: Session, event_id: str) -> EventRecord:
        found = _records(session, EventRow.id == event_id, self.parsed_events)
        assert found
        return found[0]

    @functools.cached_property
    def parsed_events(self) -> ParsedEvents:
        """The events read last, validated (:class:`ParsedEvents`)."""
        return ParsedEvents(32)
