"""Ids without '/': what was stored with one is renamed, so that it can be read and addressed.

Ids may no longer hold '/', which no address can carry (an event 'fair/2025' could be stored
but neither read nor deleted through the API). Events, organisations, participants, rooms and
rounds stored before with such an id would now fail validation on every read, so they are
renamed here: each '/' becomes '-' (and a number is added where that name is taken), in the id
columns, in the id fields of the stored documents (an event's participants, rooms, rounds,
pins and rules; results; jobs' parameters), in an organisation's search text and in a member
key's subject. Names and other text that happen to read like an id are left as they are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from matchmaker.store.schema import search_text

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, id columns, JSON columns): every place an id is written.
_PLACES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("organisations", ("id",), ("profile",)),
    ("participants", ("id", "organisation"), ("document",)),
    ("rooms", ("id",), ("document",)),
    ("results", (), ("document",)),
    ("jobs", ("event_id",), ("params",)),
]


def _ids_in(value: Any, out: set[str]) -> None:
    """Values of ``id`` keys in a document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                out.add(item)
            _ids_in(item, out)
    elif isinstance(value, list):
        for item in value:
            _ids_in(item, out)


# Keys whose value is an id; keys whose value is a list (or a list of lists) of ids. Nothing
# else is renamed: a room called "B/101" whose id is "B/101" keeps its name.
_ID_KEYS = frozenset(
    {"id", "organisation", "participant", "room", "round", "slot", "event", "event_id", "with"}
)
_ID_LISTS = frozenset(
    {"available", "keep_apart", "keep_together", "people", "participants", "members"}
)


def _renamed(value: Any, names: dict[str, str], *, ids: bool = False) -> Any:
    """``value`` with the old ids in its id fields (and in keys holding an old id, which no
    free text is: keys are names of fields or ids) replaced by their new names."""
    if isinstance(value, str):
        return names.get(value, value) if ids else value
    if isinstance(value, list):
        return [_renamed(v, names, ids=ids) for v in value]
    if isinstance(value, dict):
        return {
            names.get(k, k): _renamed(
                v, names, ids=k in _ID_KEYS or (k in _ID_LISTS and not isinstance(v, dict))
            )
            for k, v in value.items()
        }
    return value


def upgrade() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(bind, only=["events", *(t for t, _, _ in _PLACES), "api_keys"])
    events = meta.tables["events"]
    ids: set[str] = set()
    for event_id, document in bind.execute(sa.select(events.c.id, events.c.document)):
        ids.add(event_id)
        _ids_in(document, ids)
    for table, columns, _ in _PLACES:
        t = meta.tables[table]
        for column in columns:
            ids.update(v for (v,) in bind.execute(sa.select(t.c[column])) if isinstance(v, str))
    old = sorted(i for i in ids if "/" in i)
    if not old:
        return
    taken = set(ids)
    names: dict[str, str] = {}
    for i in old:
        base = i.replace("/", "-")
        new, k = base, 2
        while new in taken:  # ids have at most 64 characters: shorten to make room for "-k"
            suffix = f"-{k}"
            new, k = base[: 64 - len(suffix)] + suffix, k + 1
        taken.add(new)
        names[i] = new

    for table, columns, documents in _PLACES:
        t = meta.tables[table]
        key = list(t.primary_key.columns)
        for found in bind.execute(sa.select(t)).mappings().all():
            change = {c: names[found[c]] for c in columns if found[c] in names}
            for c in documents:
                if found[c] is not None and (fixed := _renamed(found[c], names)) != found[c]:
                    change[c] = fixed
            if table == "organisations" and "id" in change:  # what a name search looks in
                change["search"] = search_text(change["id"], found["name"])
            if change:
                where = sa.and_(*(col == found[col.name] for col in key))
                bind.execute(t.update().where(where).values(**change))
    keys = meta.tables["api_keys"]
    for old_id, new_id in names.items():
        bind.execute(
            keys.update()
            .where(keys.c.role == "member", keys.c.subject == old_id)
            .values(subject=new_id)
        )

    # Events last: a new row under the new id, its children moved to it, the old row removed
    # (an id that other tables' foreign keys point at cannot simply be changed).
    children = [meta.tables[t] for t in ("participants", "rooms", "results")]
    for event in bind.execute(sa.select(events)).mappings().all():
        document = _renamed(event["document"], names)
        new_id = names.get(event["id"], event["id"])
        if new_id == event["id"]:
            if document != event["document"]:
                bind.execute(
                    events.update().where(events.c.id == event["id"]).values(document=document)
                )
            continue
        bind.execute(events.insert().values(**{**event, "id": new_id, "document": document}))
        for child in children:
            bind.execute(
                child.update().where(child.c.event_id == event["id"]).values(event_id=new_id)
            )
        bind.execute(events.delete().where(events.c.id == event["id"]))


def downgrade() -> None:
    # The old names cannot be told from names that had a '-' of their own: nothing to undo.
    pass
