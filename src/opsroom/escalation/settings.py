"""Configuration models of escalation policies (`escalation_policies:` in opsroom.yaml)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from opsroom.alert.settings import Duration
from opsroom.errors import InvalidInputError
from opsroom.escalation.model import Target, parse_target


def _target(value: object) -> Target:
    if isinstance(value, Target):
        return value
    if isinstance(value, dict) and len(value) == 1:
        [(kind, name)] = value.items()
        value = f"{kind}:{name}"
    if not isinstance(value, str):
        raise ValueError("a target is user:<name>, schedule:<name> or team:<name>")
    try:
        return parse_target(value)
    except InvalidInputError as exc:
        raise ValueError(exc.message) from exc


TargetField = Annotated[Target, BeforeValidator(_target)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class EscalationStepConfig(_Model):
    """Notify every target, then wait before the next step."""

    targets: list[TargetField] = Field(min_length=1)
    wait: Duration = timedelta(minutes=5)

    @field_validator("wait")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("wait cannot be negative")
        return value


class EscalationPolicyConfig(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    description: str = ""
    repeat: int = Field(default=0, ge=0, le=20, description="extra passes after the first")
    steps: list[EscalationStepConfig] = Field(min_length=1)
