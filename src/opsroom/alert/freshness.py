"""How an incoming alert meets the stored one: what it keeps of it, and whether it is news.

An update keeps what the source did not say (a resolution's start, a severity it has none
for); an exact repeat or an update about an earlier moment changes nothing but the counts.
Times compared are the source's own (`starts_at`, `ends_at`), never opsroom's clock, but
a time later than the receive time (plus `CLOCK_SKEW`) is not trusted: it is clamped to the
receive time (`trust_times`), so a sender with a bad clock cannot make its alert permanent.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert
from opsroom.alert.suppression import SOURCE
from opsroom.alert.tables import AlertRow

# How far ahead of opsroom's clock a source's time may be and still be taken as it is.
CLOCK_SKEW = timedelta(minutes=5)


def trust_times(alert: NormalizedAlert, received: datetime) -> NormalizedAlert:
    """The alert with a start or end later than `received` (plus `CLOCK_SKEW`) clamped to
    `received`; `raw` keeps what the source sent."""
    limit = received + CLOCK_SKEW
    starts_ahead = alert.starts_at is not None and alert.starts_at > limit
    ends_ahead = alert.ends_at is not None and alert.ends_at > limit
    if not starts_ahead and not ends_ahead:
        return alert
    return dataclasses.replace(
        alert,
        starts_at=received if starts_ahead else alert.starts_at,
        ends_at=received if ends_ahead else alert.ends_at,
        clock_ahead=alert.clock_ahead or starts_ahead,
    )


def reads_stored(alert: NormalizedAlert) -> bool:
    """Whether the alert takes fields from the stored one, so routing must wait for it."""
    return (
        alert.status_only
        or not alert.severity_known
        or alert.starts_at is None
        or alert.clock_ahead
    )


def with_stored(row: AlertRow, alert: NormalizedAlert, now: datetime) -> NormalizedAlert:
    """The alert as ingest stores it: what the source left unsaid is kept from `row`."""
    if alert.status_only:
        return _status_update(row, alert, now)
    if is_stale(row, alert):
        return alert  # judged by what the source said; it changes nothing anyway
    merged = alert
    refiring = alert.status.is_open and row.status == AlertStatus.RESOLVED
    unknown_start = alert.starts_at is None or alert.clock_ahead
    if unknown_start and row.starts_at is not None and not refiring:
        merged = dataclasses.replace(merged, starts_at=row.starts_at)  # e.g. a recovery
    if not alert.severity_known:
        merged = dataclasses.replace(merged, severity=row.severity)
    return merged


def _status_update(row: AlertRow, alert: NormalizedAlert, now: datetime) -> NormalizedAlert:
    """A status-only update keeps what is stored; one for a resolved alert changes nothing
    (PagerDuty drops acknowledge and resolve events for a resolved alert, too)."""
    resolved = row.status == AlertStatus.RESOLVED
    return NormalizedAlert(
        fingerprint=row.fingerprint,
        status=AlertStatus.RESOLVED if resolved else alert.status,
        severity=row.severity,
        title=row.title,
        group_key=alert.group_key,
        description=row.description,
        labels=dict(row.labels),
        annotations=dict(row.annotations) if resolved else {**row.annotations, **alert.annotations},
        links=tuple(Link(url=link["url"], text=link.get("text", "")) for link in row.links),
        starts_at=row.starts_at,
        ends_at=row.ends_at if resolved or alert.status.is_open else alert.ends_at or now,
        raw=row.raw if resolved else alert.raw,
        suppressed=row.suppressed_reason == SOURCE,
        source_groups=alert.source_groups,
    )


def is_repeat(existing: AlertRow, alert: NormalizedAlert) -> bool:
    """Only `last_seen` and the count change: an exact repeat, or an out-of-date update."""
    return existing.content_hash == alert.content_hash() or is_stale(existing, alert)


def is_stale(existing: AlertRow, alert: NormalizedAlert) -> bool:
    """An update about an earlier moment never overwrites a newer one.

    Stale are: an alert that started before the stored one; an update whose own time (its
    end for a resolution, else its start) is before the latest stored time (the end of a
    stored resolution, else the start); and a firing of the very occurrence (same start) a
    stored resolution already ended. Without times (many sources send none) nothing is stale.
    """
    started, stored_start = alert.starts_at, existing.starts_at
    if started and stored_start and started < stored_start:
        return True
    resolved = existing.status == AlertStatus.RESOLVED
    same_occurrence = started is not None and started == stored_start
    if same_occurrence:
        # A resolution of the open occurrence always applies; a firing of it, once a
        # stored resolution ended it, never does.
        return alert.status.is_open and resolved
    at = started if alert.status.is_open else alert.ends_at
    latest = (existing.ends_at if resolved else None) or stored_start
    return at is not None and latest is not None and at < latest
