"""PagerDuty Events API v2 (and v1) event bodies, validated as PagerDuty documents them.

Both versions are read into one `Event`; errors are PagerDuty-style strings ("'payload.summary'
is missing or blank") so the reply can carry them in PagerDuty's `errors` array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.errors import UnsupportedPayloadError

Action = Literal["trigger", "acknowledge", "resolve"]
M = TypeVar("M", bound=BaseModel)


class _Link(BaseModel):
    model_config = ConfigDict(extra="allow")

    href: str = Field(min_length=1)
    text: str = ""


class _Image(BaseModel):
    model_config = ConfigDict(extra="allow")

    src: str = Field(min_length=1)
    href: str = ""
    alt: str = ""


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: str | None = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(default=None, alias="class")
    custom_details: Any = None


class _EventV2(BaseModel):
    model_config = ConfigDict(extra="allow")

    routing_key: str = Field(min_length=1)
    event_action: Action
    dedup_key: str | None = Field(default=None, max_length=255)
    payload: _Payload | None = None
    client: str | None = None
    client_url: str | None = None
    links: list[_Link] = Field(default_factory=list)
    images: list[_Image] = Field(default_factory=list)


class _Context(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["link", "image"]
    href: str = ""
    text: str = ""
    src: str = ""
    alt: str = ""


class _EventV1(BaseModel):
    model_config = ConfigDict(extra="allow")

    service_key: str = Field(min_length=1)
    event_type: Action
    incident_key: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=1024)
    details: Any = None
    client: str | None = None
    client_url: str | None = None
    contexts: list[_Context] = Field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """One alert event, whichever API version sent it."""

    version: Literal[1, 2]
    action: Action
    dedup_key: str | None
    summary: str | None = None
    source: str | None = None
    severity: str | None = None
    timestamp: str | None = None
    component: str | None = None
    group: str | None = None
    event_class: str | None = None
    details: Any = None
    client: str | None = None
    client_url: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)


def read_event(data: dict[str, Any]) -> Event:
    """Validate a v1 body (it has `service_key`/`event_type`) or else a v2 body."""
    if "service_key" in data or "event_type" in data:
        return _v1(_validated(_EventV1, data))
    return _v2(_validated(_EventV2, data))


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid([_problem(error) for error in exc.errors()]) from exc


def invalid(errors: list[str]) -> UnsupportedPayloadError:
    return UnsupportedPayloadError(f"invalid PagerDuty event: {errors[0]}", details=errors)


def _problem(error: Any) -> str:
    name = ".".join(str(part) for part in error["loc"]).replace("class_", "class")
    if error["type"] in ("missing", "string_too_short"):
        return f"'{name}' is missing or blank"
    if error["type"] == "literal_error":
        return f"'{name}' is invalid (must be one of: {error['ctx']['expected']})"
    return f"'{name}' is invalid ({error['msg']})"


def _v2(event: _EventV2) -> Event:
    if event.event_action == "trigger" and event.payload is None:
        raise invalid(["'payload' is missing or blank"])
    if event.event_action != "trigger" and not event.dedup_key:
        raise invalid([f"'dedup_key' is missing or blank (required to {event.event_action})"])
    links = [(link.href, link.text) for link in event.links]
    links += [(image.href or image.src, image.alt or "Image") for image in event.images]
    payload = event.payload
    return Event(
        version=2,
        action=event.event_action,
        dedup_key=event.dedup_key or None,
        summary=payload.summary if payload else None,
        source=payload.source if payload else None,
        severity=payload.severity if payload else None,
        timestamp=payload.timestamp if payload else None,
        component=payload.component if payload else None,
        group=payload.group if payload else None,
        event_class=payload.class_ if payload else None,
        details=payload.custom_details if payload else None,
        client=event.client,
        client_url=event.client_url,
        links=links,
    )


def _v1(event: _EventV1) -> Event:
    if event.event_type == "trigger" and not event.description:
        raise invalid(["'description' is missing or blank"])
    if event.event_type != "trigger" and not event.incident_key:
        raise invalid([f"'incident_key' is missing or blank (required to {event.event_type})"])
    links = [
        (context.href or context.src, context.text or context.alt or context.type)
        for context in event.contexts
        if context.href or context.src
    ]
    return Event(
        version=1,
        action=event.event_type,
        dedup_key=event.incident_key or None,
        summary=event.description,
        details=event.details,
        client=event.client,
        client_url=event.client_url,
        links=links,
    )
