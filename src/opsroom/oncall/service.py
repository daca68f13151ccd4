"""On-call use cases that read: who is on call, final shifts, gaps; and overrides.

Schedules come from two places. Those in `opsroom.yaml` are read from the file by every process
(like routes) and are read-only through the API; those created through the API live in the
database. Names are unique across both, and overrides (stored in the database) apply to either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import InvalidInputError, NotFoundError
from opsroom.logging import get_logger
from opsroom.oncall import model, rotation
from opsroom.oncall.settings import LayerConfig, members_of, stored_layer
from opsroom.oncall.tables import OverrideRow, ScheduleRow

MAX_WINDOW = timedelta(days=400)
NEXT_WITHIN = timedelta(days=30)
log = get_logger(__name__)
Source = Literal["config", "api"]
T = TypeVar("T")


def computed(name: str, work: Callable[[], T]) -> T:
    """Run a rotation computation; a schedule stored before the calendar bounds existed
    (a start in year 9999) is a clear error naming it instead of an OverflowError."""
    try:
        return work()
    except OverflowError as exc:
        raise InvalidInputError(
            f"schedule {name!r} has times beyond the calendar: change or delete its layers "
            f"(times must be in the years {model.EARLIEST_YEAR} to {model.LATEST_YEAR})",
            details={"schedule": name},
        ) from exc
    except ValueError as exc:  # a stored time zone refused since (`localtime`)
        raise InvalidInputError(f"schedule {name!r}: {exc}", details={"schedule": name}) from exc


@dataclass(frozen=True)
class Definition:
    """A schedule as written, wherever it was written."""

    name: str
    time_zone: str
    description: str
    layers: tuple[LayerConfig, ...]
    source: Source

    def build(self, overrides: list[OverrideRow] | None = None) -> model.Schedule:
        return model.Schedule(
            name=self.name,
            zone=model.zone(self.time_zone),
            layers=tuple(layer.to_layer() for layer in self.layers),
            overrides=tuple(
                model.Override(row.user_name, row.starts_at, row.ends_at, row.id)
                for row in overrides or []
            ),
        )

    def members(self) -> list[str]:
        return members_of(list(self.layers))


def _from_row(row: ScheduleRow) -> Definition:
    layers = tuple(stored_layer(layer) for layer in row.layers)
    return Definition(row.name, row.time_zone, row.description, layers, "api")


def config_definitions(ctx: Context) -> dict[str, Definition]:
    return {
        name: Definition(name, config.time_zone, config.description, tuple(config.layers), "config")
        for name, config in ctx.settings.schedules.items()
    }


def find_definition(uow: UnitOfWork, ctx: Context, *, name: str) -> Definition | None:
    config = ctx.settings.schedules.get(name)
    if config is not None:
        return config_definitions(ctx)[name]
    row = uow.schedules.get(name)
    return _from_row(row) if row is not None else None


def get_definition(uow: UnitOfWork, ctx: Context, *, name: str) -> Definition:
    found = find_definition(uow, ctx, name=name)
    if found is None:
        known = ", ".join(d.name for d in list_definitions(uow, ctx)) or "none yet"
        raise NotFoundError(f"no schedule {name!r} (schedules: {known})")
    return found


def list_definitions(uow: UnitOfWork, ctx: Context) -> list[Definition]:
    """Every schedule, config and API, by name."""
    found = config_definitions(ctx)
    for row in uow.schedules.list_all():
        found.setdefault(row.name, _from_row(row))
    return [found[name] for name in sorted(found)]


def load_schedule(
    uow: UnitOfWork, definition: Definition, start: datetime, end: datetime
) -> model.Schedule:
    """The schedule with every override that can matter to [start, end)."""
    margin = rotation.MAX_OVERRIDE
    overrides = uow.schedules.overrides(definition.name, start - margin, end + margin)
    return definition.build(overrides)


def on_call_users(uow: UnitOfWork, ctx: Context, *, schedule: str, at: datetime) -> list[str]:
    """The user names on call for `schedule` at `at`: one name, or an empty list when nobody.

    Raises NotFoundError for an unknown schedule. One schedule lookup and one overrides query;
    for escalation steps that target a schedule.
    """
    definition = get_definition(uow, ctx, name=schedule)
    try:
        user = computed(schedule, lambda: on_call_at(uow, definition, at))
    except InvalidInputError as exc:
        log.warning("oncall.schedule_broken", schedule=schedule, error=exc.message)
        return []
    return [user] if user is not None else []


def on_call_at(uow: UnitOfWork, definition: Definition, at: datetime) -> str | None:
    """Who is on call at `at` in `definition` (OverflowError: see `computed`)."""
    return rotation.on_call_at(load_schedule(uow, definition, at, at), at)


def current_shift(
    uow: UnitOfWork, ctx: Context, *, schedule: str, at: datetime
) -> model.Shift | None:
    definition = get_definition(uow, ctx, name=schedule)
    return computed(schedule, lambda: rotation.shift_at(load_schedule(uow, definition, at, at), at))


def next_shift(
    uow: UnitOfWork, ctx: Context, *, schedule: str, after: datetime, within: timedelta
) -> model.Shift | None:
    """The first final shift that starts at or after `after` (to say who comes next)."""
    shifts = schedule_shifts(uow, ctx, schedule=schedule, start=after, end=after + within)
    return next((shift for shift in shifts if shift.start >= after), None)


def _check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInputError("start and end need an offset or Z, e.g. 2026-11-02T09:00Z")
    if end <= start:
        raise InvalidInputError("end must be after start")
    if end - start > MAX_WINDOW:
        raise InvalidInputError(f"a window can be at most {MAX_WINDOW.days} days long")
    _check_calendar(start, end)


def _check_calendar(*moments: datetime) -> None:
    try:
        for moment in moments:
            model.check_calendar(moment)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def schedule_shifts(
    uow: UnitOfWork, ctx: Context, *, schedule: str, start: datetime, end: datetime
) -> list[model.Shift]:
    """Final shifts overlapping [start, end), each whole (a shift may start before `start`)."""
    _check_window(start, end)
    definition = get_definition(uow, ctx, name=schedule)
    return computed(
        schedule,
        lambda: rotation.final_shifts(load_schedule(uow, definition, start, end), start, end),
    )


def schedule_gaps(
    uow: UnitOfWork, ctx: Context, *, schedule: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) when nobody is on call."""
    shifts = schedule_shifts(uow, ctx, schedule=schedule, start=start, end=end)
    return rotation.gaps(shifts, start, end)


