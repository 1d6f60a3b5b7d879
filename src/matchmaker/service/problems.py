"""Errors as problem details (RFC 9457): ``application/problem+json`` for every error.

The handlers turn :class:`ProblemError`, the project's own errors (with the same row, field and
message as the command line), FastAPI's request-validation errors, unknown routes, wrong
methods and any unexpected exception into one shape::

    {"type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
     "detail": "...", "instance": "/api/...", "problems": [{"row", "field", "value",
     "message"}]}
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matchmaker import errors
from matchmaker.errors import (
    InfeasibleError,
    InvalidInputError,
    MatchmakerError,
    Problem,
    StoreUnavailableError,
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "CatchAllMiddleware",
    "ProblemDocument",
    "ProblemError",
    "ProblemResponse",
    "allowed_methods",
    "error_responses",
    "install_problem_handlers",
    "problem_response",
    "problems_of",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("matchmaker.service")

# status -> (type, title) for errors that carry only a status
_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("version-conflict", "Version conflict"),
    413: ("too-large", "Too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    428: ("precondition-required", "Precondition required"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class ProblemError(Exception):
    """An error the API answers with a problem document.

    Parameters
    ----------
    status:
        The HTTP status.
    type_:
        The problem type's last part (``not-found`` becomes ``/problems/not-found``).
    title:
        A short summary of the type.
    detail:
        What went wrong this time, in a sentence a person can act on.
    headers:
        Extra response headers (``Retry-After``, ``WWW-Authenticate``).
    **extra:
        Extension members (``problems``, ``rule``...).
    """

    def __init__(
        self,
        status: int,
        type_: str,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


class ProblemResponse(JSONResponse):
    """A problem document as ``application/problem+json``."""

    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        # A value quoted from the input may hold a lone surrogate (JSON text may: "\ud800"),
        # which UTF-8 cannot encode; it is written as that same JSON escape.
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


def problems_of(items: Sequence[Problem]) -> list[dict[str, Any]]:
    """The project's problems as the API writes them: ``row``, ``field``, ``value``, ``message``."""
    return [
        {"row": p.row, "field": p.column, "value": p.value, "message": p.message} for p in items
    ]


def problem_response(
    request: Request | None,
    status: int,
    type_: str,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem document with its media type."""
    body: dict[str, Any] = {
        "type": f"/problems/{type_}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra)
    return ProblemResponse(jsonable_encoder(body), status_code=status, headers=dict(headers or {}))


def _status_problem(request: Request | None, status: int, detail: str, **kw: Any) -> JSONResponse:
    type_, title = _BY_STATUS.get(status, ("error", "Error"))
    return problem_response(request, status, type_, title, detail, **kw)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request, exc.status, exc.type, exc.title, exc.detail, headers=exc.headers, **exc.extra
    )


async def _on_invalid_input(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidInputError)
    return _status_problem(request, 422, exc.message, problems=problems_of(exc.problems))


async def _on_infeasible(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InfeasibleError)
    return problem_response(request, 409, "infeasible", "Infeasible", exc.message, rule=exc.rule)


def _store_error(name: str) -> type[Exception] | None:
    found = getattr(errors, name, None)
    return found if isinstance(found, type) and issubclass(found, Exception) else None


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc)


async def _on_not_found(request: Request, exc: Exception) -> Response:
    return _status_problem(request, 404, _message(exc))


async def _on_exists(request: Request, exc: Exception) -> Response:
    found = exc.problems if isinstance(exc, InvalidInputError) else []
    return _status_problem(request, 409, _message(exc), problems=problems_of(found))


async def _on_version_conflict(request: Request, exc: Exception) -> Response:
    return _status_problem(request, 412, _message(exc))


async def _on_store_unavailable(request: Request, exc: Exception) -> Response:
    # The database, not the request, is at fault: 503, and when to try again if that may help.
    assert isinstance(exc, StoreUnavailableError)
    headers = {} if exc.retry_after is None else {"Retry-After": str(exc.retry_after)}
    return _status_problem(request, 503, exc.message, headers=headers, cause=exc.cause)


async def _on_matchmaker_error(request: Request, exc: Exception) -> Response:
    # Any other error the project raises on purpose is about the input.
    return _status_problem(request, 422, str(exc), problems=[])


def _location(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _value(error: Mapping[str, Any]) -> str | None:
    if error.get("type") == "missing" or "input" not in error:
        return None
    value = error["input"]
    if isinstance(value, str):
        return value[:200]
    try:
        text = repr(jsonable_encoder(value))
    except Exception:  # an input that cannot even be shown
        text = "<value>"
    return text[:200]


async def _on_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = [
        {
            "row": None,
            "field": _location(e.get("loc", ())),
            "value": _value(e),
            "message": str(e.get("msg", "invalid value")),
        }
        for e in exc.errors()
    ]
    n = len(found)
    detail = f"the request has {n} problem{'s' if n != 1 else ''}; nothing was changed"
    return _status_problem(request, 422, detail, problems=found)


_HTTP_DETAILS = {
    404: "no such resource: {path}",
    405: "method {method} is not allowed on {path}",
}


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else ""
    template = _HTTP_DETAILS.get(status)
    if template and detail in ("", "Not Found", "Method Not Allowed"):
        detail = template.format(path=request.url.path, method=request.method)
    headers = dict(exc.headers or {})
    if status == 405 and (allowed := allowed_methods(request)):
        headers["Allow"] = ", ".join(allowed)
    return _status_problem(
        request, status, detail or "the request cannot be served", headers=headers
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents at the request's path (RFC 9110, 15.5.6: a 405 lists
    them all in ``Allow``). Starlette's own 405 names only the methods of the first route whose
    path matched, while FastAPI makes one route per method; the OpenAPI document has them all.
    Empty for a path the document does not hold (the page's files)."""
    table: list[tuple[re.Pattern[str], int, list[str]]] | None = getattr(
        request.app.state, "allow_table", None
    )
    if table is None:
        table = []
        for path, operations in request.app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path))
            methods = sorted(m.upper() for m in operations if m.upper() in _METHODS)
            table.append((re.compile(f"^{pattern}$"), path.count("{"), methods))
        request.app.state.allow_table = table
    path = request.url.path
    matches = [(params, methods) for regex, params, methods in table if regex.match(path)]
    # '/api/organisations/import' is that resource, not an organisation called 'import'.
    fewest = min((params for params, _ in matches), default=0)
    return sorted({m for params, methods in matches if params == fewest for m in methods})


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that answer every error with a problem document."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(HTTPException, _on_http)
    for name, handler in (
        ("NotFoundError", _on_not_found),
        ("AlreadyExistsError", _on_exists),
        ("VersionConflictError", _on_version_conflict),
    ):
        exc_type = _store_error(name)
        if exc_type is not None:
            app.add_exception_handler(exc_type, handler)
    app.add_exception_handler(InvalidInputError, _on_invalid_input)
    app.add_exception_handler(InfeasibleError, _on_infeasible)
    app.add_exception_handler(StoreUnavailableError, _on_store_unavailable)
    app.add_exception_handler(MatchmakerError, _on_matchmaker_error)


