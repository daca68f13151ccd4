"""The `schedules:` section of opsroom.yaml: valid examples load, mistakes name the field."""

from __future__ import annotations

import os
import textwrap
from datetime import date
from pathlib import Path

import pytest

from opsroom.config import load_settings
from opsroom.errors import ConfigError
from opsroom.oncall.model import ShiftUnit, Window, parse_days, parse_restriction, parse_shift

VALID = """
schedules:
  primary:
    time_zone: America/Chicago
    layers:
      - name: weekly
        members: [alice, bob]
        shift: 1w
        handoff: 9:00          # unquoted: YAML reads 540 (base 60), taken back as 09:00
        start: 2026-10-26
      - name: weekends
        members: [carol]
        shift: 2 weeks
        handoff: "18:00"
        start: 2026-10-23
        restrictions:
          - {start: fri 18:00, end: mon 09:00}
  office:
    time_zone: Europe/Paris
    layers:
      - members: [alice]
        shift: 1d
        days: [mon-fri]
        start: 2027-03-22
        restrictions:
          - {start: 9:00, end: 17:30, days: [mon, tue-thu, friday]}
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("OPSROOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return caught.value.message


def layer_yaml(**fields: str) -> str:
    values = {"members": "[alice]", "shift": "1d", "start": "2026-12-01", **fields}
    body = "\n".join(f"        {key}: {value}" for key, value in values.items())
    return f"schedules:\n  primary:\n    layers:\n      - \n{body}\n"


def test_a_valid_schedules_section_loads_and_is_normalized(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, VALID))
    primary = settings.schedules["primary"]
    assert primary.time_zone == "America/Chicago"
    weekly, weekends = primary.layers
    assert (weekly.handoff, weekly.shift, weekly.start) == ("09:00", "1w", date(2026, 10, 26))
    assert weekends.shift == "2w"
    assert weekends.to_layer().windows == (Window(4 * 1440 + 18 * 60, 2 * 1440 + 15 * 60),)
    office = settings.schedules["office"].layers[0]
    assert office.days == ["mon", "tue", "wed", "thu", "fri"]
    assert office.handoff == "09:00"  # the default
    assert office.restrictions[0].end == "17:30"
    assert len(office.to_layer().windows) == 5


def test_unknown_time_zone_names_the_field_and_line(tmp_path: Path) -> None:
    message = problem(
        tmp_path, VALID.replace("time_zone: Europe/Paris", "time_zone: Europe/Pariss")
    )
    assert "line 19: schedules.office.time_zone" in message
    assert "unknown time zone 'Europe/Pariss': use an IANA name" in message


def test_empty_members_are_refused(tmp_path: Path) -> None:
    message = problem(tmp_path, layer_yaml(members="[]"))
    assert "schedules.primary.layers.0.members: Value error, a layer needs at least one member" in (
        message
    )


def test_member_names_must_look_like_user_names(tmp_path: Path) -> None:
    message = problem(tmp_path, layer_yaml(members='["alice smith"]'))
    assert "schedules.primary.layers.0.members.0" in message


@pytest.mark.parametrize(
    ("restriction", "expected"),
    [
        ('{start: "25:00", end: "17:00"}', "invalid time '25:00'"),
        ('{start: "9am", end: "17:00"}', "invalid time '9am': use HH:MM"),
        ('{start: "fri 18:00", end: "09:00"}', "give a day in both start and end"),
        ('{start: "fri 18:00", end: "fri 18:00"}', "must not start and end at the same time"),
        ('{start: "fri 18:00", end: "mon 09:00", days: [mon]}', "days cannot be combined"),
        ('{start: "09:00", end: "17:00", days: [funday]}', "unknown day 'funday'"),
        ('{start: "09:00", end: "17:00", days: []}', "at least one day is required"),
        ('{start: "09:00"}', "restrictions.0.end: Field required"),
    ],
)
def test_bad_restrictions_are_refused_with_the_reason(
    tmp_path: Path, restriction: str, expected: str
) -> None:
    message = problem(tmp_path, layer_yaml(restrictions=f"[{restriction}]"))
    assert "schedules.primary.layers.0.restrictions.0" in message
    assert expected in message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"shift": "3 months"}, "layers.0.shift: Value error, invalid shift length '3 months'"),
        ({"shift": "0d"}, "shift length '0d' must be 1 to 366 days"),
        ({"shift": "60w"}, "shift length '60w' must be 1 to 52 weeks"),
        ({"handoff": '"9.30"'}, "layers.0.handoff: Value error, invalid time '9.30'"),
        ({"shift": "1w", "days": "[mon-fri]"}, "days needs shift: 1d"),
        ({"start": "someday"}, "layers.0.start: Input should be a valid date"),
        ({"lenght": "1w"}, "layers.0.lenght: Extra inputs are not permitted"),
        ({"end": "2026-12-01T00:00:00"}, "layers.0.end: Input should have timezone info"),
    ],
)
def test_bad_layer_fields_are_named(tmp_path: Path, fields: dict[str, str], expected: str) -> None:
    assert expected in problem(tmp_path, layer_yaml(**fields))


def test_a_schedule_needs_layers_and_a_valid_name(tmp_path: Path) -> None:
    message = problem(tmp_path, "schedules:\n  Primary Team:\n    layers: []\n")
    assert "schedules.Primary Team.[key]: String should match pattern" in message
    assert "schedules.Primary Team.layers: Value error, a schedule needs at least one layer" in (
        message
    )


def test_restriction_and_shift_parsers() -> None:
    assert parse_shift("12h") == (12, ShiftUnit.HOURS)
    assert parse_shift("2 days") == (2, ShiftUnit.DAYS)
    assert parse_days(["fri-mon"]) == frozenset({4, 5, 6, 0})
    assert parse_restriction("22:00", "06:00", ["mon"]) == (Window(22 * 60, 8 * 60),)
    assert parse_restriction("00:00", "24:00", ["sun"]) == (Window(6 * 1440, 1440),)
    assert parse_restriction("sun 22:00", "mon 02:00") == (Window(6 * 1440 + 22 * 60, 240),)


def test_every_schedules_example_in_the_readme_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [
        block.split("```", 1)[0]
        for block in readme.split("```yaml")[1:]
        if block.lstrip().startswith("schedules:")
    ]
    assert len(blocks) == 2
    for block in blocks:
        settings = load_settings(write(tmp_path, textwrap.dedent(block)))
        assert settings.schedules
