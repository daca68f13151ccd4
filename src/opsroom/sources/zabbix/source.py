"""Zabbix webhook media type: the script in this folder's README posts trigger events as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.alert.model import (
    AlertStatus,
    Link,
    NormalizedAlert,
    fingerprint,
    normalize_severity,
    truncate,
)
from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import (
    HookRequest,
    HookResult,
    bad_time,
    capped_raw,
    epoch_time,
    unset,
    unsupported,
)

# {EVENT.NSEVERITY}: Not classified, Information, Warning, Average, High, Disaster.
SEVERITIES = {
    "0": "info",
    "1": "info",
    "2": "warning",
    "3": "warning",
    "4": "error",
    "5": "critical",
}
TRIGGER_SOURCE = "0"


class _Tag(BaseModel):
    tag: str
    value: str = ""


class _Payload(BaseModel):
    """What the media type script posts: macro values as strings, unresolved macros as ""."""

    model_config = ConfigDict(extra="allow")

    event_source: str
    event_id: str = Field(pattern=r"^[0-9]+$")
    event_value: Literal["0", "1"]
    event_update_status: Literal["0", "1"]
    event_recovery_id: str = ""
    event_status: str = ""
    event_name: str = ""
    event_severity: str = ""
    event_nseverity: str = ""
    event_opdata: str = ""
    event_tags: list[_Tag] = Field(default_factory=list)
    event_timestamp: str = ""
    event_recovery_timestamp: str = ""
    event_ack_status: str = ""
    event_update_action: str = ""
    event_update_message: str = ""
    event_update_user: str = ""
    trigger_id: str = ""
    trigger_name: str = ""
    trigger_description: str = ""
    trigger_url: str = ""
    host_name: str = ""
    host_host: str = ""
    host_ip: str = ""
    zabbix_url: str = ""


class ZabbixSource:
    kind = "zabbix"

    def parse(self, request: HookRequest) -> HookResult:
        data = request.json()
        if not isinstance(data, dict):
            raise UnsupportedPayloadError("not a zabbix payload: expected a JSON object")
        try:
            payload = _Payload.model_validate(data)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        if payload.event_source != TRIGGER_SOURCE:
            raise UnsupportedPayloadError(
                f"unsupported zabbix event_source {payload.event_source!r}: only trigger events "
                "('0') are supported; limit the action to trigger events"
            )
        return HookResult(alerts=[self._normalize(payload, data)])

    def _normalize(self, payload: _Payload, raw: dict[str, Any]) -> NormalizedAlert:
        status = _status(payload)
        title = payload.event_name or payload.trigger_name or f"Zabbix problem {payload.event_id}"
        return NormalizedAlert(
            # {EVENT.ID} is the problem event in problem, update and recovery messages alike.
            fingerprint=fingerprint(self.kind, {"event_id": payload.event_id}),
            status=status,
            severity=_severity(payload),
            title=truncate(title, 500),
            description=_description(payload),
            group_key=f"zabbix-trigger:{payload.trigger_id or payload.event_id}",
            labels=_labels(payload),
            annotations=_annotations(payload),
            links=_links(payload),
            starts_at=_epoch("event_timestamp", payload.event_timestamp),
            ends_at=(
                _epoch("event_recovery_timestamp", payload.event_recovery_timestamp)
                if not status.is_open
                else None
            ),
            raw=capped_raw(raw),
        )


def _status(payload: _Payload) -> AlertStatus:
    if payload.event_update_status == "1":
        if "closed" in payload.event_update_action or payload.event_status == "RESOLVED":
            return AlertStatus.RESOLVED
        if payload.event_ack_status == "Yes":
            return AlertStatus.ACKNOWLEDGED
        return AlertStatus.FIRING  # unacknowledged, commented, severity changed
    return AlertStatus.FIRING if payload.event_value == "1" else AlertStatus.RESOLVED


def _description(payload: _Payload) -> str:
    parts = [payload.trigger_description]
    if payload.event_opdata:
        parts.append(f"Operational data: {payload.event_opdata}")
    if payload.event_update_status == "1":
        who = payload.event_update_user or "Someone"
        update = f"{who} {payload.event_update_action} the problem"
        message = payload.event_update_message
        parts.append(f"{update}: {message}" if message else update)
    return "\n".join(part for part in parts if part)


def _labels(payload: _Payload) -> dict[str, str]:
    labels: dict[str, str] = {}
    for tag in payload.event_tags:
        labels[tag.tag] = f"{labels[tag.tag]},{tag.value}" if labels.get(tag.tag) else tag.value
    fields = {
        "host": payload.host_name,
        "host_technical_name": payload.host_host,
        "host_ip": payload.host_ip,
        "trigger_id": payload.trigger_id,
        "zabbix_severity": payload.event_severity,
    }
    labels.update({name: value for name, value in fields.items() if value})
    return labels


def _annotations(payload: _Payload) -> dict[str, str]:
    notes = {
        "recovery_event_id": payload.event_recovery_id,
        "acknowledged": payload.event_ack_status,
        "last_update": payload.event_update_action,
    }
    return {name: value for name, value in notes.items() if value}


def _severity(payload: _Payload) -> str:
    """{EVENT.NSEVERITY} (0-5), else the severity's name; anything else is refused."""
    number = payload.event_nseverity
    if unset(number):
        return normalize_severity(payload.event_severity)
    if number.strip() not in SEVERITIES:
        raise UnsupportedPayloadError(
            f"not a zabbix payload: event_nseverity={number[:20]!r} is not 0-5",
            details=[{"field": "event_nseverity", "problem": "not a number from 0 to 5"}],
        )
    return SEVERITIES[number.strip()]


def _epoch(name: str, value: str) -> datetime | None:
    """A Zabbix {EVENT.*TIMESTAMP}; None when unset, else 422 naming the field."""
    if unset(value):
        return None
    moment = epoch_time(int(value)) if value.strip().isdigit() and len(value) < 15 else None
    if moment is None:
        raise bad_time("zabbix", name, value, "a UNIX time such as 1764835200")
    return moment


def _links(payload: _Payload) -> tuple[Link, ...]:
    links = []
    if payload.zabbix_url.startswith("http") and payload.trigger_id:
        base = payload.zabbix_url.rstrip("/")
        url = f"{base}/tr_events.php?triggerid={payload.trigger_id}&eventid={payload.event_id}"
        links.append(Link(url=url, text="Zabbix event"))
    if payload.trigger_url.startswith("http"):
        links.append(Link(url=payload.trigger_url, text="Trigger URL"))
    return tuple(links)
