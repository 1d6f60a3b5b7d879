"""The demo dataset, shipped with the package, and one loader for it.

The files under ``data/`` (see ``data/README.md`` for their sources):

- ``medium-200.json``: a generated registry of 200 organisations (synthetic, no real one);
- ``leuven-2018/``: the Interreg Europe thematic workshop of 20 June 2018 in Leuven (32
  participants of 20 organisations, 3 working groups), with its registration list;
- ``brokerage/``: a synthetic EEN-style B2B brokerage event (150 participants, 12 slots).

:func:`load_demo` stores them, owned by :data:`DEMO_ORGANISER`; ``matchmaker-server --demo``
and ``matchmaker demo`` both call it. The test suite and the benchmarks read the same files
through :func:`demo_path`. ``fixtures/build.py`` in the repository writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from matchmaker.io import read_event, read_organisations, read_registrations
from matchmaker.models import Event

if TYPE_CHECKING:
    from matchmaker.store import Store

__all__ = ["DATA", "DEMO_EVENTS", "DEMO_ORGANISER", "demo_path", "leuven_event", "load_demo"]

#: The folder of the demo files (inside the installed package).
DATA = Path(__file__).resolve().parent / "data"
#: The organiser who owns the demo events.
DEMO_ORGANISER = "demo-organiser"
#: The ids of the demo events, in the order they are loaded.
DEMO_EVENTS = ("leuven-2018", "brokerage-b2b")


def demo_path(*parts: str) -> Path:
    """A file of the demo dataset, e.g. ``demo_path("leuven-2018", "event.json")``."""
    return DATA.joinpath(*parts)


def leuven_event() -> Event:
    """The Leuven workshop: the event file's rooms, rounds and rules, with the participants
    and organisations of its registration list (as an organiser uploads it)."""
    event = read_event(demo_path("leuven-2018", "event.json"))
    found = read_registrations(demo_path("leuven-2018", "registrations.csv"))
    document = event.model_dump(mode="json", exclude_none=True)
    document["participants"] = [
        p.model_dump(mode="json", exclude_none=True) for p in found.participants
    ]
    document["organisations"] = [
        o.model_dump(mode="json", exclude_none=True, exclude={"country"})
        for o in found.organisations
    ]
    return Event.model_validate(document)


def load_demo(store: Store, *, owner: str = DEMO_ORGANISER) -> list[str]:
    """Store the demo data that is not stored yet (what is stored is kept); returns a line
    per part, for the console."""
    lines = []
    report = read_organisations(demo_path("medium-200.json"))
    missing = [o for o in report.organisations if store.get_organisation_record(o.id) is None]
    if missing:
        store.import_organisations(missing)
    lines.append(
        f"registry medium-200.json: {len(report.organisations)} organisations"
        f" ({len(missing)} added)"
    )
    for event in (leuven_event(), read_event(demo_path("brokerage", "event.json"))):
        if store.get_event_record(event.id) is None:
            store.create_event(event, owner=owner)
            state = "added"
        else:
            state = "kept"
        lines.append(
            f"event '{event.id}': {len(event.participants)} participants, "
            f"{len(event.organisations)} organisations ({state})"
        )
    return lines
