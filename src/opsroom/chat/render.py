"""Platform-neutral text for incidents and alerts. Platforms escape it for themselves."""

from __future__ import annotations

from collections.abc import Sequence

from opsroom.alert.tables import AlertGroupRow, AlertRow
from opsroom.incident.model import incident_ref, severity_label
from opsroom.incident.tables import IncidentRow, TimelineEntryRow

MAX_LISTED = 10


def group_opened(group: AlertGroupRow, alerts: Sequence[AlertRow]) -> str:
    lines = [
        f"[{group.severity.upper()}] Alert group #{group.id}: {group.title}",
        *_alert_lines(alerts),
        f"Acknowledge: /inc ack group:{group.id} · declare an incident: "
        f"/inc declare group:{group.id}",
    ]
    return "\n".join(lines)


def group_updated(group: AlertGroupRow, alerts: Sequence[AlertRow]) -> str:
    lines = [
        f"[{group.severity.upper()}] Alert group #{group.id} now has {len(alerts)} "
        f"firing alerts: {group.title}",
        *_alert_lines(alerts),
    ]
    return "\n".join(lines)


def group_still_firing(group: AlertGroupRow, alerts: Sequence[AlertRow]) -> str:
    return (
        f"[{group.severity.upper()}] Still firing: alert group #{group.id}: {group.title} "
        f"({len(alerts)} alerts)"
    )


def group_resolved(group: AlertGroupRow) -> str:
    return f"[RESOLVED] Alert group #{group.id}: {group.title}"


def _alert_lines(alerts: Sequence[AlertRow]) -> list[str]:
    lines = []
    for alert in alerts[:MAX_LISTED]:
        line = f"- {alert.title} ({alert.status})"
        if alert.description:
            line += f": {alert.description}"
        lines.append(line)
    if len(alerts) > MAX_LISTED:
        lines.append(f"... and {len(alerts) - MAX_LISTED} more")
    return lines


def incident_topic(incident: IncidentRow) -> str:
    return (
        f"{incident_ref(incident.number)} {severity_label(incident.severity).upper()} "
        f"{incident.status}: {incident.title}"
    )


def incident_announcement(incident: IncidentRow) -> str:
    return (
        f"{incident_ref(incident.number)} declared by {incident.declared_by}: {incident.title} "
        f"({severity_label(incident.severity).upper()}). Join #{incident.room}"
    )


def incident_summary(
    incident: IncidentRow, groups: Sequence[AlertGroupRow], alerts: Sequence[AlertRow]
) -> str:
    lines = [
        f"{incident_ref(incident.number)}: {incident.title}",
        f"Severity {severity_label(incident.severity).upper()}, status {incident.status}, "
        f"declared by {incident.declared_by}",
    ]
    if groups:
        lines.append("Linked alerts:")
        lines.extend(_alert_lines(alerts))
    lines.append("Type /inc help for commands; everything said here goes on the timeline.")
    return "\n".join(lines)


def incident_resolved(incident: IncidentRow) -> str:
    text = f"{incident_ref(incident.number)} resolved: {incident.title}"
    return f"{text}. Summary: {incident.summary}" if incident.summary else text


def timeline(entries: Sequence[TimelineEntryRow], limit: int = 50) -> str:
    shown = entries[-limit:]
    lines = [
        f"{entry.at:%Y-%m-%d %H:%M:%S} [{entry.kind}] {entry.actor}: {entry.text}"
        for entry in shown
    ]
    if len(entries) > limit:
        lines.insert(0, f"... {len(entries) - limit} earlier entries")
    return "Timeline:\n" + "\n".join(lines) if lines else "The timeline is empty."
