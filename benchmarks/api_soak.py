"""Soak of the HTTP service: a real ``matchmaker-server`` under a steady mix for minutes, its
memory sampled throughout.

::

    python -m benchmarks.api_soak --minutes 10 --clients 32 --out DIR [--orgs 10000]
        [--think 1.0] [--updates-per-minute 2] [--workers 2] [--warmup-minutes 1]

1. Starts ``matchmaker-server`` as ``benchmarks.api_load`` does (free loopback port, fresh
   SQLite file, uvicorn workers, rate limit raised), imports ``--orgs`` generated profiles,
   makes one member key per client (each for another organisation) and an organiser key,
   stores the brokerage fixture as the organiser's event, and warms every worker up; then
   edits one profile and waits until every worker has fitted the registry again (a worker's
   first refit raises its resident set once: it holds two fits while it builds the new one).
2. A load generator in another process runs ``--clients`` clients for ``--minutes`` on raw
   keep-alive HTTP/1.1 connections. Each client pauses after every answer (exponential, mean
   ``--think`` s: people browsing, as in the browsing phase of ``api_load``) and then makes one
   request of a mix (:data:`MIX`): mostly its own organisation's suggestions (preset, country,
   type or sector filters, ``k``, reasons in words on or off), reads of other organisations,
   pages of the organisation list, and the organiser's event reads (the event list, the event,
   its participants). Besides, each client edits its own profile now and then (``GET`` for
   the version, then ``PUT`` with ``If-Match``): ``--updates-per-minute`` edits a minute over
   all clients, at random times. Every edit raises the registry revision, so every worker
   fits the registry again in the background: that is the allocation-heavy part of the soak.
3. Meanwhile this process samples the resident set (RSS) of the server's processes (the
   supervisor and every uvicorn worker; psutil when installed, else ``/proc/<pid>/status``)
   and the machine's load average every ``--sample-seconds``.

*Memory stays flat* (:func:`flatness`): after the warm-up (``--warmup-minutes`` of the
load), the total RSS of the server's processes, taken minute by minute as the lower quartile
of the minute's samples (the level it falls back to between refits), grows by less than
``--max-growth`` (5 %) from the first minute to the last, and the least-squares slope of these
levels against time is below ``--max-slope`` MiB a minute (5); and no process was replaced (a
restarted worker would hide growth). Exit 1 when a request failed or memory was not flat.

Writes ``soak.json``, ``soak.md`` (a table per minute: requests, throughput, latency p50, p90
and p99, errors, RSS, load average) and ``soak.png`` (RSS and latency over time) under
``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import multiprocessing as mp
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.api_load import (
    COUNTRIES,
    TYPES,
    Server,
    cpu_seconds,
    free_port,
    import_registry,
    load_average,
    member_keys,
    read_response,
    registry_csv,
    warm_up,
)
from benchmarks.core import machine
from matchmaker.demo import DATA as DEMO_DATA

FORMAT = "matchmaker-api-soak/1"
ROOT = Path(__file__).resolve().parents[1]
EVENT_FILE = DEMO_DATA / "brokerage" / "event.json"
#: Share of each kind among a client's requests (profile edits come on their own clock).
MIX = {"suggestions": 0.80, "organisation": 0.09, "organisation list": 0.07, "event": 0.04}
PRESETS = ("business", "policy_learning", "research")
SECTORS = ("C", "J62", "M72", "C26.51", "D35")
MIB = 2**20


# --- memory of the server's processes ---------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (Linux ``/proc``, or psutil when installed)."""
    try:
        import psutil  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, ()))
        return sorted(found)
    try:
        proc = psutil.Process(root)
        return sorted([root, *(c.pid for c in proc.children(recursive=True))])
    except psutil.NoSuchProcess:
        return []


def rss_of(pid: int) -> int | None:
    """The resident set of process ``pid`` in bytes, ``None`` when it is gone."""
    try:
        import psutil  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.NoSuchProcess:
        return None


def memory_sample(root: int) -> dict[int, int]:
    """RSS in bytes of every process of the tree at ``root``, by process id."""
    out = {}
    for pid in process_tree(root):
        rss = rss_of(pid)
        if rss is not None:
            out[pid] = rss
    return out


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "supervisor"
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "process"
    return "resource tracker" if b"resource_tracker" in cmdline else "worker"


# --- the checks: pure functions of the samples and records ------------------------------------


