"""``matchmaker-server``: the demo data (idempotent), fresh demo keys, the arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from matchmaker.service import server
from matchmaker.service.demo import DEMO_ORGANISER, demo_keys, describe, load_demo
from matchmaker.store import Store


def test_demo_loads_once_and_renews_its_keys(db_url: str) -> None:
    with Store(db_url) as store:
        first = load_demo(store)
        assert "(200 added)" in first[0]
        n = store.count_organisations()
        events = {r.id: r for r in store.list_events()}
        assert set(events) == {"leuven-2018", "brokerage-b2b"}
        assert {r.owner for r in events.values()} == {DEMO_ORGANISER}
        again = load_demo(store)
        assert "(0 added)" in again[0]
        assert all("(kept)" in line for line in again[1:])
        assert store.count_organisations() == n

        keys = demo_keys(store)
        member = store.authenticate(keys.member)
        assert member is not None
        assert member.subject == keys.member_organisation
        assert keys.member_organisation in {o.id for o in events["leuven-2018"].value.organisations}
        organiser = store.authenticate(keys.organiser)
        assert organiser is not None
        assert organiser.subject == DEMO_ORGANISER
        renewed = demo_keys(store)  # the next start: the old keys stop working
        assert store.authenticate(keys.admin) is None
        assert store.authenticate(keys.member) is None
        assert store.authenticate(renewed.admin) is not None
        text = describe(renewed, "http://127.0.0.1:8000")
        assert "http://127.0.0.1:8000/docs" in text
        assert renewed.organiser in text


def test_server_main_prepares_the_demo_and_runs_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, Any]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.delenv("MATCHMAKER_DATABASE_URL", raising=False)
    db = tmp_path / "demo.db"
    assert server.main(["--demo", "--db", str(db), "--port", "8123", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "Organiser page:  http://127.0.0.1:8123/" in out
    assert "API docs:        http://127.0.0.1:8123/docs" in out
    assert out.count("mm_") == 3
    (call,) = calls
    assert (
        call["app"] == "matchmaker.service.header_limits:create_limited_app"
    )  # create_app behind limits
    assert call["factory"] is True
    assert (
        call["http"] == "matchmaker.service.header_limits:LimitedH11Protocol"
    )  # h11: heads are bounded
    assert call["h11_max_incomplete_event_size"] == 32 * 1024
    assert call["timeout_graceful_shutdown"] == 5
    assert (call["port"], call["workers"], call["host"]) == (8123, 2, "127.0.0.1")
    import os

    assert os.environ["MATCHMAKER_DATABASE_URL"] == f"sqlite:///{db}"


def test_server_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert server.main(["--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
