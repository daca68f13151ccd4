"""Persistence of the built-in chat's rooms and messages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opsroom.chat.builtin.tables import MessageRow, RoomRow


class RoomRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_name(self, name: str) -> RoomRow | None:
        return self._session.scalar(select(RoomRow).where(RoomRow.name == name))

    def add(self, room: RoomRow) -> RoomRow:
        self._session.add(room)
        self._session.flush()
        return room

    def add_unless_exists(self, room: RoomRow) -> None:
        """Add a room another transaction may be adding at the same moment (a DM room)."""
        if self.by_name(room.name) is not None:
            return
        try:
            with self._session.begin_nested():
                self._session.add(room)
        except IntegrityError:
            pass  # it was created meanwhile: the same room

    def list_rooms(self, *, include_archived: bool = True) -> list[RoomRow]:
        query = select(RoomRow).order_by(RoomRow.kind, RoomRow.id.desc())
        if not include_archived:
            query = query.where(RoomRow.archived_at.is_(None))
        return list(self._session.scalars(query))

    def post(self, message: MessageRow) -> MessageRow:
        self._session.add(message)
        self._session.flush()
        return message

    def messages(self, room_id: int, *, after: int = 0, limit: int = 200) -> list[MessageRow]:
        """The newest `limit` messages after id `after`, oldest first."""
        query = select(MessageRow).where(MessageRow.room_id == room_id, MessageRow.id > after)
        if after:
            rows = self._session.scalars(query.order_by(MessageRow.id).limit(limit))
            return list(rows)
        newest = self._session.scalars(query.order_by(MessageRow.id.desc()).limit(limit))
        return list(reversed(list(newest)))
