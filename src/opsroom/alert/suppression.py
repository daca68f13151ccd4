"""Why an alert may not page: a silence, a maintenance window, the source, or inhibition."""

from __future__ import annotations

from datetime import datetime

from opsroom.alert.matchers import matches_all, parse_matchers
from opsroom.alert.policy import in_configured_maintenance, is_inhibited
from opsroom.alert.tables import AlertRow, SilenceRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork

INHIBITED = "inhibited"
SOURCE = "source"


def matching_labels(alert: AlertRow, integrations: IntegrationNames) -> dict[str, str]:
    """What silences and inhibition rules match against: labels plus the built-ins routes
    see too (severity, service, integration, source), and alertname."""
    built_in = {"severity": alert.severity, "alertname": alert.title}
    if alert.service:
        built_in["service"] = alert.service
    built_in.update(integrations.labels(alert.integration_id))
    return {**built_in, **alert.labels}


class IntegrationNames:
    """`integration` and `source` labels by integration id, read once per unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._known: dict[int, dict[str, str]] = {}

    def labels(self, integration_id: int) -> dict[str, str]:
        if integration_id not in self._known:
            row = self._uow.alerts.get_integration(integration_id)
            found = {"integration": row.name, "source": row.kind} if row else {}
            self._known[integration_id] = found
        return self._known[integration_id]


def suppression_for(
    uow: UnitOfWork,
    ctx: Context,
    alert: AlertRow,
    *,
    source_suppressed: bool,
    silences: list[SilenceRow] | None = None,
) -> str | None:
    """The reason stored on the alert; None when it may page. `silences` are the active
    ones when the caller already read them (once for a batch of alerts)."""
    if source_suppressed:
        return SOURCE
    now = ctx.clock.now()
    labels = matching_labels(alert, IntegrationNames(uow))
    for silence in uow.alerts.active_silences(now) if silences is None else silences:
        if matches_all(parse_matchers(silence.matchers), labels):
            return f"silence:{silence.id}"
    if alert.service and (
        in_configured_maintenance(ctx.settings.services, alert.service, now)
        or uow.alerts.active_maintenance(alert.service, now) is not None
    ):
        return f"maintenance:{alert.service}"
    return None


def refresh_suppression(uow: UnitOfWork, ctx: Context, alerts: list[AlertRow]) -> None:
    """Re-evaluate silences, maintenance and inhibition for open alerts before paging."""
    open_alerts = [alert for alert in alerts if alert.status != "resolved"]
    if not open_alerts:
        return
    rules = ctx.settings.inhibit_rules
    names = IntegrationNames(uow)
    firing = [matching_labels(alert, names) for alert in uow.alerts.open_alerts()] if rules else []
    # Read once for the whole group, not once per alert (groups hold thousands).
    silences = uow.alerts.active_silences(ctx.clock.now())
    for alert in open_alerts:
        if alert.suppressed_reason == SOURCE:
            continue
        reason = suppression_for(uow, ctx, alert, source_suppressed=False, silences=silences)
        if reason is None and rules and is_inhibited(rules, matching_labels(alert, names), firing):
            reason = INHIBITED
        alert.suppressed_reason = reason


def still_active(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    return starts_at <= now < ends_at
