"""``matchmaker-server``: run the web service with uvicorn.

::

    matchmaker-server [--host 127.0.0.1] [--port 8000] [--db URL] [--demo] [--workers N]

Settings come from the environment (``MATCHMAKER_*``, see ``matchmaker.service.settings``);
``--db`` sets
``MATCHMAKER_DATABASE_URL`` for every worker. Request heads are bounded
(``MATCHMAKER_MAX_HEADER_BYTES``, ``MATCHMAKER_MAX_HEADER_COUNT``: 431 beyond), and
``SIGTERM`` stops the server within ``MATCHMAKER_SHUTDOWN_TIMEOUT_S`` plus
``MATCHMAKER_JOB_SHUTDOWN_GRACE_S`` and a few seconds. With ``--demo`` (database
``var/demo.db`` unless ``--db``) the demo data is loaded once and fresh demo keys are printed.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["main"]

DEMO_DB = "var/demo.db"
# One BLAS thread per process: the server's concurrency is its workers and request threads.
# Several BLAS threads per worker fight over the cores (a fit of 200 profiles took 14 s
# instead of 2 s on a busy 2-core machine) and hold the GIL in LAPACK calls for seconds.
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# A worker that fits a large registry may not answer uvicorn's health check for a while.
WORKER_HEALTHCHECK_SECONDS = 30
# glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MiB), so
# the arrays of every refit of the registry (built while the previous fit still answers) come
# from the heap, whose freed space is kept: in the API soak (10,000 profiles, 2 edits a minute)
# each worker's RSS grew by 33 to 44 MiB a minute. A fixed threshold keeps blocks of 4 MiB and
# more in mappings of their own, given back when freed; the smaller arrays of a suggestion
# stay on the heap (a lower threshold made suggestions slower). With it, the growth was about
# 10 MiB a minute; with the free memory also given back after each rebuild
# (matchmaker.service.suggestion_index), none.
MMAP_THRESHOLD_BYTES = 4 * 2**20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchmaker-server",
        description="Run the Matchmaker web service (API, docs at /docs, organiser page at /).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--db",
        help="database URL or SQLite file (default: $MATCHMAKER_DATABASE_URL; with --demo "
        f"{DEMO_DB})",
    )
    parser.add_argument(
        "--demo", action="store_true", help="load the demo data and print fresh demo keys"
    )
    parser.add_argument("--workers", type=int, default=1, help="web server processes (default 1)")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="run the jobs in a 'matchmaker worker' process beside the web server (started "
        "and stopped with it; the web processes then only queue them)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level",
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log each request (benchmarks)"
    )
    return parser


def fix_mmap_threshold() -> None:
    """Fix glibc's mmap threshold (``MALLOC_MMAP_THRESHOLD_``, 4 MiB unless set) in this
    process and in the worker processes it starts; nothing where malloc is not glibc's."""
    value = os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD_BYTES))
    try:
        mallopt = ctypes.CDLL(None).mallopt  # read from the environment at start: workers
    except (OSError, AttributeError):
        return
    if value.isdigit():  # glibc ignores other values too
        mallopt(_M_MMAP_THRESHOLD, int(value))  # this process, where one worker runs


def _url_host(host: str) -> str:
    if host in {"0.0.0.0", "::"}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, prepare the database (and the demo), and serve until stopped."""
    args = build_parser().parse_args(argv)
    if args.workers < 1 or not 0 <= args.port <= 65535:
        print("error: --workers must be 1 or more and --port 0 to 65535", file=sys.stderr)
        return 2
    for name in _ONE_THREAD:  # before numpy is loaded, here and in the workers
        os.environ.setdefault(name, "1")
    fix_mmap_threshold()

    from matchmaker.errors import InvalidInputError, MatchmakerError
    from matchmaker.store import Store, database_url

    if args.db:
        os.environ["MATCHMAKER_DATABASE_URL"] = database_url(args.db)
    elif args.demo and not os.environ.get("MATCHMAKER_DATABASE_URL"):
        os.environ["MATCHMAKER_DATABASE_URL"] = database_url(DEMO_DB)

    from matchmaker.service.settings import Settings

    settings = Settings()
    base_url = f"http://{_url_host(args.host)}:{args.port}"
    try:
        with Store(settings.database_url) as store:
            if args.demo:
                from matchmaker.service.demo import demo_keys, describe, load_demo

                print(f"Database: {store.url}")
                for line in load_demo(store):
                    print(f"  {line}")
                keys = demo_keys(store)
                print()
                print(describe(keys, base_url))
                print()
    except InvalidInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except MatchmakerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    import uvicorn

    worker = _start_worker() if args.worker else None
    if worker is not None:
        # uvicorn ends its process with the signal it stopped on (it raises it again once the
        # server is down): stop the worker first, so that it gives its unfinished jobs back.
        grace = settings.job_shutdown_grace_s + 10

        def stop_worker_and_exit(signum: int, frame: object) -> None:
            _stop_worker(worker, grace)
            raise SystemExit(0)

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stop_worker_and_exit)
    if not args.demo:
        print(f"API docs: {base_url}/docs   organiser page: {base_url}/", flush=True)
    sys.stdout.flush()
    uvicorn.run(
        "matchmaker.service.header_limits:create_limited_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=not args.no_access_log,
        server_header=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        # Headers are bounded while they arrive (431), never buffered whole: see
        # matchmaker.service.header_limits. httptools would take headers of any size.
        http="matchmaker.service.header_limits:LimitedH11Protocol",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        # SIGTERM: open requests get this long, then are cancelled; the job runner then ends
        # its jobs within its grace (matchmaker.service.job_runner), so the process exits within a
        # bounded time.
        timeout_graceful_shutdown=settings.shutdown_timeout_s,
    )
    if worker is not None:
        _stop_worker(worker, settings.job_shutdown_grace_s + 10)
    return 0


def _start_worker() -> subprocess.Popen[bytes]:
    """A ``matchmaker worker`` process on the same database, which ends with this one; the
    web processes only queue the jobs (``MATCHMAKER_JOB_WORKERS=0``)."""
    command = [sys.executable, "-m", "matchmaker.service.worker", "--parent", str(os.getpid())]
    worker = subprocess.Popen(command, env=dict(os.environ))
    os.environ["MATCHMAKER_JOB_WORKERS"] = "0"  # for the web processes started next
    print(f"Job worker: process {worker.pid}", flush=True)
    return worker


def _stop_worker(worker: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop the worker as a rolling restart would: its unfinished jobs go back to the queue."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
