"""What a refusal costs: every bad input of the corpus through the command line, timed and its
peak memory taken, the worst of each kind recorded.

The corpus is ``tests/reliability/corpus.py`` (built in code, the same bytes every run: files
over the size limits, zip bombs, a million rows of one id, 10^6 cells in a row, documents of
50,000 rounds, options of 10^9 ...). Each entry goes through each command it names, in a child
forked from a process that has imported the command line (as a warm server or a second run
would find it), with its output thrown away. Measured per run: the wall time from the fork to
the child's exit, and how far the child's resident set rose above what it started with
(``VmHWM`` at the end less ``VmRSS`` at the fork). The peak reported is that rise plus the peak
of a fresh process that has imported the command line (``baseline_mib``, about 75 MiB): what a
``matchmaker`` run refusing the input takes in all, without the harness's own memory (the
corpus, held by the parent, is shared with every child).

The quick suite runs the huge entries (the ones a refusal must not read whole), the full suite
all of them. Targets: the worst run at most 2 s and 200 MiB.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.core import ROOT, Case, Target, register

TIMEOUT_S = 60.0


def _corpus() -> Any:
    tests = str(ROOT / "tests")
    if tests not in sys.path:  # the corpus is test data built in code, beside the tests
        sys.path.insert(0, tests)
    from reliability import corpus

    return corpus


def _status_mib(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _fresh_baseline_mib() -> float:
    """The peak resident set of a fresh process that has imported the command line."""
    import subprocess

    code = (
        "import matchmaker.cli\n"
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'): print(int(line.split()[1]) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _run_child(argv: list[str]) -> dict[str, Any]:
    """``matchmaker argv`` in a forked child: exit code, seconds, peak MiB."""
    from matchmaker.cli import main

    read, write = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run, report, leave without running the parent's clean-up
        os.close(read)
        start_mib = _status_mib("VmRSS")
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 99
        grown = _status_mib("VmHWM") - start_mib
        os.write(write, json.dumps({"code": code, "grown_mib": grown}).encode())
        os._exit(0)
    os.close(write)
    deadline = started + TIMEOUT_S
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            return {"code": None, "seconds": TIMEOUT_S, "grown_mib": float("nan")}
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    with os.fdopen(read, "rb") as pipe:
        out = json.loads(pipe.read() or b'{"code": null, "grown_mib": null}')
    return {**out, "seconds": seconds}


def _setup(prepared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    import matchmaker.cli  # noqa: F401  (imported before the forks, as a warm process has it)

    corpus = _corpus()
    entries = [e for e in corpus.corpus() if e.commands and (e.huge or not params["huge_only"])]
    return {"corpus": corpus, "entries": entries, "baseline_mib": _fresh_baseline_mib()}


def _refusals(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    corpus = state["corpus"]
    worst: dict[str, dict[str, Any]] = {}
    runs = wrong = 0
    with tempfile.TemporaryDirectory(prefix="mm-refusals-") as tmp:
        base = Path(tmp)
        good_orgs = base / "good" / "orgs.csv"
        good_event = base / "good" / "event.json"
        good_orgs.parent.mkdir()
        good_orgs.write_bytes(corpus.good_organisations_csv())
        good_event.write_bytes(corpus.good_event_json())
        for k, entry in enumerate(state["entries"]):
            folder = base / f"e{k}"
            folder.mkdir()
            path = entry.materialise(folder)
            for n, command in enumerate(entry.commands):
                out = folder / f"out{n}"
                out.mkdir()
                fill = {
                    "file": str(path),
                    "db": f"sqlite:///{folder / f'db{n}.sqlite'}",
                    "out": str(out),
                    "good_orgs": str(good_orgs),
                    "good_event": str(good_event),
                }
                argv = [part.format(**fill) for part in command]
                got = _run_child(argv)
                runs += 1
                wrong += got["code"] != entry.exit_code
                for key in ("seconds", "grown_mib"):
                    value = got[key]
                    best = worst.get(key)
                    if best is None or (value == value and value > best["value"]):
                        worst[key] = {"value": value, "entry": entry.name, "command": command[0]}
            for leftover in folder.rglob("*"):
                if leftover.is_file():
                    leftover.unlink()
    return {
        "entries": len(state["entries"]),
        "runs": runs,
        "unexpected_exit": wrong,
        "worst_s": round(worst["seconds"]["value"], 3),
        "worst_s_entry": worst["seconds"]["entry"],
        "baseline_mib": round(state["baseline_mib"], 1),
        "worst_mib": round(state["baseline_mib"] + worst["grown_mib"]["value"], 1),
        "worst_mib_entry": worst["grown_mib"]["entry"],
    }


register(
    Case(
        name="reliability.refusals",
        group="reliability",
        description=(
            "Every bad input of the corpus through the command line (forked from a warm "
            "process): the slowest refusal and the largest peak resident set."
        ),
        setup=_setup,
        run=_refusals,
        params={"quick": {"huge_only": True}, "full": {"huge_only": False}},
        repeats=1,
        targets={
            suite: [
                Target("quality.worst_s", "<=", 2.0, "the slowest refusal in at most 2 s"),
                Target("quality.worst_mib", "<=", 200.0, "no refusal above 200 MiB"),
                Target("quality.unexpected_exit", "<=", 0, "each exits as the corpus says"),
            ]
            for suite in ("quick", "full")
        },
    )
)
