"""Rate limits shared by the processes of one database: a row per API key.

The service counts each key's requests in the database when several worker processes share
it (``matchmaker.store.rate_limits``): ``full_at`` is the moment, in microseconds since the
epoch, at which the key's token bucket is full again. A key without a row has a full bucket.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("full_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
