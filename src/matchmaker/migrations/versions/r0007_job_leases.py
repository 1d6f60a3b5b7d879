"""Jobs held with leases: the process that holds an open job and until when.

A job is held by the process that has its work (``claimed_by``) until ``lease_expires_at``;
the holder renews the lease (``heartbeat_at``) while it lives. A job whose lease ran out (its
process died) is ended ``interrupted``; one process no longer fails another's jobs at start.
Open jobs of earlier versions have no lease: they are held by nobody and ended at the next
sweep, as the start-up of earlier versions did.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("claimed_by")
