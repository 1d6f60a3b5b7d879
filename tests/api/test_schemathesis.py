"""The OpenAPI schema against the app: requests generated from the schema (fitting it and not
fitting it) on every operation, with an admin key, over SQLite and PostgreSQL. No answer is a
server error, and every answer conforms to the schema (status, content type, body).

Bounded: 8 examples per operation and mode (38 operations), no deadline, no shrinking; about
a minute for both databases.
(``schemathesis.pytest.from_fixture`` cannot be used with pytest 9, which dropped the node
attribute it sets, so the operations are run with Hypothesis directly.)
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from api.app import create_app
from api.demo import DEMO_ORGANISER
from api.settings import Settings
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import FIXTURES
from matchmaker.io import read_event, read_organisations

ADMIN_KEY = "schemathesis-admin-key-0123456789"
EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _run(operation: Any, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        checks = CHECKS if mode is GenerationMode.POSITIVE else CHECKS[:1] + CHECKS[2:3]
        case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_KEY}"}, checks=checks)

    check()


@pytest.mark.slow
def test_schema_operations(db_url: str) -> None:
    app = create_app(
        Settings(
            database_url=db_url,
            admin_key=ADMIN_KEY,
            rate_limit_per_minute=10**6,
            background_refit=False,
        )
    )
    store = app.state.store
    store.import_organisations(
        read_organisations(FIXTURES / "generated" / "easy-50.csv").organisations
    )
    store.create_event(read_event(FIXTURES / "leuven-2018" / "event.json"), owner=DEMO_ORGANISER)
    failures: list[str] = []
    ran = 0
    started = time.perf_counter()
    with TestClient(app):  # the app's start-up and shut-down
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _run(operation, mode)
                except Unsatisfiable:  # nothing can break the schema: no parameters, no body
                    assert mode is GenerationMode.NEGATIVE
                except Exception as exc:  # every operation is tried; all failures are listed
                    failures.append(f"{operation.label} ({mode.value}): {exc}")
            ran += 1
    assert ran >= 10
    assert not failures, "\n\n".join(failures)
    assert time.perf_counter() - started < 300
