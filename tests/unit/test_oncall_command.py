"""`/inc oncall [schedule]` in the command grammar."""

from __future__ import annotations

import pytest

from opsroom.chat.commands import HELP_TEXT, INCIDENT_ONLY, ShowOnCall, parse_command
from opsroom.errors import CommandError


def test_oncall_without_a_schedule_shows_every_schedule() -> None:
    assert parse_command("/inc oncall") == ShowOnCall(schedule=None)


def test_oncall_with_a_schedule_name() -> None:
    assert parse_command("/inc oncall primary") == ShowOnCall(schedule="primary")


def test_oncall_refuses_what_cannot_be_a_schedule_name() -> None:
    with pytest.raises(CommandError) as caught:
        parse_command("/inc oncall Primary Team")
    assert "`Primary Team` is not a schedule name" in caught.value.message
    assert "Usage: /inc oncall [schedule]" in caught.value.message


def test_oncall_works_outside_incident_rooms_and_is_in_the_help() -> None:
    assert "oncall" not in INCIDENT_ONLY
    assert "/inc oncall [schedule]" in HELP_TEXT
