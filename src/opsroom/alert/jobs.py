"""Jobs that follow an alert group's life: announce it, auto-declare, re-notify, resolve."""

from __future__ import annotations

from typing import Any

from opsroom.alert import notify
from opsroom.alert.model import AlertStatus, most_severe
from opsroom.alert.routing import route_timing
from opsroom.alert.service import AUTO_RESOLVE, SYSTEM, auto_resolve
from opsroom.alert.suppression import refresh_suppression
from opsroom.alert.tables import AlertGroupRow, AlertRow
from opsroom.chat import render
from opsroom.chat.rooms import announce
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.service import start_for_group
from opsroom.incident.model import severity_from_alert
from opsroom.incident.service import declare_incident
from opsroom.jobs.worker import Handler


def notify_group(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    group = uow.alerts.get_group(int(payload["group_id"]))
    if group is None:
        return
    # Ingest holds this lock while it adds alerts and decides whether to schedule again.
    uow.alerts.lock_keys([f"group|{group.key_hash}"])
    uow.refresh(group)
    if group.notify_seq != payload.get("seq") or group.status != "firing":
        return  # resolved, or superseded by a later scheduling
    members = uow.alerts.alerts_in_group(group.id)
    refresh_suppression(uow, ctx, members)
    active = [a for a in members if a.status != AlertStatus.RESOLVED and not a.suppressed_reason]
    interval, repeat = route_timing(ctx.settings.routing, group.route)
    now = ctx.clock.now()
    if not active:
        # Everything is silenced or inhibited: look again later, a silence may expire.
        notify.schedule(uow, ctx, group, due=now + interval)
        return
    # The group is as bad as its worst firing alert now; one that got worse may now call for
    # an incident.
    severity = most_severe([alert.severity for alert in active])
    worse = severity != group.severity and most_severe([severity, group.severity]) == severity
    group.severity = severity
    _auto_declare(uow, ctx, group)
    if group.notified_at is None:
        announce(uow, ctx, "alerts", render.group_opened(group, active))
        start_for_group(uow, ctx, group)
    elif len(active) != group.notified_count or worse:  # alerts came, went or got worse
        announce(uow, ctx, "alerts", render.group_updated(group, active))
    elif now < group.notified_at + repeat:
        # Nothing new since the last notification (Alertmanager's rule): an unchanged group
        # is only re-notified once repeat_interval has passed.
        notify.schedule(uow, ctx, group, due=group.notified_at + repeat)
        return
    else:
        announce(uow, ctx, "alerts", render.group_still_firing(group, active))
    group.notified_at, group.notified_count = now, len(active)
    notify.schedule(uow, ctx, group, due=now + repeat)


def _auto_declare(uow: UnitOfWork, ctx: Context, group: AlertGroupRow) -> None:
    rule = ctx.settings.rules.auto_declare
    if rule.enabled and group.severity in rule.severities and group.incident_id is None:
        declare_incident(
            uow,
            ctx,
            title=group.title,
            severity=severity_from_alert(group.severity),
            actor=SYSTEM,
            group_ids=[group.id],
            trigger="rule",
        )


def announce_group_resolved(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    group = uow.alerts.get_group(int(payload["group_id"]))
    if group is None:
        return
    announce(uow, ctx, "alerts", render.group_resolved(group))


def run_auto_resolve(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    alert: AlertRow | None = uow.alerts.get_alert_by_id(int(payload["alert_id"]))
    if alert is None:
        return
    integration = next((i for i in uow.alerts.integrations() if i.id == alert.integration_id), None)
    if integration is not None:
        auto_resolve(uow, ctx, alert.id, integration)


HANDLERS: dict[str, Handler] = {
    notify.NOTIFY: notify_group,
    notify.RESOLVED: announce_group_resolved,
    AUTO_RESOLVE: run_auto_resolve,
}

__all__ = ["HANDLERS", "route_timing"]
