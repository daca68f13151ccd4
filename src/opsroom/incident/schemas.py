"""API shapes for incidents and their timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from opsroom.db.uow import UnitOfWork
from opsroom.incident.model import incident_ref, severity_label
from opsroom.incident.tables import IncidentRow
from opsroom.schemas import Text


class IncidentRoomRead(BaseModel):
    """The incident's room on one chat platform."""

    platform: str
    name: str
    room_id: str | None
    status: str


class IncidentRead(BaseModel):
    number: int
    ref: str
    title: str
    severity: str
    status: str
    summary: str
    commander: str | None
    roles: dict[str, str]
    declared_by: str
    declared_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    room: str | None
    rooms: list[IncidentRoomRead]
    alert_group_ids: list[int]


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=1, max_length=500)
    severity: int = Field(default=3, ge=1, le=4)


class TimelineEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str
    actor: str
    source: str
    text: str
    data: dict[str, Any]


def incident_read(uow: UnitOfWork, row: IncidentRow) -> IncidentRead:
    return IncidentRead(
        number=row.number,
        ref=incident_ref(row.number),
        title=row.title,
        severity=severity_label(row.severity),
        status=row.status,
        summary=row.summary,
        commander=row.commander,
        roles=uow.incidents.roles(row.id),
        declared_by=row.declared_by,
        declared_at=row.declared_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        room=row.room,
        rooms=[
            IncidentRoomRead(platform=r.platform, name=r.name, room_id=r.room_id, status=r.status)
            for r in uow.chat.rooms_of_incident(row.id)
        ],
        alert_group_ids=[group.id for group in uow.alerts.groups_of_incident(row.id)],
    )
