"""The registry's own S3 vocabulary, so that profiles with an event's own codes read back.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03

Data: the codes that stored profiles use and the built-in vocabularies do not know, with their
labels from the stored events' vocabularies (the code itself when none gives one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from matchmaker import taxonomy

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    vocabulary = op.create_table(
        "vocabulary",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("label", sa.String(300), nullable=False),
    )
    conn = op.get_bind()
    events = sa.table("events", sa.column("document", sa.JSON))
    organisations = sa.table("organisations", sa.column("profile", sa.JSON))
    labels: dict[str, str] = {}
    for (document,) in conn.execute(sa.select(events.c.document)):
        for code, label in (document.get("vocabulary") or {}).items():
            labels.setdefault(str(code).upper(), str(label))
    builtin = taxonomy.s3()
    rows: dict[str, dict[str, Any]] = {}
    for (profile,) in conn.execute(sa.select(organisations.c.profile)):
        for code in profile.get("s3_priorities", []):
            if not builtin.is_valid(code) and code.upper() not in rows:
                rows[code.upper()] = {"code": code, "label": labels.get(code.upper(), code)}
    if rows:
        op.bulk_insert(vocabulary, list(rows.values()))


def downgrade() -> None:
    op.drop_table("vocabulary")
