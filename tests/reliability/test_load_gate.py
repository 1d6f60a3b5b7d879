"""Defect 18 (load): one request's scoring at a time per worker, first come, first served.

The closed loop of ``benchmarks/api_soak.py`` (32 clients without pauses, 2 workers) had a
p50 of 3 ms and a p99 of 730 ms, organisation reads included: a dozen threads scoring at once
starved every other thread of the interpreter lock. The figures are in docs/reliability.md;
these tests hold the mechanism: the gate admits one thread, in arrival order (the
suggestions route scores inside it: tests/service/test_suggestions.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from matchmaker.service.gate import Gate


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_the_gate_admits_one_thread_in_arrival_order() -> None:
    gate = Gate()
    order: list[int] = []
    inside = 0
    most_inside = 0
    lock = threading.Lock()

    def work(n: int) -> None:
        nonlocal inside, most_inside
        with gate:
            with lock:
                inside += 1
                most_inside = max(most_inside, inside)
            order.append(n)
            time.sleep(0.002)
            with lock:
                inside -= 1

    gate.acquire()  # hold it while the others queue up, one after the other
    threads = []
    for n in range(12):
        thread = threading.Thread(target=work, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: gate.waiting == n + 1)  # n is queued before n + 1 starts
    gate.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == list(range(12))  # first come, first served (a plain lock does not promise it)
    assert most_inside == 1
    assert gate.waiting == 0
    with gate:  # free again
        pass


def test_the_gate_is_released_when_the_work_fails() -> None:
    gate = Gate()
    with pytest.raises(ValueError, match="scoring failed"), gate:
        raise ValueError("scoring failed")
    after = threading.Thread(target=lambda: gate.__enter__().__exit__(None, None, None))
    after.start()
    after.join(timeout=10)
    assert not after.is_alive()  # the next one came in


def test_releasing_a_free_gate_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not held"):
        Gate().release()
