"""Anything that speaks Opsgenie's Alert API (create, close, acknowledge); see the README.

opsroom answers as Opsgenie does: `202 {"result": "Request will be processed", "took": 0.0,
"requestId": ...}`, and refusals in Opsgenie's shape (`message`, an `errors` map, `took`,
`requestId`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from opsroom.alert.model import AlertStatus, NormalizedAlert, fingerprint, truncate
from opsroom.errors import (
    AuthenticationError,
    MalformedPayloadError,
    NotFoundError,
    OpsroomError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from opsroom.sources.base import HookRequest, HookResult, capped_raw
from opsroom.sources.opsgenie.requests import AlertAction, Call, CreateAlert, read_body, read_call

KIND = "opsgenie"
# Opsgenie's names: P1 Critical, P2 High, P3 Moderate (the default), P4 Low, P5 Informational.
PRIORITIES = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info", "P5": "info"}
STATUSES = {
    "close": AlertStatus.RESOLVED,
    "acknowledge": AlertStatus.ACKNOWLEDGED,
    "unacknowledge": AlertStatus.FIRING,
}
NOT_PROCESSABLE = "Request body is not processable. Please check the errors."


def _new_id() -> str:
    return str(uuid.uuid4())


class OpsgenieSource:
    kind = KIND

    def __init__(self, new_id: Callable[[], str] = _new_id) -> None:
        self._new_id = new_id

    def parse(self, request: HookRequest) -> HookResult:
        call = read_call(request)
        if call.action == "create":
            alert = self._created(read_body(request, CreateAlert))
        else:
            alert = _changed(call, read_body(request, AlertAction))
        return HookResult(
            alerts=[alert], reply=self._reply({"result": "Request will be processed"})
        )

    def error_reply(self, error: OpsroomError) -> tuple[dict[str, Any], int]:
        if isinstance(error, MalformedPayloadError):
            return self._reply({"message": error.message}), 400
        if isinstance(error, NotFoundError):
            return self._reply({"message": error.message}), 404
        if isinstance(error, PayloadTooLargeError):
            return self._reply({"message": error.message}), 413
        if isinstance(error, UnsupportedMediaTypeError):
            return self._reply({"message": error.message}), 415
        if isinstance(error, AuthenticationError):
            return self._reply({"message": error.message}), 401
        errors = error.details if isinstance(error.details, dict) else {"body": error.message}
        return self._reply({"message": NOT_PROCESSABLE, "errors": errors}), 422

    def _reply(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "took": 0.0, "requestId": self._new_id()}

    def _created(self, body: CreateAlert) -> NormalizedAlert:
        # Opsgenie gives an alert created without an alias a unique one: no deduplication.
        alias = body.alias or self._new_id()
        return NormalizedAlert(
            fingerprint=fingerprint(KIND, {"alias": alias}),
            status=AlertStatus.FIRING,
            severity=PRIORITIES[body.priority],
            title=truncate(body.message, 500),
            description=body.description,
            group_key=f"{KIND}:{alias}",
            labels=_labels(body, alias),
            annotations=_notes(body.user, body.note, "created_by"),
            raw=capped_raw(body.model_dump(by_alias=True, exclude_defaults=True)),
        )


def _changed(call: Call, body: AlertAction) -> NormalizedAlert:
    alias = call.identifier or ""
    status = STATUSES[call.action]
    who = {"close": "closed_by", "acknowledge": "acknowledged_by"}.get(call.action, "updated_by")
    return NormalizedAlert(
        fingerprint=fingerprint(KIND, {"alias": alias}),
        status=status,
        severity="warning",
        title=truncate(f"Opsgenie alert {alias}", 500),
        group_key=f"{KIND}:{alias}",
        labels={"alias": truncate(alias, 500)},
        annotations={"last_action": call.action, **_notes(body.user, body.note, who)},
        raw=capped_raw({"action": call.action, "alias": alias, **body.model_dump()}),
        status_only=True,  # a close or acknowledge says nothing else about the alert
    )


def _labels(body: CreateAlert, alias: str) -> dict[str, str]:
    labels = {str(name): _text(value) for name, value in body.details.items()}
    responders = [_responder(item) for item in body.responders]
    fields = {
        "alias": alias,
        "priority": body.priority,
        "entity": body.entity,
        "event_source": body.source,  # Opsgenie's source; `source` is the integration kind
        "tags": ",".join(body.tags),
        "responders": ",".join(filter(None, responders)),
    }
    labels.update({name: value for name, value in fields.items() if value})
    return {name: truncate(value, 500) for name, value in labels.items()}


def _responder(item: dict[str, Any]) -> str:
    name = item.get("name") or item.get("username") or item.get("id") or ""
    return f"{item.get('type', '')}:{name}" if name else ""


def _notes(user: str, note: str, who: str) -> dict[str, str]:
    notes = {who: user, "note": note}
    return {name: value for name, value in notes.items() if value}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
