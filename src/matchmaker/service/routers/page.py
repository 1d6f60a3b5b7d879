"""The organiser's web page: ``/`` and its assets under ``/static``.

The page is plain HTML, CSS and JavaScript modules in ``src/matchmaker/service/static``; nothing is
fetched from
another origin, so it works behind the service's ``Content-Security-Policy: default-src 'self'``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "mount", "router"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The page itself; it asks for a key and talks to ``/api``."""
    # The page is small and changes with the service: always revalidate it.
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


def mount(app: FastAPI) -> None:
    """Serve the page at ``/`` and its assets at ``/static`` from ``app``.

    Parameters
    ----------
    app:
        The application built by ``matchmaker.service.app.create_app``.
    """
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
