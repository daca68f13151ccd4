"""HTTP routes about the caller."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from opsroom.api.deps import UserDep

router = APIRouter(prefix="/api/v1", tags=["users"])


class MeRead(BaseModel):
    name: str
    role: str


@router.get("/me")
async def me(user: UserDep) -> MeRead:
    """Who the token or session belongs to."""
    return MeRead(name=user.name, role=user.role)
