"""ORM table of pages: one notification to one person on one channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.db.base import Base, UTCDateTime


class PageRow(Base):
    """`dedup_key` is unique: a step replayed after a crash cannot create a second page."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_user_name_created_at", "user_name", "created_at"),
        Index("ix_pages_escalation_id", "escalation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL")
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # queued, sending (being handed over), sent, delivered, failed, cancelled (acknowledged
    # first), suppressed (rate limit)
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
