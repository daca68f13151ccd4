"""What Nagios and Icinga 2 notifications share: types, states, and their mapping to an alert.

Both tools run a notification command once per contact with the same object macros, so
nothing about the contact may reach the alert: the copies must be exact repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint, truncate
from opsroom.errors import UnsupportedMediaTypeError, UnsupportedPayloadError
from opsroom.sources.base import (
    FORM_TYPE,
    JSON_TYPE,
    HookRequest,
    bad_time,
    capped_raw,
    epoch_time,
    unset,
)


class NotificationType(StrEnum):
    PROBLEM = "problem"
    RECOVERY = "recovery"
    ACKNOWLEDGEMENT = "acknowledgement"
    FLAPPING_START = "flapping_start"
    FLAPPING_END = "flapping_end"
    DOWNTIME_START = "downtime_start"
    DOWNTIME_END = "downtime_end"
    CUSTOM = "custom"


HOST_STATES = ("UP", "DOWN", "UNREACHABLE")
SERVICE_STATES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
OK_STATES = frozenset({"OK", "UP"})
# UNKNOWN means the check itself failed: worth a look, not a page.
STATE_SEVERITY = {
    "CRITICAL": "critical",
    "DOWN": "critical",
    "UNREACHABLE": "critical",
    "WARNING": "warning",
    "UNKNOWN": "warning",
}
TITLE_LIMIT = 500


@dataclass(frozen=True)
class Notification:
    """One host or service notification, in words both tools share."""

    type: NotificationType
    type_name: str  # as the tool spelled it
    host: str
    service: str  # empty for a host notification
    state: str
    last_state: str = ""
    output: str = ""
    # The tool's id of the problem; None when the tool has none (Icinga 2).
    problem_id: str | None = None
    author: str = ""
    comment: str = ""
    changed_at: datetime | None = None  # when the object entered its current state
    downtime_depth: int = 0
    service_title: str = ""  # the display name, when the tool sends one
    labels: Mapping[str, str] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    raw: Mapping[str, str] = field(default_factory=dict)


def read_form(kind: str, request: HookRequest, sender: str) -> dict[str, str]:
    """The form fields; JSON or multipart is refused saying what the tool sends.

    `sender` says it, e.g. "Nagios posts its macros (NOTIFICATIONTYPE, HOSTNAME, ...)".
    """
    content_type = request.content_type
    article = "an" if kind[:1] in "aeiou" else "a"
    expected = f"not {article} {kind} payload: expected form fields ({FORM_TYPE}): {sender}"
    expected += " as form fields with curl --data-urlencode"
    if content_type == JSON_TYPE or content_type.endswith("+json"):
        raise UnsupportedMediaTypeError(f"{expected}; got JSON ({content_type})")
    if content_type.startswith("multipart/"):
        raise UnsupportedMediaTypeError(
            f"{expected}; got {content_type} (curl -F): use --data-urlencode"
        )
    if request.looks_like_json():
        raise UnsupportedPayloadError(f"{expected}; got JSON")
    return request.form()


def parse_type(
    kind: str, name: str, value: str, known: Mapping[str, NotificationType]
) -> NotificationType:
    if value not in known:
        raise UnsupportedPayloadError(
            f"unsupported {kind} notification type {name}={value!r}: "
            f"expected one of {', '.join(known)}",
            details=[{"field": name, "problem": f"unsupported value {value!r}"}],
        )
    return known[value]


def parse_state(kind: str, name: str, value: str, known: Iterable[str]) -> str:
    state = value.strip().upper()
    allowed = tuple(known)
    if state not in allowed:
        raise UnsupportedPayloadError(
            f"unsupported {kind} state {name}={value!r}: expected one of {', '.join(allowed)}",
            details=[{"field": name, "problem": f"unsupported value {value!r}"}],
        )
    return state


EPOCH = "a UNIX time such as 1715678467"


def parse_epoch(kind: str, name: str, value: str) -> datetime | None:
    """A UNIX timestamp as the tools print them ("1715678467" or "1715678467.431256"); None
    when unset (empty, `0` before any change, or the macro unreplaced), else 422 naming it."""
    if unset(value) or value.strip() == "0":
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise bad_time(kind, name, value, EPOCH) from None
    if not 0 < seconds < 253402300800:  # after 1970, before year 10000
        raise bad_time(kind, name, value, EPOCH)
    moment = epoch_time(seconds)
    if moment is None:
        raise bad_time(kind, name, value, EPOCH)
    return moment


def parse_count(value: str) -> int:
    return int(value) if value.strip().isdigit() else 0


def web_links(candidates: Iterable[tuple[str, str]]) -> tuple[Link, ...]:
    """(url, text) pairs that are http(s) URLs, first of each URL kept."""
    seen: set[str] = set()
    links = []
    for candidate, text in candidates:
        url = candidate.strip()
        if url.lower().startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            links.append(Link(url=url, text=text))
    return tuple(links)


def without_prefixes(form: Mapping[str, str], prefixes: tuple[str, ...]) -> dict[str, str]:
    """The form less the per-contact fields, which differ between the copies."""
    return {name: value for name, value in form.items() if not name.startswith(prefixes)}


def to_alert(kind: str, notification: Notification) -> NormalizedAlert:
    n = notification
    identity = {"host": n.host, "service": n.service}
    if n.problem_id is not None:
        identity["problem_id"] = n.problem_id
    resolved = _status(n) is AlertStatus.RESOLVED
    return NormalizedAlert(
        fingerprint=fingerprint(kind, identity),
        status=_status(n),
        severity=_severity(n),
        severity_known=not resolved or bool({n.state, n.last_state} & STATE_SEVERITY.keys()),
        title=truncate(_title(n), TITLE_LIMIT),
        description=n.output,
        group_key=n.host,  # one host's problems page together
        labels=_labels(n),
        annotations=_annotations(n),
        links=n.links,
        starts_at=None if resolved else n.changed_at,
        ends_at=n.changed_at if resolved else None,
        raw=capped_raw(dict(n.raw)),
        suppressed=_suppressed(n),
    )


def _status(n: Notification) -> AlertStatus:
    # A flapping, downtime or custom notification follows the object's state: one sent
    # while the object is OK/UP must not reopen a problem nothing will resolve again.
    if n.type is NotificationType.RECOVERY or n.state in OK_STATES:
        return AlertStatus.RESOLVED
    if n.type is NotificationType.ACKNOWLEDGEMENT:
        return AlertStatus.ACKNOWLEDGED
    return AlertStatus.FIRING


def _severity(n: Notification) -> str:
    """The state's severity; an OK/UP notification keeps the severity of the state it left."""
    return STATE_SEVERITY.get(n.state) or STATE_SEVERITY.get(n.last_state) or "info"


def _suppressed(n: Notification) -> bool:
    if n.type is NotificationType.DOWNTIME_START:
        return True
    if n.type is NotificationType.DOWNTIME_END:
        return False
    return n.downtime_depth > 0


def _title(n: Notification) -> str:
    if n.service:
        return f"{n.service_title or n.service} on {n.host} is {n.state}"
    return f"{n.host} is {n.state}"


def _labels(n: Notification) -> dict[str, str]:
    labels = {"host": n.host}
    if n.service:
        labels["service"] = n.service
    labels["state"] = n.state
    if n.problem_id:
        labels["problem_id"] = n.problem_id
    labels.update({name: value for name, value in n.labels.items() if value})
    if n.type is NotificationType.FLAPPING_START:
        labels["flapping"] = "true"
    elif n.type is NotificationType.FLAPPING_END:
        labels["flapping"] = "false"
    return labels


def _annotations(n: Notification) -> dict[str, str]:
    annotations = {"notification_type": n.type_name}
    if n.author:
        annotations["author"] = n.author
    if n.comment:
        annotations["comment"] = n.comment
    return annotations
