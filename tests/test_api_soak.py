"""The soak benchmark's pure parts: the flatness check and the per-minute figures."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.api_soak import (
    Connection,
    Record,
    build_result,
    flatness,
    latency_figures,
    markdown,
    memory_figures,
    per_kind,
    per_minute,
    plot,
    process_tree,
    rss_of,
    suggestion_path,
)

TIMES = [5.0 * i for i in range(121)]  # ten minutes, a sample every 5 s


def test_flat_series_is_flat() -> None:
    f = flatness(TIMES, [800.0] * len(TIMES))
    assert f["flat"] is True
    assert f["growth"] == 0.0
    assert f["slope_mib_per_min"] == pytest.approx(0.0, abs=1e-9)
    assert f["reasons"] == []
    assert f["samples"] == 109  # from 60 s on


def test_steady_growth_is_not_flat() -> None:
    # 6 MiB a minute on 800 MiB; the lower quartiles of the first and last of the nine
    # windows after the warm-up (60-120 s and 545-600 s) are at 75 s and 558.75 s: 807.5 and
    # 855.875 MiB, 6.0 % more.
    rss = [800.0 + 6.0 * t / 60 for t in TIMES]
    f = flatness(TIMES, rss)
    assert f["flat"] is False
    assert f["slope_mib_per_min"] == pytest.approx(6.0, rel=0.01)
    assert f["windows"] == 9
    assert (f["start_mib"], f["end_mib"]) == (807.5, 855.9)
    assert f["growth"] == pytest.approx(48.375 / 807.5, abs=1e-4)
    assert f["slope_all_mib_per_min"] == pytest.approx(6.0, rel=1e-6)
    assert any("slope" in r for r in f["reasons"])
    assert any("grew" in r for r in f["reasons"])


def test_slow_growth_fails_on_slope_only() -> None:
    # 8 MiB a minute on 8 GiB: 0.8 % in nine minutes, but a leak by the slope.
    rss = [8192.0 + 8.0 * t / 60 for t in TIMES]
    f = flatness(TIMES, rss)
    assert f["flat"] is False
    assert f["growth"] < 0.05
    assert [r for r in f["reasons"] if "slope" in r] == f["reasons"]


def test_growth_in_the_warm_up_does_not_count() -> None:
    rss = [400.0 + 400.0 * min(t, 50) / 50 for t in TIMES]  # rises for 50 s, then flat
    assert flatness(TIMES, rss)["flat"] is True
    assert flatness(TIMES, rss, warmup_s=0)["flat"] is False


def test_noisy_flat_series_is_flat() -> None:
    rng = np.random.default_rng(3)
    rss = 800.0 + rng.normal(0, 8.0, len(TIMES))
    # A refit every 30 s holds a second copy of the registry for 10 s: +150 MiB spikes.
    rss += np.where((np.asarray(TIMES) % 30) < 10, 150.0, 0.0)
    f = flatness(TIMES, rss.tolist())
    assert f["flat"] is True, f["reasons"]
    assert f["max_mib"] > 900
    assert abs(f["growth"]) < 0.02


def test_long_refits_do_not_decide() -> None:
    # On a busy machine refits come close together: in every other minute 60 % of the samples
    # hold a second copy of the registry. The median of such a minute is high; its lower
    # quartile is the level RSS falls back to.
    t = np.asarray(TIMES)
    minute = (t // 60).astype(int)
    busy = (minute % 2 == 1) & ((t % 60) < 36)
    rss = np.where(busy, 1000.0, 800.0)
    f = flatness(TIMES, rss.tolist())
    assert f["flat"] is True, f["reasons"]
    assert f["slope_mib_per_min"] == pytest.approx(0.0, abs=1e-9)
    assert flatness(TIMES, rss.tolist(), quantile=0.5)["slope_mib_per_min"] != pytest.approx(0.0)


def test_noisy_growing_series_is_not_flat() -> None:
    rng = np.random.default_rng(4)
    t = np.asarray(TIMES)
    rss = 800.0 + 8.0 * t / 60 + rng.normal(0, 8.0, t.size) + np.where(t % 30 < 10, 150.0, 0)
    f = flatness(TIMES, rss.tolist())
    assert f["flat"] is False
    assert f["slope_mib_per_min"] == pytest.approx(8.0, abs=1.5)


def test_one_high_last_sample_does_not_decide() -> None:
    rss = [800.0] * len(TIMES)
    rss[-1] = 1000.0  # caught during a refit
    f = flatness(TIMES, rss)
    assert f["end_mib"] == 800.0
    assert f["flat"] is True


def test_flatness_refuses_too_few_samples_and_unequal_series() -> None:
    with pytest.raises(ValueError, match="2 samples after the warm-up of 60 s"):
        flatness([0.0, 30.0, 60.0, 65.0], [1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="times_s has 3 samples but rss_mib has 2"):
        flatness([0.0, 1.0, 2.0], [1.0, 1.0])


def test_memory_figures_fail_when_a_process_was_replaced() -> None:
    mib = 2**20
    samples = [
        {"t": t, "load": 1.0, "rss": {1: 50 * mib, (2 if t < 300 else 3): 400 * mib}} for t in TIMES
    ]
    figures = memory_figures(
        samples, {1: "supervisor"}, warmup_s=60, max_growth=0.05, max_slope=2.0
    )
    assert figures["flatness"]["flat"] is False
    assert figures["flatness"]["reasons"] == ["processes changed after the warm-up: [2, 3]"]
    assert figures["processes"]["1"]["role"] == "supervisor"
    assert figures["processes"]["3"]["role"] == "process"
    assert figures["series"][0]["total_mib"] == 450.0


def test_per_minute_bins_and_percentiles() -> None:
    # Minute 1: latencies 1..100 ms; minute 2: 10 requests of 5 ms and 2 errors; 30 s more.
    records = [Record(0.5 * i, "suggestions", (i + 1) / 1000) for i in range(100)]
    records += [Record(60.0 + i, "organisation", 0.005) for i in range(10)]
    records += [Record(70.0, "event", 0.002, "event: HTTP 500"), Record(75.0, "x", 0.1, "OSError")]
    records += [Record(150.0, "suggestions", 0.020)]
    minutes = per_minute(records, 150.0)
    assert [m["minute"] for m in minutes] == [1, 2, 3]
    first, second, last = minutes
    assert first["requests"] == 100
    assert first["errors"] == 0
    assert (first["p50_ms"], first["p90_ms"], first["p99_ms"], first["max_ms"]) == (
        50.0,
        90.0,
        99.0,
        100.0,
    )
    assert first["throughput_per_s"] == pytest.approx(100 / 60, abs=0.01)
    assert second["requests"] == 12
    assert second["errors"] == 2
    assert second["error_kinds"] == {"event: HTTP 500": 1, "OSError": 1}
    assert second["p99_ms"] == 5.0  # errors have no latency
    assert last["seconds"] == 30.0  # the last minute is 30 s long
    assert last["requests"] == 1
    assert last["throughput_per_s"] == pytest.approx(1 / 30, abs=0.01)


def test_per_minute_of_an_empty_minute_and_bad_length() -> None:
    minutes = per_minute([Record(5.0, "suggestions", 0.01)], 120.0)
    assert minutes[1]["requests"] == 0
    assert minutes[1]["p50_ms"] is None
    with pytest.raises(ValueError, match="seconds must be positive; got 0"):
        per_minute([], 0)


def test_per_kind_and_totals() -> None:
    records = [Record(float(i), "suggestions", 0.004) for i in range(9)]
    records.append(Record(9.0, "profile edit", 0.030, "profile edit: HTTP 412"))
    kinds = per_kind(records, 10.0)
    assert set(kinds) == {"suggestions", "profile edit"}
    assert kinds["profile edit"]["errors"] == 1
    assert kinds["profile edit"]["p50_ms"] is None
    total = latency_figures(records, 10.0)
    assert total["requests"] == 10
    assert total["throughput_per_s"] == 1.0
    assert total["p50_ms"] == 4.0


def test_suggestion_paths_stay_on_the_own_organisation() -> None:
    rng = random.Random(1)
    paths = [suggestion_path("org-000001", rng) for _ in range(300)]
    assert all(p.startswith("/api/organisations/org-000001/suggestions") for p in paths)
    assert any("explain=false" in p for p in paths)
    assert any("explain" not in p for p in paths)
    assert any("country=" in p for p in paths)
    assert any("sector=" in p for p in paths)


def test_rss_of_this_process() -> None:
    assert os.getpid() in process_tree(os.getpid())
    rss = rss_of(os.getpid())
    assert rss is not None
    assert rss > 10 * 2**20


async def _serve(close_after: int) -> tuple[asyncio.Server, int, list[int]]:
    """A server answering ``close_after`` requests per connection, then closing the
    connection without an answer (as one closing an idle connection when a request comes)."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if connections[-1] == close_after:
                writer.close()
                return
            connections[-1] += 1
            body = head.split(b" ", 2)[1]
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], connections


