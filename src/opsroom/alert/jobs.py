"""Jobs that follow an alert group's life: announce it, auto-declare, announce resolution."""

from __future__ import annotations

from typing import Any

from opsroom.alert.model import AlertStatus
from opsroom.alert.service import GROUP_OPENED, GROUP_RESOLVED, SYSTEM
from opsroom.chat import render
from opsroom.chat.service import builtin_chat
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.incident.model import severity_from_alert
from opsroom.incident.service import declare_incident
from opsroom.jobs.worker import Handler


def announce_group_opened(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    group = uow.alerts.get_group(int(payload["group_id"]))
    if group is None:
        return
    chat = builtin_chat(uow, ctx)
    alerts = uow.alerts.alerts_in_group(group.id)
    chat.post(ctx.settings.chat.alerts_room, render.group_opened(group, alerts))
    rule = ctx.settings.rules.auto_declare
    if (
        rule.enabled
        and group.severity in rule.severities
        and group.incident_id is None
        and group.status == AlertStatus.FIRING
    ):
        declare_incident(
            uow,
            ctx,
            chat,
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
    builtin_chat(uow, ctx).post(ctx.settings.chat.alerts_room, render.group_resolved(group))


HANDLERS: dict[str, Handler] = {
    GROUP_OPENED: announce_group_opened,
    GROUP_RESOLVED: announce_group_resolved,
}
