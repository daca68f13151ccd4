"""Persistence of integrations, alerts and alert groups."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.alert.tables import AlertGroupRow, AlertRow, IntegrationRow

FIRING, RESOLVED = "firing", "resolved"


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_integration(self, integration: IntegrationRow) -> IntegrationRow:
        self._session.add(integration)
        self._session.flush()
        return integration

    def integration_by_token(self, token_hash: str) -> IntegrationRow | None:
        return self._session.scalar(
            select(IntegrationRow).where(IntegrationRow.token_hash == token_hash)
        )

    def integration_by_name(self, name: str) -> IntegrationRow | None:
        return self._session.scalar(select(IntegrationRow).where(IntegrationRow.name == name))

    def integrations(self) -> list[IntegrationRow]:
        return list(self._session.scalars(select(IntegrationRow).order_by(IntegrationRow.id)))

    def get_alert(self, integration_id: int, fingerprint: str) -> AlertRow | None:
        return self._session.scalar(
            select(AlertRow).where(
                AlertRow.integration_id == integration_id, AlertRow.fingerprint == fingerprint
            )
        )

    def add_alert(self, alert: AlertRow) -> AlertRow:
        self._session.add(alert)
        self._session.flush()
        return alert

    def open_group(self, integration_id: int, key_hash: str) -> AlertGroupRow | None:
        return self._session.scalar(
            select(AlertGroupRow)
            .where(
                AlertGroupRow.integration_id == integration_id,
                AlertGroupRow.key_hash == key_hash,
                AlertGroupRow.status == FIRING,
            )
            .order_by(AlertGroupRow.id.desc())
            .limit(1)
        )

    def add_group(self, group: AlertGroupRow) -> AlertGroupRow:
        self._session.add(group)
        self._session.flush()
        return group

    def get_group(self, group_id: int) -> AlertGroupRow | None:
        return self._session.get(AlertGroupRow, group_id)

    def firing_count(self, group_id: int) -> int:
        return (
            self._session.scalar(
                select(func.count())
                .select_from(AlertRow)
                .where(AlertRow.group_id == group_id, AlertRow.status != RESOLVED)
            )
            or 0
        )

    def alerts_in_group(self, group_id: int) -> list[AlertRow]:
        return list(
            self._session.scalars(
                select(AlertRow).where(AlertRow.group_id == group_id).order_by(AlertRow.id)
            )
        )

    def alert_counts(self, group_ids: list[int]) -> dict[int, int]:
        if not group_ids:
            return {}
        rows = self._session.execute(
            select(AlertRow.group_id, func.count())
            .where(AlertRow.group_id.in_(group_ids))
            .group_by(AlertRow.group_id)
        ).all()
        return {group_id: count for group_id, count in rows}

    def list_alerts(self, *, status: str | None, limit: int, offset: int) -> list[AlertRow]:
        query = select(AlertRow).order_by(AlertRow.last_seen.desc(), AlertRow.id.desc())
        if status:
            query = query.where(AlertRow.status == status)
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
