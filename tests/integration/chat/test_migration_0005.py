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


def test_revision_0005_after_0004_keeps_escalation_data_and_queues_page_deliveries(
    tmp_path: Path,
) -> None:
    """0004 (escalation) comes before 0005: an incident with a service and its escalation
    survive, its room is carried over, and waiting page deliveries join the notify queue."""
    engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO incidents (id, number, title, severity, status, summary, declared_by,"
                " declared_at, room, service) VALUES (1, 1, 'Paged', 2, 'investigating', '',"
                " 'alice', '2026-11-30 10:00:00', 'inc-1-paged', 'checkout')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO rooms (name, kind, topic, incident_number, created_at)"
                " VALUES ('inc-1-paged', 'incident', '', 1, '2026-11-30 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO escalations (id, policy, incident_id, title, status, generation,"
                " pass_no, step, started_at) VALUES (1, 'checkout-oncall', 1, 'INC-1: Paged',"
                " 'active', 1, 0, 1, '2026-11-30 10:00:00')"
            )
        )
        for kind in ("page.deliver", "escalation.step"):
            connection.execute(
                text(
                    "INSERT INTO jobs (kind, payload, status, due_at, attempts, max_attempts,"
                    " created_at) VALUES (:kind, '{}', 'queued', '2026-11-30 10:05:00', 0, 8,"
                    " '2026-11-30 10:00:00')"
                ),
                {"kind": kind},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rooms = connection.execute(text("SELECT platform, name, status FROM chat_rooms")).all()
        queues = connection.execute(text("SELECT kind, queue FROM jobs ORDER BY id")).all()
        escalation = connection.execute(text("SELECT status FROM escalations")).scalar_one()
        service = connection.execute(text("SELECT service FROM incidents")).scalar_one()
    engine.dispose()
    assert [tuple(row) for row in rooms] == [("builtin", "inc-1-paged", "created")]
    assert [tuple(row) for row in queues] == [
        ("page.deliver", "notify"),
        ("escalation.step", "default"),
    ]
    assert (escalation, service) == ("active", "checkout")
