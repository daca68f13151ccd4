"""Why an alert may not page: a silence, a maintenance window, the source, or inhibition."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from opsroom.alert.matchers import MatchOp, matches_all, parse_matchers
from opsroom.alert.policy import Inhibition, in_configured_maintenance, targets_any
from opsroom.alert.settings import InhibitRule
from opsroom.alert.tables import AlertRow, SilenceRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork

INHIBITED = "inhibited"
SOURCE = "source"


class Labelled(Protocol):
    """What matching needs of an alert: a row, or the few columns of one."""

    @property
    def severity(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def service(self) -> str | None: ...
    @property
    def integration_id(self) -> int: ...
    @property
    def labels(self) -> Mapping[str, str]: ...


def matching_labels(alert: Labelled, integrations: IntegrationNames) -> dict[str, str]:
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
    maintenance: Maintenance | None = None,
) -> str | None:
    """The reason stored on the alert; None when it may page. `silences` (the active ones)
    and `maintenance` are given when the caller checks many alerts, to read them once."""
    if source_suppressed:
        return SOURCE
    now = ctx.clock.now()
    labels = matching_labels(alert, IntegrationNames(uow))
    for silence in uow.alerts.active_silences(now) if silences is None else silences:
        if matches_all(parse_matchers(silence.matchers), labels):
            return f"silence:{silence.id}"
    in_maintenance = maintenance or Maintenance(uow, ctx, now)
    if alert.service and in_maintenance(alert.service):
        return f"maintenance:{alert.service}"
    return None


class Maintenance:
    """Whether a service is in a maintenance window now, asked of the database once each."""

    def __init__(self, uow: UnitOfWork, ctx: Context, now: datetime) -> None:
        self._uow, self._ctx, self._now = uow, ctx, now
        self._known: dict[str, bool] = {}

    def __call__(self, service: str) -> bool:
        if service not in self._known:
            self._known[service] = (
                in_configured_maintenance(self._ctx.settings.services, service, self._now)
                or self._uow.alerts.active_maintenance(service, self._now) is not None
            )
        return self._known[service]


def refresh_suppression(uow: UnitOfWork, ctx: Context, alerts: list[AlertRow]) -> None:
    """Re-evaluate silences, maintenance and inhibition for open alerts before paging.

    Runs for every notification of a group, so its cost must not grow with every open alert
    opsroom holds: silences and maintenance are read once, and the firing alerts (their
    labels only) only when an inhibition rule could mute one of these alerts."""
    open_alerts = [alert for alert in alerts if alert.status != "resolved"]
    if not open_alerts:
        return
    now = ctx.clock.now()
    names = IntegrationNames(uow)
    silences = uow.alerts.active_silences(now)
    maintenance = Maintenance(uow, ctx, now)
    targets = {alert.id: matching_labels(alert, names) for alert in open_alerts}
    # Only rules that could mute one of these alerts, and only their possible sources.
    rules = [r for r in ctx.settings.inhibit_rules if targets_any([r], targets.values())]
    inhibition = None
    if rules:
        rows = uow.alerts.open_alert_labels(_source_filter(rules))
        inhibition = Inhibition(rules, [matching_labels(row, names) for row in rows])
    for alert in open_alerts:
        if alert.suppressed_reason == SOURCE:
            continue
        reason = suppression_for(
            uow, ctx, alert, source_suppressed=False, silences=silences, maintenance=maintenance
        )
        if reason is None and inhibition is not None and inhibition.mutes(targets[alert.id]):
            reason = INHIBITED
        alert.suppressed_reason = reason


def _source_filter(rules: list[InhibitRule]) -> list[dict[str, str]] | None:
    """The `=` matchers of each rule's sources, which the database can check, so that only
    alerts that may be sources are read (the rules are checked in full afterwards). None
    when a rule has none: every open alert may be its source."""
    filters = []
    for rule in rules:
        equal = {
            m.name: m.value
            for m in rule.source_matchers
            if m.op is MatchOp.EQUAL and m.name not in _NOT_COLUMNS
        }
        if not equal:
            return None
        filters.append(equal)
    return filters


# Matched labels that are not the alert's columns or labels (see `matching_labels`).
_NOT_COLUMNS = ("integration", "source")


def still_active(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    return starts_at <= now < ends_at
