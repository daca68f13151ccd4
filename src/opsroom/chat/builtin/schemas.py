"""API shapes of the built-in chat."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsroom.schemas import Text


class RoomRead(BaseModel):
    name: str
    kind: str
    topic: str
    incident_number: int | None
    archived: bool
    created_at: datetime


class MessageRead(BaseModel):
    id: int
    room: str
    author: str
    kind: str
    text: str
    created_at: datetime


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=10000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class PostResult(BaseModel):
    message: MessageRead
    replies: list[MessageRead]
