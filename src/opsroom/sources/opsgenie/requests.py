"""Opsgenie Alert API requests: which endpoint a sender called, and its validated body.

Senders append Opsgenie's paths to the URL they are given (`.../v2/alerts`,
`.../v2/alerts/<alias>/close?identifierType=alias`); the hooks route hands that tail over as
`_path`. Errors carry Opsgenie's `errors` map of field to problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import HookRequest

Action = Literal["create", "close", "acknowledge", "unacknowledge"]
ACTIONS = ("close", "acknowledge", "unacknowledge")
# opsroom's only identifier is the alias; an alert created without one gets a generated
# alias that is also its id, as in Opsgenie, so `id` means the same here.
IDENTIFIER_TYPES = ("alias", "id")
M = TypeVar("M", bound=BaseModel)


class CreateAlert(BaseModel):
    """POST /v2/alerts."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    message: str = Field(min_length=1)
    alias: str | None = Field(default=None, max_length=512)
    description: str = Field(default="", max_length=15000)
    responders: list[dict[str, Any]] = Field(default_factory=list)
    visible_to: list[dict[str, Any]] = Field(default_factory=list, alias="visibleTo")
    actions: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    entity: str = Field(default="", max_length=512)
    source: str = Field(default="", max_length=100)
    priority: Literal["P1", "P2", "P3", "P4", "P5"] = "P3"
    user: str = ""
    note: str = ""


class AlertAction(BaseModel):
    """POST /v2/alerts/{identifier}/close|acknowledge|unacknowledge."""

    model_config = ConfigDict(extra="allow")

    user: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Call:
    action: Action
    identifier: str | None = None


def read_call(request: HookRequest) -> Call:
    """Which Alert API endpoint this request is, from `_path` and `identifierType`."""
    path = request.query.get("_path", "").strip("/")
    if path in ("", "v2/alerts"):
        return Call("create")
    head, _, rest = path.partition("v2/alerts/")
    identifier, _, action = rest.rpartition("/")
    if head or not identifier or action not in ACTIONS:
        raise refused(
            "path",
            f"unsupported Opsgenie endpoint {path!r}: opsroom supports creating, closing, "
            "acknowledging and unacknowledging alerts",
        )
    kind = request.query.get("identifierType", "id")
    if kind not in IDENTIFIER_TYPES:
        raise refused("identifierType", f"identifierType {kind!r} is not supported; use alias")
    return Call(cast(Action, action), identifier)


def read_body(request: HookRequest, model: type[M]) -> M:
    data = request.json() if request.body.strip() else {}
    if not isinstance(data, dict):
        raise refused("body", "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = {_name(error["loc"]): error["msg"] for error in exc.errors()}
        first = next(iter(problems.items()))
        raise UnsupportedPayloadError(
            f"not an opsgenie request: {first[0]}: {first[1]}", details=problems
        ) from exc


def refused(field: str, problem: str) -> UnsupportedPayloadError:
    return UnsupportedPayloadError(problem, details={field: problem})


def _name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"
