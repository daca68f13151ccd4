"""Persistence of incidents, roles, the append-only timeline and the search documents."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from opsroom.incident.tables import (
    IncidentRoleRow,
    IncidentRow,
    SearchDocumentRow,
    TimelineEntryRow,
)

_WORD = re.compile(r"\w+", re.UNICODE)


class IncidentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def next_number(self) -> int:
        """The next incident number; callers hold the write lock (see lock_numbers)."""
        current = self._session.scalar(select(func.max(IncidentRow.number)))
        return (current or 0) + 1

    def lock_numbers(self) -> None:
        """Serialize number allocation on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SELECT pg_advisory_xact_lock(72000001)"))

    def add(self, incident: IncidentRow) -> IncidentRow:
        self._session.add(incident)
        self._session.flush()
        self._session.add(SearchDocumentRow(incident_id=incident.id, body=incident.title))
        self._session.flush()
        return incident

    def by_number(self, number: int, *, for_update: bool = False) -> IncidentRow | None:
        query = select(IncidentRow).where(IncidentRow.number == number)
        if for_update:
            # Re-read a row this session already holds: the lock may have waited for a commit.
            query = query.with_for_update().execution_options(populate_existing=True)
        return self._session.scalar(query)

    def get(self, incident_id: int) -> IncidentRow | None:
        return self._session.get(IncidentRow, incident_id)

    def list_incidents(
        self, *, statuses: list[str] | None, limit: int, offset: int
    ) -> list[IncidentRow]:
        query = select(IncidentRow).order_by(IncidentRow.number.desc())
        if statuses:
            query = query.where(IncidentRow.status.in_(statuses))
        return list(self._session.scalars(query.limit(limit).offset(offset)))

    def rooms_taken(self, prefix: str) -> set[str]:
        rows = self._session.scalars(
            select(IncidentRow.room).where(IncidentRow.room.startswith(prefix))
        )
        return {row for row in rows if row}

    def set_role(self, incident_id: int, role: str, user_name: str, now: Any) -> None:
        row = self._session.scalar(
            select(IncidentRoleRow).where(
                IncidentRoleRow.incident_id == incident_id, IncidentRoleRow.role == role
            )
        )
        if row is None:
            self._session.add(
                IncidentRoleRow(
                    incident_id=incident_id, role=role, user_name=user_name, assigned_at=now
                )
            )
        else:
            row.user_name, row.assigned_at = user_name, now

    def roles(self, incident_id: int) -> dict[str, str]:
        rows = self._session.scalars(
            select(IncidentRoleRow).where(IncidentRoleRow.incident_id == incident_id)
        )
        return {row.role: row.user_name for row in rows}

    def append(self, entry: TimelineEntryRow) -> TimelineEntryRow:
        """Add a timeline entry and make its text searchable."""
        self._session.add(entry)
        self._session.flush()
        self.add_search_text(entry.incident_id, entry.text)
        return entry

    def add_search_text(self, incident_id: int, extra: str) -> None:
        document = self._session.get(SearchDocumentRow, incident_id)
        if document is None:
            self._session.add(SearchDocumentRow(incident_id=incident_id, body=extra))
        elif extra:
            document.body = f"{document.body}\n{extra}"
        self._session.flush()

    def timeline(self, incident_id: int, *, limit: int = 1000) -> list[TimelineEntryRow]:
        return list(
            self._session.scalars(
                select(TimelineEntryRow)
                .where(TimelineEntryRow.incident_id == incident_id)
                .order_by(TimelineEntryRow.at, TimelineEntryRow.id)
                .limit(limit)
            )
        )

    def timeline_tail(self, incident_id: int, limit: int) -> tuple[list[TimelineEntryRow], int]:
        """The newest `limit` entries, oldest first, and how many entries there are in all."""
        where = TimelineEntryRow.incident_id == incident_id
        total = self._session.scalar(
            select(func.count()).select_from(TimelineEntryRow).where(where)
        )
        newest = self._session.scalars(
            select(TimelineEntryRow)
            .where(where)
            .order_by(TimelineEntryRow.at.desc(), TimelineEntryRow.id.desc())
            .limit(limit)
        )
        return list(reversed(list(newest))), int(total or 0)

    def search(self, query: str, *, limit: int) -> list[IncidentRow]:
        """Incidents whose title, timeline or summary contain every word of `query`."""
        words = _WORD.findall(query.lower())[:20]
        if not words:
            return []
        if self._session.get_bind().dialect.name == "sqlite":
            match = " AND ".join('"' + word.replace('"', "") + '"' for word in words)
            ids_query = text(
                "SELECT rowid FROM incident_search_fts WHERE incident_search_fts MATCH :q "
                "ORDER BY rank LIMIT :limit"
            ).bindparams(q=match, limit=limit)
        else:
            ids_query = text(
                "SELECT incident_id FROM incident_search "
                "WHERE to_tsvector('english', body) @@ plainto_tsquery('english', :q) "
                "ORDER BY ts_rank(to_tsvector('english', body), plainto_tsquery('english', :q)) "
                "DESC LIMIT :limit"
            ).bindparams(q=" ".join(words), limit=limit)
        ids = [row[0] for row in self._session.execute(ids_query)]
        if not ids:
            return []
        found = {
            row.id: row
            for row in self._session.scalars(select(IncidentRow).where(IncidentRow.id.in_(ids)))
        }
        return [found[incident_id] for incident_id in ids if incident_id in found]

    def counts_by_status(self) -> dict[str, int]:
        rows = self._session.execute(
            select(IncidentRow.status, func.count()).group_by(IncidentRow.status)
        ).all()
        return {status: count for status, count in rows}
