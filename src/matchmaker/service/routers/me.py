"""``GET /api/me``: the role and subject of the key sent."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from matchmaker.service.deps import PrincipalDep

router = APIRouter(prefix="/api", tags=["keys"])


class Me(BaseModel):
    role: str
    subject: str
    name: str
    key_id: str


@router.get("/me", response_model=Me, summary="Who the key belongs to")
def me(principal: PrincipalDep) -> Me:
    """Any valid key: its role (admin, organiser, member), subject, name and id."""
    return Me(
        role=principal.role,
        subject=principal.subject,
        name=principal.name,
        key_id=principal.key_id,
    )
