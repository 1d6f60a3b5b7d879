"""Fixtures of the API tests: apps and clients over SQLite and PostgreSQL, keys of each role.

``client_factory(**settings)`` builds an app on the test's database (the ``db_url`` fixture of
tests/conftest.py: a SQLite file and a schema of its own in PostgreSQL) and gives its
``TestClient``; ``keys`` makes a key of each role, and ``headers(role)`` the headers to send it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, make_org
from matchmaker.io import read_organisations
from matchmaker.service.app import create_app
from matchmaker.service.settings import Settings
from matchmaker.store import Store

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client_factory(db_url: str) -> Iterator[ClientFactory]:
    """Make clients of apps on this test's database; settings may be overridden."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        # Suggestions wait for the fit of the current registry, so that a change shows at once.
        overrides.setdefault("background_refit", False)
        settings = Settings(database_url=db_url, **overrides)
        client = TestClient(create_app(settings), raise_server_exceptions=True)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_factory: ClientFactory) -> TestClient:
    return client_factory()


@pytest.fixture
def store(client: TestClient) -> Store:
    """The store of ``client``'s app."""
    s: Store = client.app.state.store  # type: ignore[attr-defined]
    return s


@dataclass
class Keys:
    """Keys of each role on one app; ``headers(role)`` gives the request headers."""

    store: Store
    made: dict[str, str]

    def make(self, role: str, subject: str, name: str = "") -> str:
        """A new key of ``role`` for ``subject``."""
        _record, key = self.store.create_api_key(role=role, subject=subject, name=name or role)
        return str(key)

    def headers(self, role: str | None, subject: str | None = None) -> dict[str, str]:
        """``Authorization`` for a key of ``role`` (one per role and subject); none for None."""
        if role is None:
            return {}
        subject = subject or {"admin": "admin", "organiser": "org-a", "member": "nanomat"}[role]
        label = f"{role}:{subject}"
        if label not in self.made:
            self.made[label] = self.make(role, subject)
        return {"Authorization": f"Bearer {self.made[label]}"}


@pytest.fixture
def keys(store: Store) -> Keys:
    return Keys(store, {})


@pytest.fixture
def registry(store: Store) -> list[str]:
    """The store holds the 50 generated profiles of fixtures/generated/easy-50.csv and the
    test organisations ``nanomat`` (with contact fields) and ``liege-uni``; returns their ids."""
    orgs = read_organisations(FIXTURES / "generated" / "easy-50.csv").organisations
    extra = [
        make_org(),
        make_org(
            id="liege-uni",
            name="Université de Liège (test)",
            type="university",
            region="BE33",
            contact={"person": "Office", "email": "office@example.org"},
        ),
    ]
    store.import_organisations([*orgs, *extra])
    return [o.id for o in (*orgs, *extra)]
