"""Maintenance windows: named as silences are (starts_at, ends_at), in the API, CLI and file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from opsroom.cli.main import app
from opsroom.clock import FakeClock
from opsroom.config import Settings, load_settings
from tests.conftest import Api
from tests.integration.oncall_setup import environment
from tests.integration.payloads import alertmanager

NOW = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    window = {"start": "2026-12-05T20:00:00Z", "end": "2026-12-05T23:00:00"}  # first names
    return load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        integrations={"prod": {"service": "checkout"}},
        services=[{"name": "checkout", "maintenance": [window]}],
    )


@pytest.fixture
def api_at_now(api: Api) -> Api:
    api.container.ctx.clock = FakeClock(NOW)
    return api


def add(api: Api, **fields: Any) -> Any:
    return api.post("/api/v1/maintenance-windows", json={"service": "web", **fields})


def test_window_takes_starts_at_and_ends_at(api_at_now: Api) -> None:
    response = add(api_at_now, starts_at="2026-12-06T22:00:00Z", ends_at="2026-12-07T02:00:00Z")
    assert response.status_code == 201, response.text
    assert response.json()["starts_at"].startswith("2026-12-06T22:00:00")
    assert response.json()["ends_at"].startswith("2026-12-07T02:00:00")


def test_window_still_takes_start_and_end(api_at_now: Api) -> None:
    response = add(api_at_now, start="2026-12-06T22:00:00Z", end="2026-12-07T02:00:00Z")
    assert response.status_code == 201, response.text
    assert response.json()["ends_at"].startswith("2026-12-07T02:00:00")


def test_window_may_start_now_and_last_a_duration(api_at_now: Api) -> None:
    response = add(api_at_now, duration="4h")
    assert response.status_code == 201, response.text
    assert response.json()["starts_at"].startswith("2026-12-05T21:00:00")
    assert response.json()["ends_at"].startswith("2026-12-06T01:00:00")


def test_times_without_an_offset_are_utc_not_a_crash(api_at_now: Api) -> None:
    response = add(api_at_now, starts_at="2026-12-06T22:00:00", ends_at="2026-12-07T02:00:00Z")
    assert response.status_code == 201, response.text
    assert response.json()["starts_at"].startswith("2026-12-06T22:00:00")
    silence = api_at_now.post(
        "/api/v1/silences", json={"matchers": ["a=b"], "ends_at": "2026-12-07T02:00:00"}
    )
    assert silence.status_code == 201, silence.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_at": "2026-12-06T22:00:00Z"}, "needs an end"),
        ({"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00Z"}, "future"),
        ({"starts_at": "2026-12-07T00:00:00Z", "ends_at": "2026-12-06T00:00:00Z"}, "after it"),
        ({"starts_at": "9999-12-31T23:00:00Z", "duration": "4h"}, "year 9999"),
    ],
)
def test_bad_window_is_422_naming_the_problem(
    api_at_now: Api, fields: dict[str, str], message: str
) -> None:
    response = add(api_at_now, **fields)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]


def test_configured_window_with_its_first_names_suppresses_alerts(
    api_at_now: Api, hook: Any
) -> None:
    assert api_at_now.client.post(hook(), json=alertmanager()).status_code == 202
    [alert] = api_at_now.get("/api/v1/alerts").json()["items"]
    assert alert["suppressed_reason"] == "maintenance:checkout"


@pytest.fixture
def keep_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.mark.usefixtures("keep_logging")
@pytest.mark.parametrize("names", [("--starts-at", "--ends-at"), ("--start", "--end")])
def test_cli_adds_a_window_by_either_names_and_lists_it(
    api: Api, database_url: str, tmp_path: Path, names: tuple[str, str]
) -> None:
    env = environment(database_url, tmp_path, "")
    start, end = names
    args = ["maintenance", "add", "--service", "web", start, "2030-01-01T22:00:00Z"]
    result = CliRunner().invoke(app, [*args, end, "2030-01-02T02:00:00"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Maintenance window #1 for web: 2030-01-01 22:00 to 2030-01-02 02:00 UTC\n"
    )
    listed = CliRunner().invoke(app, ["maintenance", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "2030-01-01 22:00" in listed.stdout


@pytest.mark.usefixtures("keep_logging")
def test_cli_window_for_a_duration(api: Api, database_url: str, tmp_path: Path) -> None:
    env = environment(database_url, tmp_path, "")
    args = ["maintenance", "add", "--service", "web", "--starts-at", "2030-01-01T22:00:00Z"]
    result = CliRunner().invoke(app, [*args, "--duration", "90m"], env=env)
    assert result.exit_code == 0, result.output
    assert "2030-01-01 22:00 to 2030-01-01 23:30 UTC" in result.stdout


def test_a_window_covers_alerts_by_their_service_label(api_at_now: Api, hook: Any) -> None:
    body = {
        "title": "Checkout 500s",
        "severity": "critical",
        "dedup_key": "co-500",
        "labels": {"alertname": "Co500", "service": "checkout"},
    }
    assert api_at_now.client.post(hook("generic", "scripts"), json=body).status_code == 202
    [alert] = api_at_now.get("/api/v1/alerts").json()["items"]
    assert alert["service"] == "checkout"
    assert alert["suppressed_reason"] == "maintenance:checkout"


@pytest.mark.parametrize("path", ["/api/v1/maintenance-windows", "/api/v1/silences"])
def test_duration_and_ends_at_together_are_refused(api_at_now: Api, path: str) -> None:
    body = {"service": "web"} if "maintenance" in path else {"matchers": ['alertname="X"']}
    response = api_at_now.post(
        path, json={**body, "duration": "1h", "ends_at": "2026-12-06T02:00:00Z"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "give ends_at or duration, not both"


@pytest.mark.parametrize(("name", "first_name"), [("starts_at", "start"), ("ends_at", "end")])
def test_a_time_under_both_its_names_is_refused_naming_both(
    api_at_now: Api, name: str, first_name: str
) -> None:
    times = {"starts_at": "2026-12-06T22:00:00Z", "ends_at": "2026-12-07T02:00:00Z"}
    response = add(api_at_now, **times, **{first_name: times[name]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == f"body: give {name} or {first_name}, not both"


def test_a_nul_in_a_matcher_names_the_field_without_library_internals(api_at_now: Api) -> None:
    response = api_at_now.post(
        "/api/v1/silences", json={"matchers": ['alertname="a\u0000b"'], "duration": "1h"}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"].startswith("body.matchers.0: ")
    assert all("[" not in problem["field"] for problem in error["details"])
