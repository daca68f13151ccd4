"""Imports every table module so the metadata is complete (for Alembic and tests)."""

from opsroom.alert import tables as alert_tables
from opsroom.chat import tables as chat_platform_tables
from opsroom.chat.builtin import tables as chat_tables
from opsroom.db.base import Base
from opsroom.incident import tables as incident_tables
from opsroom.jobs import tables as job_tables
from opsroom.oncall import tables as oncall_tables
from opsroom.user import tables as user_tables

metadata = Base.metadata

__all__ = [
    "alert_tables",
    "chat_platform_tables",
    "chat_tables",
    "incident_tables",
    "job_tables",
    "metadata",
    "oncall_tables",
    "user_tables",
]
