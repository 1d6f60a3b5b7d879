"""Load benchmark of the HTTP service: a real ``matchmaker-server`` (uvicorn) on loopback.

::

    python -m benchmarks.api_load --out results/api-load [--orgs 10000] [--clients 32]
        [--seconds 60] [--think 1.0] [--closed-seconds 60] [--workers 2]

1. Starts ``matchmaker-server`` on a free loopback port with a fresh SQLite database.
2. Imports ``--orgs`` generated profiles through ``POST /api/organisations/import`` (one CSV
   upload, timed from the request to the answer; target: at most 30 s).
3. Makes one member key per client, each for another organisation, and warms the server up
   (the first suggestion of each worker fits the registry; that time is reported apart).
4. A load generator in another process runs ``--clients`` clients on raw keep-alive HTTP/1.1
   connections (asyncio), each a loop of ``GET /api/organisations/{its own}/suggestions``
   with one of a few query variants (preset, a country or type filter, k), and measures each
   request from its first byte written to its last byte read.

Two phases. *Browsing* (the targets): after each answer a client pauses for a random time,
exponential with mean ``--think`` seconds, because a person browsing suggestions reads the
list before asking again; a cluster does not fire requests back to back. *Closed loop*: no
pause, each client asks again at once; this shows the server's capacity on this machine and
is reported, not held to the targets.

Targets (exit 1 when one is missed): browsing p50 <= 20 ms, p99 <= 100 ms, no error;
import <= 30 s. Writes ``api_load.json`` and ``api_load.md`` under ``--out``.

The server runs with ``MATCHMAKER_RATE_LIMIT_PER_MINUTE`` raised: a closed loop on a fast
machine sends more requests per key than the default limit (1,200 a minute) allows; the limiter
still runs on every request.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.core import machine

FORMAT = "matchmaker-api-load/1"
TARGETS = {"p50_ms": 20.0, "p99_ms": 100.0, "errors": 0, "import_seconds": 30.0}
COUNTRIES = ("DE", "FR", "IT", "ES", "PL", "NL", "BE", "SE", "AT", "PT")
TYPES = ("sme", "university", "cluster", "research_organisation")


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    """A port that is free on loopback now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_command() -> list[str]:
    script = Path(sys.executable).with_name("matchmaker-server")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "matchmaker.service.server"]


@dataclass
class Server:
    """A ``matchmaker-server`` process of our own, stopped by its process id."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @classmethod
    def start(
        cls, db: str, port: int, workers: int, admin_key: str, log: Path, timeout: float = 60.0
    ) -> Server:
        env = {
            **os.environ,
            "MATCHMAKER_ADMIN_KEY": admin_key,
            "MATCHMAKER_RATE_LIMIT_PER_MINUTE": "1000000",
            "MATCHMAKER_MAX_UPLOAD_BYTES": str(100 * 2**20),
        }
        command = [
            *_server_command(),
            "--host", "127.0.0.1",
            "--port", str(port),
            "--db", db,
            "--workers", str(workers),
            "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        try:
            server.wait_ready(timeout)
        except BaseException:
            server.stop()  # not left running
            raise
        return server

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by process ``root`` and its children (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def load_average() -> float:
    """The machine's load average over the last minute (runnable processes, all users)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


# --- setting up through the API ---------------------------------------------------------------


def registry_csv(n: int, seed: int) -> tuple[bytes, list[str]]:
    """``n`` generated profiles as a CSV file, and their ids."""
    from matchmaker.io import dump_organisations
    from matchmaker.synth import generate_registry

    orgs = generate_registry(n, seed=seed).organisations
    return dump_organisations(orgs, "csv"), [o.id for o in orgs]


def import_registry(base_url: str, admin: dict[str, str], data: bytes) -> dict[str, Any]:
    """Upload the registry; the time from sending to the answer."""
    started = time.perf_counter()
    r = httpx.post(
        f"{base_url}/api/organisations/import",
        files={"file": ("registry.csv", data, "text/csv")},
        headers=admin,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if r.status_code != 200:
        raise RuntimeError(f"the import failed: {r.status_code} {r.text[:2000]}")
    body = r.json()
    return {
        "seconds": round(seconds, 3),
        "bytes": len(data),
        "created": body["created"],
        "rows": body["rows"],
        "problems": len(body["problems"]),
    }


def member_keys(
    base_url: str, admin: dict[str, str], ids: Sequence[str], n: int, seed: int
) -> list[tuple[str, str]]:
    """A member key for each of ``n`` organisations picked at random: (organisation, key)."""
    picked = random.Random(seed).sample(list(ids), n)
    out = []
    with httpx.Client(base_url=base_url, headers=admin, timeout=30) as client:
        for org_id in picked:
            r = client.post("/api/keys", json={"role": "member", "subject": org_id,
                                               "name": f"load {org_id}"})  # fmt: skip
            r.raise_for_status()
            out.append((org_id, r.json()["key"]))
    return out


def warm_up(base_url: str, members: Sequence[tuple[str, str]], workers: int) -> float:
    """Ask until every worker answers fast (each fits the registry on its first question)."""
    started = time.perf_counter()

    def one(member: tuple[str, str]) -> float:
        org_id, key = member
        t = time.perf_counter()
        r = httpx.get(
            f"{base_url}/api/organisations/{org_id}/suggestions",
            headers={"Authorization": f"Bearer {key}"},
            timeout=300,
        )
        r.raise_for_status()
        return time.perf_counter() - t

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4 * workers) as pool:
        for _ in range(50):
            batch = [members[i % len(members)] for i in range(4 * workers)]
            if max(pool.map(one, batch)) < 0.5:
                break
    return time.perf_counter() - started


