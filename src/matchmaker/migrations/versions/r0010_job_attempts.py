"""Jobs that any worker can run: how often a job was started, and how often it may be.

A job whose work is described by its kind and parameters (not a closure held by one process)
may be started ``max_attempts`` times: when its worker dies (its lease runs out), it goes back
to the queue and another worker runs it; past ``max_attempts`` it is ended ``interrupted``.
Jobs of earlier versions keep one attempt, as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("max_attempts")
        batch.drop_column("attempts")
