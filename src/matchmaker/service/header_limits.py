"""Limits on a request's headers, applied before anything else reads them; the answer to a
request cut short by the server's shutdown.

Decisions
---------
- **The HTTP parser bounds the head**: the server runs uvicorn's h11 protocol (never
  httptools, which takes headers of any size) with ``h11_max_incomplete_event_size`` set to
  ``MATCHMAKER_MAX_HEADER_BYTES``: a request line and headers larger than that are refused
  while they arrive, so a client cannot make the server buffer megabytes before
  authentication. h11 calls that 431 (*Request Header Fields Too Large*); uvicorn's own
  protocol answers every parse error 400, so :class:`LimitedH11Protocol` answers 431 for it.
- **The app checks count and size again** (:class:`HeaderLimits`, an ASGI middleware): more
  than ``MATCHMAKER_MAX_HEADER_COUNT`` headers, or more than ``MATCHMAKER_MAX_HEADER_BYTES``
  of them in total, is a 431 problem document, whatever server runs the app.
- **A request cut short by shutdown is a 503** (:class:`CancelledAtShutdown`), never a 500 with
  a traceback: after ``SIGTERM`` the server gives open requests
  ``MATCHMAKER_SHUTDOWN_TIMEOUT_S`` and then cancels them, so that it exits within a bounded
  time whatever import or solve was under way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["CancelledAtShutdown", "HeaderLimits", "LimitedH11Protocol", "create_limited_app"]

log = logging.getLogger("matchmaker.service.server")

_TOO_LARGE = 431


def _problem(detail: str) -> bytes:
    return json.dumps(
        {
            "type": "/problems/headers-too-large",
            "title": "Request header fields too large",
            "status": _TOO_LARGE,
            "detail": detail,
        }
    ).encode()


class HeaderLimits:
    """ASGI middleware: 431 for a request with more than ``max_count`` headers or more than
    ``max_bytes`` of header names and values (plus 4 bytes a line for ``: `` and CRLF)."""

    def __init__(self, app: Any, *, max_bytes: int, max_count: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = scope.get("headers") or ()
            size = sum(len(k) + len(v) + 4 for k, v in headers)
            if len(headers) > self.max_count or size > self.max_bytes:
                detail = (
                    f"the request sent {len(headers)} headers of {size} bytes; at most "
                    f"{self.max_count} headers of {self.max_bytes} bytes in all are read"
                )
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1009})
                    return
                body = _problem(detail)
                await send(
                    {
                        "type": "http.response.start",
                        "status": _TOO_LARGE,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class CancelledAtShutdown:
    """ASGI middleware: a request that the server cancels because it is stopping (uvicorn's
    ``timeout_graceful_shutdown`` ran out) is answered 503 with a problem, not a 500 with a
    traceback in the log. Its work may still have finished in its thread, so the answer says
    that whether the change was stored is not known."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except asyncio.CancelledError:
            log.warning("%s %s: cancelled, the server is stopping", scope["method"], scope["path"])
            if started:
                raise
            body = json.dumps(
                {
                    "type": "/problems/unavailable",
                    "title": "Service unavailable",
                    "status": 503,
                    "detail": "the server stopped before this request finished; whether its "
                    "change was stored is not known: read it back before sending it again",
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", b"10"),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering 431 (not 400) to a head larger than the limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._error_hint: int | None = None
        parse = self.conn.next_event

        def next_event() -> Any:
            try:
                return parse()
            except h11.RemoteProtocolError as exc:
                self._error_hint = exc.error_status_hint
                raise

        self.conn.next_event = next_event  # type: ignore[method-assign]

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():  # refused and closed: the rest is not read
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.close()  # an answer went out already
            return
        if self._error_hint != _TOO_LARGE:
            super().send_400_response(msg)
            return
        limit = self.config.h11_max_incomplete_event_size
        body = _problem(
            f"the request line and headers are larger than {limit} bytes; send fewer or "
            "smaller headers"
        )
        event = h11.Response(
            status_code=_TOO_LARGE,
            headers=[
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
            reason=b"Request Header Fields Too Large",
        )
        self.transport.write(self.conn.send(event))
        self.transport.write(self.conn.send(h11.Data(data=body)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


def create_limited_app() -> Any:
    """The service's app (:func:`matchmaker.service.app.create_app`) behind :class:`HeaderLimits`;
    the
    factory ``matchmaker-server`` gives uvicorn."""
    from matchmaker.service.app import create_app
    from matchmaker.service.settings import Settings

    settings = Settings()
    return HeaderLimits(
        CancelledAtShutdown(create_app(settings)),
        max_bytes=settings.max_header_bytes,
        max_count=settings.max_header_count,
    )
