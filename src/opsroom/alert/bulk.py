"""Storing many hook deliveries in one transaction (group commit) with few statements.

`store_deliveries` means the same as storing each delivery in turn with `store_delivery`, but
reads what the batch needs once (recent body hashes, the alerts it names, the open groups,
the active silences) and writes new alerts and their memberships in one flush. Only common
deliveries take that way: new open alerts on a single route, exact or out-of-date repeats,
duplicated bodies whose alerts are stored as they say. Alerts that take fields from the stored
one (status-only, or without a severity) never do. From the first delivery that needs anything
else, the rest of the batch
is stored one at a time, each in its own savepoint. Keep `_store_common` in step with
`ingest` and `_after_change` in service.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from opsroom.alert import notify
from opsroom.alert.freshness import is_repeat
from opsroom.alert.model import NormalizedAlert, key_hash, most_severe
from opsroom.alert.repository import transient_alert
from opsroom.alert.routing import RouteDecision
from opsroom.alert.service import (
    AUTO_RESOLVE,
    IngestResult,
    IntegrationRef,
    _group_lock_keys,
    _new_group,
    _record_on_incident,
    _route,
    alert_lock_key,
    changes_nothing,
    ingest,
    new_alert_values,
)
from opsroom.alert.suppression import suppression_for
from opsroom.alert.tables import AlertGroupRow, AlertRow, IntegrationRow, SilenceRow
from opsroom.context import Context
from opsroom.db.group_commit import isolated
from opsroom.db.uow import UnitOfWork
from opsroom.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class IngestPlan:
    """Routing decided before the transaction, and the locks `ingest` takes in its order:
    the alerts', then the groups'. Status-only updates route by what is stored, so their
    routes here are provisional (`ingest` routes them again under the alert locks)."""

    routed: list[tuple[NormalizedAlert, list[RouteDecision]]]
    alert_keys: list[str]
    group_keys: list[str]


def plan_ingest(
    ctx: Context, integration: IntegrationRef, alerts: list[NormalizedAlert]
) -> IngestPlan:
    """Route alerts without the database, so a hook can do it before joining a batch."""
    routed = [(incoming, _route(ctx, integration, incoming)) for incoming in alerts]
    return IngestPlan(
        routed=routed,
        alert_keys=[alert_lock_key(integration.id, alert.fingerprint) for alert in alerts],
        group_keys=_group_lock_keys(integration, routed),
    )


@dataclass(frozen=True)
class Delivery:
    """One hook request, parsed and routed, ready to store."""

    integration: IntegrationRow
    body_hash: str
    duplicate_window: timedelta
    alerts: list[NormalizedAlert]
    plan: IngestPlan
    follow_ups: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class Stored:
    duplicate: bool  # the same body arrived within the duplicate window: nothing changed
    result: IngestResult


# (alert with the route's severity, its route, the stored alert when it is a repeat)
_Step = tuple[NormalizedAlert, RouteDecision, AlertRow | None]


def store_delivery(uow: UnitOfWork, ctx: Context, delivery: Delivery) -> Stored:
    """One delivery on its own; a body seen within the duplicate window is a duplicate when
    what is stored already says what it says (a re-fire after a resolution is not)."""
    integration = delivery.integration
    now = ctx.clock.now()
    seen = uow.alerts.seen_delivery(integration.id, delivery.body_hash)
    if (
        seen is not None
        and now - seen < delivery.duplicate_window
        and changes_nothing(uow, ctx, integration, delivery.alerts)
    ):
        return _duplicate(ctx, delivery)
    uow.alerts.record_delivery(integration.id, delivery.body_hash, now)
    result = ingest(uow, ctx, integration, delivery.alerts)
    _enqueue_follow_ups(uow, delivery, now)
    return Stored(duplicate=False, result=result)


def store_deliveries(
    uow: UnitOfWork, ctx: Context, deliveries: list[Delivery]
) -> list[Stored | Exception]:
    """Store deliveries in order; a failing one gets its exception, the others are stored."""
    steps = _common_prefix(uow, ctx, deliveries)
    outcomes: list[Stored | Exception] = []
    if steps:
        common = deliveries[: len(steps)]
        stored = isolated(uow, lambda: _store_common(uow, ctx, common, steps))
        if isinstance(stored, Exception):
            log.warning("ingest.batch_split", size=len(steps), error=type(stored).__name__)
            steps = []
        else:
            outcomes = list(stored)
    for delivery in deliveries[len(steps) :]:
        outcomes.append(isolated(uow, partial(store_delivery, uow, ctx, delivery)))
    return outcomes


def _common_prefix(
    uow: UnitOfWork, ctx: Context, deliveries: list[Delivery]
) -> list[list[_Step] | None]:
    """Steps for the leading common deliveries (None: a duplicate body); stops at the first
    delivery that is not common or names an alert an earlier one in the batch named."""
    seen = _recent_deliveries(uow, deliveries)
    stored = _stored_alerts(uow, deliveries)
    now = ctx.clock.now()
    prefix: list[list[_Step] | None] = []
    touched: set[tuple[int, str]] = set()
    for delivery in deliveries:
        key = (delivery.integration.id, delivery.body_hash)
        received = seen.get(key)
        if received is not None and now - received < delivery.duplicate_window:
            unchanged = _unchanged(delivery, stored, touched)
            if unchanged is None:
                break
            if unchanged:
                prefix.append(None)
                continue
        steps = _common_steps(delivery, stored, touched)
        if steps is None:
            break
        seen[key] = now
        prefix.append(steps)
    return prefix


def _unchanged(
    delivery: Delivery, stored: dict[tuple[int, str], AlertRow], touched: set[tuple[int, str]]
) -> bool | None:
    """`changes_nothing` from what the batch read; None when only `store_delivery` can tell
    (the alert takes fields from the stored one, or an earlier delivery here changed it)."""
    for incoming, decisions in delivery.plan.routed:
        key = (delivery.integration.id, incoming.fingerprint)
        if key in touched or incoming.status_only or not incoming.severity_known:
            return None
        existing = stored.get(key)
        alert = dataclasses.replace(incoming, severity=decisions[0].severity)
        if existing is None or not is_repeat(existing, alert):
            return False
    return True


def _common_steps(
    delivery: Delivery, stored: dict[tuple[int, str], AlertRow], touched: set[tuple[int, str]]
) -> list[_Step] | None:
    steps: list[_Step] = []
    for incoming, decisions in delivery.plan.routed:
        key = (delivery.integration.id, incoming.fingerprint)
        if key in touched or len(decisions) != 1 or incoming.status_only:
            return None  # status-only updates take what is stored: `ingest` handles them
        if not incoming.severity_known:
            return None
        alert = dataclasses.replace(incoming, severity=decisions[0].severity)
        existing = stored.get(key)
        if existing is None and not alert.status.is_open:
            return None
        if existing is not None and not is_repeat(existing, alert):
            return None
        touched.add(key)
        steps.append((alert, decisions[0], existing))
    return steps


def _recent_deliveries(
    uow: UnitOfWork, deliveries: list[Delivery]
) -> dict[tuple[int, str], datetime]:
    hashes: dict[int, list[str]] = {}
    for delivery in deliveries:
        hashes.setdefault(delivery.integration.id, []).append(delivery.body_hash)
    return {
        (integration_id, body_hash): received
        for integration_id, wanted in hashes.items()
        for body_hash, received in uow.alerts.recent_deliveries(integration_id, wanted).items()
    }


def _stored_alerts(uow: UnitOfWork, deliveries: list[Delivery]) -> dict[tuple[int, str], AlertRow]:
    fingerprints: dict[int, list[str]] = {}
    for delivery in deliveries:
        wanted = fingerprints.setdefault(delivery.integration.id, [])
        wanted.extend(alert.fingerprint for alert in delivery.alerts)
    return {
        (integration_id, fingerprint): row
        for integration_id, wanted in fingerprints.items()
        if wanted
        for fingerprint, row in uow.alerts.alerts_by_fingerprint(integration_id, wanted).items()
    }


def _store_common(
    uow: UnitOfWork, ctx: Context, deliveries: list[Delivery], plans: list[list[_Step] | None]
) -> list[Stored]:
    now = ctx.clock.now()
    silences = uow.alerts.active_silences(now)
    wanted = [
        _group_key(delivery, alert, decision)[1]
        for delivery, steps in zip(deliveries, plans, strict=True)
        for alert, decision, existing in steps or []
        if existing is None
    ]
    groups = uow.alerts.open_groups(wanted) if wanted else {}
    outcomes: list[Stored] = []
    recorded: list[tuple[int, str]] = []
    created: list[tuple[AlertRow, AlertGroupRow, IntegrationRow]] = []
    for delivery, steps in zip(deliveries, plans, strict=True):
        if steps is None:
            outcomes.append(_duplicate(ctx, delivery))
            continue
        recorded.append((delivery.integration.id, delivery.body_hash))
        result = IngestResult(received=len(delivery.alerts))
        for alert, decision, existing in steps:
            result.fingerprints.append(alert.fingerprint)
            if existing is not None:
                existing.last_seen, existing.occurrences = now, existing.occurrences + 1
                result.deduplicated += 1
                continue
            group = _open_group(uow, ctx, delivery, alert, decision, groups, result)
            row = transient_alert(
                new_alert_values(delivery.integration, alert, [decision], group.id, now)
            )
            row.suppressed_reason = _suppression(uow, ctx, row, alert, silences)
            created.append((row, group, delivery.integration))
            result.created += 1
        _count(ctx, delivery.integration, result)
        _enqueue_follow_ups(uow, delivery, now)
        outcomes.append(Stored(duplicate=False, result=result))
    uow.alerts.record_deliveries(recorded, now)
    uow.alerts.insert_alerts([row for row, _, _ in created])
    uow.alerts.add_new_members([(group.id, row.id) for row, group, _ in created])
    _after_creates(uow, ctx, created, now)
    return outcomes


def _group_key(
    delivery: Delivery, alert: NormalizedAlert, decision: RouteDecision
) -> tuple[str, str]:
    key = decision.group_key(delivery.integration.id, alert)
    return key, key_hash(key)


def _open_group(
    uow: UnitOfWork,
    ctx: Context,
    delivery: Delivery,
    alert: NormalizedAlert,
    decision: RouteDecision,
    groups: dict[str, AlertGroupRow],
    result: IngestResult,
) -> AlertGroupRow:
    """As `_groups_for` for one route: the open group, created (and scheduled) when missing."""
    key, hashed = _group_key(delivery, alert, decision)
    group = groups.get(hashed)
    if group is None:
        group = groups[hashed] = _new_group(uow, ctx, delivery.integration, alert, decision, key)
        result.groups_opened += 1
    else:
        group.severity = most_severe([group.severity, alert.severity])
    return group


def _suppression(
    uow: UnitOfWork,
    ctx: Context,
    row: AlertRow,
    alert: NormalizedAlert,
    silences: list[SilenceRow],
) -> str | None:
    return suppression_for(uow, ctx, row, source_suppressed=alert.suppressed, silences=silences)


def _after_creates(
    uow: UnitOfWork,
    ctx: Context,
    created: list[tuple[AlertRow, AlertGroupRow, IntegrationRow]],
    now: datetime,
) -> None:
    """`_after_change` for new open alerts; a group's update is scheduled once per batch
    (each scheduling supersedes the one before, so one is what N would have left)."""
    touched: dict[int, AlertGroupRow] = {}
    # Held for the loop, so `_record_on_incident` finds each incident in the session.
    incidents = [uow.incidents.get(i) for i in {g.incident_id for _, g, _ in created} if i]
    for row, group, integration in created:
        group.updated_at = now
        _record_on_incident(uow, ctx, group, row)
        touched[group.id] = group
        timeout = ctx.settings.integration(integration.name).resolve_timeout
        if timeout is not None:
            uow.jobs.enqueue(AUTO_RESOLVE, {"alert_id": row.id}, now=now, due_at=now + timeout)
    for group in touched.values():
        notify.schedule_update(uow, ctx, group)
    del incidents


def _duplicate(ctx: Context, delivery: Delivery) -> Stored:
    count = len(delivery.alerts)
    kind = delivery.integration.kind
    ctx.metrics.alerts_received.labels(source=kind).inc(count)
    ctx.metrics.alerts_deduplicated.labels(source=kind).inc(count)
    return Stored(duplicate=True, result=IngestResult(received=count, deduplicated=count))


def _count(ctx: Context, integration: IntegrationRow, result: IngestResult) -> None:
    ctx.metrics.alerts_received.labels(source=integration.kind).inc(result.received)
    ctx.metrics.alerts_deduplicated.labels(source=integration.kind).inc(result.deduplicated)


def _enqueue_follow_ups(uow: UnitOfWork, delivery: Delivery, now: datetime) -> None:
    for job, payload in delivery.follow_ups:
        uow.jobs.enqueue(job, payload, now=now)
