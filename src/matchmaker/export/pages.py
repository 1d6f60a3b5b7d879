"""Printable pages: one HTML document with its own style sheet and nothing else (no scripts,
no links), so that it prints the same wherever it is opened."""

from __future__ import annotations

from collections.abc import Sequence


def printable_page(title: str, css: str, sections: Sequence[str]) -> str:
    """A whole HTML document: ``title`` (already escaped), ``css`` inline, then ``sections``
    (HTML, already escaped) in the body."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>\n{css}\n</style>",
            "</head>",
            "<body>",
            *sections,
            "</body>",
            "</html>",
            "",
        ]
    )
