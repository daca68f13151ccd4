"""On-call schedules as values: layers of rotations, restrictions, overrides. Pure.

Semantics follow PagerDuty's schedule layers: a layer hands its turn to the next member every
shift (counted in the schedule's local wall-clock time, so a 09:00 hand-off stays at 09:00 across
daylight-saving changes); restrictions only mask when a layer's member is on call, the turn
still passes on; a later layer wins wherever it has someone; overrides win over every layer.
`days` on a one-day rotation is Grafana OnCall's `by_day`: shifts exist only on those weekdays
and the turn passes only on them (a "Mon-Fri daily rotation").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_SHIFT = re.compile(r"^(\d+)\s*(h|hours?|d|days?|w|weeks?)$")
MAX_SHIFT = {"hours": 24 * 366, "days": 366, "weeks": 52}
# Schedule times stay well inside datetime's years 1..9999, so that adding shifts, windows
# and a day of padding can never leave the calendar.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000


class ShiftUnit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"

    def step(self, count: int) -> timedelta:
        return {
            ShiftUnit.HOURS: timedelta(hours=count),
            ShiftUnit.DAYS: timedelta(days=count),
            ShiftUnit.WEEKS: timedelta(weeks=count),
        }[self]


@dataclass(frozen=True)
class Window:
    """A weekly window of local wall-clock time: `start` minutes after Monday 00:00, `length`."""

    start: int
    length: int


@dataclass(frozen=True)
class Layer:
    members: tuple[str, ...]
    shift_count: int
    shift_unit: ShiftUnit
    handoff: time
    start: date
    windows: tuple[Window, ...] = ()
    days: frozenset[int] = frozenset()
    end: datetime | None = None
    name: str = ""

    def step(self) -> timedelta:
        return self.shift_unit.step(self.shift_count)


@dataclass(frozen=True)
class Override:
    """`user` is on call from `start` to `end`, over every layer; the newest override wins."""

    user: str
    start: datetime
    end: datetime
    id: int = 0


@dataclass(frozen=True)
class Schedule:
    name: str
    zone: ZoneInfo
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = field(default=())


@dataclass(frozen=True)
class Shift:
    """One final shift: `user` on call from `start` to `end` (UTC), from a layer or an override."""

    start: datetime
    end: datetime
    user: str
    layer: int | None = None
    override: int | None = None
    turn: int | None = None


# Names the zone database has that are not places: the host's own zone and placeholders.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a ValueError that says what to write instead."""
    if name.strip() in NOT_ZONES:
        raise ValueError(
            f"{name!r} is not a time zone name: use an IANA name such as Europe/Paris or UTC"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Paris or UTC"
        ) from exc


def parse_time(value: str, *, allow_midnight_end: bool = False) -> int:
    """`HH:MM` (24-hour clock) as minutes after midnight; `24:00` only as an end."""
    found = _TIME.match(value.strip())
    if found is None:
        raise ValueError(f"invalid time {value!r}: use HH:MM on a 24-hour clock, e.g. 09:00")
    hours, minutes = int(found.group(1)), int(found.group(2))
    if allow_midnight_end and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid time {value!r}: hours 00-23, minutes 00-59")
    return hours * 60 + minutes


