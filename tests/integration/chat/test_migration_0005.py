"""Revision 0005 gives incidents declared before it their built-in room in `chat_rooms`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from opsroom.db.engine import build_engine
from opsroom.db.migrate import upgrade


def test_existing_incident_rooms_are_carried_over(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO incidents (id, number, title, severity, status, summary, declared_by,"
                " declared_at, room) VALUES (1, 1, 'Old', 2, 'resolved', '', 'alice',"
                " '2026-11-30 10:00:00', 'inc-1-old')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO rooms (name, kind, topic, incident_number, created_at, archived_at)"
                " VALUES ('inc-1-old', 'incident', '', 1, '2026-11-30 10:00:00',"
                " '2026-11-30 12:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT platform, name, room_id, status FROM chat_rooms")
        ).all()
        queues = connection.execute(text("SELECT DISTINCT queue FROM jobs")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("builtin", "inc-1-old", "inc-1-old", "archived")]
    assert queues == []
