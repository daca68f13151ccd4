"""ORM tables shared by every chat platform: rooms per incident and platform, people's chat
identities, and inbound deliveries already handled (for platforms that retry)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.db.base import Base, UTCDateTime

PENDING, CREATED, ARCHIVED, FAILED = "pending", "created", "archived", "failed"
SUMMARY_SENDING = "?"


class ChatRoomRow(Base):
    """An incident's room on one platform. `room_id` is the platform's id once it exists."""

    __tablename__ = "chat_rooms"
    __table_args__ = (
        UniqueConstraint("incident_id", "platform"),
        UniqueConstraint("platform", "name"),
        Index("ix_chat_rooms_platform_room_id", "platform", "room_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    room_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The summary message's platform id; SUMMARY_SENDING while a post may have reached the
    # platform without an answer (a timeout): the retry looks for it before posting again.
    summary_id: Mapped[str | None] = mapped_column(String(255))


class ChatIdentityRow(Base):
    """A person on a platform, by the platform's immutable user id, tied to an opsroom user."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40))
    platform_user_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatDeliveryRow(Base):
    """An inbound event id already handled, so the platform's retries change nothing."""

    __tablename__ = "chat_deliveries"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