def time_of(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def format_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_shift(value: str) -> tuple[int, ShiftUnit]:
    """`12h`, `1d`, `2 weeks`... as (count, unit); the unit is wall-clock time of the schedule."""
    found = _SHIFT.match(value.strip().lower())
    if found is None:
        raise ValueError(
            f"invalid shift length {value!r}: use hours, days or weeks, e.g. 12h, 1d, 1w"
        )
    count = int(found.group(1))
    unit = next(unit for unit in ShiftUnit if unit.value[0] == found.group(2)[0])
    if not 1 <= count <= MAX_SHIFT[unit.value]:
        raise ValueError(f"shift length {value!r} must be 1 to {MAX_SHIFT[unit.value]} {unit}")
    return count, unit


def format_shift(count: int, unit: ShiftUnit) -> str:
    return f"{count}{unit.value[0]}"


def parse_day(value: str) -> int:
    """`mon`..`sun` (or full names) as 0..6."""
    text = value.strip().lower()
    if text in DAY_NAMES:
        return DAY_NAMES.index(text)
    if text in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(text)
    raise ValueError(f"unknown day {value!r}: use mon, tue, wed, thu, fri, sat or sun")


def parse_days(values: list[str]) -> frozenset[int]:
    """Day names and ranges: `[mon, wed]`, `[mon-fri]`, `[fri-mon]` (a range may wrap)."""
    days: set[int] = set()
    for value in values:
        first, dash, last = value.partition("-")
        if not dash:
            days.add(parse_day(first))
            continue
        start, end = parse_day(first), parse_day(last)
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    if not days:
        raise ValueError("at least one day is required, e.g. [mon-fri]")
    return frozenset(days)


def format_days(days: frozenset[int]) -> list[str]:
    return [DAY_NAMES[day] for day in sorted(days)]


def parse_restriction(start: str, end: str, days: list[str] | None = None) -> tuple[Window, ...]:
    """A restriction as weekly windows.

    `start: "09:00", end: "17:00"` is every day (or each of `days`) from 09:00 to 17:00; an end
    at or before the start runs into the next day (`22:00`-`06:00`). `start: "fri 18:00",
    end: "mon 09:00"` is one weekly window.
    """
    start_day, start_text = _split_day(start)
    end_day, end_text = _split_day(end)
    if (start_day is None) != (end_day is None):
        raise ValueError("give a day in both start and end (fri 18:00, mon 09:00) or in neither")
    begin = parse_time(start_text)
    if start_day is not None and end_day is not None:
        if days is not None:
            raise ValueError("days cannot be combined with a weekly window (fri 18:00-mon 09:00)")
        first = start_day * MINUTES_PER_DAY + begin
        last = end_day * MINUTES_PER_DAY + parse_time(end_text)
        length = (last - first) % MINUTES_PER_WEEK
        if length == 0:
            raise ValueError("a weekly window must not start and end at the same time")
        return (Window(first, length),)
    finish = parse_time(end_text, allow_midnight_end=True)
    length = (finish - begin) % MINUTES_PER_DAY or MINUTES_PER_DAY
    weekdays = parse_days(days) if days is not None else frozenset(range(7))
    return tuple(Window(day * MINUTES_PER_DAY + begin, length) for day in sorted(weekdays))


def _split_day(value: str) -> tuple[int | None, str]:
    words = value.split()
    if len(words) == 2:
        return parse_day(words[0]), words[1]
    if len(words) == 1:
        return None, words[0]
    raise ValueError(f"invalid restriction time {value!r}: use 09:00 or fri 18:00")


def is_legacy_zone(name: str) -> bool:
    """Old POSIX-style or country names (`EST5EDT`, `CET`, `Japan`) kept for compatibility;
    an Area/Location name says the rules people expect."""
    return "/" not in name and name not in ("UTC", "GMT")


def check_layer(layer: Layer) -> None:
    """The rules a layer obeys however it was written (config or API)."""
    if not layer.members:
        raise ValueError("a layer needs at least one member")
    if layer.days and (layer.shift_unit, layer.shift_count) != (ShiftUnit.DAYS, 1):
        raise ValueError("days needs shift: 1d (use restrictions to limit other rotations)")


def check_calendar(value: date) -> None:
    """A ValueError unless `value` (a date or time) is in the years schedules can use."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(
            f"{value.isoformat()} is out of range: use a time in the years "
            f"{EARLIEST_YEAR} to {LATEST_YEAR}"
        )


def parse_instant(value: str) -> datetime:
    """An ISO 8601 time with an offset (`2026-11-02T09:00-06:00`, `...Z`).

    A `+` that a URL query turned into a space is taken back.
    """
    text = re.sub(r"(\d) (\d{2}(?::?\d{2})?)$", r"\1+\2", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"invalid time {value!r}: use ISO 8601, e.g. 2026-11-02T09:00Z") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} needs an offset or Z, e.g. 2026-11-02T09:00Z")
    check_calendar(parsed)
    return parsed
