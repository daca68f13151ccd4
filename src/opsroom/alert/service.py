"""Alert use cases: ingest (normalize, deduplicate, group), integrations, group jobs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from opsroom.alert.model import AlertStatus, NormalizedAlert, key_hash, most_severe
from opsroom.alert.tables import AlertGroupRow, AlertRow, IntegrationRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, InvalidInputError
from opsroom.incident.service import Actor, record
from opsroom.logging import get_logger
from opsroom.user.passwords import hash_token

log = get_logger(__name__)

GROUP_OPENED = "alert_group.opened"
GROUP_RESOLVED = "alert_group.resolved"
SYSTEM = Actor("opsroom", "system")


@dataclass
class IngestResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    deduplicated: int = 0
    groups_opened: int = 0


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


def ingest(
    uow: UnitOfWork, ctx: Context, integration: IntegrationRow, alerts: list[NormalizedAlert]
) -> IngestResult:
    """Store a batch of alerts from one request; the caller commits before answering."""
    result = IngestResult(received=len(alerts))
    for alert in alerts:
        existing = uow.alerts.get_alert(integration.id, alert.fingerprint)
        if existing is None:
            _create(uow, ctx, integration, alert, result)
        elif existing.content_hash == alert.content_hash() or _is_stale(existing, alert):
            existing.last_seen = ctx.clock.now()
            existing.occurrences += 1
            result.deduplicated += 1
        else:
            _update(uow, ctx, integration, existing, alert, result)
    ctx.metrics.alerts_received.labels(source=integration.kind).inc(result.received)
    ctx.metrics.alerts_deduplicated.labels(source=integration.kind).inc(result.deduplicated)
    return result


def _is_stale(existing: AlertRow, alert: NormalizedAlert) -> bool:
    """An update about an earlier occurrence than the one stored never overwrites it."""
    return bool(alert.starts_at and existing.starts_at and alert.starts_at < existing.starts_at)


def _create(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    alert: NormalizedAlert,
    result: IngestResult,
) -> None:
    group = _group_for(uow, ctx, integration, alert, result)
    now = ctx.clock.now()
    uow.alerts.add_alert(
        AlertRow(
            integration_id=integration.id,
            group_id=group.id,
            fingerprint=alert.fingerprint,
            status=alert.status.value,
            severity=alert.severity,
            title=alert.title,
            description=alert.description,
            labels=alert.labels,
            annotations=alert.annotations,
            links=[{"url": link.url, "text": link.text} for link in alert.links],
            starts_at=alert.starts_at,
            ends_at=alert.ends_at,
            first_seen=now,
            last_seen=now,
            occurrences=1,
            content_hash=alert.content_hash(),
            raw=alert.raw,
        )
    )
    result.created += 1
    _on_alert_changed(uow, ctx, group, alert)


def _update(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    row: AlertRow,
    alert: NormalizedAlert,
    result: IngestResult,
) -> None:
    group = uow.alerts.get_group(row.group_id)
    refiring = alert.status.is_open and row.status == AlertStatus.RESOLVED
    if refiring and (group is None or group.status == AlertStatus.RESOLVED):
        group = _group_for(uow, ctx, integration, alert, result)
        row.group_id = group.id
    status_changed = row.status != alert.status.value
    row.status, row.severity, row.title = alert.status.value, alert.severity, alert.title
    row.description, row.labels, row.annotations = (
        alert.description,
        alert.labels,
        alert.annotations,
    )
    row.links = [{"url": link.url, "text": link.text} for link in alert.links]
    row.starts_at, row.ends_at, row.raw = alert.starts_at, alert.ends_at, alert.raw
    row.content_hash, row.last_seen = alert.content_hash(), ctx.clock.now()
    row.occurrences += 1
    result.updated += 1
    if group is not None and status_changed:
        uow.flush()
        _on_alert_changed(uow, ctx, group, alert)


def _group_for(
    uow: UnitOfWork,
    ctx: Context,
    integration: IntegrationRow,
    alert: NormalizedAlert,
    result: IngestResult,
) -> AlertGroupRow:
    """The open group for the alert's key, or a new one (announced by a job if firing)."""
    hashed = key_hash(alert.group_key)
    group = uow.alerts.open_group(integration.id, hashed)
    if group is not None:
        group.severity = most_severe([group.severity, alert.severity])
        return group
    now = ctx.clock.now()
    firing = alert.status.is_open
    group = uow.alerts.add_group(
        AlertGroupRow(
            integration_id=integration.id,
            group_key=alert.group_key,
            key_hash=hashed,
            status=AlertStatus.FIRING.value if firing else AlertStatus.RESOLVED.value,
            title=alert.title,
            severity=alert.severity,
            created_at=now,
            updated_at=now,
            resolved_at=None if firing else now,
        )
    )
    if firing:
        uow.jobs.enqueue(GROUP_OPENED, {"group_id": group.id}, now=now)
        result.groups_opened += 1
        ctx.wake_worker()
    return group


def _on_alert_changed(
    uow: UnitOfWork, ctx: Context, group: AlertGroupRow, alert: NormalizedAlert
) -> None:
    now = ctx.clock.now()
    group.updated_at = now
    if group.incident_id is not None:
        incident = uow.incidents.get(group.incident_id)
        if incident is not None:
            record(
                uow,
                ctx,
                incident,
                Actor("alert", "alert"),
                "alert",
                f"Alert {alert.status.value}: {alert.title}",
                {"group_id": group.id, "fingerprint": alert.fingerprint},
            )
    if (
        alert.status is AlertStatus.RESOLVED
        and group.status == AlertStatus.FIRING
        and uow.alerts.firing_count(group.id) == 0
    ):
        group.status, group.resolved_at = AlertStatus.RESOLVED.value, now
        uow.jobs.enqueue(GROUP_RESOLVED, {"group_id": group.id}, now=now)
        ctx.wake_worker()
