"""Checks that catch schedules and policies which load but cannot work as meant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from opsroom.alert.settings import parse_duration
from opsroom.config import load_settings
from opsroom.errors import ConfigError
from opsroom.escalation.checks import paging_warnings
from opsroom.oncall import ical, model
from opsroom.oncall.model import Shift
from opsroom.oncall.settings import LayerConfig


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_zero_needs_no_unit() -> None:
    assert parse_duration("0") == timedelta(0)
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("5")


def test_a_huge_duration_is_a_clear_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="at most 100 years"):
        parse_duration("100000000000000000000m")
    with pytest.raises(ValueError, match="at most 100 years"):
        parse_duration("9" * 400 + "w")


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory"])
def test_host_dependent_or_placeholder_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="is not a time zone name"):
        model.zone(name)


def test_a_layer_that_ends_before_it_starts_is_refused_naming_end() -> None:
    with pytest.raises(ValidationError) as caught:
        LayerConfig.model_validate(
            {"members": ["alice"], "start": "2026-12-01", "end": "2026-11-01T00:00:00Z"}
        )
    [error] = caught.value.errors()
    assert error["loc"] == ("end",)
    assert "before it starts" in error["msg"]
    stored = LayerConfig.model_validate(
        {"members": ["alice"], "start": "2026-12-01", "end": "2026-11-01T00:00:00Z"},
        context={"stored": True},
    )
    assert stored.end is not None  # an older row still loads, to be listed and fixed


def test_config_check_warns_about_passes_that_fire_at_once_and_legacy_zones(
    tmp_path: Path,
) -> None:
    text = """
escalation_policies:
  - name: storm
    repeat: 20
    steps:
      - {targets: [user:alice], wait: 0m}
      - {targets: [user:alice], wait: "0"}
  - name: fine
    repeat: 2
    steps:
      - {targets: [user:alice], wait: 0m}
      - {targets: [user:alice], wait: 5m}
users:
  - name: alice
    contacts: [{kind: chat}]
schedules:
  east:
    time_zone: EST5EDT
    layers: [{members: [alice], shift: 1d, handoff: "09:00", start: 2026-11-30}]
"""
    warnings = paging_warnings(load_settings(_config(tmp_path, text)))
    assert warnings == [
        "policy storm: every step waits 0 and repeat is 20: all 21 passes fire in the same "
        "second; give steps a wait",
        "schedule east: time_zone 'EST5EDT' is a legacy name; use an Area/Location name such "
        "as America/New_York or Europe/Paris",
    ]


def test_config_refuses_localtime_naming_the_field(tmp_path: Path) -> None:
    text = """
schedules:
  here:
    time_zone: localtime
    layers: [{members: [alice], shift: 1d, handoff: "09:00", start: 2026-11-30}]
"""
    with pytest.raises(ConfigError, match=r"line 4: schedules\.here\.time_zone"):
        load_settings(_config(tmp_path, text))


def test_feed_refresh_interval_carries_value_duration() -> None:
    now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    shift = Shift(now, now + timedelta(days=1), "alice", layer=0, turn=0)
    data = ical.build_calendar(
        "On call: p", [("p", shift)], {"p": model.zone("UTC")}, now, per_person=False
    )
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data


def test_a_layer_has_at_most_50_restrictions_and_1000_members() -> None:
    base = {"members": ["alice"], "start": "2026-12-01"}
    many = [{"start": "09:00", "end": "10:00"}] * 51
    with pytest.raises(ValidationError, match="at most 50 restrictions"):
        LayerConfig.model_validate({**base, "restrictions": many})
    crowd = [f"p{n}" for n in range(1001)]
    with pytest.raises(ValidationError, match="at most 1000 members"):
        LayerConfig.model_validate({**base, "members": crowd})
    stored = LayerConfig.model_validate({**base, "restrictions": many}, context={"stored": True})
    assert len(stored.restrictions) == 51
