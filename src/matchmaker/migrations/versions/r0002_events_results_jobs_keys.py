"""Participants and rooms as rows, results, jobs, API keys, event owners, registry revision.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Data: the participants and rooms that events kept in their documents move to their own
tables (in their order); organisations get their sector and search columns filled; the
registry revision counter starts at 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from matchmaker.store.schema import search_text, sectors_text

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5_000

organisations = sa.table(
    "organisations",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("profile", sa.JSON),
    sa.column("sectors", sa.Text),
    sa.column("search", sa.Text),
)
events = sa.table("events", sa.column("id", sa.String), sa.column("document", sa.JSON))


def _children(name: str, with_organisation: bool) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", name=f"fk_{name}_event_id_events", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    ]
    if with_organisation:
        columns.append(sa.Column("organisation", sa.String(64), nullable=False))
    columns.append(sa.Column("document", sa.JSON(), nullable=False))
    return columns


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("sectors", sa.Text(), server_default=";", nullable=False))
        batch.add_column(sa.Column("search", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
        batch.create_index("ix_events_owner", ["owner"])

    participants = op.create_table("participants", *_children("participants", True))
    op.create_index("ix_participants_organisation", "participants", ["organisation"])
    rooms = op.create_table("rooms", *_children("rooms", False))
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", name="fk_results_event_id_events", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_results_event_id_kind", "results", ["event_id", "kind"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("instance", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_jobs_event_id", "jobs", ["event_id"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("digest", name="uq_api_keys_digest"),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )

    conn = op.get_bind()
    op.bulk_insert(counters, [{"name": "registry", "value": 0}])
    _fill_organisation_columns(conn)
    people: list[dict[str, Any]] = []
    places: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for event_id, document in conn.execute(sa.select(events.c.id, events.c.document)):
        doc = dict(document)
        for k, p in enumerate(doc.pop("participants", [])):
            people.append(
                {
                    "event_id": event_id,
                    "id": p["id"],
                    "position": k,
                    "organisation": p["organisation"],
                    "document": p,
                }
            )
        for k, r in enumerate(doc.pop("rooms", [])):
            places.append({"event_id": event_id, "id": r["id"], "position": k, "document": r})
        documents.append({"b_id": event_id, "document": doc})
    for start in range(0, len(people), _CHUNK):
        op.bulk_insert(participants, people[start : start + _CHUNK])
    if places:
        op.bulk_insert(rooms, places)
    if documents:
        conn.execute(
            events.update().where(events.c.id == sa.bindparam("b_id")),
            documents,
        )


def _fill_organisation_columns(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.select(organisations.c.id, organisations.c.name, organisations.c.profile)
    ).all()
    values = [
        {
            "b_id": org_id,
            "sectors": sectors_text(profile.get("sectors", [])),
            "search": search_text(org_id, name),
        }
        for org_id, name, profile in rows
    ]
    for start in range(0, len(values), _CHUNK):
        conn.execute(
            organisations.update().where(organisations.c.id == sa.bindparam("b_id")),
            values[start : start + _CHUNK],
        )


def downgrade() -> None:
    conn = op.get_bind()
    participants = sa.table(
        "participants",
        sa.column("event_id", sa.String),
        sa.column("position", sa.Integer),
        sa.column("document", sa.JSON),
    )
    rooms = sa.table(
        "rooms",
        sa.column("event_id", sa.String),
        sa.column("position", sa.Integer),
        sa.column("document", sa.JSON),
    )
    children: dict[str, dict[str, list[Any]]] = {}
    for name, table in (("participants", participants), ("rooms", rooms)):
        query = sa.select(table.c.event_id, table.c.document).order_by(
            table.c.event_id, table.c.position
        )
        for event_id, document in conn.execute(query):
            children.setdefault(event_id, {}).setdefault(name, []).append(document)
    documents = []
    for event_id, document in conn.execute(sa.select(events.c.id, events.c.document)):
        doc = dict(document)
        doc.update(children.get(event_id, {}))
        documents.append({"b_id": event_id, "document": doc})
    if documents:
        conn.execute(events.update().where(events.c.id == sa.bindparam("b_id")), documents)

    op.drop_table("counters")
    op.drop_table("api_keys")
    op.drop_index("ix_jobs_status", "jobs")
    op.drop_index("ix_jobs_event_id", "jobs")
    op.drop_table("jobs")
    op.drop_index("ix_results_event_id_kind", "results")
    op.drop_table("results")
    op.drop_table("rooms")
    op.drop_index("ix_participants_organisation", "participants")
    op.drop_table("participants")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_owner")
        batch.drop_column("owner")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("search")
        batch.drop_column("sectors")
