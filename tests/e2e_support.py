"""Helpers of the browser tests (tests/e2e)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


def suggested_ids(page: Page) -> list[str]:
    """The organisations of the suggestion list shown, in order."""
    ids: list[str] = page.locator("li.suggestion").evaluate_all(
        "lis => lis.map(li => li.dataset.organisation)"
    )
    return ids


def wait_for(check: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    """Poll ``check`` from the test until it holds. Not ``page.wait_for_function``: the page's
    CSP (no 'unsafe-eval') forbids the eval a predicate needs as soon as it is not true at
    once."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
