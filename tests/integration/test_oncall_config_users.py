"""People only in opsroom.yaml's `users:` get personal calendar feeds like database users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from icalendar import Calendar
from typer.testing import CliRunner

from opsroom.cli.main import app
from opsroom.clock import FakeClock
from opsroom.config import Settings
from tests.conftest import Api
from tests.integration.oncall_setup import environment, oncall_settings

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
CONFIG = """
users:
  - name: dana
    contacts:
      - {kind: email, address: dana@example.test}
  - name: eve
schedules:
  nights:
    time_zone: UTC
    layers:
      - members: [dana, eve]
        shift: 1d
        handoff: "20:00"
        start: 2026-11-01
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return oncall_settings(database_url, tmp_path, CONFIG)


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_a_config_only_person_has_a_calendar_feed(api: Api) -> None:
    api.container.ctx.clock = FakeClock(NOW)
    for person in ("dana", "eve"):
        link = api.get(f"/api/v1/users/{person}/calendar")
        assert link.status_code == 200, link.text
        path = link.json()["url"].removeprefix("http://127.0.0.1:8080")
        feed = api.client.get(path)
        assert feed.status_code == 200, feed.text
        calendar = Calendar.from_ical(feed.content)
        events = list(calendar.events)
        assert events, person
        assert {str(event["SUMMARY"]) for event in events} == {"On call: nights"}
    assert api.get("/api/v1/users/nobody/calendar").status_code == 404


def test_cli_prints_the_feed_of_a_config_only_person(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    env = environment(database_url, tmp_path, CONFIG)
    result = CliRunner().invoke(app, ["oncall", "calendar", "--user", "dana"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("http://opsroom.example.test/api/v1/users/dana/calendar.ics?")
    missing = CliRunner().invoke(app, ["oncall", "calendar", "--user", "nobody"], env=env)
    assert missing.exit_code != 0
    assert "no user 'nobody'" in missing.output
