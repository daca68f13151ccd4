"""Alert use cases: integrations and ingest (route, deduplicate, group, suppress, schedule)."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from opsroom.alert import notify
from opsroom.alert.freshness import is_repeat, reads_stored, with_stored
from opsroom.alert.model import AlertStatus, NormalizedAlert, key_hash, most_severe
from opsroom.alert.routing import RouteDecision, match_labels, route_alert
from opsroom.alert.suppression import suppression_for
from opsroom.alert.tables import AlertGroupRow, AlertRow, IntegrationRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, InvalidInputError
from opsroom.incident.service import Actor, record
from opsroom.logging import get_logger
from opsroom.user.passwords import hash_token

log = get_logger(__name__)

SYSTEM = Actor("opsroom", "system")
AUTO_RESOLVE = "alert.auto_resolve"


@dataclass
class IngestResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    deduplicated: int = 0
    groups_opened: int = 0
    fingerprints: list[str] = field(default_factory=list)


def create_integration(
    uow: UnitOfWork, ctx: Context, *, kind: str, name: str, known_kinds: set[str]
) -> tuple[IntegrationRow, str]:
    """Create an integration; returns it with its secret token (shown only once)."""
    if kind not in known_kinds:
        raise InvalidInputError(
            f"unknown integration kind {kind!r}: use one of {', '.join(sorted(known_kinds))}"
        )
    if uow.alerts.integration_by_name(name) is not None:
        raise ConflictError(f"an integration named {name!r} already exists")
    token = secrets.token_urlsafe(24)
    integration = uow.alerts.add_integration(
        IntegrationRow(
            kind=kind,
            name=name,
            token_hash=hash_token(token),
            token_prefix=token[:6],
            created_at=ctx.clock.now(),
        )
    )
    return integration, token


def hook_url(ctx: Context, kind: str, token: str) -> str:
    return f"{ctx.settings.server.public_url()}/api/v1/hooks/{kind}/{token}"


class IntegrationRef(Protocol):
    """What routing needs of an integration: a row, or a copy of one kept outside a session."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...


def ingest(
    uow: UnitOfWork, ctx: Context, integration: IntegrationRow, alerts: list[NormalizedAlert]
) -> IngestResult:
    """Store a batch of alerts from one request; the caller commits before answering."""
    result = IngestResult(received=len(alerts))
    now = ctx.clock.now()
    # Alerts are locked before groups, each set in sorted order, so no two batches deadlock;
    # the alert locks come first because a status-only update reads the stored alert.
    uow.alerts.lock_keys([alert_lock_key(integration.id, a.fingerprint) for a in alerts])
    alerts = [_with_stored(uow, integration, alert, now) for alert in alerts]
    routed = [(incoming, _route(ctx, integration, incoming)) for incoming in alerts]
    uow.alerts.lock_keys(_group_lock_keys(integration, routed))
    for incoming, decisions in routed:
        alert = dataclasses.replace(incoming, severity=decisions[0].severity)
        result.fingerprints.append(alert.fingerprint)
        existing = uow.alerts.get_alert(integration.id, alert.fingerprint)
        if existing is None:
            _create(uow, ctx, integration, alert, decisions, result)
        elif is_repeat(existing, alert):
            existing.last_seen = ctx.clock.now()
            existing.occurrences += 1
            result.deduplicated += 1
        else:
            _update(uow, ctx, integration, existing, alert, decisions, result)
    ctx.metrics.alerts_received.labels(source=integration.kind).inc(result.received)
    ctx.metrics.alerts_deduplicated.labels(source=integration.kind).inc(result.deduplicated)
    return result


def _with_stored(
    uow: UnitOfWork, integration: IntegrationRow, alert: NormalizedAlert, now: datetime
) -> NormalizedAlert:
    row = uow.alerts.get_alert(integration.id, alert.fingerprint) if reads_stored(alert) else None
    return alert if row is None else with_stored(row, alert, now)


def alert_lock_key(integration_id: int, fingerprint: str) -> str:
    return f"alert|{integration_id}|{fingerprint}"


