"""Persistence of escalation runs, their step runs and their history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.escalation.tables import EscalationEventRow, EscalationRow, StepRunRow

ACTIVE = "active"


class EscalationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, row: EscalationRow) -> EscalationRow:
        self._session.add(row)
        self._session.flush()
        return row

    def get(self, escalation_id: int, *, for_update: bool = False) -> EscalationRow | None:
        query = select(EscalationRow).where(EscalationRow.id == escalation_id)
        if for_update:
            query = query.with_for_update()
        return self._session.scalar(query)

    def for_group(self, group_id: int, *, active_only: bool = True) -> list[EscalationRow]:
        query = select(EscalationRow).where(EscalationRow.alert_group_id == group_id)
        if active_only:
            query = query.where(EscalationRow.status == ACTIVE)
        return list(self._session.scalars(query.order_by(EscalationRow.id).with_for_update()))

    def for_incident(self, incident_id: int, *, active_only: bool = True) -> list[EscalationRow]:
        query = select(EscalationRow).where(EscalationRow.incident_id == incident_id)
        if active_only:
            query = query.where(EscalationRow.status == ACTIVE)
        return list(self._session.scalars(query.order_by(EscalationRow.id).with_for_update()))

    def list_escalations(
        self, *, status: str | None, limit: int, offset: int = 0
    ) -> list[EscalationRow]:
        query = select(EscalationRow).order_by(EscalationRow.id.desc())
        if status:
            query = query.where(EscalationRow.status == status)
        return list(self._session.scalars(query.limit(limit).offset(offset)))

    def add_step_run(self, run: StepRunRow) -> bool:
        """Record that a step fired; False when it already had. Callers hold the escalation's
        row lock, so the check cannot race; the unique key would fail loudly if it did."""
        exists = self._session.scalar(
            select(StepRunRow.id).where(
                StepRunRow.escalation_id == run.escalation_id,
                StepRunRow.pass_no == run.pass_no,
                StepRunRow.step == run.step,
            )
        )
        if exists is not None:
            return False
        self._session.add(run)
        return True

    def step_runs(self, escalation_id: int) -> list[StepRunRow]:
        return list(
            self._session.scalars(
                select(StepRunRow)
                .where(StepRunRow.escalation_id == escalation_id)
                .order_by(StepRunRow.id)
            )
        )

    def add_event(self, event: EscalationEventRow) -> EscalationEventRow:
        self._session.add(event)
        self._session.flush()
        return event

    def events(self, escalation_id: int) -> list[EscalationEventRow]:
        return list(
            self._session.scalars(
                select(EscalationEventRow)
                .where(EscalationEventRow.escalation_id == escalation_id)
                .order_by(EscalationEventRow.id)
            )
        )
