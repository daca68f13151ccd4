"""How long the pure schedule model takes for a year of final shifts and for point queries.

    .venv/bin/python bench/oncall/year.py

Pure computation, no database: the API adds one schedule lookup and one overrides query.
"""

from __future__ import annotations

import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from opsroom.oncall.model import Layer, Override, Schedule, ShiftUnit, parse_days, parse_restriction
from opsroom.oncall.model import zone as tz
from opsroom.oncall.rotation import final_shifts, on_call_at

START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def schedules() -> dict[str, Schedule]:
    office = parse_restriction("09:00", "17:00", ["mon-fri"])
    weekend = parse_restriction("fri 18:00", "mon 09:00")
    overrides = tuple(
        Override(
            "dave",
            START + timedelta(days=17 * n, hours=18),
            START + timedelta(days=17 * n, hours=30),
            n,
        )
        for n in range(20)
    )
    return {
        "weekly, 1 layer (Chicago)": Schedule(
            "a",
            tz("America/Chicago"),
            (Layer(("alice", "bob"), 1, ShiftUnit.WEEKS, time(9), date(2025, 12, 29)),),
        ),
        "hourly + office hours + weekend + 20 overrides (Paris)": Schedule(
            "b",
            tz("Europe/Paris"),
            (
                Layer(("alice", "bob", "carol"), 1, ShiftUnit.HOURS, time(0), date(2025, 12, 1)),
                Layer(
                    ("erin", "frank"), 1, ShiftUnit.DAYS, time(9), date(2025, 12, 1), windows=office
                ),
                Layer(
                    ("gus", "hal"), 1, ShiftUnit.WEEKS, time(18), date(2025, 12, 5), windows=weekend
                ),
                Layer(
                    ("ivy",),
                    1,
                    ShiftUnit.DAYS,
                    time(9),
                    date(2025, 12, 1),
                    days=parse_days(["sat"]),
                ),
            ),
            overrides,
        ),
    }


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(runs):
        began = clock.perf_counter()
        result = work()
        timings.append(clock.perf_counter() - began)
    return min(timings), result


def main() -> None:
    rng = random.Random(4)
    moments = [
        START + timedelta(seconds=rng.randrange(int(YEAR.total_seconds()))) for _ in range(2000)
    ]
    for label, schedule in schedules().items():
        seconds, shifts = best_of(5, lambda s=schedule: final_shifts(s, START, START + YEAR))
        point = []
        for moment in moments:
            began = clock.perf_counter()
            on_call_at(schedule, moment)
            point.append(clock.perf_counter() - began)
        point.sort()
        print(f"{label}:")
        print(f"  final shifts over 365 days: {len(shifts)} shifts in {seconds * 1000:.0f} ms")  # type: ignore[arg-type]
        print(
            f"  who is on call at one instant: p50 {statistics.median(point) * 1e6:.0f} us, "
            f"p99 {point[int(len(point) * 0.99)] * 1e6:.0f} us"
        )


if __name__ == "__main__":
    main()
