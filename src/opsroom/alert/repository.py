"""Persistence of integrations, alerts and alert groups."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql import Executable

from opsroom.alert.tables import (
    AlertGroupMemberRow,
    AlertGroupRow,
    AlertRow,
    HookDeliveryRow,
    IntegrationRow,
    MaintenanceWindowRow,
    SilenceRow,
)

FIRING, RESOLVED = "firing", "resolved"


_LOCK_IN_ORDER = text(
    "SELECT count(pg_advisory_xact_lock(n)) FROM "
    "(SELECT unnest(CAST(:numbers AS bigint[])) AS n ORDER BY n) AS ordered"
)


def _lock_number(key: str) -> int:
    """A signed 64-bit advisory-lock number for a key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


_ALERTS = AlertRow.metadata.tables[AlertRow.__tablename__]
_ALERT_COLUMNS = [column.key for column in _ALERTS.columns]
_INSERT_ALERTS = insert(_ALERTS).returning(_ALERTS.c.id, sort_by_parameter_order=True)
_INSERT_MEMBERS = insert(AlertRow.metadata.tables[AlertGroupMemberRow.__tablename__])
_UPSERTS: dict[str, Executable] = {}
_ALERT_CLASS = manager_of_class(AlertRow)


def _upsert_deliveries(dialect: str) -> Executable:
    """The upsert of many deliveries, built once per dialect (building it costs more than
    running it)."""
    if dialect not in _UPSERTS:
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = upsert(AlertRow.metadata.tables[HookDeliveryRow.__tablename__])
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["integration_id", "body_hash"],
            set_={"received_at": statement.excluded.received_at},
        )
    return _UPSERTS[dialect]


def transient_alert(values: dict[str, Any]) -> AlertRow:
    """`AlertRow(**values)` without the ORM's attribute events, which cost a fifth of the
    writer's time per new alert; for a row that never joins a session (`insert_alerts`)."""
    row: AlertRow = _ALERT_CLASS.new_instance()
    row.__dict__.update(values)
    return row


_BUILT_IN: dict[str, Any] = {
    "severity": AlertRow.severity,
    "alertname": AlertRow.title,
    "service": AlertRow.service,
}


