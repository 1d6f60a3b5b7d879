"""Helpers of the API tests (tests/service)."""

from __future__ import annotations

from typing import Any

__all__ = ["assert_problem"]


def assert_problem(response: Any, status: int, type_: str | None = None) -> dict[str, Any]:
    """The response is a problem document of ``status`` (and ``type_``); returns it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert "Traceback" not in response.text
    if type_ is not None:
        assert body["type"] == f"/problems/{type_}"
    return body
