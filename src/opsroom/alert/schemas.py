"""API shapes for alerts and alert groups."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field

from opsroom.schemas import Text


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
    service: str | None
    suppressed_reason: str | None = Field(
        description="Why it pages nobody: silence:<id>, maintenance:<service>, inhibited, source"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def silenced(self) -> bool:
        return bool(self.suppressed_reason and self.suppressed_reason.startswith("silence:"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def inhibited(self) -> bool:
        return self.suppressed_reason == "inhibited"


class AlertGroupRead(BaseModel):
    id: int
    title: str
    severity: str
    status: str
    alert_count: int
    incident_number: int | None
    route: str
    service: str | None
    created_at: datetime
    resolved_at: datetime | None


class GroupDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text | None = Field(default=None, min_length=1, max_length=500)
    severity: int | None = Field(default=None, ge=1, le=4)
