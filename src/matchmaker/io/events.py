"""Event files: one JSON document with the event, its organisations, rooms, slots and rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matchmaker.errors import InvalidInputError, Problem
from matchmaker.io.sheets import write_atomic
from matchmaker.io.tabular import MAX_FILE_BYTES, check_size, decode_text, load_json, read_source
from matchmaker.models import Event, error_text

__all__ = ["dump_event", "read_event", "write_event"]


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
            Problem(None, _path(tuple(e["loc"])) or None, None, error_text(e)) for e in exc.errors()
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
