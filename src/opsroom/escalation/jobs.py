"""Job handlers of escalation and paging, registered by the composition root."""

from __future__ import annotations

from typing import Any

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.service import STEP, start_for_incident
from opsroom.escalation.steps import fire_step
from opsroom.incident.service import DECLARED
from opsroom.jobs.worker import Handler
from opsroom.notify.delivery import deliver_page
from opsroom.notify.service import DELIVER


def incident_declared(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    incident = uow.incidents.get(int(payload["incident_id"]))
    if incident is not None and incident.status not in ("resolved", "closed"):
        start_for_incident(uow, ctx, incident)


HANDLERS: dict[str, Handler] = {
    STEP: fire_step,
    DELIVER: deliver_page,
    DECLARED: incident_declared,
}
