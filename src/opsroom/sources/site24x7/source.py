"""Site24x7 webhook integration posting its incident parameters as JSON."""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint, truncate
from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import (
    FORM_TYPES,
    HookRequest,
    HookResult,
    bad_time,
    capped_raw,
    parse_time,
    unset,
    unsupported,
)

POST_AS_JSON = (
    "tick 'Post as JSON' on the Site24x7 webhook, so that it posts its incident parameters "
    "(MONITORNAME, STATUS, ...) as JSON"
)


class _State(NamedTuple):
    status: AlertStatus
    severity: str
    suppressed: bool
    words: str  # "<monitor> is <words>"


# Down is worse than Critical, which is worse than Trouble; a monitor in maintenance or
# suspended is kept on record but never pages.
STATUSES = {
    "DOWN": _State(AlertStatus.FIRING, "critical", False, "down"),
    "CRITICAL": _State(AlertStatus.FIRING, "error", False, "critical"),
    "TROUBLE": _State(AlertStatus.FIRING, "warning", False, "in trouble"),
    "UP": _State(AlertStatus.RESOLVED, "info", False, "up"),
    "MAINTENANCE": _State(AlertStatus.FIRING, "info", True, "in maintenance"),
    "SUSPENDED": _State(AlertStatus.FIRING, "info", True, "suspended"),
}


class _Payload(BaseModel):
    """The JSON Site24x7 posts with "Send Incident Parameters" and "Post as JSON" ticked."""

    model_config = ConfigDict(extra="allow")

    MONITORNAME: str
    STATUS: str
    MONITOR_ID: int | str | None = None
    MONITORTYPE: str = ""
    MONITORURL: str = ""
    MONITOR_DASHBOARD_LINK: str = ""
    MONITOR_GROUPNAME: str = ""
    INCIDENT_REASON: str = ""
    INCIDENT_TIME: str = ""
    INCIDENT_TIME_ISO: str = ""
    FAILED_LOCATIONS: str = ""
    RCA_LINK: str = ""
    TAGS: list[str] | str | None = None


class Site24x7Source:
    kind = "site24x7"

    def parse(self, request: HookRequest) -> HookResult:
        if request.content_type not in FORM_TYPES and request.looks_like_form():
            # Form fields without a Content-Type that says so, or another tool's format.
            raise UnsupportedPayloadError(
                f"not a site24x7 payload: got form fields; {POST_AS_JSON}"
            )
        data = request.json(hint=POST_AS_JSON)
        if not isinstance(data, dict):
            raise UnsupportedPayloadError("not a site24x7 payload: expected a JSON object")
        try:
            payload = _Payload.model_validate(data)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        state = STATUSES.get(payload.STATUS.strip().upper())
        if state is None:
            raise UnsupportedPayloadError(
                f"unsupported site24x7 STATUS {payload.STATUS!r}: expected one of "
                f"{', '.join(STATUSES)}"
            )
        return HookResult(alerts=[self._normalize(payload, state, data)])

    def _normalize(self, payload: _Payload, state: _State, raw: dict[str, Any]) -> NormalizedAlert:
        status = state.status
        monitor_id = str(payload.MONITOR_ID or "")
        identity = {"monitor_id": monitor_id} if monitor_id else {"name": payload.MONITORNAME}
        at = parse_time(payload.INCIDENT_TIME_ISO)
        time = payload.INCIDENT_TIME_ISO
        if at is None and not (unset(time) or time.startswith("0001-01-01")):
            raise bad_time(
                self.kind, "INCIDENT_TIME_ISO", payload.INCIDENT_TIME_ISO, "an ISO 8601 time"
            )
        return NormalizedAlert(
            fingerprint=fingerprint(self.kind, identity),
            status=status,
            severity=state.severity,
            severity_known=status.is_open,  # UP says nothing of how bad it was
            title=truncate(f"{payload.MONITORNAME} is {state.words}", 500),
            description=payload.INCIDENT_REASON,
            group_key=f"site24x7-monitor:{monitor_id or payload.MONITORNAME}",
            labels=_labels(payload, monitor_id),
            annotations=_annotations(payload),
            links=_links(payload),
            starts_at=at if status.is_open else None,
            ends_at=None if status.is_open else at,
            raw=capped_raw(raw),
            suppressed=state.suppressed,
        )


def _labels(payload: _Payload, monitor_id: str) -> dict[str, str]:
    tags = payload.TAGS if isinstance(payload.TAGS, list) else (payload.TAGS or "").split(",")
    labels: dict[str, str] = {}
    for tag in filter(None, (tag.strip() for tag in tags)):
        name, _, value = tag.partition(":")
        labels[name.strip()] = value.strip()
    fields = {
        "monitor": payload.MONITORNAME,
        "monitor_id": monitor_id,
        "monitor_type": payload.MONITORTYPE,
        "monitor_group": payload.MONITOR_GROUPNAME,
        "status": payload.STATUS.strip().upper(),
    }
    labels.update({name: value for name, value in fields.items() if value})
    return labels


def _annotations(payload: _Payload) -> dict[str, str]:
    notes = {
        "failed_locations": payload.FAILED_LOCATIONS,
        "incident_time": payload.INCIDENT_TIME,
        "monitor_url": payload.MONITORURL,
    }
    return {name: value for name, value in notes.items() if value}


def _links(payload: _Payload) -> tuple[Link, ...]:
    candidates = (
        (payload.MONITOR_DASHBOARD_LINK, "Site24x7 monitor"),
        (payload.RCA_LINK, "Root cause analysis"),
        (payload.MONITORURL, "Monitored URL"),
    )
    return tuple(Link(url=url, text=text) for url, text in candidates if url.startswith("http"))