def person_shifts(
    uow: UnitOfWork, ctx: Context, *, user: str, start: datetime, end: datetime
) -> list[tuple[str, model.Shift]]:
    """Every final shift of one person, in every schedule, by start time."""
    _check_window(start, end)
    found: list[tuple[str, model.Shift]] = []
    for definition in list_definitions(uow, ctx):
        try:
            schedule = load_schedule(uow, definition, start, end)
            if user not in definition.members() and all(o.user != user for o in schedule.overrides):
                continue
            shifts = rotation.final_shifts(schedule, start, end)
        except (OverflowError, ValueError):
            log.warning("oncall.schedule_broken", schedule=definition.name)
            continue
        found.extend((definition.name, shift) for shift in shifts if shift.user == user)
    return sorted(found, key=lambda item: (item[1].start, item[0]))


def unknown_members(uow: UnitOfWork, ctx: Context, names: list[str]) -> list[str]:
    """The names that are not opsroom users, in the order given. People of opsroom.yaml's
    `users:` count: escalation pages them (their user row is made on first need)."""
    known = uow.schedules.existing_users(names) | {user.name for user in ctx.settings.users}
    return [name for name in dict.fromkeys(names) if name not in known]


def create_override(
    uow: UnitOfWork,
    ctx: Context,
    *,
    schedule: str,
    user: str,
    start: datetime,
    end: datetime,
    actor: str,
    reason: str = "",
) -> OverrideRow:
    """Put `user` on call over every layer from `start` to `end` (a swap or "take my shift")."""
    get_definition(uow, ctx, name=schedule)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInputError("start and end need an offset or Z, e.g. 2026-11-02T18:00Z")
    _check_calendar(start, end)
    if end <= start:
        raise InvalidInputError("an override must end after it starts")
    if end - start > rotation.MAX_OVERRIDE:
        raise InvalidInputError(f"an override can last at most {rotation.MAX_OVERRIDE.days} days")
    if unknown_members(uow, ctx, [user]):
        raise InvalidInputError(
            f"{user!r} is not an opsroom user: add them with `opsroom user add`"
        )
    return uow.schedules.add_override(
        OverrideRow(
            schedule=schedule,
            user_name=user,
            starts_at=start,
            ends_at=end,
            reason=reason,
            created_by=actor,
            created_at=ctx.clock.now(),
        )
    )


