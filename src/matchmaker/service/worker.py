"""``matchmaker worker``: a process that runs jobs, beside the web servers.

    matchmaker worker [--db URL] [--threads N]

It claims the queued portable jobs (:mod:`matchmaker.service.job_kinds`: allocations,
schedules, re-plans, pairs) of every server on the same database, fairly per organiser, holds
each with a lease while it runs, and stores the result; the web servers only queue them
(``MATCHMAKER_JOB_WORKERS=0``), so that a long solve never holds up a request. Several workers
may share a database (PostgreSQL for more than one machine): a job is claimed by one of them,
and when a worker dies its job goes back to the queue once its lease runs out and another
worker runs it afresh. ``SIGTERM`` or ``SIGINT`` stops the worker: no new job is claimed, the
running ones get ``MATCHMAKER_JOB_SHUTDOWN_GRACE_S`` seconds, and those left go back to the
queue, so a rolling restart loses no run.

Settings come from the environment (``MATCHMAKER_*``, :mod:`matchmaker.service.settings`),
the same as the servers'. ``matchmaker-server --worker`` starts one worker beside the web
server, and stops it with the server.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

__all__ = ["build_parser", "main", "serve"]

log = logging.getLogger("matchmaker.service.worker")


def build_parser(prog: str = "matchmaker worker") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="run the jobs (allocations, schedules, pairs) that the servers queue",
    )
    parser.add_argument(
        "--db", help="database URL or SQLite file (default: $MATCHMAKER_DATABASE_URL)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="jobs run at once (default: $MATCHMAKER_JOB_WORKERS, or 2 when that is 0)",
    )
    parser.add_argument(
        "--parent",
        type=int,
        metavar="PID",
        help="stop when this process ends (set by matchmaker-server --worker)",
    )
    return parser


def serve(
    database_url: str | None = None,
    *,
    threads: int | None = None,
    stop: threading.Event | None = None,
    parent: int | None = None,
) -> int:
    """Run jobs until ``stop`` is set (or the ``parent`` process ends); then stop within the
    settings' grace. Returns the exit code."""
    from matchmaker.service.job_runner import runner_for
    from matchmaker.service.settings import Settings
    from matchmaker.store import Store

    settings = Settings() if database_url is None else Settings(database_url=database_url)
    count = threads if threads is not None else (settings.job_workers or 2)
    if count < 1:
        print("error: --threads must be 1 or more", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    with Store(settings.database_url) as store:
        runner = runner_for(store, settings, workers=count)
        recovered = runner.start()
        log.info(
            "worker %s: %d threads on %s%s",
            runner.instance,
            count,
            store.url,
            f"; {recovered} jobs of stopped workers recovered" if recovered else "",
        )
        print(f"worker {runner.instance}: running jobs ({count} at once)", flush=True)
        try:
            while not stop.wait(1.0):
                if parent is not None and not _alive(parent):
                    # The server that started it has ended (uvicorn ends its process with
                    # the signal it stopped on, before any code after it runs).
                    log.info("worker %s: its server stopped; stopping", runner.instance)
                    break
        finally:
            runner.shutdown()
            print(f"worker {runner.instance}: stopped", flush=True)
    return 0


def _alive(pid: int) -> bool:
    if os.getppid() != pid:  # re-parented: the server is gone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: Sequence[str] | None = None, prog: str = "matchmaker worker") -> int:
    args = build_parser(prog).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the migrations' chatter
    from matchmaker.errors import MatchmakerError
    from matchmaker.store import database_url

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        url = database_url(args.db) if args.db else None
        return serve(url, threads=args.threads, stop=stop, parent=args.parent)
    except MatchmakerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog="python -m matchmaker.service.worker"))
