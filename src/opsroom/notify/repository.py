"""Persistence of pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.notify.tables import PageRow

COUNTED = ("sending", "sent", "delivered")


class PageRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_key(self, dedup_key: str) -> PageRow | None:
        return self._session.scalar(select(PageRow).where(PageRow.dedup_key == dedup_key))

    def add(self, page: PageRow) -> PageRow:
        self._session.add(page)
        self._session.flush()
        return page

    def get(self, page_id: int, *, for_update: bool = False) -> PageRow | None:
        query = select(PageRow).where(PageRow.id == page_id)
        if for_update:
            query = query.with_for_update()
        return self._session.scalar(query)

    def count_recent(self, user_name: str, since: datetime, *, exclude: int) -> int:
        """Pages handed to channels for a person since `since` (the storm limit)."""
        return (
            self._session.scalar(
                select(func.count())
                .select_from(PageRow)
                .where(
                    PageRow.user_name == user_name,
                    PageRow.handed_at >= since,
                    PageRow.status.in_(COUNTED),
                    PageRow.id != exclude,
                )
            )
            or 0
        )

    def by_provider_id(self, provider_id: str) -> PageRow | None:
        query = select(PageRow).where(PageRow.provider_id == provider_id).with_for_update()
        return self._session.scalar(query)

    def pending_for(self, escalation_id: int) -> list[PageRow]:
        return list(
            self._session.scalars(
                select(PageRow).where(
                    PageRow.escalation_id == escalation_id, PageRow.status == "queued"
                )
            )
        )

    def list_pages(
        self,
        *,
        status: str | None = None,
        user: str | None = None,
        escalation_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[PageRow]:
        query = select(PageRow).order_by(PageRow.id.desc())
        if status:
            query = query.where(PageRow.status == status)
        if user:
            query = query.where(PageRow.user_name == user)
        if escalation_id is not None:
            query = query.where(PageRow.escalation_id == escalation_id)
        return list(self._session.scalars(query.limit(limit).offset(offset)))
