"""ORM tables for schedules made through the API and for overrides of any schedule.

Schedules from `opsroom.yaml` have no row: every process reads them from its file, so the
overrides table names its schedule, it does not point to a row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.db.base import Base, JSONType, UTCDateTime


class ScheduleRow(Base):
    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    # The layers as the JSON of their LayerConfig, lowest priority first.
    layers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OverrideRow(Base):
    """`user_name` is on call for `schedule` from `starts_at` to `ends_at`, over every layer."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_window", "schedule", "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[str] = mapped_column(String(100))
    user_name: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
