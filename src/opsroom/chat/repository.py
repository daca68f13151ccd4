"""Persistence of incident rooms per platform, chat identities and handled inbound events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opsroom.chat.tables import CREATED, ChatDeliveryRow, ChatIdentityRow, ChatRoomRow

NEW_IDENTITY_LOCK = 72000005


class ChatRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_room(self, room: ChatRoomRow) -> ChatRoomRow:
        self._session.add(room)
        self._session.flush()
        return room

    def room(self, room_pk: int, *, for_update: bool = False) -> ChatRoomRow | None:
        query = select(ChatRoomRow).where(ChatRoomRow.id == room_pk)
        if for_update:
            query = query.with_for_update()
        return self._session.scalar(query)

    def rooms_of_incident(self, incident_id: int) -> list[ChatRoomRow]:
        query = (
            select(ChatRoomRow)
            .where(ChatRoomRow.incident_id == incident_id)
            .order_by(ChatRoomRow.id)
        )
        return list(self._session.scalars(query))

    def room_on(self, incident_id: int, platform: str) -> ChatRoomRow | None:
        return self._session.scalar(
            select(ChatRoomRow).where(
                ChatRoomRow.incident_id == incident_id, ChatRoomRow.platform == platform
            )
        )

    def open_rooms(self, platform: str) -> list[ChatRoomRow]:
        """Incident rooms that exist on the platform and are not archived."""
        query = select(ChatRoomRow).where(
            ChatRoomRow.platform == platform,
            ChatRoomRow.status == CREATED,
            ChatRoomRow.room_id.is_not(None),
        )
        return list(self._session.scalars(query.order_by(ChatRoomRow.id)))

    def room_by_platform_id(self, platform: str, room_id: str) -> ChatRoomRow | None:
        return self._session.scalar(
            select(ChatRoomRow).where(
                ChatRoomRow.platform == platform, ChatRoomRow.room_id == room_id
            )
        )

    def names_taken(self, platform: str, prefix: str) -> set[str]:
        rows = self._session.scalars(
            select(ChatRoomRow.name).where(
                ChatRoomRow.platform == platform, ChatRoomRow.name.startswith(prefix)
            )
        )
        return set(rows)

    def identity(self, platform: str, platform_user_id: str) -> ChatIdentityRow | None:
        return self._session.scalar(
            select(ChatIdentityRow).where(
                ChatIdentityRow.platform == platform,
                ChatIdentityRow.platform_user_id == platform_user_id,
            )
        )

    def identities_of_user(self, user_id: int) -> list[ChatIdentityRow]:
        query = select(ChatIdentityRow).where(ChatIdentityRow.user_id == user_id)
        return list(self._session.scalars(query.order_by(ChatIdentityRow.id)))

    def lock_new_identities(self) -> None:
        """Serialize first contacts on PostgreSQL (SQLite's BEGIN IMMEDIATE already does), so
        two requests from a new person, or two new people of one name, never both insert."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_advisory_xact_lock(NEW_IDENTITY_LOCK)))

    def add_identity(self, identity: ChatIdentityRow) -> ChatIdentityRow:
        self._session.add(identity)
        self._session.flush()
        return identity

    def first_delivery(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an inbound event id; False when it was already recorded (a retry)."""
        existing = self._session.scalar(
            select(ChatDeliveryRow.id).where(
                ChatDeliveryRow.platform == platform, ChatDeliveryRow.event_id == event_id
            )
        )
        if existing is not None:
            return False
        try:
            with self._session.begin_nested():
                self._session.add(
                    ChatDeliveryRow(platform=platform, event_id=event_id, received_at=now)
                )
        except IntegrityError:
            return False  # the same event arrived twice at once; the other one handles it
        return True

    def prune_deliveries(self, before: datetime) -> int:
        result = self._session.execute(
            delete(ChatDeliveryRow).where(ChatDeliveryRow.received_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
