"""Times at the edges of the calendar: refused at input with the field named, and a schedule
stored before the bounds existed never breaks listing, `oncall who`, `config check` or chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from opsroom.cli.main import app
from opsroom.clock import FakeClock
from opsroom.config import Settings
from opsroom.oncall.service import on_call_users
from opsroom.oncall.tables import ScheduleRow
from tests.conftest import Api, make_user
from tests.integration.oncall_setup import CONFIG, environment, oncall_settings

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return oncall_settings(database_url, tmp_path)


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.fixture
def clock(api: Api) -> FakeClock:
    fake = FakeClock(NOW)
    api.container.ctx.clock = fake
    make_user(api.container, "bob")
    return fake


def layer(**extra: Any) -> dict[str, Any]:
    return {"members": ["alice"], "shift": "1d", "handoff": "08:00", "start": "2026-11-01", **extra}


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"start": "9999-12-31"}, "layers.0.start"),
        ({"start": "0001-01-01"}, "layers.0.start"),
        ({"shift": "52w", "start": "9999-01-01"}, "layers.0.start"),
        ({"end": "9999-12-31T23:59:59Z"}, "layers.0.end"),
    ],
)
def test_schedule_times_off_the_calendar_are_422_and_store_nothing(
    api: Api, clock: FakeClock, changed: dict[str, Any], field: str
) -> None:
    body = {"name": "x15", "time_zone": "UTC", "layers": [layer(**changed)]}
    answer = api.post("/api/v1/schedules", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["message"].startswith(f"body.{field}:")
    assert "1970 to 9000" in answer.json()["error"]["message"]
    assert api.get("/api/v1/schedules/x15").status_code == 404
    assert api.get("/api/v1/schedules").status_code == 200


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00"]
)
def test_oncall_at_off_the_calendar_is_422_naming_at(api: Api, clock: FakeClock, at: str) -> None:
    answer = api.get("/api/v1/schedules/primary/oncall", params={"at": at})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["message"].startswith("at: ")


def test_override_off_the_calendar_is_422(api: Api, clock: FakeClock) -> None:
    body = {"user": "bob", "start": "9999-12-31T12:00:00Z", "end": "9999-12-31T13:00:00Z"}
    answer = api.post("/api/v1/schedules/primary/overrides", json=body)
    assert answer.status_code == 422, answer.text
    assert "body.start" in answer.json()["error"]["message"]


def test_deleting_an_override_with_a_huge_id_is_422(api: Api, clock: FakeClock) -> None:
    path = "/api/v1/schedules/primary/overrides/99999999999999999999999999"
    answer = api.client.delete(path, headers=api.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"


def _store_far_future_schedule(api: Api, name: str = "x15", time_zone: str = "UTC") -> None:
    """As an older opsroom stored it, before the calendar bounds."""
    with api.container.uow() as uow:
        far = {**layer(start="9999-12-31"), "restrictions": []}
        uow.session.add(
            ScheduleRow(
                name=name,
                time_zone=time_zone,
                description="",
                layers=[far],
                created_by="alice",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        uow.commit()


def test_a_stored_far_future_schedule_does_not_break_any_view(api: Api, clock: FakeClock) -> None:
    _store_far_future_schedule(api)
    listed = api.get("/api/v1/schedules")
    assert listed.status_code == 200, listed.text
    x15 = next(item for item in listed.json()["items"] if item["name"] == "x15")
    assert x15["on_call_now"] == []
    answer = api.get("/api/v1/schedules/x15/oncall")
    assert answer.status_code == 422
    assert "x15" in answer.json()["error"]["message"]
    reply = api.say("alerts", "/inc oncall")
    assert reply["message"]["text"]  # answered, not a 500
    texts = api.messages("alerts")
    assert any("primary: alice" in text for text in texts)
    assert any("x15: schedule 'x15' has times beyond the calendar" in t for t in texts)
    with api.container.uow() as uow:
        assert on_call_users(uow, api.container.ctx, schedule="x15", at=NOW) == []
    assert api.client.delete("/api/v1/schedules/x15", headers=api.headers).status_code == 204


def test_cli_views_survive_a_stored_far_future_schedule(
    api: Api, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    _store_far_future_schedule(api)
    env = environment(database_url, tmp_path, CONFIG)
    for args in (["oncall", "who"], ["oncall", "list"], ["config", "check"]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert "Traceback" not in result.output
        assert "x15" in result.output, (args, result.output)
    check = CliRunner().invoke(app, ["config", "check"], env=env)
    assert check.exit_code == 1
    assert "has times beyond the calendar" in check.output


def test_cli_who_at_year_9999_is_a_clear_error(database_url: str, tmp_path: Path) -> None:
    env = environment(database_url, tmp_path, CONFIG)
    result = CliRunner().invoke(
        app, ["oncall", "who", "primary", "--at", "9999-12-31T13:00Z"], env=env
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "--at:" in result.output
    assert "1970 to 9000" in result.output


def test_config_check_names_a_huge_wait(database_url: str, tmp_path: Path) -> None:
    config = (
        CONFIG
        + """
escalation_policies:
  - name: checkout-oncall
    steps:
      - targets: [schedule:primary]
        wait: 100000000000000000000m
"""
    )
    env = environment(database_url, tmp_path, config)
    result = CliRunner().invoke(app, ["config", "check"], env=env)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "wait" in result.output
    assert "at most 100 years" in result.output


@pytest.mark.parametrize("field", ["time_zone", "description", "layers"])
def test_patch_with_an_explicit_null_is_422_naming_the_field(
    api: Api, clock: FakeClock, field: str
) -> None:
    body = {"name": "db", "time_zone": "UTC", "layers": [layer()]}
    assert api.post("/api/v1/schedules", json=body).status_code == 201
    answer = api.client.patch("/api/v1/schedules/db", json={field: None}, headers=api.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["message"].startswith(f"body.{field}: ")
    assert "cannot be null" in answer.json()["error"]["message"]
    kept = api.client.patch(
        "/api/v1/schedules/db", json={"description": "kept"}, headers=api.headers
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["time_zone"] == "UTC"


def test_a_stored_schedule_in_a_refused_zone_is_still_listed(api: Api, clock: FakeClock) -> None:
    _store_far_future_schedule(api, name="here", time_zone="localtime")
    listed = api.get("/api/v1/schedules")
    assert listed.status_code == 200, listed.text
    here = next(item for item in listed.json()["items"] if item["name"] == "here")
    assert here["on_call_now"] == []
    answer = api.get("/api/v1/schedules/here/oncall")
    assert answer.status_code == 422
    assert "is not a time zone name" in answer.json()["error"]["message"]
    link = api.get("/api/v1/users/alice/calendar").json()["url"]
    assert api.client.get(link.removeprefix("http://127.0.0.1:8080")).status_code == 200