# --- the load generator (another process) -----------------------------------------------------


def _variants(org_id: str, rng: random.Random) -> list[str]:
    base = f"/api/organisations/{org_id}/suggestions"
    return [
        base,
        f"{base}?preset=policy_learning",
        f"{base}?country={rng.choice(COUNTRIES)}",
        f"{base}?type={rng.choice(TYPES)}&k=20",
        f"{base}?preset=research&explain=false",
    ]


async def read_response(
    reader: asyncio.StreamReader,
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One HTTP/1.1 response from ``reader``: status, headers (lower-case names), body."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    headers: dict[bytes, bytes] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunks.append((await reader.readexactly(size + 2))[:size])
            if size == 0:
                break
        body = b"".join(chunks)
    elif length := int(headers.get(b"content-length", b"0")):
        body = await reader.readexactly(length)
    return status, headers, body


async def _read_response(reader: asyncio.StreamReader) -> int:
    return (await read_response(reader))[0]


async def _client(
    port: int,
    org_id: str,
    key: str,
    until: float,
    think: float,
    seed: int,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    rng = random.Random(seed)
    paths = _variants(org_id, rng)
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    idle = time.perf_counter()
    if think > 0:  # clients do not start in step
        await asyncio.sleep(rng.uniform(0, think))
    while time.perf_counter() < until:
        path = rng.choice(paths)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        try:
            # As browsers and HTTP libraries do: a connection idle past the server's keep-alive
            # time (uvicorn: 5 s), or closed by the server, is replaced before the request.
            if writer is not None and (reader is None or reader.at_eof() or started - idle > 4.0):
                writer.close()
                reader = writer = None
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(request)
            await writer.drain()
            status = await _read_response(reader)
            idle = time.perf_counter()
            elapsed = idle - started
            if status == 200:
                latencies.append(elapsed)
            else:
                errors[f"HTTP {status}"] += 1
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[type(exc).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
        if think > 0:
            await asyncio.sleep(rng.expovariate(1.0 / think))
    if writer is not None:
        writer.close()


def _load(
    port: int,
    members: list[tuple[str, str]],
    seconds: float,
    think: float,
    seed: int,
    conn: Any,
) -> None:
    """The load generator's process: every client at once, then the measurements back."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _client(port, org, key, until, think, seed + i, latencies, errors)
                for i, (org, key) in enumerate(members)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    conn.send({"latencies": latencies, "errors": dict(errors),
               "wall": time.perf_counter() - started})  # fmt: skip
    conn.close()


def run_phase(
    server: Server, members: list[tuple[str, str]], seconds: float, think: float, seed: int
) -> dict[str, Any]:
    """Run one phase in a child process; its latency figures, the server's CPU time per
    request and the machine's load average (other programs compete for the same cores)."""
    port = int(server.base_url.rsplit(":", 1)[1])
    cpu_before, load_before = cpu_seconds(server.process.pid), load_average()
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_load, args=(port, members, seconds, think, seed, sender))
    process.start()
    sender.close()
    got = receiver.recv()
    process.join()
    figures = summarise(got["latencies"], got["errors"], got["wall"], think, len(members))
    cpu = cpu_seconds(server.process.pid) - cpu_before
    answered = figures["requests"] + figures["errors"]
    figures["server_cpu_ms_per_request"] = round(1000 * cpu / answered, 2) if answered else None
    figures["server_cores_busy"] = round(cpu / got["wall"], 2)
    figures["load_average"] = [load_before, load_average()]
    return figures


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def summarise(
    latencies: list[float], errors: dict[str, int], wall: float, think: float, clients: int
) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in latencies)
    return {
        "clients": clients,
        "think_mean_s": think,
        "seconds": round(wall, 2),
        "requests": len(ms),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "throughput_per_s": round(len(ms) / wall, 1) if wall else 0.0,
        "p50_ms": round(_percentile(ms, 50), 2),
        "p90_ms": round(_percentile(ms, 90), 2),
        "p99_ms": round(_percentile(ms, 99), 2),
        "max_ms": round(ms[-1], 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


# --- report -----------------------------------------------------------------------------------


def check_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    browsing = result["phases"]["browsing"]
    rows = [
        ("browsing p50 (ms)", browsing["p50_ms"], "<=", TARGETS["p50_ms"]),
        ("browsing p99 (ms)", browsing["p99_ms"], "<=", TARGETS["p99_ms"]),
        ("browsing errors", browsing["errors"], "<=", TARGETS["errors"]),
        ("import (s)", result["import"]["seconds"], "<=", TARGETS["import_seconds"]),
    ]
    return [
        {"metric": m, "value": v, "op": op, "target": t, "met": bool(v == v and v <= t)}
        for m, v, op, t in rows
    ]


def markdown(result: dict[str, Any]) -> str:
    cfg, imp = result["config"], result["import"]
    lines = [
        "# API load benchmark",
        "",
        f"{result['date']}; {result['machine']['cpu']}, {result['machine']['cores']} cores; "
        f"uvicorn workers: {cfg['workers']}; SQLite.",
        "",
        f"Import of {imp['created']:,} generated profiles through `POST /api/organisations/"
        f"import` ({imp['bytes'] / 2**20:.1f} MiB CSV): **{imp['seconds']:.1f} s**. First "
        f"suggestions of every worker (fitting the registry): {result['warm_up_seconds']:.1f} s.",
        "",
        "| phase | clients | pause (mean) | requests | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| errors | server CPU ms/req | load average (start, end) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, p in result["phases"].items():
        lines.append(
            f"| {name} | {p['clients']} | {p['think_mean_s']:g} s | {p['requests']:,} | "
            f"{p['throughput_per_s']} | {p['p50_ms']} | {p['p90_ms']} | {p['p99_ms']} | "
            f"{p['max_ms']} | {p['errors']} | {p['server_cpu_ms_per_request']} | "
            f"{p['load_average'][0]:.1f}, {p['load_average'][1]:.1f} |"
        )
    lines += [
        "",
        f"The machine has {result['machine']['cores']} cores; a load average above that means "
        "other programs were waiting for the same cores, and latency then includes that wait.",
        "",
        "| target | value | goal | met |",
        "|---|---:|---:|---|",
    ]
    for t in result["targets"]:
        lines.append(
            f"| {t['metric']} | {t['value']} | {t['op']} {t['target']:g} | "
            f"{'yes' if t['met'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


# --- main -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.api_load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--out", required=True, help="folder for api_load.json and api_load.md")
    p.add_argument("--orgs", type=int, default=10_000, help="registry size (default 10,000)")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--seconds", type=float, default=60.0, help="browsing phase (default 60)")
    p.add_argument(
        "--think", type=float, default=1.0, help="mean pause between a client's requests (s)"
    )
    p.add_argument(
        "--closed-seconds", type=float, default=60.0, help="closed-loop phase; 0 skips it"
    )
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    p.add_argument("--seed", type=int, default=7)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.orgs:,} profiles ...", flush=True)
    data, ids = registry_csv(args.orgs, args.seed)
    admin_key = secrets.token_urlsafe(32)
    admin = {"Authorization": f"Bearer {admin_key}"}
    with tempfile.TemporaryDirectory(prefix="mm-load-") as tmp:
        port = free_port()
        server = Server.start(
            f"sqlite:///{tmp}/load.db", port, args.workers, admin_key, out / "server.log"
        )
        try:
            print(f"server on {server.base_url} ({args.workers} workers); importing ...",
                  flush=True)  # fmt: skip
            imported = import_registry(server.base_url, admin, data)
            print(f"  imported {imported['created']:,} in {imported['seconds']:.1f} s", flush=True)
            members = member_keys(server.base_url, admin, ids, args.clients, args.seed)
            warm = warm_up(server.base_url, members, args.workers)
            print(f"  warm-up (fits) {warm:.1f} s; browsing phase {args.seconds:g} s ...",
                  flush=True)  # fmt: skip
            phases = {"browsing": run_phase(server, members, args.seconds, args.think, args.seed)}
            if args.closed_seconds > 0:
                print(f"  closed loop {args.closed_seconds:g} s ...", flush=True)
                phases["closed loop"] = run_phase(
                    server, members, args.closed_seconds, 0.0, args.seed + 1000
                )
        finally:
            server.stop()
    result: dict[str, Any] = {
        "format": FORMAT,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {k: v for k, v in vars(args).items() if k != "out"},
        "import": imported,
        "warm_up_seconds": round(warm, 2),
        "phases": phases,
    }
    result["targets"] = check_targets(result)
    result["met"] = all(t["met"] for t in result["targets"])
    (out / "api_load.json").write_text(json.dumps(result, indent=2) + "\n")
    report = markdown(result)
    (out / "api_load.md").write_text(report)
    print(report)
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