def flatness(
    times_s: Sequence[float],
    rss_mib: Sequence[float],
    *,
    warmup_s: float = 60.0,
    max_growth: float = 0.05,
    max_slope: float = 5.0,
    window_s: float = 60.0,
    quantile: float = 0.25,
) -> dict[str, Any]:
    """Whether a series of RSS samples stays flat after a warm-up.

    The samples at ``warmup_s`` or later are cut into consecutive windows of about
    ``window_s`` seconds (at least 3 windows), each summed up by its lower quartile (its
    ``quantile``). Flat means: the level of the last window is less than ``max_growth`` (a
    fraction) above that of the first, and the least-squares slope of the window levels
    against time is below ``max_slope`` MiB per minute. A lower quartile, because a worker
    holds two fits of the registry while it fits it again after an edit: its RSS is high for
    the seconds that takes, up to half a window or more when edits come close together, then
    falls back; a leak raises the level it falls back to. The slope of all samples is
    reported too (``slope_all_mib_per_min``).

    Parameters
    ----------
    times_s:
        Sample times in seconds from the start of the load, increasing.
    rss_mib:
        RSS at those times, MiB.
    warmup_s, max_growth, max_slope, window_s, quantile:
        As above.

    Returns
    -------
    dict
        ``samples``, ``span_s``, ``windows``, ``quantile``, ``start_mib`` and ``end_mib`` (the
        levels of the first and last windows), ``growth`` (fraction), ``slope_mib_per_min``,
        ``slope_all_mib_per_min``, ``min_mib``, ``max_mib``, ``levels`` (each window's
        middle in minutes and its level), the limits, ``flat`` and ``reasons`` (why not flat;
        empty when flat).

    Raises
    ------
    ValueError
        When the two series differ in length, or fewer than 3 samples follow the warm-up.
    """
    t = np.asarray(times_s, dtype=float)
    y = np.asarray(rss_mib, dtype=float)
    if t.shape != y.shape:
        raise ValueError(f"times_s has {t.size} samples but rss_mib has {y.size}; they must match")
    keep = t >= warmup_s
    t, y = t[keep], y[keep]
    if t.size < 3:
        raise ValueError(
            f"{t.size} samples after the warm-up of {warmup_s:g} s; flatness needs 3 or more "
            "(run longer or sample more often)"
        )
    span = float(t[-1] - t[0])
    n = min(t.size, max(3, round(span / window_s)))
    groups = np.array_split(np.arange(t.size), n)
    mid = np.array([np.median(t[g]) for g in groups]) / 60.0
    level = np.array([np.quantile(y[g], quantile) for g in groups])
    start, end = float(level[0]), float(level[-1])
    growth = (end - start) / start if start > 0 else math.inf
    slope = float(np.polyfit(mid, level, 1)[0]) if np.ptp(mid) > 0 else 0.0
    slope_all = float(np.polyfit(t / 60.0, y, 1)[0]) if span > 0 else 0.0
    reasons = []
    if not growth < max_growth:
        reasons.append(f"RSS grew by {growth:.1%}, not below {max_growth:.0%}")
    if not slope < max_slope:
        reasons.append(f"the slope is {slope:.2f} MiB/min, not below {max_slope:g}")
    return {
        "samples": int(t.size),
        "span_s": round(span, 1),
        "windows": n,
        "quantile": quantile,
        "start_mib": round(start, 1),
        "end_mib": round(end, 1),
        "min_mib": round(float(y.min()), 1),
        "max_mib": round(float(y.max()), 1),
        "growth": round(growth, 4),
        "slope_mib_per_min": round(slope, 3),
        "slope_all_mib_per_min": round(slope_all, 3),
        "levels": [
            [round(float(m), 3), round(float(v), 1)] for m, v in zip(mid, level, strict=True)
        ],
        "max_growth": max_growth,
        "max_slope_mib_per_min": max_slope,
        "flat": not reasons,
        "reasons": reasons,
    }


@dataclass(frozen=True, slots=True)
class Record:
    """One request: ``t`` seconds after the start, its kind, latency (s), its error if any
    (a kind to count), whether it was sent again on a new connection (:class:`Connection`),
    and a detail of the error or the retry (the path, the connection)."""

    t: float
    kind: str
    latency: float
    error: str | None = None
    detail: str | None = None
    retried: bool = False


def latency_figures(records: Sequence[Record], seconds: float) -> dict[str, Any]:
    """Requests, errors, throughput and latency (ms) of successful requests over ``seconds``.

    Percentiles are nearest-rank (``inverted_cdf``): values that were measured.
    """
    ms = sorted(1000 * r.latency for r in records if r.error is None)
    errors = Counter(r.error for r in records if r.error is not None)
    q = np.percentile(ms, [50, 90, 99], method="inverted_cdf").tolist() if ms else [None] * 3
    return {
        "requests": len(records),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "retried": sum(r.retried for r in records),
        "throughput_per_s": round(len(records) / seconds, 2) if seconds > 0 else None,
        "p50_ms": None if q[0] is None else round(q[0], 2),
        "p90_ms": None if q[1] is None else round(q[1], 2),
        "p99_ms": None if q[2] is None else round(q[2], 2),
        "max_ms": round(ms[-1], 2) if ms else None,
    }


