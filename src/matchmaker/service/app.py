"""``create_app(settings)``: the FastAPI application of the service.

Nothing is built at import: each call makes its own store, key ring, rate limiter and routes.
Routers of resources that are not part of this build (their module is missing) are skipped.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matchmaker._version import __version__
from matchmaker.service.docs_page import install_docs
from matchmaker.service.gate import Gate
from matchmaker.service.keyring import KeyRing
from matchmaker.service.limits import BodySizeLimitMiddleware, make_rate_limiter
from matchmaker.service.openapi import describe
from matchmaker.service.problems import (
    CatchAllMiddleware,
    install_problem_handlers,
    use_problem_media_type,
)
from matchmaker.service.settings import Settings
from matchmaker.service.suggestion_index import SuggestionIndex
from matchmaker.store import Store

__all__ = ["ROUTERS", "create_app"]

log = logging.getLogger("matchmaker.service")

# Routers in the order they appear in the docs; a missing module is skipped.
ROUTERS = (
    "matchmaker.service.routers.health",
    "matchmaker.service.routers.me",
    "matchmaker.service.routers.keys",
    # before organisations: /api/organisations/{id:path} would also match .../suggestions
    "matchmaker.service.routers.suggestions",
    "matchmaker.service.routers.organisations",
    "matchmaker.service.routers.events",
    "matchmaker.service.routers.breakouts",
    "matchmaker.service.routers.schedule",
    "matchmaker.service.routers.pairs",
    "matchmaker.service.routers.jobs",
    "matchmaker.service.routers.scorers",
    "matchmaker.service.routers.presets",
    "matchmaker.service.routers.templates",
)

_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_DEFAULT_CSP = b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


class SecurityHeadersMiddleware:
    """Security headers on every response; a route may set its own Content-Security-Policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _SECURITY_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _DEFAULT_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def _include_routers(app: FastAPI) -> list[str]:
    included = []
    for name in ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but something it imports does not
                raise
            continue
        app.include_router(module.router)
        included.append(name.rsplit(".", 1)[-1])
    return included


def _install_page(app: FastAPI) -> None:
    """The organiser's page at ``/`` and its files under ``/static`` (when built)."""
    try:
        page = importlib.import_module("matchmaker.service.routers.page")
    except ModuleNotFoundError as exc:
        if exc.name != "matchmaker.service.routers.page":
            raise
        return
    page.mount(app)


def _problem_openapi(app: FastAPI, settings: Settings) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = use_problem_media_type(generate())
            app.openapi_schema = describe(document, max_page_size=settings.max_page_size)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    settings:
        The settings; by default read from the environment (``MATCHMAKER_*``).

    Returns
    -------
    FastAPI
        The app, its store open (closed at shutdown).
    """
    settings = settings or Settings()
    store = Store(settings.database_url)
    if store.read_only:
        log.warning(
            "the database '%s' is read-only for this process: GET requests are answered, "
            "changes are refused (503)",
            store.database,
        )
    if settings.admin_key is not None and not store.read_only:  # a stored key still works
        store.ensure_api_key(
            settings.admin_key.get_secret_value(),
            role="admin",
            subject="admin",
            name="MATCHMAKER_ADMIN_KEY",
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The threads that run the routes (FastAPI runs a plain ``def`` route in anyio's
        # default pool): a few, taken in arrival order (MATCHMAKER_REQUEST_THREADS).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        if settings.background_refit:  # the first suggestions need not wait for the fit
            app.state.suggestions.warm()
        yield
        for hook in getattr(app.state, "shutdown_hooks", []):
            hook()
        store.close()

    app = FastAPI(
        title="Matchmaker",
        version=__version__,
        description="Partner suggestions, partner pairs, 1:1 schedules and breakout rooms for "
        "interregional matchmaking. Every JSON endpoint is under `/api`; errors are problem "
        "details (RFC 9457). Send a key as `Authorization: Bearer <key>` or `X-API-Key`.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.keys = KeyRing(store, ttl=settings.key_cache_seconds)
    # In this process's memory, the database or Redis: see matchmaker.service.limits.
    app.state.rate_limiter = make_rate_limiter(settings, store)
    app.state.suggestions = SuggestionIndex(
        store,
        background=settings.background_refit,
        check_every=1.0 if settings.background_refit else 0.0,
        refit_share=settings.refit_share,
    )
    app.state.compute_gate = Gate()
    app.state.shutdown_hooks = [app.state.rate_limiter.close]
    install_problem_handlers(app)
    app.state.routers = _include_routers(app)
    install_docs(app)
    _install_page(app)
    _problem_openapi(app, settings)

    # Added last = outermost: headers go on every response, the catch-all answers first.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_upload_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "If-Match"],
            expose_headers=["ETag", "Location", "Retry-After"],
        )
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
