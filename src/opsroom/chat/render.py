"""Incidents and alerts as platform-neutral messages. Platforms escape and lay them out.

Lists are never cut here: each platform's limits cut them once, with "... and N more".
"""

from __future__ import annotations

from collections.abc import Sequence

from opsroom.alert.tables import AlertGroupRow, AlertRow
from opsroom.chat.message import ACK, DECLARE, RESOLVE, Button, Field, Level, Message
from opsroom.incident.model import incident_ref, severity_label
from opsroom.incident.tables import IncidentRow, TimelineEntryRow

# Alerts listed in one message at most, before any platform's own (lower) limit.
MAX_LISTED = 200
_LEVELS: dict[str, Level] = {"critical": "critical", "error": "critical", "warning": "warning"}


def group_opened(group: AlertGroupRow, alerts: Sequence[AlertRow]) -> Message:
    return Message(
        text=f"[{group.severity.upper()}] Alert group #{group.id}: {group.title}",
        lines=_alert_lines(alerts),
        more_lines=max(0, len(alerts) - MAX_LISTED),
        context=(
            f"Acknowledge: /inc ack group:{group.id} · declare an incident: "
            f"/inc declare group:{group.id}"
        ),
        buttons=_group_buttons(group),
        level=_LEVELS.get(group.severity, "info"),
    )


def group_updated(group: AlertGroupRow, alerts: Sequence[AlertRow]) -> Message:
    return Message(
        text=(
            f"[{group.severity.upper()}] Alert group #{group.id} now has "
            f"{_count(len(alerts), 'firing alert')}: {group.title}"
        ),
        lines=_alert_lines(alerts),
        more_lines=max(0, len(alerts) - MAX_LISTED),
        buttons=_group_buttons(group),
        level=_LEVELS.get(group.severity, "info"),
    )


def group_still_firing(group: AlertGroupRow, alerts: Sequence[AlertRow]) -> Message:
    return Message(
        text=(
            f"[{group.severity.upper()}] Still firing: alert group #{group.id}: {group.title} "
            f"({_count(len(alerts), 'alert')})"
        ),
        buttons=_group_buttons(group),
        level=_LEVELS.get(group.severity, "info"),
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def group_resolved(group: AlertGroupRow) -> Message:
    return Message(text=f"[RESOLVED] Alert group #{group.id}: {group.title}", level="good")


def _group_buttons(group: AlertGroupRow) -> tuple[Button, ...]:
    if group.incident_id is not None:
        return (Button("Acknowledge", ACK, f"group:{group.id}", "primary"),)
    return (
        Button("Declare incident", DECLARE, f"group:{group.id}", "primary"),
        Button("Acknowledge", ACK, f"group:{group.id}"),
    )


def _alert_lines(alerts: Sequence[AlertRow]) -> tuple[str, ...]:
    lines = []
    for alert in alerts[:MAX_LISTED]:
        line = f"{alert.title} ({alert.status})"
        if alert.description:
            line += f": {alert.description}"
        lines.append(line)
    return tuple(lines)


def incident_buttons(incident: IncidentRow) -> tuple[Button, ...]:
    value = f"incident:{incident.number}"
    buttons = [] if incident.acknowledged_at else [Button("Acknowledge", ACK, value, "primary")]
    return (*buttons, Button("Resolve", RESOLVE, value, "danger"))


def incident_topic(incident: IncidentRow) -> str:
    return (
        f"{incident_ref(incident.number)} {severity_label(incident.severity).upper()} "
        f"{incident.status}: {incident.title}"
    )


def incident_announcement(incident: IncidentRow, room: str = "") -> Message:
    """`room` names the room; left empty, the outbox appends the room once it exists."""
    return Message(
        text=(
            f"{incident_ref(incident.number)} declared by {incident.declared_by}: "
            f"{incident.title} ({severity_label(incident.severity).upper()}). "
            f"Join {room}"
        ),
        buttons=incident_buttons(incident),
        level="critical" if incident.severity <= 2 else "warning",
    )


def incident_summary(
    incident: IncidentRow, groups: Sequence[AlertGroupRow], alerts: Sequence[AlertRow]
) -> Message:
    return Message(
        text=f"{incident_ref(incident.number)}: {incident.title}",
        body=(
            f"Severity {severity_label(incident.severity).upper()}, status {incident.status}, "
            + (f"commander {incident.commander}, " if incident.commander else "")
            + f"declared by {incident.declared_by}"
            + ("\nLinked alerts:" if groups else "")
        ),
        lines=_alert_lines(alerts) if groups else (),
        more_lines=max(0, len(alerts) - MAX_LISTED) if groups else 0,
        context="Type /inc help for commands; everything said here goes on the timeline.",
        buttons=incident_buttons(incident),
    )


def incident_resolved(incident: IncidentRow) -> str:
    text = f"{incident_ref(incident.number)} resolved: {incident.title}"
    return f"{text}. Summary: {incident.summary}" if incident.summary else text


def incident_fields(incident: IncidentRow) -> tuple[Field, ...]:
    return (
        Field("Severity", severity_label(incident.severity).upper()),
        Field("Status", incident.status),
        Field("Commander", incident.commander or "none"),
    )


def timeline(entries: Sequence[TimelineEntryRow], total: int | None = None) -> str:
    """The newest entries first (so a platform's size limit cuts the oldest), saying how
    many earlier ones are not shown."""
    lines = [
        f"{entry.at:%Y-%m-%d %H:%M:%S} [{entry.kind}] {entry.actor}: {entry.text}"
        for entry in reversed(entries)
    ]
    earlier = (total or len(entries)) - len(entries)
    if earlier > 0:
        lines.append(f"... and {earlier} earlier entries")
    return "Timeline, newest first:\n" + "\n".join(lines) if lines else "The timeline is empty."