class CatchAllMiddleware:
    """Answer any unexpected exception with a 500 problem (no stack trace) and log it.

    Starlette's own handler for ``Exception`` re-raises after answering; this one does not,
    so that a client, the test client included, only ever sees the problem document.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = problem_response(
                None,
                500,
                "internal",
                "Internal error",
                "the server could not answer this request; the error was logged",
                instance=scope.get("path", ""),
            )
            await response(scope, receive, send)


class ProblemItem(BaseModel):
    """One problem of the input: the row (``None`` for a request or the whole file), the
    field (a column, a JSON path or a request location), the value and the rule."""

    row: int | None = None
    field: str | None = None
    value: str | None = None
    message: str


class ProblemDocument(BaseModel):
    """An error (RFC 9457); ``problems`` lists each problem of the input."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    problems: list[ProblemItem] | None = None


_DESCRIPTIONS = {
    400: "The body cannot be read: not JSON, not UTF-8, or a broken multipart form",
    401: "No key, or an unknown or revoked key",
    403: "The key's role or subject may not do this",
    404: "No such resource",
    409: "Conflict: the id exists, or a rule cannot be met",
    412: "If-Match is not the stored version",
    413: "The upload is larger than the limit",
    422: "Invalid input; `problems` lists each problem",
    428: "If-Match is missing",
    429: "Too many requests for this key; see Retry-After",
    503: "The database cannot be used now (full, read-only, unreachable); see Retry-After",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each a problem document."""
    return {
        status: {
            "model": ProblemDocument,
            "description": _DESCRIPTIONS.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


def use_problem_media_type(schema: dict[str, Any]) -> dict[str, Any]:
    """In an OpenAPI document, give error responses the problem media type only.

    FastAPI writes a response ``model`` under ``application/json``; the errors of this API are
    ``application/problem+json``. Also FastAPI's own 422 (``HTTPValidationError``) is turned
    into a problem document, as the handler answers.
    """
    ref = {"$ref": "#/components/schemas/ProblemDocument"}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            # What any operation may answer besides its own: a body that cannot be read at
            # all (not JSON, not UTF-8, a broken multipart form) or that is too large; and,
            # for the API, a database that cannot be used now.
            if "requestBody" in operation:
                responses.setdefault("400", {"description": _DESCRIPTIONS[400]})
                responses.setdefault("413", {"description": _DESCRIPTIONS[413]})
            if path.startswith("/api/"):
                responses.setdefault("503", {"description": _DESCRIPTIONS[503]})
            for status, response in responses.items():
                if str(status) in ("400", "413", "503"):
                    response.setdefault("content", {PROBLEM_MEDIA_TYPE: {}})
                content = response.get("content", {})
                if not str(status).startswith(("4", "5")):
                    continue
                if PROBLEM_MEDIA_TYPE in content or status == "422":
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
    return schema