def _label_equals(pair: tuple[str, str]) -> ColumnElement[bool]:
    name, value = pair
    return func.coalesce(AlertRow.labels[name].as_string(), _BUILT_IN.get(name), "") == value


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._held: set[int] = set()  # advisory locks the transaction `_held_by` holds
        self._held_by: object = None
        self._integrations: dict[int, IntegrationRow] = {}

    def add_integration(self, integration: IntegrationRow) -> IntegrationRow:
        self._session.add(integration)
        self._session.flush()
        return integration

    def integration_by_token(self, token_hash: str) -> IntegrationRow | None:
        return self._session.scalar(
            select(IntegrationRow).where(IntegrationRow.token_hash == token_hash)
        )

    def get_integration(self, integration_id: int) -> IntegrationRow | None:
        """By id; kept for the unit of work, so a batch of requests reads each row once."""
        if integration_id not in self._integrations:
            row = self._session.get(IntegrationRow, integration_id)
            if row is None:
                return None
            self._integrations[integration_id] = row
        return self._integrations[integration_id]

    def integration_by_name(self, name: str) -> IntegrationRow | None:
        return self._session.scalar(select(IntegrationRow).where(IntegrationRow.name == name))

    def integrations(self) -> list[IntegrationRow]:
        return list(self._session.scalars(select(IntegrationRow).order_by(IntegrationRow.id)))

    def lock_keys(self, keys: list[str]) -> None:
        """Hold transaction-scoped locks on these keys, so concurrent deliveries of one alert
        or group serialize instead of losing each other's updates. SQLite needs none: its
        transactions begin IMMEDIATE, one writer at a time. Keys are locked in sorted order so
        two transactions never wait on each other; a key this transaction already holds is
        not asked for again (a batch of hook requests locks all its keys up front)."""
        if self._session.get_bind().dialect.name != "postgresql":
            return
        transaction = self._session.get_transaction()
        if transaction is not self._held_by:
            self._held_by, self._held = transaction, set()
        numbers = sorted({_lock_number(key) for key in keys} - self._held)
        if not numbers:
            return
        # One round trip; rows leave the subquery's sort in order, so locks are taken in order.
        self._session.execute(_LOCK_IN_ORDER, {"numbers": numbers})
        if not self._session.in_nested_transaction():
            # A lock taken inside a savepoint is released if the savepoint rolls back.
            self._held.update(numbers)

    def get_alert(self, integration_id: int, fingerprint: str) -> AlertRow | None:
        return self._session.scalar(
            select(AlertRow).where(
                AlertRow.integration_id == integration_id, AlertRow.fingerprint == fingerprint
            )
        )

    def alerts_by_fingerprint(
        self, integration_id: int, fingerprints: list[str]
    ) -> dict[str, AlertRow]:
        rows = self._session.scalars(
            select(AlertRow).where(
                AlertRow.integration_id == integration_id, AlertRow.fingerprint.in_(fingerprints)
            )
        )
        return {row.fingerprint: row for row in rows}

    def insert_alerts(self, alerts: list[AlertRow]) -> None:
        """Insert new rows in one statement and give each its id. The rows stay out of the
        session (what the ORM would add per row costs more than the insert itself); read
        one with `get_alert_by_id` to change it."""
        if not alerts:
            return
        # Only what was set, so a column's own default applies to the others; a Core
        # statement on the table, as the ORM's bulk insert layer costs as much again.
        values = [{key: row.__dict__[key] for key in _ALERT_COLUMNS if key in row.__dict__}
                  for row in alerts]  # fmt: skip
        ids = self._session.connection().execute(_INSERT_ALERTS, values).scalars().all()
        for row, new_id in zip(alerts, ids, strict=True):
            row.id = new_id

    def add_alert(self, alert: AlertRow) -> AlertRow:
        self._session.add(alert)
        self._session.flush()
        return alert

    def open_group(self, key_hash: str) -> AlertGroupRow | None:
        return self._session.scalar(
            select(AlertGroupRow)
            .where(AlertGroupRow.key_hash == key_hash, AlertGroupRow.status == FIRING)
            .order_by(AlertGroupRow.id.desc())
            .limit(1)
        )

    def open_groups(self, key_hashes: list[str]) -> dict[str, AlertGroupRow]:
        """The newest firing group per key hash, like `open_group` for many keys at once."""
        rows = self._session.scalars(
            select(AlertGroupRow)
            .where(AlertGroupRow.key_hash.in_(key_hashes), AlertGroupRow.status == FIRING)
            .order_by(AlertGroupRow.id)
        )
        return {row.key_hash: row for row in rows}

    def add_group(self, group: AlertGroupRow) -> AlertGroupRow:
        self._session.add(group)
        self._session.flush()
        return group

    def get_group(self, group_id: int, *, for_update: bool = False) -> AlertGroupRow | None:
        """With `for_update`, lock the row and re-read it even if this session holds it, so a
        decision (e.g. which incident it belongs to) sees what concurrent writers committed."""
        if not for_update:
            return self._session.get(AlertGroupRow, group_id)
        query = select(AlertGroupRow).where(AlertGroupRow.id == group_id).with_for_update()
        return self._session.scalar(query.execution_options(populate_existing=True))

    def add_member(self, group_id: int, alert_id: int) -> bool:
        """Put an alert in a group; False when it already was."""
        if self._session.get(AlertGroupMemberRow, (group_id, alert_id)) is not None:
            return False
        self._session.add(AlertGroupMemberRow(group_id=group_id, alert_id=alert_id))
        self._session.flush()
        return True

    def add_new_members(self, pairs: list[tuple[int, int]]) -> None:
        """(group id, alert id) for alerts created in this transaction: none is a member yet."""
        if pairs:
            self._session.connection().execute(
                _INSERT_MEMBERS,
                [{"group_id": group_id, "alert_id": alert_id} for group_id, alert_id in pairs],
            )

    def groups_of_alert(self, alert_id: int) -> list[AlertGroupRow]:
        return list(
            self._session.scalars(
                select(AlertGroupRow)
                .join(AlertGroupMemberRow, AlertGroupMemberRow.group_id == AlertGroupRow.id)
                .where(AlertGroupMemberRow.alert_id == alert_id)
                .order_by(AlertGroupRow.id)
            )
        )

    def firing_count(self, group_id: int) -> int:
        return (
            self._session.scalar(
                select(func.count())
                .select_from(AlertRow)
                .join(AlertGroupMemberRow, AlertGroupMemberRow.alert_id == AlertRow.id)
                .where(AlertGroupMemberRow.group_id == group_id, AlertRow.status != RESOLVED)
            )
            or 0
        )

    def alerts_in_group(self, group_id: int) -> list[AlertRow]:
        return list(
            self._session.scalars(
                select(AlertRow)
                .join(AlertGroupMemberRow, AlertGroupMemberRow.alert_id == AlertRow.id)
                .where(AlertGroupMemberRow.group_id == group_id)
                .order_by(AlertRow.id)
            )
        )

    def open_alert_labels(
        self, where: list[dict[str, str]] | None = None, limit: int = 10000
    ) -> list[Row[str, str, str | None, int, dict[str, str]]]:
        """What matching sees of open alerts: a few columns, not whole rows (descriptions,
        annotations and raw payloads would cost more than the rest). `where` keeps alerts
        equal to any one of its label sets; a label the alert lacks falls back to its
        severity, title (`alertname`) or service, as matching does; None keeps all."""
        query = select(
            AlertRow.severity,
            AlertRow.title,
            AlertRow.service,
            AlertRow.integration_id,
            AlertRow.labels,
        ).where(AlertRow.status != RESOLVED)
        if where is not None:
            query = query.where(or_(*(and_(*map(_label_equals, pairs.items())) for pairs in where)))
        return list(self._session.execute(query.limit(limit)).all())

    def get_alert_by_id(self, alert_id: int) -> AlertRow | None:
        return self._session.get(AlertRow, alert_id)

    def alert_counts(self, group_ids: list[int]) -> dict[int, int]:
        if not group_ids:
            return {}
        rows = self._session.execute(
            select(AlertGroupMemberRow.group_id, func.count())
            .where(AlertGroupMemberRow.group_id.in_(group_ids))
            .group_by(AlertGroupMemberRow.group_id)
        ).all()
        return {group_id: count for group_id, count in rows}

    # --- silences and maintenance windows -------------------------------------------

    def add_silence(self, silence: SilenceRow) -> SilenceRow:
        self._session.add(silence)
        self._session.flush()
        return silence

    def get_silence(self, silence_id: int) -> SilenceRow | None:
        return self._session.get(SilenceRow, silence_id)

    def active_silences(self, now: datetime) -> list[SilenceRow]:
        return list(
            self._session.scalars(
                select(SilenceRow)
                .where(SilenceRow.starts_at <= now, SilenceRow.ends_at > now)
                .order_by(SilenceRow.id)
            )
        )

    def list_silences(self, *, include_expired: bool, now: datetime) -> list[SilenceRow]:
        query = select(SilenceRow).order_by(SilenceRow.id.desc())
        if not include_expired:
            query = query.where(SilenceRow.ends_at > now)
        return list(self._session.scalars(query))

    def add_maintenance(self, window: MaintenanceWindowRow) -> MaintenanceWindowRow:
        self._session.add(window)
        self._session.flush()
        return window

    def active_maintenance(self, service: str, now: datetime) -> MaintenanceWindowRow | None:
        return self._session.scalar(
            select(MaintenanceWindowRow).where(
                MaintenanceWindowRow.service == service,
                MaintenanceWindowRow.starts_at <= now,
                MaintenanceWindowRow.ends_at > now,
            )
        )

    def list_maintenance(self, now: datetime) -> list[MaintenanceWindowRow]:
        return list(
            self._session.scalars(
                select(MaintenanceWindowRow)
                .where(MaintenanceWindowRow.ends_at > now)
                .order_by(MaintenanceWindowRow.starts_at)
            )
        )

    # --- duplicate deliveries -----------------------------------------------------------

    def seen_delivery(self, integration_id: int, body_hash: str) -> datetime | None:
        return self._session.scalar(
            select(HookDeliveryRow.received_at).where(
                HookDeliveryRow.integration_id == integration_id,
                HookDeliveryRow.body_hash == body_hash,
            )
        )

    def record_delivery(self, integration_id: int, body_hash: str, now: datetime) -> None:
        """Upsert, so two identical requests at once never collide on the unique key."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = upsert(HookDeliveryRow).values(
            integration_id=integration_id, body_hash=body_hash, received_at=now
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["integration_id", "body_hash"], set_={"received_at": now}
            )
        )

    def recent_deliveries(self, integration_id: int, body_hashes: list[str]) -> dict[str, datetime]:
        rows = self._session.execute(
            select(HookDeliveryRow.body_hash, HookDeliveryRow.received_at).where(
                HookDeliveryRow.integration_id == integration_id,
                HookDeliveryRow.body_hash.in_(body_hashes),
            )
        )
        return {body_hash: received_at for body_hash, received_at in rows}

    def record_deliveries(self, deliveries: list[tuple[int, str]], now: datetime) -> None:
        """`record_delivery` for many (integration id, body hash) pairs in one statement."""
        if not deliveries:
            return
        dialect = self._session.get_bind().dialect.name
        self._session.connection().execute(
            _upsert_deliveries(dialect),
            [
                {"integration_id": integration_id, "body_hash": body_hash, "received_at": now}
                for integration_id, body_hash in deliveries
            ],
        )

    def prune_deliveries(self, before: datetime) -> int:
        result = self._session.execute(
            delete(HookDeliveryRow).where(HookDeliveryRow.received_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def list_alerts(
        self, *, status: str | None, limit: int, offset: int, group_id: int | None = None
    ) -> list[AlertRow]:
        query = select(AlertRow).order_by(AlertRow.last_seen.desc(), AlertRow.id.desc())
        if status:
            query = query.where(AlertRow.status == status)
        if group_id is not None:
            query = query.join(
                AlertGroupMemberRow, AlertGroupMemberRow.alert_id == AlertRow.id
            ).where(AlertGroupMemberRow.group_id == group_id)
        return list(self._session.scalars(query.limit(limit).offset(offset)))

    def list_groups(self, *, status: str | None, limit: int, offset: int) -> list[AlertGroupRow]:
        query = select(AlertGroupRow).order_by(AlertGroupRow.id.desc())
        if status:
            query = query.where(AlertGroupRow.status == status)
        return list(self._session.scalars(query.limit(limit).offset(offset)))

    def groups_of_incident(self, incident_id: int) -> list[AlertGroupRow]:
        return list(
            self._session.scalars(
                select(AlertGroupRow)
                .where(AlertGroupRow.incident_id == incident_id)
                .order_by(AlertGroupRow.id)
            )
        )
