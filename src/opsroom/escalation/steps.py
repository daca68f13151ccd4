"""The `escalation.step` job: notify a step's targets, record who could not be reached,
schedule the next step. A step fires once: its (escalation, pass, step) run is unique."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import NotFoundError
from opsroom.escalation.history import post_alerts, record_event, subject_ref
from opsroom.escalation.model import Position, Target, next_position
from opsroom.escalation.service import ACTIVE, MANUAL, schedule, start, stop
from opsroom.escalation.tables import EscalationRow, StepRunRow
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow
from opsroom.logging import get_logger
from opsroom.notify.service import PageRequest, page_user
from opsroom.user.contacts import known_user, team_members

log = get_logger(__name__)
HOST = f"{socket.gethostname()}:{os.getpid()}"


def fire_step(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    escalation = uow.escalations.get(int(payload["escalation_id"]), for_update=True)
    if escalation is None or escalation.status != ACTIVE:
        return  # acknowledged or resolved before the step was due
    if escalation.generation != payload["generation"]:
        return  # rescheduled (`/inc escalate`) since this job was queued
    at = Position(int(payload["pass"]), int(payload["step"]))
    now = ctx.clock.now()
    due = datetime.fromisoformat(payload["due"])
    run = StepRunRow(
        escalation_id=escalation.id,
        pass_no=at.pass_no,
        step=at.step,
        due_at=due,
        fired_at=now,
        fired_by=HOST,
    )
    if not uow.escalations.add_step_run(run):
        return
    policy = ctx.settings.policy(escalation.policy)
    if policy is None or at.step >= len(policy.steps):
        record_event(uow, ctx, escalation, "system", f"Policy {escalation.policy} no longer exists")
        return
    step = policy.steps[at.step]
    pass_text = f" (repeat {at.pass_no})" if at.pass_no else ""
    targets = ", ".join(str(t) for t in step.targets)
    text = f"Step {at.step + 1} of {len(policy.steps)}{pass_text}: notifying {targets}"
    record_event(uow, ctx, escalation, "page", text, {"pass": at.pass_no, "step": at.step})
    key = f"esc{escalation.id}:p{at.pass_no}:s{at.step}"
    notify_targets(uow, ctx, escalation, step.targets, key)
    following = next_position(at, steps=len(policy.steps), repeat=policy.repeat)
    if following is not None:
        schedule(uow, ctx, escalation, following, now + step.wait)
    else:
        escalation.next_step_at = None
        record_event(
            uow, ctx, escalation, "system", "Last step fired: nobody else is paged automatically"
        )
    log.info("escalation.step_fired", escalation=escalation.id, step=at.step, late=str(now - due))


def notify_targets(
    uow: UnitOfWork, ctx: Context, escalation: EscalationRow, targets: list[Target], key: str
) -> int:
    """Page every person the targets name; each one nobody can reach is recorded and posted."""
    paged, body = 0, _body(uow, escalation)
    for target in targets:
        users, problem = resolve_target(uow, ctx, target, ctx.clock.now())
        if problem:
            unreachable(uow, ctx, escalation, target, problem)
        for user in users:
            request = PageRequest(key, user, escalation.title, body, escalation)
            if page_user(uow, ctx, request):
                paged += 1
            else:
                unreachable(uow, ctx, escalation, target, f"{user} has no usable contact method")
    return paged


def resolve_target(
    uow: UnitOfWork, ctx: Context, target: Target, at: datetime
) -> tuple[list[str], str | None]:
    """The people a target names now, or why there is nobody."""
    try:
        if target.kind == "schedule":
            users = ctx.on_call(uow, ctx, schedule=target.name, at=at)
            return (users, None) if users else ([], f"nobody is on call in {target.name}")
        if target.kind == "team":
            users = team_members(ctx, target.name)
            return (users, None) if users else ([], f"team {target.name} has no members")
    except NotFoundError as exc:
        return [], exc.message
    if not known_user(uow, ctx, target.name):
        return [], f"no user named {target.name}"
    return [target.name], None


def unreachable(
    uow: UnitOfWork, ctx: Context, escalation: EscalationRow, target: Target, why: str
) -> None:
    text = f"Could not reach {target}: {why}"
    record_event(uow, ctx, escalation, "page", text, {"target": str(target), "unreachable": True})
    post_alerts(uow, ctx, f"{subject_ref(escalation).capitalize()}: {text}")
    log.warning("escalation.unreachable", escalation=escalation.id, target=str(target))


def _body(uow: UnitOfWork, escalation: EscalationRow) -> str:
    """What is wrong (the group's alerts, as plain text), then where the page comes from."""
    lines = []
    if escalation.alert_group_id is not None:
        alerts = uow.alerts.alerts_in_group(escalation.alert_group_id)
        firing = [a for a in alerts if a.status != "resolved"]
        for alert in firing[:5]:
            detail = f": {alert.description}" if alert.description else ""
            lines.append(f"- {alert.title}{detail}"[:300])
        if len(firing) > 5:
            lines.append(f"... and {len(firing) - 5} more")
    lines.append(
        f"Escalation #{escalation.id} (policy {escalation.policy}) for {subject_ref(escalation)}."
    )
    return "\n".join(lines)


def page_on_demand(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    target: Target,
    actor: Actor,
    message: str = "",
) -> str:
    """`/inc page @user|schedule`: page now through the person's rules, ack code included."""
    title = f"INC-{incident.number}: {incident.title} (paged by {actor.name})"
    if message:
        title += f": {message}"
    escalation = start(uow, ctx, MANUAL, title=title, incident_id=incident.id)
    paged = notify_targets(uow, ctx, escalation, [target], f"esc{escalation.id}:manual")
    if paged == 0:
        stop(uow, ctx, escalation, "resolved", actor, "nobody could be paged")
        return f"Could not page {target}: see #{ctx.settings.chat.alerts_room}"
    return f"Paging {target} (page code {escalation.id})"