def delete_override(uow: UnitOfWork, ctx: Context, *, schedule: str, override_id: int) -> None:
    row = uow.schedules.get_override(override_id)
    if row is None or row.schedule != schedule:
        raise NotFoundError(f"no override #{override_id} in schedule {schedule!r}")
    uow.schedules.delete_override(row)
    log.info("oncall.override_deleted", schedule=schedule, override=override_id)


def list_overrides(
    uow: UnitOfWork, ctx: Context, *, schedule: str, start: datetime, end: datetime
) -> list[OverrideRow]:
    get_definition(uow, ctx, name=schedule)
    _check_window(start, end)
    return uow.schedules.overrides(schedule, start, end)


def _local(moment: datetime, time_zone: str) -> str:
    return moment.astimezone(model.zone(time_zone)).strftime("%Y-%m-%d %H:%M %Z")


def describe_on_call(uow: UnitOfWork, ctx: Context, *, schedule: str, at: datetime) -> str:
    """One line: who is on call for `schedule` at `at`, until when, and who is next."""
    definition = get_definition(uow, ctx, name=schedule)
    zone_name = definition.time_zone
    shift = current_shift(uow, ctx, schedule=schedule, at=at)
    upcoming = next_shift(
        uow, ctx, schedule=schedule, after=shift.end if shift else at, within=NEXT_WITHIN
    )
    then = (
        f"{upcoming.user} from {_local(upcoming.start, zone_name)}"
        if upcoming
        else "nobody in the next 30 days"
    )
    if shift is None:
        return f"{schedule}: nobody on call; next: {then}"
    return f"{schedule}: {shift.user} until {_local(shift.end, zone_name)}; next: {then}"


def describe_all(uow: UnitOfWork, ctx: Context, *, schedule: str | None, at: datetime) -> list[str]:
    """`describe_on_call` for one schedule, or for every schedule when none is named."""
    names = [schedule] if schedule else [d.name for d in list_definitions(uow, ctx)]
    if not names:
        return ["no schedules yet: add one under `schedules:` in opsroom.yaml (see README)"]
    lines = []
    for name in names:
        try:
            lines.append(describe_on_call(uow, ctx, schedule=name, at=at))
        except InvalidInputError as exc:
            if schedule:
                raise
            lines.append(f"{name}: {exc.message}")
    return lines


@dataclass(frozen=True)
class ScheduleCheck:
    """What `opsroom config check` says about one schedule."""

    name: str
    source: Source
    time_zone: str
    unknown_members: list[str]
    gaps: list[tuple[datetime, datetime]]
    problem: str | None = None


def check_schedules(
    uow: UnitOfWork, ctx: Context, *, start: datetime, end: datetime
) -> list[ScheduleCheck]:
    """Every schedule's members that are not opsroom users and its gaps in [start, end)."""
    checks = []
    for definition in list_definitions(uow, ctx):
        gaps, problem = [], None
        try:
            gaps = schedule_gaps(uow, ctx, schedule=definition.name, start=start, end=end)
        except InvalidInputError as exc:
            problem = exc.message
        checks.append(
            ScheduleCheck(
                name=definition.name,
                source=definition.source,
                time_zone=definition.time_zone,
                unknown_members=unknown_members(uow, ctx, definition.members()),
                gaps=gaps,
                problem=problem,
            )
        )
    return checks