def _run_apart(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """``asyncio.run(main())`` in a thread of its own: the browser tests' Playwright (sync API)
    leaves an event loop marked as running in the main thread, where asyncio.run refuses."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the client did not finish within 60 s"
    if failure:
        raise failure[0]


def test_a_request_on_a_reused_connection_closed_by_the_server_is_sent_again() -> None:
    async def run() -> None:
        server, port, connections = await _serve(close_after=1)
        conn = Connection(port)
        status, _, body = await conn.request("GET", "/a", "key")
        assert (status, body, conn.retried) == (200, b"/a", None)
        status, _, body = await conn.request("GET", "/b", "key")  # closed: a new connection
        assert (status, body) == (200, b"/b")
        assert conn.retried is not None
        assert "reused (idle" in conn.retried
        assert connections == [1, 1]
        conn.close()
        server.close()

    _run_apart(run)


def test_a_new_connection_closed_by_the_server_is_an_error() -> None:
    async def run() -> None:
        server, port, connections = await _serve(close_after=0)
        conn = Connection(port)
        with pytest.raises(ConnectionError, match="the server closed the connection"):
            await conn.request("GET", "/a", "key")
        assert connections == [0]  # not sent again
        server.close()

    _run_apart(run)


def test_a_post_is_not_sent_again() -> None:
    async def run() -> None:
        server, port, connections = await _serve(close_after=1)
        conn = Connection(port)
        await conn.request("GET", "/a", "key")
        with pytest.raises(ConnectionError):
            await conn.request("POST", "/b", "key", b"{}")
        assert connections == [1]
        server.close()

    _run_apart(run)


def _synthetic_run(leak_mib_per_min: float) -> dict[str, Any]:
    mib = 2**20
    rng = random.Random(5)
    samples = [
        {
            "t": t,
            "load": 2.0,
            "rss": {
                1: 75 * mib,
                2: int((400 + leak_mib_per_min * t / 60 + (150 if t % 30 < 10 else 0)) * mib),
            },
        }
        for t in TIMES
    ]
    records = [
        Record(rng.uniform(0, 600), rng.choice(["suggestions", "event"]), rng.uniform(0.002, 0.05))
        for _ in range(3000)
    ]
    records += [Record(100.0 * k + 5, "profile edit", 0.03) for k in range(6)]
    config = {"minutes": 10.0, "warmup_minutes": 1.0, "max_growth": 0.05, "max_slope": 5.0}
    config |= {"clients": 32, "think": 1.0, "updates_per_minute": 2.0, "workers": 1}
    setup = {"organisations": 10_000, "import": {"seconds": 4.0}, "warm_up_seconds": 9.0}
    setup |= {"refit_seconds": 12.0, "rss_after_first_fit_mib": 300.0}
    setup |= {"rss_after_first_refit_mib": 470.0}
    roles = {1: "supervisor", 2: "worker"}
    return build_result(
        "python -m benchmarks.api_soak", config, setup, records, samples, roles, 60.0
    )


def test_report_of_a_flat_run(tmp_path: Path) -> None:
    result = _synthetic_run(0.0)
    assert result["passed"] is True
    assert [m["minute"] for m in result["minutes"]] == list(range(1, 11))
    assert sum(m["requests"] for m in result["minutes"]) == 3006
    assert result["minutes"][-1]["rss_end_mib"] == 475.0
    assert result["edit_times"] == [5.0, 105.0, 205.0, 305.0, 405.0, 505.0]
    report = markdown(result)
    assert "**Verdict: passed**" in report
    assert "| 10 | " in report
    assert "| 2 | worker | 550.0 |" in report
    json.dumps(result)  # a JSON document
    plot(result, tmp_path / "soak.png")
    assert (tmp_path / "soak.png").read_bytes()[:4] == b"\x89PNG"


def test_report_of_a_leaking_run() -> None:
    result = _synthetic_run(20.0)
    assert result["passed"] is False
    assert result["memory"]["flatness"]["slope_mib_per_min"] == pytest.approx(20.0, abs=0.5)
    assert "**Verdict: FAILED**" in markdown(result)
    assert "Not flat: RSS grew by" in markdown(result)


def test_the_server_fixes_the_mmap_threshold_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the soak measures (RSS flat across refits) depends on it; see matchmaker.service.server.
    from matchmaker.service import server

    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    server.fix_mmap_threshold()
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(4 * 2**20)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    server.fix_mmap_threshold()
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "1048576"
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "lots")
    server.fix_mmap_threshold()  # not a number: left to glibc, which ignores it
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "lots"


def test_free_memory_is_given_back_with_glibc() -> None:
    # Called after each refit of the suggestion index (matchmaker.service.suggestion_index).
    from matchmaker.service.suggestion_index import release_free_memory

    assert release_free_memory() is (platform.libc_ver()[0] == "glibc")
