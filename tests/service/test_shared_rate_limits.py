"""The rate limit counted across processes: two apps (as two workers would be) on one database
or one Redis share each key's limit; other keys and other prefixes count apart; a storage that
does not answer leaves each process counting alone; ``auto`` picks the database in the
workers of ``matchmaker-server --workers 2``.

Redis is the one of ``MATCHMAKER_TEST_REDIS_URL`` (``redis://127.0.0.1:6379/0`` unless set);
each test uses keys under a prefix of its own and deletes them. Without Redis the Redis tests
are skipped, except in CI (``CI=true``) or with the variable set, where they fail.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api_support import assert_problem
from matchmaker.service import limits
from matchmaker.service.app import create_app
from matchmaker.service.limits import DatabaseRateLimiter, RateLimiter, RedisRateLimiter
from matchmaker.service.settings import Settings
from matchmaker.store import Store

REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
PER_MINUTE = 5


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_url() -> str:
    """The test Redis's URL; skipped without one (failed in CI or when the URL is set)."""
    import redis

    url = os.environ.get("MATCHMAKER_TEST_REDIS_URL") or REDIS_DEFAULT
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") or os.environ.get("MATCHMAKER_TEST_REDIS_URL"):
            pytest.fail(
                f"Redis at {url} is not reachable ({exc}): the shared rate limit's Redis tests "
                "need it in CI (start redis-server, or set MATCHMAKER_TEST_REDIS_URL)"
            )
        pytest.skip(f"Redis at {url} is not reachable (set MATCHMAKER_TEST_REDIS_URL)")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted at the end."""
    import redis

    prefix = f"mm-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        stale = list(client.scan_iter(match=f"{prefix}*"))
        if stale:
            client.delete(*stale)
    finally:
        client.close()


@pytest.fixture
def apps() -> Iterator[Callable[..., TestClient]]:
    """Make apps with their own TestClient (each as one worker process would be)."""
    clients: list[TestClient] = []

    def make(database_url: str, **overrides: Any) -> TestClient:
        overrides.setdefault("background_refit", False)
        overrides.setdefault("rate_limit_per_minute", PER_MINUTE)
        client = TestClient(create_app(Settings(database_url=database_url, **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


def _key(client: TestClient, subject: str) -> dict[str, str]:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    key = store.create_api_key(role="admin", subject=subject, name=subject)[1]
    return {"Authorization": f"Bearer {key}"}


def _shared_by_two(first: TestClient, second: TestClient) -> None:
    """``PER_MINUTE`` requests of one key pass across both apps, then both refuse it; another
    key is counted apart."""
    key, other = _key(first, "a"), _key(first, "b")
    passed = [
        (first if i % 2 == 0 else second).get("/api/me", headers=key).status_code
        for i in range(PER_MINUTE)
    ]
    assert passed == [200] * PER_MINUTE
    for client in (second, first):
        r = client.get("/api/me", headers=key)
        body = assert_problem(r, 429, "rate-limited")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert f"{PER_MINUTE} requests in a minute" in body["detail"]
    # another key has its own count, in both apps
    assert [c.get("/api/me", headers=other).status_code for c in (second, first)] == [200, 200]


def test_two_apps_on_one_database_share_a_key_limit(
    apps: Callable[..., TestClient], db_url: str
) -> None:
    first = apps(db_url, rate_limit_storage="database")
    second = apps(db_url, rate_limit_storage="database")
    assert first.app.state.rate_limiter.storage == "database"  # type: ignore[attr-defined]
    _shared_by_two(first, second)


def test_the_database_bucket_says_when_the_next_token_comes(
    apps: Callable[..., TestClient], db_url: str
) -> None:
    first = apps(db_url, rate_limit_storage="database")
    second = apps(db_url, rate_limit_storage="database")
    key = _key(first, "a")
    for client in (first, second, first, second, first):
        assert client.get("/api/me", headers=key).status_code == 200
    r = second.get("/api/me", headers=key)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) in (11, 12)  # one token every 12 s


def test_apps_counting_in_memory_count_apart(
    apps: Callable[..., TestClient], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    first, second = apps(url, rate_limit_storage="memory"), apps(url)
    # auto, in a process that is no worker of several: memory
    assert second.app.state.rate_limiter.storage == "memory"  # type: ignore[attr-defined]
    key = _key(first, "a")
    statuses = [c.get("/api/me", headers=key).status_code for c in (first, second) * PER_MINUTE]
    assert statuses == [200] * (2 * PER_MINUTE)  # each app let the burst through


@pytest.mark.parametrize("kind", ["memory", "database"])
def test_the_token_bucket_is_the_same_in_memory_and_in_the_database(kind: str, db_url: str) -> None:
    clock = Clock()
    limiters: list[Any]
    if kind == "memory":
        limiters = [RateLimiter(60, clock=clock)]
    else:
        Store(db_url).close()  # the schema
        limiters = [DatabaseRateLimiter(60, db_url, clock=clock) for _ in range(2)]
    try:

        def take(i: int, key: str = "k") -> float | None:
            result: float | None = limiters[i % len(limiters)].take(key)
            return result

        assert all(take(i) is None for i in range(60))  # bursts of 60 ...
        assert take(0) == pytest.approx(1.0)  # ... then one a second
        assert take(1, "other") is None  # each key has its own bucket
        clock.now += 0.5
        assert take(1) == pytest.approx(0.5)
        clock.now += 0.5
        assert take(0) is None
        assert take(1) is not None
        clock.now += 3600  # refilled, never beyond the burst
        assert sum(take(i) is None for i in range(100)) == 60
    finally:
        for limiter in limiters:
            limiter.close()


def test_two_apps_on_one_redis_share_a_key_limit(
    apps: Callable[..., TestClient], tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    settings = {"rate_limit_storage": redis_url, "rate_limit_prefix": redis_prefix}
    first, second = apps(url, **settings), apps(url, **settings)
    assert first.app.state.rate_limiter.storage == "redis"  # type: ignore[attr-defined]
    _shared_by_two(first, second)
    # a moving window: the next request passes when the first of the five is a minute old
    key = _key(first, "d")
    for client in (first, second) * 3:
        client.get("/api/me", headers=key)
    r = second.get("/api/me", headers=key)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) in (59, 60)
    # another deployment on the same Redis (another prefix) counts apart
    elsewhere = apps(url, rate_limit_storage=redis_url, rate_limit_prefix=redis_prefix + "-b")
    assert elsewhere.get("/api/me", headers=key).status_code == 200


def test_the_redis_counts_live_under_the_prefix(redis_url: str, redis_prefix: str) -> None:
    import redis

    limiter = RedisRateLimiter(PER_MINUTE, redis_url, prefix=redis_prefix)
    try:
        assert limiter.reachable()
        assert all(limiter.take("key-1") is None for _ in range(PER_MINUTE))
        wait = limiter.take("key-1")
        assert wait is not None
        assert 59 < wait <= 60
        client = redis.Redis.from_url(redis_url)
        try:
            names = [n.decode() for n in client.scan_iter(match=f"{redis_prefix}:*")]
        finally:
            client.close()
        assert len(names) == 1  # one list of the last five times: prefix:rate/key-1/5/1/minute
        assert "key-1" in names[0]
        limiter.clear("key-1")
        assert limiter.take("key-1") is None
    finally:
        limiter.close()


def test_a_redis_that_does_not_answer_leaves_each_process_counting_alone(
    apps: Callable[..., TestClient], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from reliability.server import free_port

    url = f"sqlite:///{tmp_path / 'one.db'}"
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="matchmaker.service"):
        client = apps(url, rate_limit_storage=nowhere)
        key = _key(client, "a")
        statuses = [client.get("/api/me", headers=key).status_code for _ in range(PER_MINUTE + 1)]
    assert statuses == [200] * PER_MINUTE + [429]
    assert "does not answer" in caplog.text
    assert "this process counts requests on its own" in caplog.text


def test_a_locked_sqlite_file_leaves_the_process_counting_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    Store(url).close()
    monkeypatch.setattr(limits, "RETRY_SHARED_AFTER_S", 0.0)
    limiter = DatabaseRateLimiter(2, url, busy_timeout=0.05)
    other = DatabaseRateLimiter(2, url)
    writer = sqlite3.connect(tmp_path / "one.db", isolation_level=None)
    try:
        assert limiter.take("k") is None  # counted in the database
        writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        assert limiter.take("k") is None  # counted alone: its own bucket is full
        assert limiter.take("k") is None
        assert limiter.take("k") is not None
        writer.execute("COMMIT")
        # the database again: it has counted one, so one more passes, then none
        assert other.take("k") is None
        assert limiter.take("k") is not None
    finally:
        writer.close()
        limiter.close()
        other.close()


def test_the_storage_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().rate_limit_storage == "auto"
    assert Settings(rate_limit_storage=" Database ").rate_limit_storage == "database"
    monkeypatch.setenv("MATCHMAKER_RATE_LIMIT_STORAGE", "redis://cache.example:6379/2")
    monkeypatch.setenv("MATCHMAKER_RATE_LIMIT_PREFIX", "staging")
    settings = Settings()
    assert settings.rate_limit_storage == "redis://cache.example:6379/2"
    assert settings.rate_limit_prefix == "staging"
    with pytest.raises(ValueError, match="a Redis URL") as info:
        Settings(rate_limit_storage="memcached://user:secret@cache.example")
    assert "memcached://cache.example" in str(info.value).split("input_value")[0]
    assert limits.shown_redis("redis://:secret@cache.example:6379/2") == (
        "redis://cache.example:6379/2"
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_several_workers_of_a_server_count_together(tmp_path: Path) -> None:
    """``matchmaker-server --workers 2`` (storage ``auto``) on PostgreSQL: each worker counts
    in the database, so the burst of one key passes once in all, whichever worker answers."""
    from reliability.server import fresh_database

    with fresh_database("postgresql", tmp_path / "db") as found:
        assert found is not None
        _several_workers_count_together(found, tmp_path)


def _several_workers_count_together(url: str, tmp_path: Path) -> None:
    from reliability.server import ServerProcess

    with Store(url) as store:
        key = store.create_api_key(role="admin", subject="a", name="a")[1]
    server = ServerProcess(
        url,
        tmp_path / "server.log",
        {"MATCHMAKER_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE), "MATCHMAKER_JOB_WORKERS": "1"},
        workers=2,
    )
    server.start()
    try:
        statuses = []
        for _ in range(PER_MINUTE + 3):  # a new connection each: any worker may answer
            with server.client(key, limits=httpx.Limits(max_keepalive_connections=0)) as c:
                r = c.get("/api/me")
            statuses.append(r.status_code)
        assert statuses == [200] * PER_MINUTE + [429] * 3
        assert int(r.headers["retry-after"]) in (11, 12)
    finally:
        server.stop()
    assert "Traceback" not in server.log_text()
    with Store(url) as store, store.engine.connect() as conn:  # counted there
        rows = conn.execute(text("SELECT key_id, full_at FROM rate_limits")).all()
    assert [key_id for key_id, _ in rows] == [key.split("_")[1]]
