"""Schedules in opsroom.yaml shared by the on-call integration tests."""

from __future__ import annotations

import os
from pathlib import Path

from opsroom.config import Settings
from tests.conftest import settings_from_yaml

CONFIG = """
schedules:
  primary:
    time_zone: America/Chicago
    description: Weekly primary, Monday 09:00 hand-off
    layers:
      - name: weekly
        members: [alice, bob]
        shift: 1w
        handoff: "09:00"
        start: 2026-10-26
  business:
    time_zone: Europe/Paris
    layers:
      - name: office hours
        members: [alice, bob, carol]
        shift: 1d
        days: [mon-fri]
        handoff: 09:00
        start: 2027-03-22
        restrictions:
          - {start: "09:00", end: "17:00"}
"""


def oncall_settings(database_url: str, tmp_path: Path, text: str = CONFIG) -> Settings:
    return settings_from_yaml(database_url, tmp_path, text)


def environment(database_url: str, tmp_path: Path, text: str = CONFIG) -> dict[str, str]:
    """What a CLI process needs to see the same configuration and database."""
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return {
        "OPSROOM_CONFIG": str(path),
        "OPSROOM_DATABASE__URL": database_url,
        "OPSROOM_VAR_DIR": str(tmp_path / "var"),
        "OPSROOM_SERVER__SECRET_KEY": "test-secret-key-not-used-anywhere-else",
        "OPSROOM_SERVER__BASE_URL": "http://opsroom.example.test",
        "PATH": os.environ.get("PATH", ""),
    }
