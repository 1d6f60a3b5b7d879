"""The demo's keys for ``matchmaker-server --demo``; the data and its loader are
:mod:`matchmaker.demo`.

Keys are made afresh on each start; the previous demo keys are revoked.
"""

from __future__ import annotations

from dataclasses import dataclass

from matchmaker.demo import DEMO_ORGANISER, load_demo
from matchmaker.errors import MatchmakerError
from matchmaker.store import Store

__all__ = ["DEMO_ORGANISER", "DemoKeys", "demo_keys", "describe", "load_demo"]

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
