"""Shared test fixtures: sample organisations and the databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from matchmaker.models import Organisation

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def make_org(**overrides: object) -> Organisation:
    data: dict[str, object] = {
        "id": "nanomat",
        "name": "Nanomat Cluster",
        "type": "cluster",
        "region": "DE11",
        "sectors": ["C20.16", "C22"],
        "s3_priorities": ["IE07", "TP-INDMOD"],
        "offers": [{"text": "Pilot line for nanocomposites", "keywords": ["nanocomposites"]}],
        "needs": [{"text": "Life-cycle assessment of packaging", "keywords": ["LCA"]}],
        "languages": ["de", "en"],
        "projects": ["NMP-REG"],
        "size": "small",
        "contact": {"person": "Desk", "email": "desk@example.org", "phone": "+49 711 000"},
    }
    data.update(overrides)
    return Organisation.model_validate(data)


@pytest.fixture
def org() -> Callable[..., Organisation]:
    """Make a valid organisation; keyword arguments override its fields."""
    return make_org


@pytest.fixture
def sample_orgs() -> list[Organisation]:
    return [
        make_org(),
        make_org(
            id="liege-uni",
            name="Université de Liège (test)",
            type="university",
            region="BE33",
            sectors=["M72.1"],
            s3_priorities=["NABS06"],
            languages=["fr"],
            projects=[],
            contact=None,
            size=None,
        ),
    ]


def _pg_url() -> str | None:
    url = os.environ.get("MATCHMAKER_TEST_PG_URL")
    if url:
        return url
    return None if os.environ.get("CI") else PG_DEFAULT


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, and a schema of its own in the local PostgreSQL.

    In CI (``CI=true``) PostgreSQL must be reachable: the tests fail rather than skip.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    base = os.environ.get("MATCHMAKER_TEST_PG_URL") or PG_DEFAULT
    engine = create_engine(base)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        if os.environ.get("CI") or os.environ.get("MATCHMAKER_TEST_PG_URL"):
            pytest.fail(f"PostgreSQL at {base} is not reachable: {exc.orig}")
        pytest.skip(f"PostgreSQL at {base} is not reachable (set MATCHMAKER_TEST_PG_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        engine.dispose()


@pytest.fixture(autouse=True)
def _unfreeze_after_each_test() -> Iterator[None]:
    """The suggestion index freezes what is alive after each fit (``gc.freeze``), as a server
    process should; in this one long process, one test's objects must not outlive it there."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


def count_validations(monkeypatch: pytest.MonkeyPatch, model: type[Any]) -> list[str]:
    """From now on, the ids of the documents ``model.model_validate`` is called with, in order
    (to check that a cache spares validating again)."""
    validated: list[str] = []
    original = model.model_validate.__func__

    def counting(cls: type[Any], obj: object, *args: object, **kwargs: object) -> Any:
        validated.append(str(obj["id"]) if isinstance(obj, dict) else "?")
        return original(cls, obj, *args, **kwargs)

    monkeypatch.setattr(model, "model_validate", classmethod(counting))
    return validated
