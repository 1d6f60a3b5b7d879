"""Requests per key (a token bucket in the process's memory: 429 with Retry-After; shared by
processes in tests/service/test_shared_rate_limits.py), problem documents for every kind of
error, the catch-all 500, CORS closed unless configured."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import APIRouter

from api_support import assert_problem
from matchmaker.service.app import create_app
from matchmaker.service.limits import RateLimiter
from matchmaker.service.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)  # one a second, bursts of 60
    assert all(limiter.take("k") is None for _ in range(60))
    wait = limiter.take("k")
    assert wait == pytest.approx(1.0)
    assert limiter.take("other") is None  # each key has its own bucket
    clock.now += 0.5
    assert limiter.take("k") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("k") is None
    assert limiter.take("k") is not None
    clock.now += 3600  # refilled, never beyond the burst
    assert sum(limiter.take("k") is None for _ in range(100)) == 60


def test_token_bucket_refuses_a_zero_rate() -> None:
    with pytest.raises(ValueError, match="per_minute must be 1 or more; got 0"):
        RateLimiter(0)


def test_too_many_requests_is_429_with_retry_after(client_factory: Any) -> None:
    client = client_factory(rate_limit_per_minute=3)
    store = client.app.state.store
    key = store.create_api_key(role="admin", subject="a", name="a")[1]
    other = store.create_api_key(role="admin", subject="b", name="b")[1]
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(3):
        assert client.get("/api/me", headers=headers).status_code == 200
    r = client.get("/api/me", headers=headers)
    body = assert_problem(r, 429, "rate-limited")
    assert int(r.headers["retry-after"]) >= 1
    assert "3 requests in a minute" in body["detail"]
    # another key is not slowed down by this one
    assert client.get("/api/me", headers={"X-API-Key": other}).status_code == 200


def test_request_validation_errors_are_problems(client: Any, keys: Any) -> None:
    r = client.post("/api/keys", json={"role": "wizard", "name": ""}, headers=keys.headers("admin"))
    body = assert_problem(r, 422, "invalid-input")
    fields = {p["field"]: p for p in body["problems"]}
    assert set(fields) == {"body.role", "body.name"}
    assert fields["body.role"]["value"] == "wizard"
    assert fields["body.role"]["row"] is None
    assert "admin" in fields["body.role"]["message"]
    r = client.post(
        "/api/keys",
        content=b"{not json",
        headers={**keys.headers("admin"), "Content-Type": "application/json"},
    )
    body = assert_problem(r, 422, "invalid-input")
    assert body["problems"][0]["field"].startswith("body")


def test_unexpected_errors_are_a_500_problem_without_a_trace(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=db_url))
    boom = APIRouter()

    @boom.get("/boom")
    def explode() -> None:
        raise RuntimeError("secret internal state")

    app.include_router(boom)
    with caplog.at_level(logging.ERROR, logger="matchmaker.service"), TestClient(app) as client:
        r = client.get("/boom")
    body = assert_problem(r, 500, "internal")
    assert "secret" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert body["instance"] == "/boom"
    assert "secret internal state" in caplog.text  # logged for the operator


def test_cors_is_closed_unless_configured(client_factory: Any) -> None:
    preflight = {
        "Origin": "https://partner.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }
    closed = client_factory()
    r = closed.get("/health", headers={"Origin": "https://partner.example"})
    assert "access-control-allow-origin" not in r.headers
    r = closed.options("/api/me", headers=preflight)
    assert "access-control-allow-origin" not in r.headers

    open_ = client_factory(cors_origins="https://partner.example, https://other.example")
    r = open_.options("/api/me", headers=preflight)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://partner.example"
    r = open_.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("MATCHMAKER_MAX_PAGE_SIZE", "42")
    monkeypatch.setenv("MATCHMAKER_ADMIN_KEY", "a-long-enough-admin-key")
    s = Settings()
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.max_page_size == 42
    assert s.admin_key is not None
    assert "a-long-enough" not in repr(s)  # a secret is not shown


def test_admin_key_from_the_environment_works(client_factory: Any) -> None:
    client = client_factory(admin_key="a-long-enough-admin-key")
    r = client.get("/api/me", headers={"Authorization": "Bearer a-long-enough-admin-key"})
    assert r.json()["role"] == "admin"
