"""Owners by identity (``role:name``), not by a name another role's key may also carry.

Events, jobs and organisations record who owns them as the owner identity of the key that
made them (``organiser:org-a``, ``admin:admin``): an organiser key named ``admin`` is not the
admin. ``events.owned_by`` and ``organisations.owned_by`` are new (``events.owner`` keeps the
account name the API shows); ``jobs.owner`` holds the identity and is widened to fit it.

Owners stored before were bare names. A name that an admin key carries becomes that admin's
(``admin:<name>``), any other an organiser's (``organiser:<name>``): when an admin key and an
organiser key share a name, the event goes to the admin, who sees every event anyway, rather
than to an organiser who may never have owned it. Organisations stored before have no
``owned_by``: only an admin or their own member key may change them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IDENTITY = 220  # a role, ':' and a key's subject of at most 200 characters
_NAME = 200

_keys = sa.table("api_keys", sa.column("role", sa.String), sa.column("subject", sa.String))
_events = sa.table("events", sa.column("owner", sa.String), sa.column("owned_by", sa.String))
_jobs = sa.table("jobs", sa.column("owner", sa.String))


def _identity(name: str, admins: set[str]) -> str:
    return f"{'admin' if name in admins else 'organiser'}:{name}"


def _name(identity: str) -> str:
    return identity.partition(":")[2] if ":" in identity else identity


def upgrade() -> None:
    # Plain ALTER TABLE, never a copy: SQLite would drop the copied events table, and with it
    # (foreign keys cascading) every participant, room and result.
    op.add_column("events", sa.Column("owned_by", sa.String(_IDENTITY), nullable=True))
    op.create_index("ix_events_owned_by", "events", ["owned_by"])
    op.add_column("organisations", sa.Column("owned_by", sa.String(_IDENTITY), nullable=True))
    # jobs has no foreign keys pointing at it, so SQLite may copy it to widen the column
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("owner", existing_type=sa.String(_NAME), type_=sa.String(_IDENTITY))

    bind = op.get_bind()
    admins = {
        subject or ""
        for (subject,) in bind.execute(sa.select(_keys.c.subject).where(_keys.c.role == "admin"))
    }
    names = bind.execute(
        sa.select(_events.c.owner).where(_events.c.owner.is_not(None)).distinct()
    ).scalars()
    for name in list(names):
        bind.execute(
            sa.update(_events)
            .where(_events.c.owner == name)
            .values(owned_by=_identity(name, admins))
        )
    owners = bind.execute(
        sa.select(_jobs.c.owner).where(_jobs.c.owner.is_not(None)).distinct()
    ).scalars()
    for name in list(owners):
        bind.execute(
            sa.update(_jobs).where(_jobs.c.owner == name).values(owner=_identity(name, admins))
        )


def downgrade() -> None:
    bind = op.get_bind()
    owners = bind.execute(
        sa.select(_jobs.c.owner).where(_jobs.c.owner.is_not(None)).distinct()
    ).scalars()
    for identity in list(owners):
        bind.execute(
            sa.update(_jobs).where(_jobs.c.owner == identity).values(owner=_name(identity))
        )
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("owner", existing_type=sa.String(_IDENTITY), type_=sa.String(_NAME))
    op.drop_column("organisations", "owned_by")
    op.drop_index("ix_events_owned_by", table_name="events")
    op.drop_column("events", "owned_by")  # ALTER TABLE ... DROP COLUMN: SQLite 3.35 or newer
