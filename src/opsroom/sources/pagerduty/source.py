"""Anything that speaks PagerDuty's Events API v2 (or v1); see this folder's README.

opsroom answers as PagerDuty does: `202 {"status": "success", "message": "Event processed",
"dedup_key": ...}` (v1: `200` with `incident_key`), and refused events with PagerDuty's
`{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint, truncate
from opsroom.errors import (
    AuthenticationError,
    MalformedPayloadError,
    NotFoundError,
    OpsroomError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from opsroom.sources.base import HookRequest, HookResult, capped_raw, parse_time
from opsroom.sources.pagerduty.events import Event, invalid, read_event

KIND = "pagerduty"
# The paths senders append to the URL they are given: PagerDuty's own endpoints.
PATHS = {"": None, "enqueue": 2, "v2/enqueue": 2, "generic/2010-04-15/create_event.json": 1}
STATUSES = {
    "trigger": AlertStatus.FIRING,
    "acknowledge": AlertStatus.ACKNOWLEDGED,
    "resolve": AlertStatus.RESOLVED,
}
SECRETS = ("routing_key", "service_key")  # never stored with the raw event


def _new_key() -> str:
    return uuid.uuid4().hex


class PagerDutySource:
    kind = KIND

    def __init__(self, new_key: Callable[[], str] = _new_key) -> None:
        self._new_key = new_key

    def parse(self, request: HookRequest) -> HookResult:
        path = request.query.get("_path", "").strip("/")
        if path not in PATHS:
            raise _unsupported_path(path)
        data = request.json()
        if not isinstance(data, dict):
            raise invalid(["the event must be a JSON object"])
        event = read_event(data)
        expected = PATHS[path]
        if expected is not None and expected != event.version:
            raise invalid([f"a v{event.version} event was sent to the v{expected} endpoint"])
        key = event.dedup_key or self._new_key()
        raw = {name: value for name, value in data.items() if name not in SECRETS}
        alert = _normalize(event, key, raw)
        if event.version == 1:
            reply = {"status": "success", "message": "Event processed", "incident_key": key}
            return HookResult(alerts=[alert], reply=reply, status_code=200)
        reply = {"status": "success", "message": "Event processed", "dedup_key": key}
        return HookResult(alerts=[alert], reply=reply, status_code=202)

    def error_reply(self, error: OpsroomError) -> tuple[dict[str, Any], int]:
        errors = error.details if _strings(error.details) else [error.message]
        if isinstance(error, MalformedPayloadError):
            message = "Event object format is unrecognized"
            return {"status": "Unrecognized object", "message": message, "errors": errors}, 400
        if isinstance(error, NotFoundError):
            return {"status": "not found", "message": error.message, "errors": errors}, 404
        if isinstance(error, PayloadTooLargeError):
            return {"status": "too large", "message": error.message, "errors": errors}, 413
        if isinstance(error, UnsupportedMediaTypeError):
            return {"status": "unsupported media type", "message": error.message}, 415
        if isinstance(error, AuthenticationError):
            return {"status": "unauthenticated", "message": error.message, "errors": errors}, 401
        return {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": errors,
        }, 400


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _unsupported_path(path: str) -> OpsroomError:
    if path.endswith("change/enqueue"):
        return invalid(["change events are not supported: opsroom takes alert events only"])
    return invalid(
        [f"unknown endpoint {path!r}: send events to the integration URL or .../v2/enqueue"]
    )


def _normalize(event: Event, key: str, raw: dict[str, Any]) -> NormalizedAlert:
    status = STATUSES[event.action]
    at = parse_time(event.timestamp)
    return NormalizedAlert(
        fingerprint=fingerprint(KIND, {"dedup_key": key}),
        status=status,
        # v1 has no severity: its incidents were all urgent.
        severity=event.severity or ("error" if event.action == "trigger" else "warning"),
        title=truncate(event.summary or f"PagerDuty alert {key}", 500),
        description=_details_text(event.details),
        # One group per alert, as PagerDuty opens one incident per alert; routes can group.
        group_key=f"{KIND}:{key}",
        labels=_labels(event, key),
        annotations={"event_action": event.action},
        links=_links(event),
        starts_at=at.astimezone(UTC) if at and status is AlertStatus.FIRING else None,
        raw=capped_raw(raw),
        # Only a trigger describes the alert; acknowledge and resolve just change its state.
        status_only=status is not AlertStatus.FIRING,
    )


def _labels(event: Event, key: str) -> dict[str, str]:
    fields = {
        "dedup_key": key,
        "event_source": event.source,  # payload.source; `source` is the integration kind
        "component": event.component,
        "group": event.group,
        "class": event.event_class,
        "client": event.client,
    }
    return {name: truncate(value, 500) for name, value in fields.items() if value}


def _details_text(details: Any) -> str:
    """custom_details (v1 details) as `name: value` lines, the way PagerDuty shows them."""
    if details is None or details == {}:
        return ""
    if not isinstance(details, dict):
        return truncate(details if isinstance(details, str) else json.dumps(details), 20000)
    lines = []
    for name, value in details.items():
        text = value if isinstance(value, str) else json.dumps(value)
        if text:
            lines.append(f"{name}: {text}")
    return truncate("\n".join(lines), 20000)


def _links(event: Event) -> tuple[Link, ...]:
    links = [Link(url=url, text=text) for url, text in event.links if url.startswith("http")]
    if event.client_url and event.client_url.startswith("http"):
        links.append(Link(url=event.client_url, text=event.client or "Monitoring tool"))
    return tuple(links)