def _group_lock_keys(
    integration: IntegrationRef, routed: list[tuple[NormalizedAlert, list[RouteDecision]]]
) -> list[str]:
    """The groups this batch may open or change; see `AlertRepository.lock_keys`."""
    keys: list[str] = []
    for alert, decisions in routed:
        keys += [f"group|{key_hash(d.group_key(integration.id, alert))}" for d in decisions]
    return keys


def _route(
    ctx: Context, integration: IntegrationRef, alert: NormalizedAlert
) -> list[RouteDecision]:
    labels = match_labels(
        alert.labels, severity=alert.severity, integration=integration.name, source=integration.kind
    )
    return route_alert(
        ctx.settings.routing,
        labels=labels,
        severity=alert.severity,
        integration=integration.name,
        default_service=ctx.settings.integration(integration.name).service,
    )


def changes_nothing(
    uow: UnitOfWork, ctx: Context, integration: IntegrationRef, alerts: list[NormalizedAlert]
) -> bool:
    """Whether storing these alerts would change nothing but counts: each is stored already
    as it says (or it is out of date). Only then is a body seen again a duplicate delivery;
    the first firing's body again after a resolution re-opens the alert."""
    now = ctx.clock.now()
    for incoming in alerts:
        row = uow.alerts.get_alert(integration.id, incoming.fingerprint)
        if row is None:
            return False
        merged = with_stored(row, incoming, now)
        alert = dataclasses.replace(merged, severity=_route(ctx, integration, merged)[0].severity)
        if not is_repeat(row, alert):
            return False
    return True


def _create(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    alert: NormalizedAlert,
    decisions: list[RouteDecision],
    result: IngestResult,
) -> None:
    groups = _groups_for(uow, ctx, integration, alert, decisions, result)
    row = uow.alerts.add_alert(
        new_alert_row(integration, alert, decisions, groups[0].id, ctx.clock.now())
    )
    row.suppressed_reason = suppression_for(uow, ctx, row, source_suppressed=alert.suppressed)
    for group in groups:
        uow.alerts.add_member(group.id, row.id)
    result.created += 1
    _after_change(uow, ctx, integration, row, alert, groups, status_changed=True)


def new_alert_row(
    integration: IntegrationRow,
    alert: NormalizedAlert,
    decisions: list[RouteDecision],
    group_id: int,
    now: datetime,
) -> AlertRow:
    return AlertRow(**new_alert_values(integration, alert, decisions, group_id, now))


def new_alert_values(
    integration: IntegrationRow,
    alert: NormalizedAlert,
    decisions: list[RouteDecision],
    group_id: int,
    now: datetime,
) -> dict[str, Any]:
    """The columns of a new alert row."""
    return {
        "integration_id": integration.id,
        "group_id": group_id,
        "fingerprint": alert.fingerprint,
        "status": alert.status.value,
        "severity": alert.severity,
        "title": alert.title,
        "description": alert.description,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "links": [{"url": link.url, "text": link.text} for link in alert.links],
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "first_seen": now,
        "last_seen": now,
        "occurrences": 1,
        "content_hash": alert.content_hash(),
        "raw": alert.raw,
        "service": decisions[0].service,
    }


def _update(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    row: AlertRow,
    alert: NormalizedAlert,
    decisions: list[RouteDecision],
    result: IngestResult,
) -> None:
    groups = uow.alerts.groups_of_alert(row.id)
    refiring = alert.status.is_open and row.status == AlertStatus.RESOLVED
    if refiring or not groups:
        groups = _groups_for(uow, ctx, integration, alert, decisions, result)
        row.group_id = groups[0].id
        for group in groups:
            uow.alerts.add_member(group.id, row.id)
    status_changed = row.status != alert.status.value
    row.status, row.severity, row.title = alert.status.value, alert.severity, alert.title
    row.description, row.labels = alert.description, alert.labels
    row.annotations = alert.annotations
    row.links = [{"url": link.url, "text": link.text} for link in alert.links]
    row.starts_at, row.ends_at, row.raw = alert.starts_at, alert.ends_at, alert.raw
    row.content_hash, row.last_seen = alert.content_hash(), ctx.clock.now()
    row.service = decisions[0].service
    row.occurrences += 1
    row.suppressed_reason = suppression_for(uow, ctx, row, source_suppressed=alert.suppressed)
    result.updated += 1
    uow.flush()
    _after_change(uow, ctx, integration, row, alert, groups, status_changed=status_changed)


