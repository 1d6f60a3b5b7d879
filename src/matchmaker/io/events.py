"""Event files: one JSON document with the event, its organisations, rooms, slots and rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matchmaker.errors import InvalidInputError, Problem
from matchmaker.io.sheets import write_atomic
from matchmaker.io.tabular import MAX_FILE_BYTES, check_size, decode_text, load_json, read_source
from matchmaker.models import ID_PATTERN, Event, error_text, id_message

__all__ = ["dump_event", "read_event", "write_event"]


def _input(error: Mapping[str, Any]) -> str | None:
    """The value a pydantic error is about, as short text (``None`` for objects and lists)."""
    value = error.get("input")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}" if abs(value) < 10**30 else f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, float | str):
        text = str(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return None


def _message(error: Mapping[str, Any]) -> str:
    """pydantic's message, with the value it refused when the message does not show it."""
    if (error.get("ctx") or {}).get("pattern") == ID_PATTERN:
        return id_message(error.get("input"))
    text = error_text(error)
    shown = _input(error)
    if shown is None or error.get("type") == "value_error" or shown in text:
        return text
    return f"{text}; got {shown}"


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_event(source: str | Path | bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Event:
    """Read an event file (JSON); every problem is reported at once.

    Raises
    ------
    InvalidInputError
        With one :class:`~matchmaker.errors.Problem` per problem; ``column`` is the field path
        (``participants[3].seats``).
    """
    data, _ = read_source(source, max_bytes=max_bytes)
    check_size(data, max_bytes)
    text, _ = decode_text(data)
    try:
        doc = load_json(text)
    except InvalidInputError as exc:
        raise InvalidInputError("the event file is not valid JSON", exc.problems) from None
    if isinstance(doc, dict) and set(doc) == {"event"}:
        doc = doc["event"]
    try:
        return Event.model_validate(doc)
    except ValidationError as exc:
        problems = [
            Problem(None, _path(tuple(e["loc"])) or None, _input(e), _message(e))
            for e in exc.errors()
        ]
        raise InvalidInputError(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the event file",
            problems,
        ) from None


def dump_event(event: Event) -> bytes:
    payload = event.model_dump(mode="json", exclude_none=True)
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()


def write_event(event: Event, path: str | Path) -> Path:
    return write_atomic(path, dump_event(event))
