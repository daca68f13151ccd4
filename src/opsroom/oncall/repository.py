"""Persistence of API-made schedules and of overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from opsroom.oncall.tables import OverrideRow, ScheduleRow
from opsroom.user.tables import UserRow


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> ScheduleRow | None:
        return self._session.scalar(select(ScheduleRow).where(ScheduleRow.name == name))

    def list_all(self) -> list[ScheduleRow]:
        return list(self._session.scalars(select(ScheduleRow).order_by(ScheduleRow.name)))

    def add(self, row: ScheduleRow) -> ScheduleRow:
        self._session.add(row)
        self._session.flush()
        return row

    def delete(self, row: ScheduleRow) -> None:
        """The schedule and its overrides."""
        self._session.execute(delete(OverrideRow).where(OverrideRow.schedule == row.name))
        self._session.delete(row)
        self._session.flush()

    def overrides(self, schedule: str, start: datetime, end: datetime) -> list[OverrideRow]:
        """Overrides of `schedule` overlapping [start, end), oldest first."""
        query = (
            select(OverrideRow)
            .where(
                OverrideRow.schedule == schedule,
                OverrideRow.ends_at > start,
                OverrideRow.starts_at < end,
            )
            .order_by(OverrideRow.id)
        )
        return list(self._session.scalars(query))

    def get_override(self, override_id: int) -> OverrideRow | None:
        return self._session.get(OverrideRow, override_id)

    def add_override(self, row: OverrideRow) -> OverrideRow:
        self._session.add(row)
        self._session.flush()
        return row

    def delete_override(self, row: OverrideRow) -> None:
        self._session.delete(row)
        self._session.flush()

    def existing_users(self, names: Iterable[str]) -> set[str]:
        """Which of `names` are opsroom users."""
        wanted = set(names)
        if not wanted:
            return set()
        query = select(UserRow.name).where(UserRow.name.in_(wanted))
        return set(self._session.scalars(query))