def per_minute(records: Sequence[Record], seconds: float) -> list[dict[str, Any]]:
    """:func:`latency_figures` of each minute of a run of ``seconds``.

    Minute ``m`` (from 1) holds the requests that started in ``[60 (m - 1), 60 m)``; the last
    minute may be shorter (its throughput is over its own length); a request that started at
    or after ``seconds`` counts in the last minute.
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive; got {seconds}")
    n = math.ceil(seconds / 60)
    bins: list[list[Record]] = [[] for _ in range(n)]
    for r in records:
        bins[min(n - 1, max(0, int(r.t // 60)))].append(r)
    out = []
    for m, held in enumerate(bins):
        length = min(60.0, seconds - 60 * m)
        out.append({"minute": m + 1, "seconds": round(length, 2), **latency_figures(held, length)})
    return out


def per_second(records: Sequence[Record], seconds: float) -> list[list[float]]:
    """Second by second: ``[second, requests, p50 ms, p99 ms]``, to see when the slow answers
    came (beside ``edit_times``: a refit's seconds stand out)."""
    by_second: dict[int, list[float]] = {}
    for r in records:
        if 0 <= r.t < seconds and r.error is None:
            by_second.setdefault(int(r.t), []).append(1000 * r.latency)
    rows = []
    for second in sorted(by_second):
        ms = np.asarray(by_second[second])
        p50, p99 = np.percentile(ms, [50, 99])
        rows.append([second, len(ms), round(float(p50), 1), round(float(p99), 1)])
    return rows


def per_kind(records: Sequence[Record], seconds: float) -> dict[str, dict[str, Any]]:
    """:func:`latency_figures` of each kind of request over the whole run."""
    kinds = sorted({r.kind for r in records})
    return {k: latency_figures([r for r in records if r.kind == k], seconds) for k in kinds}


# --- the load generator (another process) -----------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the load generator's clients need: the server, keys and ids."""

    port: int
    members: list[tuple[str, str]]
    organiser_key: str
    event_id: str
    org_ids: list[str]
    think: float
    updates_per_minute: float
    seed: int


class Connection:
    """A keep-alive HTTP/1.1 connection, as browsers and HTTP libraries keep one.

    A connection idle for 4 s is replaced before a request (uvicorn closes it after 5 s). A
    GET or PUT that fails on a reused connection before any answer (reset, or closed with
    nothing sent) is sent once more on a new connection, as browsers do (RFC 9112, 9.3.1):
    the server may close an idle connection just as a request arrives. ``retried`` tells
    whether the last request needed that, and why.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.idle = 0.0
        self.state = "new"  # of the last request's connection: new, or reused after idling
        self.retried: str | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def _ready(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        now = time.monotonic()
        if self.reader is not None and (self.reader.at_eof() or now - self.idle > 4.0):
            self.close()
        if self.reader is not None and self.writer is not None:
            self.state = f"reused (idle {now - self.idle:.2f} s)"
            return self.reader, self.writer, True
        self.state = "new"
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self.reader, self.writer, False

    async def request(
        self, method: str, path: str, key: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            f"Authorization: Bearer {key}",
            "Accept: application/json",
            *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
        ]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")
        self.retried = None
        while True:
            reader, writer, reused = await self._ready()
            try:
                writer.write(message)
                await writer.drain()
                answer = await read_response(reader)
            except ConnectionError as exc:  # reset, broken pipe, or closed before an answer
                self.close()
                if not reused or self.retried is not None or method not in ("GET", "PUT"):
                    raise
                self.retried = f"{exc!r} on a {self.state} connection"
                continue
            except BaseException:
                self.close()
                raise
            self.idle = time.monotonic()
            return answer


def suggestion_path(org_id: str, rng: random.Random) -> str:
    """A suggestion request as people make them: presets, filters, ``k``, reasons or not."""
    params = []
    if rng.random() < 0.5:
        params.append(f"preset={rng.choice(PRESETS)}")
    f = rng.random()
    if f < 0.2:
        params.append(f"country={rng.choice(COUNTRIES)}")
    elif f < 0.3:
        params.append(f"country={','.join(rng.sample(COUNTRIES, 3))}")
    elif f < 0.45:
        params.append(f"type={rng.choice(TYPES)}")
    elif f < 0.55:
        params.append(f"sector={rng.choice(SECTORS)}")
    if rng.random() < 0.3:
        params.append("k=20")
    if rng.random() < 0.3:
        params.append("explain=false")
    query = "?" + "&".join(params) if params else ""
    return f"/api/organisations/{org_id}/suggestions{query}"


def _request_of(kind: str, plan: Plan, org_id: str, rng: random.Random) -> tuple[str, bool]:
    """The path of a request of ``kind``, and whether it uses the organiser's key."""
    if kind == "suggestions":
        return suggestion_path(org_id, rng), False
    if kind == "organisation":
        return f"/api/organisations/{rng.choice(plan.org_ids)}", False
    if kind == "organisation list":
        offset = 50 * rng.randrange(len(plan.org_ids) // 50 + 1)
        extra = f"&country={rng.choice(COUNTRIES)}" if rng.random() < 0.3 else ""
        return f"/api/organisations?limit=50&offset={offset}{extra}", False
    event = f"/api/events/{plan.event_id}"
    return rng.choice(("/api/events", event, f"{event}/participants")), True


async def _timed(
    conn: Connection,
    records: list[Record],
    t0: float,
    kind: str,
    method: str,
    path: str,
    key: str,
    body: bytes | None = None,
    **headers: str,
) -> tuple[dict[bytes, bytes], bytes] | None:
    started = time.monotonic()
    try:
        status, got_headers, got_body = await conn.request(method, path, key, body, **headers)
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
        detail = f"{method} {path}: {exc!r} on a {conn.state} connection"
        records.append(
            Record(started - t0, kind, time.monotonic() - started, type(exc).__name__, detail)
        )
        return None
    elapsed = time.monotonic() - started
    retried = conn.retried is not None
    if status == 200:
        note = f"{method} {path}: {conn.retried}" if retried else None
        records.append(Record(started - t0, kind, elapsed, None, note, retried))
        return got_headers, got_body
    detail = f"{method} {path}: {got_body[:300].decode(errors='replace')}"
    records.append(Record(started - t0, kind, elapsed, f"{kind}: HTTP {status}", detail, retried))
    return None


async def _edit_own_profile(
    conn: Connection, records: list[Record], t0: float, org_id: str, key: str, n: int
) -> None:
    """Read the own profile (and its version), change the description, send it back."""
    path = f"/api/organisations/{org_id}"
    got = await _timed(conn, records, t0, "own profile", "GET", path, key)
    if got is None:
        return
    headers, body = got
    profile = json.loads(body)
    base = profile.get("description", "").split(" [edit ", 1)[0]
    profile["description"] = f"{base} [edit {n}]".strip()
    await _timed(
        conn,
        records,
        t0,
        "profile edit",
        "PUT",
        path,
        key,
        json.dumps(profile).encode(),
        If_Match=headers[b"etag"].decode(),
    )


async def _client(i: int, plan: Plan, t0: float, until: float, records: list[Record]) -> None:
    rng = random.Random(plan.seed * 1000 + i)
    org_id, key = plan.members[i]
    conn = Connection(plan.port)
    kinds, weights = list(MIX), list(MIX.values())
    rate = plan.updates_per_minute / 60.0 / len(plan.members)  # edits per second, this client
    next_edit = t0 + rng.expovariate(rate) if rate > 0 else math.inf
    edits = 0
    await asyncio.sleep(rng.uniform(0, plan.think))  # clients do not start in step
    while time.monotonic() < until:
        if time.monotonic() >= next_edit:
            edits += 1
            await _edit_own_profile(conn, records, t0, org_id, key, edits)
            next_edit = time.monotonic() + rng.expovariate(rate)
        else:
            kind = rng.choices(kinds, weights)[0]
            path, organiser = _request_of(kind, plan, org_id, rng)
            await _timed(
                conn, records, t0, kind, "GET", path, plan.organiser_key if organiser else key
            )
        if plan.think > 0:
            await asyncio.sleep(rng.expovariate(1.0 / plan.think))
    conn.close()


async def _progress(t0: float, until: float, records: list[Record]) -> None:
    minute = 1
    while t0 + 60 * minute <= until:
        await asyncio.sleep(max(0.0, t0 + 60 * minute - time.monotonic()))
        errors = sum(r.error is not None for r in records)
        print(f"  minute {minute}: {len(records):,} requests, {errors} errors", flush=True)
        minute += 1


def _load(plan: Plan, seconds: float, conn: Any) -> None:
    """The load generator's process: told when to start, it sends every record back."""
    records: list[Record] = []
    conn.send("ready")
    t0 = conn.recv()

    async def run() -> None:
        await asyncio.sleep(max(0.0, t0 - time.monotonic()))
        until = t0 + seconds
        progress = asyncio.create_task(_progress(t0, until, records))
        await asyncio.gather(
            *(_client(i, plan, t0, until, records) for i in range(len(plan.members)))
        )
        progress.cancel()

    asyncio.run(run())
    conn.send([(r.t, r.kind, r.latency, r.error, r.detail, r.retried) for r in records])
    conn.close()


def run_load(
    server: Server, plan: Plan, seconds: float, sample_every: float
) -> tuple[list[Record], list[dict[str, Any]], dict[int, str], float]:
    """Run the clients in a child process; sample the server's memory meanwhile.

    Returns the records, the samples (``t``, ``load``, ``rss`` by process id in bytes), the
    role of each process sampled and the server's CPU seconds over the run.
    """
    root = server.process.pid
    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    process = ctx.Process(target=_load, args=(plan, seconds, theirs))
    process.start()
    theirs.close()
    if ours.recv() != "ready":
        raise RuntimeError("the load generator did not start")
    t0 = time.monotonic() + 0.5
    ours.send(t0)
    cpu_before = cpu_seconds(root)
    samples: list[dict[str, Any]] = []
    roles: dict[int, str] = {}
    due = t0
    while not ours.poll(max(0.0, due - time.monotonic())):
        if not process.is_alive():
            raise RuntimeError(f"the load generator stopped (exit code {process.exitcode})")
        if server.process.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.log.read_text()[-2000:]}")
        now = time.monotonic()
        rss = memory_sample(root)
        for pid in rss.keys() - roles.keys():
            roles[pid] = _role(pid, root)
        samples.append({"t": round(now - t0, 2), "load": load_average(), "rss": rss})
        if len(samples) % max(1, round(60 / sample_every)) == 1:
            total = sum(rss.values()) / MIB
            print(
                f"  t = {now - t0:5.0f} s: server RSS {total:,.0f} MiB "
                f"({len(rss)} processes), load average {samples[-1]['load']:.1f}",
                flush=True,
            )
        due += sample_every
    raw = ours.recv()
    process.join()
    cpu = cpu_seconds(root) - cpu_before
    return [Record(*r) for r in raw], samples, roles, cpu


# --- setting up -------------------------------------------------------------------------------


def organiser_event(base_url: str, admin: dict[str, str]) -> tuple[str, str]:
    """An organiser key, and the brokerage fixture stored as its event: (key, event id)."""
    r = httpx.post(
        f"{base_url}/api/keys",
        headers=admin,
        timeout=30,
        json={"role": "organiser", "subject": "soak-organiser", "name": "soak"},
    )
    r.raise_for_status()
    key = r.json()["key"]
    r = httpx.post(
        f"{base_url}/api/events",
        content=EVENT_FILE.read_bytes(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=120,
    )
    if r.status_code != 201:
        raise RuntimeError(f"storing the event failed: {r.status_code} {r.text[:2000]}")
    return key, str(r.json()["id"])


def refit_once(base_url: str, member: tuple[str, str], timeout: float = 900.0) -> float:
    """Edit ``member``'s own profile and wait until every worker answers from a fit of the new
    registry revision (20 answers in a row on new connections); the seconds it took.

    Run before the load so that the warm-up is over when it starts: a worker's first refit
    raises its resident set once (it holds two fits while it builds the new one).
    """
    org_id, key = member
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection, any worker
    auth = {"Authorization": f"Bearer {key}"}
    started = time.monotonic()
    with httpx.Client(base_url=base_url, timeout=300, limits=limits, headers=auth) as client:
        suggestions = f"/api/organisations/{org_id}/suggestions"
        before = client.get(suggestions).raise_for_status().json()["revision"]
        r = client.get(f"/api/organisations/{org_id}").raise_for_status()
        profile = {**r.json(), "description": f"{r.json().get('description', '')} [edit 0]"}
        if_match = {"If-Match": r.headers["etag"]}
        client.put(
            f"/api/organisations/{org_id}", json=profile, headers=if_match
        ).raise_for_status()
        in_a_row = 0
        while in_a_row < 20:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the workers did not refit within {timeout:g} s")
            revision = client.get(suggestions).raise_for_status().json()["revision"]
            in_a_row = in_a_row + 1 if revision > before else 0
            time.sleep(0.1)
    return time.monotonic() - started


# --- results ----------------------------------------------------------------------------------


def memory_figures(
    samples: Sequence[dict[str, Any]],
    roles: dict[int, str],
    *,
    warmup_s: float,
    max_growth: float,
    max_slope: float,
) -> dict[str, Any]:
    """The total RSS series, its flatness, and each process's own figures."""
    times = [s["t"] for s in samples]
    total = [sum(s["rss"].values()) / MIB for s in samples]
    flat = flatness(times, total, warmup_s=warmup_s, max_growth=max_growth, max_slope=max_slope)
    after = [s for s in samples if s["t"] >= warmup_s]
    first, last = set(after[0]["rss"]), set(after[-1]["rss"])
    changed = sorted(first ^ last)
    if changed:
        flat["flat"] = False
        flat["reasons"].append(f"processes changed after the warm-up: {changed}")
    processes = {}
    for pid in sorted({p for s in samples for p in s["rss"]}):
        held = [(s["t"], s["rss"][pid] / MIB) for s in samples if pid in s["rss"]]
        own: dict[str, Any] = {
            "role": roles.get(pid, "process"),
            "first_mib": round(held[0][1], 1),
            "last_mib": round(held[-1][1], 1),
            "max_mib": round(max(v for _, v in held), 1),
        }
        try:
            f = flatness(
                [t for t, _ in held],
                [v for _, v in held],
                warmup_s=warmup_s,
                max_growth=max_growth,
                max_slope=max_slope,
            )
            own.update(growth=f["growth"], slope_mib_per_min=f["slope_mib_per_min"])
        except ValueError:
            pass
        processes[str(pid)] = own
    return {
        "sample_seconds": round(times[1] - times[0], 2) if len(times) > 1 else None,
        "series": [
            {
                "t": s["t"],
                "total_mib": round(v, 1),
                "load": s["load"],
                "rss_mib": {str(p): round(b / MIB, 1) for p, b in s["rss"].items()},
            }
            for s, v in zip(samples, total, strict=True)
        ],
        "processes": processes,
        "flatness": flat,
    }


def _minute_context(minutes: list[dict[str, Any]], series: list[dict[str, Any]]) -> None:
    """Add RSS at each minute's end and the mean load average over it to the minute rows."""
    for row in minutes:
        lo, hi = 60 * (row["minute"] - 1), 60 * row["minute"]
        inside = [s for s in series if lo <= s["t"] < hi] or series[-1:]
        row["rss_end_mib"] = inside[-1]["total_mib"]
        row["load_average"] = round(_mean([s["load"] for s in inside]), 2)


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def markdown(result: dict[str, Any]) -> str:
    cfg, total, mem, setup = result["config"], result["total"], result["memory"], result["setup"]
    flat = mem["flatness"]
    loads = [s["load"] for s in mem["series"]]
    lines = [
        "# API soak",
        "",
        f"{result['date']}; {result['machine']['cpu']}, {result['machine']['cores']} cores; "
        f"uvicorn workers: {cfg['workers']}; SQLite; {result['setup']['organisations']:,} "
        f"organisations.",
        "",
        f"`{result['command']}`",
        "",
        f"{cfg['clients']} clients for {cfg['minutes']:g} minutes, each pausing "
        f"{cfg['think']:g} s on average after an answer; profile edits: "
        f"{cfg['updates_per_minute']:g} a minute over all clients (each a refit of the "
        f"registry in every worker). Machine load average during the run: "
        f"{min(loads):.1f} to {max(loads):.1f} (mean {_mean(loads):.1f}) on "
        f"{result['machine']['cores']} cores.",
        "",
        f"Before the load: import {setup['import']['seconds']:.1f} s; the first fit of every "
        f"worker {setup['warm_up_seconds']:.1f} s (server RSS then "
        f"{setup['rss_after_first_fit_mib']:,.1f} MiB); one profile edit and every worker's "
        f"refit {setup['refit_seconds']:.1f} s (RSS {setup['rss_after_first_refit_mib']:,.1f} "
        f"MiB). The first {cfg['warmup_minutes']:g} minute(s) of the load are the warm-up, "
        "left out of the memory check.",
        "",
        f"**Verdict: {'passed' if result['passed'] else 'FAILED'}**: "
        f"{total['requests']:,} requests, {total['errors']} errors "
        f"({total['retried']} sent again on a new connection after a reused one was closed); "
        f"memory {'flat' if flat['flat'] else 'NOT flat'}: RSS of the server's processes "
        f"{flat['start_mib']:,.1f} MiB in the first minute after the warm-up, "
        f"{flat['end_mib']:,.1f} MiB in the last (lower quartiles; growth "
        f"{flat['growth']:+.1%}, limit {flat['max_growth']:.0%}), slope "
        f"{flat['slope_mib_per_min']:+.2f} MiB/min (least squares of the lower quartiles of "
        f"the {flat['windows']} minutes; limit "
        f"{flat['max_slope_mib_per_min']:g}; of all {flat['samples']} samples "
        f"{flat['slope_all_mib_per_min']:+.2f}); range {flat['min_mib']:,.1f} to "
        f"{flat['max_mib']:,.1f} MiB.",
    ]
    if flat["reasons"]:
        lines += ["", "Not flat: " + "; ".join(flat["reasons"]) + "."]
    if total["error_kinds"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in total["error_kinds"].items())
        lines += ["", f"Errors: {kinds}. The first ones:", ""]
        lines += [f"- at {e['t']:.1f} s: {e['detail']}" for e in result["error_details"][:10]]
    if result["retry_details"]:
        lines += ["", "Sent again on a new connection (the first ones):", ""]
        lines += [f"- at {e['t']:.1f} s: {e['detail']}" for e in result["retry_details"][:5]]
    lines += [
        "",
        "| minute | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors "
        "| RSS at end MiB | load average |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in result["minutes"]:
        lines.append(
            f"| {m['minute']} | {m['requests']:,} | {m['throughput_per_s']} | {m['p50_ms']} | "
            f"{m['p90_ms']} | {m['p99_ms']} | {m['max_ms']} | {m['errors']} | "
            f"{m['rss_end_mib']:,.1f} | {m['load_average']:.1f} |"
        )
    lines += [
        "",
        "| request | count | p50 ms | p90 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, k in result["kinds"].items():
        lines.append(
            f"| {kind} | {k['requests']:,} | {k['p50_ms']} | {k['p90_ms']} | {k['p99_ms']} | "
            f"{k['max_ms']} | {k['errors']} |"
        )
    lines += [
        "",
        "| process | role | RSS first MiB | last MiB | max MiB | growth after warm-up "
        "| slope MiB/min |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for pid, p in mem["processes"].items():
        growth = f"{p['growth']:+.1%}" if "growth" in p else "-"
        slope = f"{p['slope_mib_per_min']:+.2f}" if "slope_mib_per_min" in p else "-"
        lines.append(
            f"| {pid} | {p['role']} | {p['first_mib']:,.1f} | {p['last_mib']:,.1f} | "
            f"{p['max_mib']:,.1f} | {growth} | {slope} |"
        )
    lines += [
        "",
        f"Server CPU over the run: {result['server_cpu_seconds']:,.0f} s "
        f"({result['server_cores_busy']:.2f} cores busy on average). A load average above "
        f"the number of cores means other programs were waiting for the same cores; latency "
        f"then includes that wait.",
    ]
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    """RSS of the server's processes and latency per minute, against time (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    mem, flat = result["memory"], result["memory"]["flatness"]
    warmup = result["config"]["warmup_minutes"]
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    t = np.array([s["t"] for s in mem["series"]]) / 60
    top.plot(t, [s["total_mib"] for s in mem["series"]], label="all server processes", color="k")
    for pid, p in mem["processes"].items():
        own = [(s["t"] / 60, s["rss_mib"][pid]) for s in mem["series"] if pid in s["rss_mib"]]
        if own and p["role"] != "resource tracker":
            xs, ys = zip(*own, strict=True)
            top.plot(xs, ys, label=f"{p['role']} {pid}", linewidth=0.9)
    mid, level = np.array(flat["levels"]).T
    top.plot(mid, level, "s", color="k", markersize=5, label="lower quartile of each minute")
    slope, intercept = np.polyfit(mid, level, 1) if len(mid) > 1 else (0.0, level[0])
    top.plot(
        mid,
        slope * mid + intercept,
        "--",
        color="grey",
        label=f"their least squares: {slope:+.2f} MiB/min",
    )
    edits = np.asarray(result["edit_times"]) / 60
    top.plot(
        edits,
        np.zeros_like(edits),
        "|",
        color="tab:red",
        markersize=12,
        label="profile edits (each a refit)",
    )
    top.axvspan(0, warmup, color="0.9", label="warm-up")
    top.set_ylabel("RSS (MiB)")
    top.set_ylim(bottom=0)
    top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    verdict = "flat" if flat["flat"] else "NOT flat"
    top.set_title(
        f"Soak: {result['config']['clients']} clients, {result['total']['requests']:,} "
        f"requests, {result['total']['errors']} errors; memory {verdict}"
    )
    x = np.array([m["minute"] - 0.5 for m in result["minutes"]])
    for q in ("p50_ms", "p90_ms", "p99_ms"):
        values = [m[q] if m[q] is not None else np.nan for m in result["minutes"]]
        bottom.plot(x, values, marker="o", label=q.split("_")[0])
    bottom.set_yscale("log")
    bottom.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    bottom.yaxis.set_minor_formatter(NullFormatter())
    bottom.set_ylabel("latency per minute (ms, log scale)")
    bottom.set_xlabel("minutes since the load started")
    bottom.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.savefig(path, dpi=110)


def build_result(
    command: str,
    config: dict[str, Any],
    setup: dict[str, Any],
    records: Sequence[Record],
    samples: Sequence[dict[str, Any]],
    roles: dict[int, str],
    server_cpu: float,
) -> dict[str, Any]:
    """The soak's results document: figures overall, per kind and per minute, memory and its
    flatness, and ``passed`` (no error and memory flat).

    ``config`` holds the options (``minutes``, ``warmup_minutes``, ``max_growth``,
    ``max_slope``...); ``setup`` what was done before the load.
    """
    seconds = 60 * config["minutes"]
    memory = memory_figures(
        samples,
        roles,
        warmup_s=60 * config["warmup_minutes"],
        max_growth=config["max_growth"],
        max_slope=config["max_slope"],
    )
    minutes = per_minute(records, seconds)
    _minute_context(minutes, memory["series"])
    total = latency_figures(records, seconds)
    errors = [r for r in records if r.error is not None]
    retried = [r for r in records if r.retried]
    return {
        "format": FORMAT,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        "config": config,
        "setup": setup,
        "mix": MIX,
        "total": total,
        "kinds": per_kind(records, seconds),
        "edit_times": [round(r.t, 2) for r in records if r.kind == "profile edit"],
        "per_second": per_second(records, seconds),
        "error_details": [
            {"t": round(r.t, 2), "error": r.error, "detail": r.detail} for r in errors[:100]
        ],
        "retry_details": [{"t": round(r.t, 2), "detail": r.detail} for r in retried[:100]],
        "minutes": minutes,
        "memory": memory,
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cores_busy": round(server_cpu / seconds, 2),
        "passed": total["errors"] == 0 and memory["flatness"]["flat"],
    }


# --- main -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.api_soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, help="folder for soak.json, soak.md and soak.png")
    p.add_argument("--minutes", type=float, default=10.0, help="length of the load (default 10)")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--orgs", type=int, default=10_000, help="registry size (default 10,000)")
    p.add_argument(
        "--think", type=float, default=1.0, help="mean pause after each answer (s, default 1)"
    )
    p.add_argument(
        "--updates-per-minute",
        type=float,
        default=2.0,
        help="profile edits a minute over all clients (default 2; each refits the registry)",
    )
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    p.add_argument(
        "--warmup-minutes", type=float, default=1.0, help="left out of the flatness check"
    )
    p.add_argument(
        "--max-growth", type=float, default=0.05, help="RSS growth allowed (fraction, 0.05)"
    )
    p.add_argument(
        "--max-slope", type=float, default=5.0, help="RSS slope allowed (MiB/min, default 5)"
    )
    p.add_argument("--sample-seconds", type=float, default=5.0, help="RSS sampling period")
    p.add_argument("--seed", type=int, default=7)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.minutes <= args.warmup_minutes or args.clients < 1 or args.sample_seconds <= 0:
        print(
            "error: --minutes must be longer than --warmup-minutes, --clients 1 or more and "
            "--sample-seconds positive",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seconds = 60 * args.minutes
    print(f"generating {args.orgs:,} profiles ...", flush=True)
    data, ids = registry_csv(args.orgs, args.seed)
    admin_key = secrets.token_urlsafe(32)
    admin = {"Authorization": f"Bearer {admin_key}"}
    with tempfile.TemporaryDirectory(prefix="mm-soak-") as tmp:
        port = free_port()
        server = Server.start(
            f"sqlite:///{tmp}/soak.db", port, args.workers, admin_key, out / "server.log", 180
        )
        try:
            print(
                f"server on {server.base_url} ({args.workers} workers); importing ...", flush=True
            )
            imported = import_registry(server.base_url, admin, data)
            members = member_keys(server.base_url, admin, ids, args.clients, args.seed)
            organiser_key, event_id = organiser_event(server.base_url, admin)
            warm = warm_up(server.base_url, members, args.workers)
            fitted = memory_sample(server.process.pid)
            print(
                f"  imported {imported['created']:,} in {imported['seconds']:.1f} s; first "
                f"fits {warm:.1f} s; a profile edit, every worker fits again ...",
                flush=True,
            )
            refit = refit_once(server.base_url, members[0])
            refitted = memory_sample(server.process.pid)
            print(f"  refit {refit:.1f} s; soak of {args.minutes:g} minutes ...", flush=True)
            plan = Plan(
                port,
                members,
                organiser_key,
                event_id,
                ids,
                args.think,
                args.updates_per_minute,
                args.seed,
            )
            records, samples, roles, cpu = run_load(server, plan, seconds, args.sample_seconds)
        finally:
            server.stop()
    command = "python -m benchmarks.api_soak " + " ".join(
        sys.argv[1:] if argv is None else list(argv)
    )
    setup = {
        "organisations": imported["created"],
        "import": imported,
        "event": event_id,
        "warm_up_seconds": round(warm, 2),
        "refit_seconds": round(refit, 2),
        "rss_after_first_fit_mib": round(sum(fitted.values()) / MIB, 1),
        "rss_after_first_refit_mib": round(sum(refitted.values()) / MIB, 1),
    }
    config = {k: v for k, v in vars(args).items() if k != "out"}
    result = build_result(command.strip(), config, setup, records, samples, roles, cpu)
    (out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    report = markdown(result)
    (out / "soak.md").write_text(report)
    plot(result, out / "soak.png")
    print(report)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
