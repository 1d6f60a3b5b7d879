"""Learned scorers, kept by name: what ``matchmaker learn`` writes to a file, the service keeps
in the database, so that suggestions, pairs, schedules and rooms can name it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.errors import NotFoundError
from matchmaker.store.base import StoreBase
from matchmaker.store.schema import ScorerRow, now

__all__ = ["ScorerStore"]


class ScorerStore(StoreBase):
    """Reads and writes of the ``scorers`` table."""

    def save_scorer(self, document: dict[str, Any]) -> None:
        """Store a learned scorer's document under its ``name`` (replacing one of that name)."""
        name = str(document["name"])

        def write(session: Session) -> None:
            row = session.get(ScorerRow, name)
            if row is None:
                session.add(ScorerRow(name=name, document=document, created_at=now()))
            else:
                row.document = document
                row.created_at = now()

        self._write(write)

    def scorer_document(self, name: str) -> dict[str, Any]:
        """The document of the scorer called ``name``.

        Raises
        ------
        NotFoundError
            When there is none.
        """

        def read(session: Session) -> dict[str, Any] | None:
            row = session.get(ScorerRow, name)
            return None if row is None else dict(row.document)

        found = self._read(read)
        if found is None:
            raise NotFoundError("scorer", name)
        return found

    def scorer_documents(self) -> list[dict[str, Any]]:
        """Every stored scorer's document, by name."""

        def read(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(ScorerRow).order_by(ScorerRow.name))
            return [dict(r.document) for r in rows]

        return self._read(read)
