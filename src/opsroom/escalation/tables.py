"""ORM tables of escalation runs, the steps they fired and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.db.base import Base, JSONType, UTCDateTime


class EscalationRow(Base):
    """One run of a policy for an alert group or an incident; its id is the SMS ack code."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_alert_group_id", "alert_group_id", "status"),
        Index("ix_escalations_incident_id", "incident_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy: Mapped[str] = mapped_column(String(100))
    alert_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_groups.id", ondelete="CASCADE")
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    # Bumped whenever the next step is rescheduled or cancelled: older step jobs do nothing.
    generation: Mapped[int] = mapped_column(default=0)
    pass_no: Mapped[int] = mapped_column(default=0)
    step: Mapped[int] = mapped_column(default=0)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StepRunRow(Base):
    """A step that fired; the unique key makes a replayed or duplicate step job a no-op."""

    __tablename__ = "escalation_step_runs"
    __table_args__ = (UniqueConstraint("escalation_id", "pass_no", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    pass_no: Mapped[int]
    step: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_by: Mapped[str] = mapped_column(String(100))


class EscalationEventRow(Base):
    """Append-only history of an escalation (also copied to a linked incident's timeline)."""

    __tablename__ = "escalation_events"
    __table_args__ = (Index("ix_escalation_events_escalation_id", "escalation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
