"""API shapes of pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class PageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    escalation_id: int | None
    incident_id: int | None
    user_name: str
    channel: str
    address: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    provider_id: str | None
    created_at: datetime
    due_at: datetime
    sent_at: datetime | None
