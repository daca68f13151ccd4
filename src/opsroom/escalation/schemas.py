"""API shapes of escalation policies and runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from opsroom.escalation.settings import EscalationPolicyConfig


class StepRead(BaseModel):
    targets: list[str]
    wait_seconds: int


class PolicyRead(BaseModel):
    name: str
    description: str
    repeat: int
    steps: list[StepRead]
    services: list[str]


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str
    actor: str
    text: str
    data: dict[str, Any]


class EscalationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    policy: str
    title: str
    status: str
    alert_group_id: int | None
    incident_id: int | None
    pass_no: int
    step: int
    next_step_at: datetime | None
    started_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ended_at: datetime | None


class EscalationDetail(EscalationRead):
    events: list[EventRead]


class AckResult(BaseModel):
    message: str


def policy_read(policy: EscalationPolicyConfig, services: list[str]) -> PolicyRead:
    return PolicyRead(
        name=policy.name,
        description=policy.description,
        repeat=policy.repeat,
        steps=[
            StepRead(
                targets=[str(t) for t in step.targets], wait_seconds=int(step.wait.total_seconds())
            )
            for step in policy.steps
        ],
        services=services,
    )
