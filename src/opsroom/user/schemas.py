"""API shapes of people's contact methods, notification rules and teams."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from opsroom.alert.settings import Duration
from opsroom.user.settings import ContactKind


class ContactRead(BaseModel):
    id: int | None = Field(description="null for contact methods that come from opsroom.yaml")
    kind: str
    address: str
    source: str


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ContactKind
    address: str = Field(default="", max_length=500)


class RuleItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ContactKind
    after: Duration = Field(default=timedelta(0), description="e.g. 0s, 2m, 5m")


class RuleRead(BaseModel):
    kind: str
    after_seconds: int


class RulesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleItem]


class TeamRead(BaseModel):
    name: str
    members: list[str]
