"""`opsroom oncall ...` and `opsroom config check` against a real database, as a user runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner, Result

from opsroom.bootstrap import Container
from opsroom.cli.main import app
from opsroom.config import Settings
from tests.conftest import make_user
from tests.integration.oncall_setup import CONFIG, environment, oncall_settings

Runner = Callable[..., Result]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return oncall_settings(database_url, tmp_path)


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """The CLI binds its logs to the runner's stderr, closed after each run: put them back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.fixture
def run(container: Container, database_url: str, tmp_path: Path) -> Runner:
    for name in ("alice", "bob", "carol"):
        make_user(container, name)

    def invoke(*args: str, config: str = CONFIG) -> Result:
        env = environment(database_url, tmp_path, config)
        return CliRunner().invoke(app, list(args), env=env)

    return invoke


def test_who_names_the_person_at_an_exact_time(run: Runner) -> None:
    result = run("oncall", "who", "primary", "--at", "2026-11-02T15:00:00Z")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "primary: bob until 2026-11-09 09:00 CST; next: alice from 2026-11-09 09:00 CST\n"
    )


def test_who_without_a_schedule_lists_every_schedule(run: Runner) -> None:
    result = run("oncall", "who", "--at", "2027-03-29T07:30:00Z")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "business: carol until 2027-03-29 17:00 CEST; next: alice from 2027-03-30 09:00 CEST",
        # 02:30 CDT on Monday: the week from March 22 (bob's) runs until 09:00.
        "primary: bob until 2027-03-29 09:00 CDT; next: alice from 2027-03-29 09:00 CDT",
    ]


def test_override_from_the_command_line_takes_the_shift(run: Runner) -> None:
    result = run(
        "oncall", "override", "primary", "--user", "carol",
        "--start", "2026-11-03T18:00:00Z", "--end", "2026-11-04T06:00:00Z",
        "--reason", "swap with bob",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Override #1: carol is on call for primary from 2026-11-03 12:00 CST" in result.stdout
    who = run("oncall", "who", "primary", "--at", "2026-11-03T20:00:00Z")
    assert who.stdout.startswith("primary: carol until 2026-11-04 00:00 CST; next: bob from")
    listed = run("oncall", "overrides", "primary", "--start", "2026-11-01T00:00Z")
    assert "swap with bob" in listed.stdout


def test_calendar_prints_the_subscribe_url(run: Runner) -> None:
    result = run("oncall", "calendar", "primary")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "http://opsroom.example.test/api/v1/schedules/primary/calendar.ics?token="
    )
    person = run("oncall", "calendar", "--user", "alice")
    assert person.stdout.startswith("http://opsroom.example.test/api/v1/users/alice/calendar.ics")


def test_unknown_schedule_and_bad_time_are_clear_errors(run: Runner) -> None:
    result = run("oncall", "who", "nope")
    assert result.exit_code == 1
    assert "no schedule 'nope' (schedules: business, primary)" in result.stderr
    result = run("oncall", "who", "primary", "--at", "noon")
    assert result.exit_code == 2
    assert "--at: invalid time 'noon'" in result.stderr


def test_config_check_reports_gaps_and_members_who_are_not_users(run: Runner) -> None:
    config = CONFIG.replace("[alice, bob, carol]", "[alice, zed]")
    result = run("config", "check", "--gap-days", "7", config=config)
    assert result.exit_code == 1, result.output
    assert "business (config): members who are not opsroom users: zed" in result.stderr
    assert "business (config): nobody on call 1 time(s) in the next 7 days" in result.stderr
    clean = run("config", "check", "--gap-days", "7")
    assert clean.exit_code == 0, clean.output
    assert "primary (config): someone is on call at all times in the next 7 days" in clean.stdout
    strict = run("config", "check", "--fail-on-gaps")
    assert strict.exit_code == 1


def test_config_check_counts_the_people_of_opsroom_yaml_as_users(run: Runner) -> None:
    """A member defined under `users:` (paged by escalation) is an opsroom user already."""
    config = CONFIG.replace("[alice, bob, carol]", "[alice, zed]")
    config += "users:\n  - name: zed\n    contacts: [{kind: chat}]\n"
    result = run("config", "check", "--gap-days", "7", config=config)
    assert "not opsroom users" not in result.output
    assert result.exit_code == 0, result.output


def test_config_check_names_the_field_of_a_bad_schedule(run: Runner) -> None:
    config = CONFIG.replace("America/Chicago", "America/Chicagoo")
    result = run("config", "check", config=config)
    assert result.exit_code == 2
    assert "schedules.primary.time_zone" in result.stderr
    assert "unknown time zone 'America/Chicagoo'" in result.stderr


def test_config_check_warns_of_settings_for_an_integration_that_does_not_exist(
    run: Runner,
) -> None:
    config = CONFIG + "integrations:\n  prdo:\n    resolve_timeout: 5m\n"
    result = run("config", "check", "--gap-days", "7", config=config)
    assert result.exit_code == 0, result.output
    assert "integrations.prdo: no integration is named 'prdo'" in result.stdout


def test_config_check_warns_of_a_route_naming_an_integration_that_does_not_exist(
    run: Runner,
) -> None:
    config = CONFIG + (
        "routing:\n  routes:\n    - name: db\n      integrations: [prdo]\n      service: db\n"
    )
    result = run("config", "check", "--gap-days", "7", config=config)
    assert result.exit_code == 0, result.output
    assert "routing.routes.0.integrations: no integration is named 'prdo'" in result.stdout
