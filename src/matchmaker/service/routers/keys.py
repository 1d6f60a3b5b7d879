"""``/api/keys``: create, list and revoke API keys (admin only).

A key is shown once, when it is created; the database keeps its id and a SHA-256 digest.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from matchmaker.errors import NotFoundError
from matchmaker.service.deps import Principal, StoreDep, require
from matchmaker.service.keyring import KeyRing
from matchmaker.service.problems import error_responses
from matchmaker.store.records import ApiKeyRecord

__all__ = ["router"]

router = APIRouter(prefix="/api/keys", tags=["keys"])

Admin = Annotated[Principal, Depends(require("admin"))]
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class KeyCreate(BaseModel):
    role: Literal["admin", "organiser", "member"]
    subject: Annotated[
        str | None,
        Field(
            max_length=200,
            pattern=_PRINTABLE,
            description="organiser: its account name; member: its organisation's id",
        ),
    ] = None
    name: Annotated[
        str, Field(min_length=1, max_length=200, pattern=_PRINTABLE, description="what for")
    ]


class KeyInfo(BaseModel):
    id: str
    role: str
    subject: str | None
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class NewKey(KeyInfo):
    key: str = Field(description="the key itself: shown this once, never again")


class KeyList(BaseModel):
    items: list[KeyInfo]


def _info(record: ApiKeyRecord) -> KeyInfo:
    return KeyInfo(
        id=record.id,
        role=record.role,
        subject=record.subject,
        name=record.name,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


@router.post(
    "",
    response_model=NewKey,
    status_code=201,
    summary="Create a key",
    responses=error_responses(401, 403, 404, 422, 429),
)
def create_key(principal: Admin, store: StoreDep, body: KeyCreate) -> NewKey:
    """A new key of ``role`` for ``subject``; the answer holds the key, shown this once."""
    record, key = store.create_api_key(role=body.role, subject=body.subject, name=body.name)
    return NewKey(**_info(record).model_dump(), key=key)


@router.get(
    "",
    response_model=KeyList,
    summary="List keys",
    responses=error_responses(401, 403, 429),
)
def list_keys(principal: Admin, store: StoreDep) -> KeyList:
    """Every key (revoked ones too), never the key itself."""
    return KeyList(items=[_info(r) for r in store.list_api_keys()])


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke a key",
    responses=error_responses(401, 403, 404, 429),
)
def revoke_key(principal: Admin, store: StoreDep, request: Request, key_id: str) -> Response:
    """Revoke a key; it is refused from then on (404 when there is no such key)."""
    record = store.get_api_key(key_id) if len(key_id) <= 64 and key_id.isprintable() else None
    if record is None:
        raise NotFoundError("key", key_id[:64])
    store.revoke_api_key(key_id)
    keys: KeyRing = request.app.state.keys
    keys.forget(key_id)
    return Response(status_code=204)
