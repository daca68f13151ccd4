"""When an alert group is announced (and, later, paged): Alertmanager's timing semantics.

`group_wait` delays the first notification so related alerts arrive together;
`group_interval` spaces notifications about new alerts in a notified group; `repeat_interval`
re-sends while the group still fires. Each scheduled notification carries the group's
`notify_seq`; scheduling again bumps it, so an outdated job does nothing when it runs.
"""

from __future__ import annotations

from datetime import datetime

from opsroom.alert.model import AlertStatus
from opsroom.alert.routing import route_timing
from opsroom.alert.tables import AlertGroupRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.service import stop_for_group

NOTIFY = "alert_group.notify"
RESOLVED = "alert_group.resolved"


def schedule(uow: UnitOfWork, ctx: Context, group: AlertGroupRow, *, due: datetime) -> None:
    group.notify_seq += 1
    group.notify_due_at = due
    uow.jobs.enqueue(
        NOTIFY, {"group_id": group.id, "seq": group.notify_seq}, now=ctx.clock.now(), due_at=due
    )
    ctx.wake_worker()


def schedule_update(uow: UnitOfWork, ctx: Context, group: AlertGroupRow) -> None:
    """An alert in the group is new, fires again or resolved: notify after `group_interval`."""
    if group.status != AlertStatus.FIRING or group.notified_at is None:
        return  # the first notification is still pending and will include it
    interval, _ = route_timing(ctx.settings.routing, group.route)
    now = ctx.clock.now()
    due = max(now, group.notified_at + interval)
    pending = group.notify_due_at
    if pending is not None and now <= pending <= due:
        return  # the pending notification runs no later and will include this alert
    schedule(uow, ctx, group, due=due)


def resolve_group(uow: UnitOfWork, ctx: Context, group: AlertGroupRow) -> None:
    """Every alert of the group is resolved: close it and cancel pending notifications."""
    now = ctx.clock.now()
    group.status, group.resolved_at = AlertStatus.RESOLVED.value, now
    group.notify_seq += 1
    group.notify_due_at = None
    stop_for_group(uow, ctx, group)
    if group.notified_at is not None:
        uow.jobs.enqueue(RESOLVED, {"group_id": group.id}, now=now)
        ctx.wake_worker()
