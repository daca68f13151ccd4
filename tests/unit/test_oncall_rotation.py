"""Who is on call at exact instants: DST, time zones, restrictions, layers and overrides."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import pairwise

from opsroom.oncall.model import (
    Layer,
    Override,
    Schedule,
    ShiftUnit,
    parse_days,
    parse_instant,
    parse_restriction,
    zone,
)
from opsroom.oncall.rotation import final_shifts, gaps, on_call_at, shift_at


def at(text: str) -> datetime:
    return parse_instant(text)


def layer(
    members: str,
    *,
    unit: ShiftUnit = ShiftUnit.WEEKS,
    count: int = 1,
    handoff: time = time(9),
    start: date = date(2026, 10, 26),
    **extra: object,
) -> Layer:
    return Layer(tuple(members.split()), count, unit, handoff, start, **extra)  # type: ignore[arg-type]


def schedule(tz: str, *layers: Layer, overrides: tuple[Override, ...] = ()) -> Schedule:
    return Schedule("primary", zone(tz), layers, overrides)


def who(s: Schedule, text: str) -> str | None:
    return on_call_at(s, at(text))


CHICAGO_WEEKLY = schedule("America/Chicago", layer("alice bob"))


def test_chicago_weekly_handoff_stays_at_nine_local_across_november_change() -> None:
    # 2026-11-01 02:00 CDT -> 01:00 CST: 09:00 is 14:00Z before, 15:00Z after.
    assert who(CHICAGO_WEEKLY, "2026-10-26T13:59Z") is None  # before the first hand-off
    assert who(CHICAGO_WEEKLY, "2026-10-26T14:00Z") == "alice"
    assert who(CHICAGO_WEEKLY, "2026-11-02T14:00Z") == "alice"  # 08:00 CST
    assert who(CHICAGO_WEEKLY, "2026-11-02T14:59Z") == "alice"
    assert who(CHICAGO_WEEKLY, "2026-11-02T15:00Z") == "bob"  # 09:00 CST
    shift = shift_at(CHICAGO_WEEKLY, at("2026-10-30T12:00Z"))
    assert shift is not None
    assert (shift.start, shift.end) == (at("2026-10-26T14:00Z"), at("2026-11-02T15:00Z"))


def test_chicago_weekly_handoff_stays_at_nine_local_across_march_change() -> None:
    # 2027-03-14 02:00 CST -> 03:00 CDT: 09:00 is 15:00Z before, 14:00Z after.
    assert who(CHICAGO_WEEKLY, "2027-03-08T14:59Z") == "alice"  # 08:59 CST, week 19 ends
    assert who(CHICAGO_WEEKLY, "2027-03-08T15:00Z") == "bob"
    assert who(CHICAGO_WEEKLY, "2027-03-15T13:59Z") == "bob"  # 08:59 CDT
    assert who(CHICAGO_WEEKLY, "2027-03-15T14:00Z") == "alice"  # 09:00 CDT
    shift = shift_at(CHICAGO_WEEKLY, at("2027-03-10T00:00Z"))
    assert shift is not None and shift.user == "bob"
    assert (shift.start, shift.end) == (at("2027-03-08T15:00Z"), at("2027-03-15T14:00Z"))


def test_every_chicago_handoff_of_a_year_is_monday_nine_local() -> None:
    shifts = final_shifts(CHICAGO_WEEKLY, at("2026-11-01T00:00Z"), at("2027-11-01T00:00Z"))
    local = [s.start.astimezone(zone("America/Chicago")) for s in shifts]
    assert {(t.weekday(), t.hour, t.minute) for t in local} == {(0, 9, 0)}
    assert [s.user for s in shifts[:4]] == ["alice", "bob", "alice", "bob"]
    assert all(a.end == b.start for a, b in pairwise(shifts))


OVERRIDE = Override("carol", at("2026-12-03T18:00Z"), at("2026-12-04T06:00Z"), id=1)
DAILY_UTC = schedule(
    "UTC", layer("alice bob", unit=ShiftUnit.DAYS, start=date(2026, 12, 1)), overrides=(OVERRIDE,)
)


def test_override_from_18_to_06_utc_puts_its_person_on_and_the_rotation_off() -> None:
    assert who(DAILY_UTC, "2026-12-03T17:59Z") == "alice"  # Dec 3 is turn 2: alice
    assert who(DAILY_UTC, "2026-12-03T18:00Z") == "carol"
    assert who(DAILY_UTC, "2026-12-04T05:59Z") == "carol"
    assert who(DAILY_UTC, "2026-12-04T06:00Z") == "alice"  # alice's turn runs to 09:00
    assert who(DAILY_UTC, "2026-12-04T09:00Z") == "bob"
    shifts = final_shifts(DAILY_UTC, at("2026-12-03T09:00Z"), at("2026-12-04T09:00Z"))
    assert [(s.user, s.start, s.end, s.override) for s in shifts] == [
        ("alice", at("2026-12-03T09:00Z"), at("2026-12-03T18:00Z"), None),
        ("carol", at("2026-12-03T18:00Z"), at("2026-12-04T06:00Z"), 1),
        ("alice", at("2026-12-04T06:00Z"), at("2026-12-04T09:00Z"), None),
    ]


def test_override_in_utc_beats_a_rotation_in_another_time_zone() -> None:
    chicago = schedule("America/Chicago", layer("alice bob"), overrides=(OVERRIDE,))
    # The week from Monday Nov 30 is turn 5: bob.
    assert who(chicago, "2026-12-03T17:59Z") == "bob"
    assert who(chicago, "2026-12-03T18:00Z") == "carol"
    assert who(chicago, "2026-12-04T06:00Z") == "bob"


def test_override_spanning_a_handoff_hands_back_to_the_new_turn() -> None:
    spanning = Override("carol", at("2026-11-01T00:00Z"), at("2026-11-04T00:00Z"), id=7)
    s = schedule("America/Chicago", layer("alice bob"), overrides=(spanning,))
    assert who(s, "2026-11-02T15:00Z") == "carol"  # bob's turn began under the override
    assert who(s, "2026-11-04T00:00Z") == "bob"
    shifts = final_shifts(s, at("2026-10-31T00:00Z"), at("2026-11-05T00:00Z"))
    assert [(x.user, x.start, x.end) for x in shifts] == [
        ("alice", at("2026-10-26T14:00Z"), at("2026-11-01T00:00Z")),
        ("carol", at("2026-11-01T00:00Z"), at("2026-11-04T00:00Z")),
        ("bob", at("2026-11-04T00:00Z"), at("2026-11-09T15:00Z")),
    ]


def test_the_newest_of_overlapping_overrides_wins() -> None:
    older = Override("carol", at("2026-12-03T00:00Z"), at("2026-12-05T00:00Z"), id=1)
    newer = Override("dave", at("2026-12-04T00:00Z"), at("2026-12-04T12:00Z"), id=2)
    s = schedule("UTC", layer("alice", unit=ShiftUnit.DAYS), overrides=(newer, older))
    assert who(s, "2026-12-03T23:59Z") == "carol"
    assert who(s, "2026-12-04T00:00Z") == "dave"
    assert who(s, "2026-12-04T12:00Z") == "carol"
    assert who(s, "2026-12-05T00:00Z") == "alice"


PARIS_WEEKDAYS = layer(
    "alice bob carol", unit=ShiftUnit.DAYS, start=date(2027, 3, 22), days=parse_days(["mon-fri"])
)


def test_paris_daily_monday_to_friday_rotation_skips_the_weekend_and_dst() -> None:
    s = schedule("Europe/Paris", PARIS_WEEKDAYS)
    assert who(s, "2027-03-22T07:59Z") is None  # 08:59 CET, before the first hand-off
    assert who(s, "2027-03-22T08:00Z") == "alice"  # Monday 09:00 CET
    assert who(s, "2027-03-23T08:00Z") == "bob"
    assert who(s, "2027-03-24T08:00Z") == "carol"
    assert who(s, "2027-03-25T08:00Z") == "alice"
    assert who(s, "2027-03-26T08:00Z") == "bob"  # Friday
    assert who(s, "2027-03-27T07:59Z") == "bob"  # Saturday 08:59 CET: Friday's shift
    assert who(s, "2027-03-27T08:00Z") is None  # Saturday 09:00: no weekend shifts
    assert who(s, "2027-03-29T06:59Z") is None  # Monday 08:59 CEST (clocks moved on Sunday)
    assert who(s, "2027-03-29T07:00Z") == "carol"  # Monday 09:00 CEST: the turn passed on
    assert who(s, "2027-03-30T07:00Z") == "alice"


def test_paris_weekday_rotation_with_office_hours_restriction() -> None:
    office = parse_restriction("09:00", "17:00", ["mon-fri"])
    s = schedule(
        "Europe/Paris",
        Layer(
            PARIS_WEEKDAYS.members,
            1,
            ShiftUnit.DAYS,
            time(9),
            date(2027, 3, 22),
            windows=office,
            days=PARIS_WEEKDAYS.days,
        ),
    )
    assert who(s, "2027-03-23T15:59Z") == "bob"  # 16:59 CET
    assert who(s, "2027-03-23T16:00Z") is None  # 17:00 CET
    assert who(s, "2027-03-29T14:59Z") == "carol"  # 16:59 CEST
    assert who(s, "2027-03-29T15:00Z") is None  # 17:00 CEST
    gaps_of_monday = gaps(
        final_shifts(s, at("2027-03-29T00:00Z"), at("2027-03-30T00:00Z")),
        at("2027-03-29T00:00Z"),
        at("2027-03-30T00:00Z"),
    )
    assert gaps_of_monday == [
        (at("2027-03-29T00:00Z"), at("2027-03-29T07:00Z")),
        (at("2027-03-29T15:00Z"), at("2027-03-30T00:00Z")),
    ]


def test_a_restriction_masks_a_turn_but_the_turn_still_passes_like_pagerduty() -> None:
    office = parse_restriction("09:00", "17:00", ["mon-fri"])
    daily = layer("alice bob carol", unit=ShiftUnit.DAYS, start=date(2026, 11, 2), windows=office)
    s = schedule("Europe/Paris", daily)
    assert who(s, "2026-11-02T08:00Z") == "alice"  # Monday 09:00 CET
    assert who(s, "2026-11-06T08:00Z") == "bob"  # Friday
    assert who(s, "2026-11-07T12:00Z") is None  # Saturday is carol's turn, restricted out
    assert who(s, "2026-11-09T08:00Z") == "bob"  # Sat carol, Sun alice, Mon bob


def test_weekend_layer_with_a_weekly_window_beats_the_weekday_layer() -> None:
    weekend = parse_restriction("fri 18:00", "mon 09:00")
    s = schedule(
        "America/Chicago",
        layer("alice bob"),
        layer("carol dave", start=date(2026, 10, 23), handoff=time(18), windows=weekend),
    )
    assert who(s, "2026-10-30T22:59Z") == "alice"  # Friday 17:59 CDT
    assert who(s, "2026-10-30T23:00Z") == "dave"  # Friday 18:00 CDT: second weekend turn
    assert who(s, "2026-11-02T14:59Z") == "dave"  # Monday 08:59 CST, after the DST change
    assert who(s, "2026-11-02T15:00Z") == "bob"  # Monday 09:00 CST
    assert who(s, "2026-11-06T23:59Z") == "bob"  # Friday 17:59 CST
    assert who(s, "2026-11-07T00:00Z") == "carol"  # Friday 18:00 CST


def test_overnight_restriction_runs_into_the_next_morning() -> None:
    nights = parse_restriction("22:00", "06:00")
    s = schedule(
        "UTC", layer("alice", unit=ShiftUnit.DAYS, start=date(2026, 12, 1), windows=nights)
    )
    assert who(s, "2026-12-01T21:59Z") is None
    assert who(s, "2026-12-01T22:00Z") == "alice"
    assert who(s, "2026-12-02T05:59Z") == "alice"
    assert who(s, "2026-12-02T06:00Z") is None


def test_later_layer_wins_only_where_it_has_someone() -> None:
    office = parse_restriction("09:00", "17:00", ["mon-fri"])
    s = schedule(
        "UTC",
        layer("alice", unit=ShiftUnit.DAYS, start=date(2026, 12, 1)),
        layer("bob", unit=ShiftUnit.DAYS, start=date(2026, 12, 1), windows=office),
        layer("carol", unit=ShiftUnit.DAYS, start=date(2026, 12, 10), end=at("2026-12-11T00:00Z")),
    )
    assert who(s, "2026-12-02T08:59Z") == "alice"
    assert who(s, "2026-12-02T09:00Z") == "bob"
    assert who(s, "2026-12-05T12:00Z") == "alice"  # Saturday: bob's layer has nobody
    assert who(s, "2026-12-10T08:59Z") == "alice"  # carol's layer starts at 09:00
    assert who(s, "2026-12-10T12:00Z") == "carol"  # the top layer, while it lasts
    assert who(s, "2026-12-11T00:00Z") == "alice"  # carol's layer ended, bob's is restricted
    assert who(s, "2026-12-11T09:00Z") == "bob"


def test_members_list_change_recomputes_from_the_start_of_the_layer() -> None:
    before = schedule("UTC", layer("alice bob", unit=ShiftUnit.DAYS, start=date(2026, 12, 1)))
    after = schedule("UTC", layer("alice bob carol", unit=ShiftUnit.DAYS, start=date(2026, 12, 1)))
    assert who(before, "2026-12-03T12:00Z") == "alice"
    assert who(after, "2026-12-03T12:00Z") == "carol"


def test_members_list_change_with_end_and_new_layer_keeps_the_past() -> None:
    change = at("2026-12-03T09:00Z")
    s = schedule(
        "UTC",
        layer("alice bob", unit=ShiftUnit.DAYS, start=date(2026, 12, 1), end=change),
        layer("carol alice bob", unit=ShiftUnit.DAYS, start=date(2026, 12, 3)),
    )
    assert [who(s, f"2026-12-0{day}T12:00Z") for day in range(1, 7)] == [
        "alice",
        "bob",
        "carol",
        "alice",
        "bob",
        "carol",
    ]


def test_twelve_hour_shifts_keep_nine_and_twenty_one_local_across_dst() -> None:
    s = schedule(
        "America/Chicago",
        layer("day night", unit=ShiftUnit.HOURS, count=12, start=date(2026, 10, 31)),
    )
    shifts = final_shifts(s, at("2026-10-31T00:00Z"), at("2026-11-03T00:00Z"))
    local = [x.start.astimezone(zone("America/Chicago")) for x in shifts]
    assert {(t.hour, t.minute) for t in local} == {(9, 0), (21, 0)}
    assert [x.user for x in shifts] == [("day", "night")[i % 2] for i in range(len(shifts))]
    # Saturday 21:00 CDT to Sunday 09:00 CST is 13 hours long.
    assert shifts[1].end - shifts[1].start == at("2026-11-01T15:00Z") - at("2026-11-01T02:00Z")


def test_hourly_rotation_across_spring_forward_has_no_empty_shift() -> None:
    s = schedule(
        "America/Chicago",
        layer("a b c", unit=ShiftUnit.HOURS, handoff=time(0), start=date(2027, 3, 13)),
    )
    shifts = final_shifts(s, at("2027-03-14T05:00Z"), at("2027-03-14T12:00Z"))
    assert all(x.end > x.start for x in shifts)
    assert all(a.end == b.start for a, b in pairwise(shifts))
    # 01:00 CST is 07:00Z and 03:00 CDT is 08:00Z: the 02:00 turn does not exist.
    assert who(s, "2027-03-14T07:30Z") == "b"  # turn 25 (01:00)
    assert who(s, "2027-03-14T08:30Z") == "a"  # turn 27 (03:00); turn 26 had no time


def test_nobody_before_the_first_handoff_and_a_gap_report_says_so() -> None:
    s = schedule("UTC", layer("alice", unit=ShiftUnit.DAYS, start=date(2026, 12, 2)))
    start, end = at("2026-12-01T00:00Z"), at("2026-12-03T00:00Z")
    assert gaps(final_shifts(s, start, end), start, end) == [(start, at("2026-12-02T09:00Z"))]
    assert who(s, "2026-12-02T08:59Z") is None


def test_a_year_of_hourly_shifts_is_computed_whole() -> None:
    s = schedule("Europe/Paris", layer("a b c", unit=ShiftUnit.HOURS, start=date(2026, 1, 1)))
    shifts = final_shifts(s, at("2026-01-01T08:00Z"), at("2027-01-01T00:00Z"))
    # 8760 hours in 2026 minus the 8 before the first hand-off; the turn of the local hour
    # that does not exist in March is empty (dropped), so is nobody's, and in October the
    # turn of the repeated local hour lasts two hours.
    assert len(shifts) == 8760 - 8 - 1
    assert all(a.end == b.start for a, b in pairwise(shifts))
