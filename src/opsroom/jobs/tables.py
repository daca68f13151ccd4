"""The durable job table: every deferred action is a row with a due time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.db.base import Base, JSONType, UTCDateTime

DEFAULT_QUEUE = "default"


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_due_at", "status", "due_at"),
        Index("ix_jobs_queue_status_due_at", "queue", "status", "due_at"),
        Index("ix_jobs_queue_key_id", "queue", "key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    # A lane of its own per chat platform, so a slow or rate-limited platform never delays
    # the `default` queue (paging, escalation, announcements' bookkeeping).
    queue: Mapped[str] = mapped_column(String(40), default=DEFAULT_QUEUE, server_default="default")
    # Jobs of one queue with the same key run in the order they were enqueued (one chat room).
    key: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
