"""Room names are valid on every platform and unique, whatever the title."""

from __future__ import annotations

import re

import pytest

from opsroom.incident.model import room_name

TITLES = [
    "🔥🔥🔥",
    "DB.Primary.DOWN",
    "Checkout Is SLOW",
    "x" * 100,
    "Ünïcode — “quotes” & <tags> @channel",
    "   ",
    "a" * 40 + " " + "b" * 60,
]


@pytest.mark.parametrize("max_length", [21, 64, 80, 100])
@pytest.mark.parametrize("title", TITLES)
def test_room_name_is_lowercase_bounded_and_has_no_spaces_or_dots(
    title: str, max_length: int
) -> None:
    name = room_name(1234, title, max_length=max_length)
    assert re.fullmatch(r"inc-1234(-[a-z0-9]+)*", name), name
    assert len(name) <= max_length


def test_taken_names_get_the_next_free_suffix() -> None:
    taken = {"inc-7-db-down", "inc-7-db-down-2"}
    assert room_name(7, "DB down", taken) == "inc-7-db-down-3"


def test_a_name_the_platform_refused_is_not_tried_again() -> None:
    assert room_name(7, "DB down", attempt=1) == "inc-7-db-down-2"
    assert room_name(7, "DB down", attempt=4) == "inc-7-db-down-5"


def test_suffix_fits_in_a_full_length_name() -> None:
    name = room_name(7, "y" * 100, {room_name(7, "y" * 100, max_length=80)}, max_length=80)
    assert len(name) <= 80
    assert name.endswith("-2")
