"""``GET /health``: is the service up, which database, which version (no key needed)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from matchmaker._version import __version__
from matchmaker.service.deps import StoreDep
from matchmaker.service.problems import ProblemError

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    version: str


@router.get("/health", response_model=Health, summary="Is the service up")
def health(store: StoreDep) -> Health:
    """The database answers: ``{"status": "ok", "database": "sqlite", "version": ...}``."""
    try:
        with store.engine.connect() as conn:
            conn.execute(text("select 1"))
    except SQLAlchemyError as exc:
        raise ProblemError(
            503,
            "unavailable",
            "Service unavailable",
            f"the database does not answer: {type(exc).__name__}",
        ) from None
    return Health(status="ok", database=store.engine.dialect.name, version=__version__)
