"""The demo: data and keys for ``matchmaker-server --demo``.

Loading is idempotent (what is stored already is kept): the generated registry
``fixtures/generated/medium-200.json``, the Leuven 2018 workshop built from its registration
list, and the brokerage event, both owned by the organiser ``demo-organiser``. Keys are made
afresh on each start; the previous demo keys are revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matchmaker.errors import MatchmakerError
from matchmaker.io import read_event, read_organisations, read_registrations
from matchmaker.models import Event
from matchmaker.store import Store

__all__ = ["DEMO_ORGANISER", "DemoKeys", "demo_keys", "describe", "fixtures_dir", "load_demo"]

DEMO_ORGANISER = "demo-organiser"
_KEY_NAMES = {
    "admin": "demo admin",
    "organiser": "demo organiser",
    "member": "demo member",
}


@dataclass(frozen=True, slots=True)
class DemoKeys:
    """The three demo keys and the organisation of the member key."""

    admin: str
    organiser: str
    member: str
    member_organisation: str


def fixtures_dir() -> Path:
    """The project's ``fixtures`` folder (the working directory's, else the source tree's)."""
    for candidate in (Path.cwd() / "fixtures", Path(__file__).resolve().parents[1] / "fixtures"):
        if (candidate / "leuven-2018").is_dir():
            return candidate
    raise MatchmakerError(
        "the demo data was not found; run from the project folder (it needs ./fixtures)"
    )


def _leuven(fixtures: Path) -> Event:
    """The Leuven workshop: the event file's rooms, rounds and rules, with the participants
    and organisations of its registration list (as an organiser uploads it)."""
    folder = fixtures / "leuven-2018"
    event = read_event(folder / "event.json")
    found = read_registrations(folder / "registrations.csv")
    document = event.model_dump(mode="json", exclude_none=True)
    document["participants"] = [
        p.model_dump(mode="json", exclude_none=True) for p in found.participants
    ]
    document["organisations"] = [
        o.model_dump(mode="json", exclude_none=True, exclude={"country"})
        for o in found.organisations
    ]
    return Event.model_validate(document)


def load_demo(store: Store, fixtures: Path | None = None) -> list[str]:
    """Store the demo data that is not stored yet; returns a line per part, for the console."""
    fixtures = fixtures or fixtures_dir()
    lines = []
    registry = fixtures / "generated" / "medium-200.json"
    report = read_organisations(registry)
    missing = [o for o in report.organisations if store.get_organisation_record(o.id) is None]
    if missing:
        store.import_organisations(missing)
    lines.append(
        f"registry {registry.relative_to(fixtures)}: {len(report.organisations)} organisations"
        f" ({len(missing)} added)"
    )
    for event in (_leuven(fixtures), read_event(fixtures / "brokerage" / "event.json")):
        if store.get_event_record(event.id) is None:
            store.create_event(event, owner=DEMO_ORGANISER)
            state = "added"
        else:
            state = "kept"
        lines.append(
            f"event '{event.id}': {len(event.participants)} participants, "
            f"{len(event.organisations)} organisations ({state})"
        )
    return lines


def demo_keys(store: Store) -> DemoKeys:
    """Revoke the previous demo keys and make new ones: admin, organiser, a Leuven member."""
    for record in store.list_api_keys():
        if record.name in _KEY_NAMES.values() and record.revoked_at is None:
            store.revoke_api_key(record.id)
    leuven = store.get_event_record("leuven-2018")
    if leuven is None or not leuven.value.organisations:
        raise MatchmakerError("the demo event 'leuven-2018' is missing; load the demo first")
    member_of = leuven.value.organisations[0].id
    made = {
        role: store.create_api_key(role=role, subject=subject, name=_KEY_NAMES[role])[1]
        for role, subject in (
            ("admin", "admin"),
            ("organiser", DEMO_ORGANISER),
            ("member", member_of),
        )
    }
    return DemoKeys(made["admin"], made["organiser"], made["member"], member_of)


def describe(keys: DemoKeys, base_url: str) -> str:
    """What to open and which key to use, for the console."""
    return "\n".join(
        [
            f"Organiser page:  {base_url}/",
            f"API docs:        {base_url}/docs",
            "",
            "Demo keys (new on each start; sign in on the page or send 'Authorization: Bearer "
            "<key>'):",
            f"  organiser  {keys.organiser}",
            f"             the events 'leuven-2018' and 'brokerage-b2b' of {DEMO_ORGANISER}",
            f"  member     {keys.member}",
            f"             the organisation '{keys.member_organisation}': its profile and its "
            "partner suggestions",
            f"  admin      {keys.admin}",
            "             everything, and the keys",
        ]
    )
