"""The interactive API docs (``/docs``), served with no internet.

FastAPI's default page loads Swagger UI from a CDN. Here the page is FastAPI's own
(``get_swagger_ui_html``, its documented way of self-hosting the assets) and the JavaScript and
CSS are the Swagger UI 5 files packaged by ``fastapi-offline``, served from ``/docs-assets``.
The page's one inline script gets a nonce, so the page's Content-Security-Policy stays strict.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["ASSETS_URL", "install_docs"]

ASSETS_URL = "/docs-assets"


def _assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI, *, docs_url: str = "/docs") -> None:
    """Serve the Swagger UI page at ``docs_url`` and its assets locally."""
    app.mount(ASSETS_URL, StaticFiles(directory=_assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title}: API docs"

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )
        nonce = secrets.token_urlsafe(16)
        html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
        csp = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": csp})