def _groups_for(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    alert: NormalizedAlert,
    decisions: list[RouteDecision],
    result: IngestResult,
) -> list[AlertGroupRow]:
    """The open group per matching route, created (and scheduled) when missing."""
    groups = []
    for decision in decisions:
        key = decision.group_key(integration.id, alert)
        group = uow.alerts.open_group(key_hash(key))
        if group is None:
            group = _new_group(uow, ctx, integration, alert, decision, key)
            if group.status == AlertStatus.FIRING:
                result.groups_opened += 1
        else:
            group.severity = most_severe([group.severity, decision.severity])
        groups.append(group)
    return groups


def _new_group(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    alert: NormalizedAlert,
    decision: RouteDecision,
    key: str,
) -> AlertGroupRow:
    now = ctx.clock.now()
    firing = alert.status.is_open
    group = uow.alerts.add_group(
        AlertGroupRow(
            integration_id=integration.id,
            group_key=key,
            key_hash=key_hash(key),
            status=AlertStatus.FIRING.value if firing else AlertStatus.RESOLVED.value,
            title=alert.title,
            severity=decision.severity,
            created_at=now,
            updated_at=now,
            resolved_at=None if firing else now,
            route=decision.route,
            service=decision.service,
            notify_seq=0,
            notified_count=0,
        )
    )
    if firing:
        notify.schedule(uow, ctx, group, due=now + decision.group_wait)
    return group


def _after_change(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    row: AlertRow,
    alert: NormalizedAlert,
    groups: list[AlertGroupRow],
    *,
    status_changed: bool,
) -> None:
    now = ctx.clock.now()
    for group in groups:
        group.updated_at = now
        if status_changed:
            _record_on_incident(uow, ctx, group, row)
        if alert.status.is_open:
            notify.schedule_update(uow, ctx, group)
        elif group.status == AlertStatus.FIRING:
            if uow.alerts.firing_count(group.id) == 0:
                notify.resolve_group(uow, ctx, group)
            else:  # one alert fewer: said after group_interval, as Alertmanager does
                notify.schedule_update(uow, ctx, group)
    timeout = ctx.settings.integration(integration.name).resolve_timeout
    if timeout is not None and alert.status.is_open and status_changed:
        uow.jobs.enqueue(AUTO_RESOLVE, {"alert_id": row.id}, now=now, due_at=now + timeout)


def _record_on_incident(uow: UnitOfWork, ctx: Context, group: AlertGroupRow, row: AlertRow) -> None:
    if group.incident_id is None:
        return
    incident = uow.incidents.get(group.incident_id)
    if incident is not None:
        record(
            uow,
            ctx,
            incident,
            Actor("alert", "alert"),
            "alert",
            f"Alert {row.status}: {row.title}",
            {"group_id": group.id, "fingerprint": row.fingerprint},
        )


def auto_resolve(uow: UnitOfWork, ctx: Context, alert_id: int, integration: IntegrationRow) -> bool:
    """Resolve an alert its source never resolves once `resolve_timeout` passes unseen."""
    row = uow.alerts.get_alert_by_id(alert_id)
    timeout = ctx.settings.integration(integration.name).resolve_timeout
    if row is None or row.status == AlertStatus.RESOLVED or timeout is None:
        return False
    uow.alerts.lock_keys([alert_lock_key(integration.id, row.fingerprint)])
    uow.refresh(row)
    if row.status == AlertStatus.RESOLVED:
        return False
    now = ctx.clock.now()
    deadline = row.last_seen + timeout
    if deadline > now:
        uow.jobs.enqueue(AUTO_RESOLVE, {"alert_id": row.id}, now=now, due_at=deadline)
        return False
    row.status, row.ends_at = AlertStatus.RESOLVED.value, now
    row.annotations = {**row.annotations, "opsroom_auto_resolved": "true"}
    row.content_hash = ""  # the next firing from the source is a change, not a repeat
    for group in uow.alerts.groups_of_alert(row.id):
        _record_on_incident(uow, ctx, group, row)
        if group.status == AlertStatus.FIRING and uow.alerts.firing_count(group.id) == 0:
            notify.resolve_group(uow, ctx, group)
    log.info("alert.auto_resolved", alert=row.id, integration=integration.name)
    return True
