"""Properties of rotations in any time zone: shifts tile time without overlap, point queries
agree with window queries, and gaps are exactly what shifts leave uncovered."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from opsroom.oncall.model import (
    MINUTES_PER_DAY,
    Layer,
    Override,
    Schedule,
    ShiftUnit,
    Window,
    zone,
)
from opsroom.oncall.rotation import final_shifts, gaps, instant, layer_pieces, on_call_at

ZONES = [
    "UTC",
    "America/Chicago",
    "Europe/Paris",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "America/St_Johns",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
NAMES = ["alice", "bob", "carol", "dave"]
MAX_COUNT = {ShiftUnit.HOURS: 48, ShiftUnit.DAYS: 10, ShiftUnit.WEEKS: 3}


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    kind = draw(st.sampled_from(["none", "daily", "weekly"]))
    if kind == "none":
        return ()
    start = draw(st.integers(0, MINUTES_PER_DAY - 1))
    if kind == "weekly":
        begin = draw(st.integers(0, 6)) * MINUTES_PER_DAY + start
        return (Window(begin, draw(st.integers(1, 7 * MINUTES_PER_DAY - 1))),)
    length = draw(st.integers(1, MINUTES_PER_DAY))
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    return tuple(Window(day * MINUTES_PER_DAY + start, length) for day in sorted(days))


@st.composite
def layers(draw: st.DrawFn, *, restricted: bool = True) -> Layer:
    unit = draw(st.sampled_from(list(ShiftUnit)))
    count = draw(st.integers(1, MAX_COUNT[unit]))
    weekdays = frozenset()
    if restricted and (unit, count) == (ShiftUnit.DAYS, 1) and draw(st.booleans()):
        weekdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    return Layer(
        members=tuple(draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4))),
        shift_count=count,
        shift_unit=unit,
        handoff=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))),
        start=draw(st.dates(date(2026, 1, 1), date(2027, 6, 30))),
        windows=draw(windows()) if restricted else (),
        days=weekdays,
    )


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(
    lambda value: value.replace(tzinfo=UTC, microsecond=0)
)
lengths = st.timedeltas(timedelta(hours=1), timedelta(days=45))


@st.composite
def overrides(draw: st.DrawFn) -> tuple[Override, ...]:
    found = []
    for number in range(draw(st.integers(0, 3))):
        start = draw(instants)
        found.append(Override(draw(st.sampled_from(NAMES)), start, start + draw(lengths), number))
    return tuple(found)


def _ordered_without_overlap(pieces: list[tuple[datetime, datetime]]) -> bool:
    return all(end > start for start, end in pieces) and all(
        a[1] <= b[0] for a, b in pairwise(pieces)
    )


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), layers(restricted=False), instants, lengths)
def test_an_unrestricted_layer_tiles_time_without_gaps_or_overlap(
    tz: str, layer: Layer, start: datetime, length: timedelta
) -> None:
    zone_info = zone(tz)
    end = start + length
    pieces = layer_pieces(layer, 0, zone_info, start, end)
    spans = [(p.start, p.end) for p in pieces]
    assert _ordered_without_overlap(spans)
    assert all(a[1] == b[0] for a, b in pairwise(spans))
    first = instant(datetime.combine(layer.start, layer.handoff), zone_info)
    if first < end:
        assert spans[0][0] <= max(start, first)
        assert spans[-1][1] >= end


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), layers(), instants, lengths)
def test_a_restricted_layer_never_overlaps_itself(
    tz: str, layer: Layer, start: datetime, length: timedelta
) -> None:
    pieces = layer_pieces(layer, 0, zone(tz), start, start + length)
    assert _ordered_without_overlap([(p.start, p.end) for p in pieces])


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.lists(layers(), min_size=1, max_size=3),
    overrides(),
    instants,
    lengths,
    st.lists(st.floats(0, 1), min_size=1, max_size=5),
)
def test_final_shifts_tile_and_agree_with_point_queries(
    tz: str,
    stack: list[Layer],
    extra: tuple[Override, ...],
    start: datetime,
    length: timedelta,
    fractions: list[float],
) -> None:
    schedule = Schedule("s", zone(tz), tuple(stack), extra)
    end = start + length
    shifts = final_shifts(schedule, start, end)
    assert _ordered_without_overlap([(s.start, s.end) for s in shifts])
    assert all(s.end > start and s.start < end for s in shifts)
    holes = gaps(shifts, start, end)
    covered = sum((min(s.end, end) - max(s.start, start) for s in shifts), timedelta())
    assert covered + sum((b - a for a, b in holes), timedelta()) == length
    for fraction in fractions:
        moment = start + length * fraction
        moment = min(moment, end - timedelta(microseconds=1))
        expected = next((s.user for s in shifts if s.start <= moment < s.end), None)
        assert on_call_at(schedule, moment) == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ZONES), layers(restricted=False), instants)
def test_turn_arithmetic_matches_counting_turns_one_by_one(
    tz: str, layer: Layer, moment: datetime
) -> None:
    zone_info = zone(tz)
    local = datetime.combine(layer.start, layer.handoff)
    turn, step = -1, layer.step()
    while instant(local + (turn + 1) * step, zone_info) <= moment:
        turn += 1
    schedule = Schedule("s", zone_info, (layer,))
    if turn < 0:
        assert on_call_at(schedule, moment) is None
        return
    assert on_call_at(schedule, moment) == layer.members[turn % len(layer.members)]
