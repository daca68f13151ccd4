"""API shapes for alerts and alert groups."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    group_id: int
    fingerprint: str
    status: str
    severity: str
    title: str
    description: str
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[dict[str, str]]
    starts_at: datetime | None
    ends_at: datetime | None
    first_seen: datetime
    last_seen: datetime
    occurrences: int


class AlertGroupRead(BaseModel):
    id: int
    title: str
    severity: str
    status: str
    alert_count: int
    incident_number: int | None
    created_at: datetime
    resolved_at: datetime | None


class GroupDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=500)
    severity: int | None = Field(default=None, ge=1, le=4)
