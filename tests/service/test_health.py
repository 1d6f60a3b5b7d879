"""The health endpoint, security headers, unknown routes and the docs page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api_support import assert_problem
from matchmaker import __version__


def test_health_needs_no_key_and_names_the_database(client: TestClient, db_url: str) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body == {
        "status": "ok",
        "database": "sqlite" if db_url.startswith("sqlite") else "postgresql",
        "version": __version__,
    }


def test_every_response_has_security_headers(client: TestClient) -> None:
    for r in (client.get("/health"), client.get("/no/such/route")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in r.headers["content-security-policy"]


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/api/nothing-here"), 404, "not-found")
    assert body["instance"] == "/api/nothing-here"
    assert "/api/nothing-here" in body["detail"]


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    body = assert_problem(client.delete("/health"), 405, "method-not-allowed")
    assert "DELETE" in body["detail"]


def test_docs_page_works_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "cdn" not in r.text.casefold()
    csp = r.headers["content-security-policy"]
    assert "'nonce-" in csp
    assert "script-src 'self'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in r.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/docs-assets/{asset}" in r.text
        got = client.get(f"/docs-assets/{asset}")
        assert got.status_code == 200
        assert len(got.content) > 10_000
    schema = client.get("/openapi.json").json()
    assert "/health" in schema["paths"]
