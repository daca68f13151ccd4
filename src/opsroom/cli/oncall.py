"""CLI commands for on-call schedules: who is on call, shifts, overrides, calendar feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from opsroom.bootstrap import Container
from opsroom.cli.common import console, container, err_console
from opsroom.errors import NotFoundError
from opsroom.oncall import ical, model, service
from opsroom.user.contacts import known_user

oncall_app = typer.Typer(help="On-call schedules and overrides.", no_args_is_help=True)

TimeOption = Annotated[
    str | None, typer.Option(help="ISO 8601 time with an offset, e.g. 2026-11-02T09:00Z.")
]


def _instant(value: str | None, name: str, default: datetime | None = None) -> datetime:
    if value is None and default is not None:
        return default
    try:
        return model.parse_instant(value or "")
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] --{name}: {exc}")
        raise typer.Exit(2) from exc


def _origin(shift: model.Shift) -> str:
    if shift.override is not None:
        return f"override #{shift.override}"
    return f"layer {(shift.layer or 0) + 1}"


def _local(moment: datetime, time_zone: str) -> str:
    return moment.astimezone(model.zone(time_zone)).strftime("%Y-%m-%d %H:%M %Z")


@oncall_app.command("who")
def who(
    schedule: Annotated[str | None, typer.Argument(help="Schedule name; all when omitted.")] = None,
    at: TimeOption = None,
) -> None:
    """Who is on call now (or --at a time), until when, and who is next."""
    with container() as built, built.uow() as uow:
        when = _instant(at, "at", built.ctx.clock.now())
        for line in service.describe_all(uow, built.ctx, schedule=schedule, at=when):
            typer.echo(line)


@oncall_app.command("list")
def list_schedules() -> None:
    """List schedules, where each is defined, and who is on call now."""
    with container() as built, built.uow() as uow:
        now = built.ctx.clock.now()
        table = Table("name", "source", "time zone", "layers", "on call now")
        for definition in service.list_definitions(uow, built.ctx):
            users = service.on_call_users(uow, built.ctx, schedule=definition.name, at=now)
            table.add_row(
                definition.name,
                definition.source,
                definition.time_zone,
                str(len(definition.layers)),
                ", ".join(users) or "nobody",
            )
    console.print(table)


@oncall_app.command("shifts")
def shifts(
    schedule: str,
    start: TimeOption = None,
    end: TimeOption = None,
) -> None:
    """Final shifts of a schedule from --start (default now) to --end (default 7 days later)."""
    with container() as built, built.uow() as uow:
        begin = _instant(start, "start", built.ctx.clock.now())
        finish = _instant(end, "end", begin + timedelta(days=7))
        definition = service.get_definition(uow, built.ctx, name=schedule)
        found = service.schedule_shifts(uow, built.ctx, schedule=schedule, start=begin, end=finish)
        table = Table("start", "end", "on call", "from")
        for shift in found:
            table.add_row(
                _local(shift.start, definition.time_zone),
                _local(shift.end, definition.time_zone),
                shift.user,
                _origin(shift),
            )
    console.print(table)


@oncall_app.command("override")
def override(
    schedule: str,
    user: Annotated[str, typer.Option(help="Who takes the shift (an opsroom user).")],
    start: Annotated[str, typer.Option(help="ISO 8601 with an offset, e.g. 2026-12-03T18:00Z.")],
    end: Annotated[str, typer.Option(help="ISO 8601 with an offset, e.g. 2026-12-04T06:00Z.")],
    reason: Annotated[str, typer.Option()] = "",
    author: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Put --user on call from --start to --end over every layer (a swap, "take my shift")."""
    begin, finish = _instant(start, "start"), _instant(end, "end")
    with container() as built, built.uow() as uow:
        row = service.create_override(
            uow,
            built.ctx,
            schedule=schedule,
            user=user,
            start=begin,
            end=finish,
            reason=reason,
            actor=author,
        )
        uow.commit()
        definition = service.get_definition(uow, built.ctx, name=schedule)
        console.print(
            f"Override #{row.id}: {user} is on call for {schedule} from "
            f"{_local(begin, definition.time_zone)} to {_local(finish, definition.time_zone)}",
            markup=False,
        )


@oncall_app.command("overrides")
def overrides(schedule: str, start: TimeOption = None, end: TimeOption = None) -> None:
    """List a schedule's overrides from --start (default now) for 90 days or to --end."""
    with container() as built, built.uow() as uow:
        begin = _instant(start, "start", built.ctx.clock.now())
        finish = _instant(end, "end", begin + timedelta(days=90))
        rows = service.list_overrides(uow, built.ctx, schedule=schedule, start=begin, end=finish)
        table = Table("id", "user", "start", "end", "by", "reason")
        for row in rows:
            table.add_row(
                str(row.id),
                row.user_name,
                f"{row.starts_at:%Y-%m-%d %H:%M} UTC",
                f"{row.ends_at:%Y-%m-%d %H:%M} UTC",
                row.created_by,
                row.reason,
            )
    console.print(table)


@oncall_app.command("override-delete")
def override_delete(schedule: str, override_id: int) -> None:
    """Delete an override (the layers decide again)."""
    with container() as built, built.uow() as uow:
        service.delete_override(uow, built.ctx, schedule=schedule, override_id=override_id)
        uow.commit()
    console.print(f"Override #{override_id} deleted")


@oncall_app.command("calendar")
def calendar(
    schedule: Annotated[str | None, typer.Argument(help="Schedule name.")] = None,
    user: Annotated[str | None, typer.Option(help="A person's feed, across schedules.")] = None,
) -> None:
    """Print the secret iCalendar URL of a schedule (or of --user) to subscribe to."""
    if (schedule is None) == (user is None):
        err_console.print("[red]error:[/red] give a SCHEDULE or --user, not both")
        raise typer.Exit(2)
    with container() as built, built.uow() as uow:
        if schedule is not None:
            service.get_definition(uow, built.ctx, name=schedule)
        elif not known_user(uow, built.ctx, user or ""):
            raise NotFoundError(f"no user {user!r}")
        kind: ical.FeedKind = "schedule" if schedule is not None else "user"
        name = schedule if schedule is not None else user or ""
        base = built.settings.server.public_url()
        typer.echo(ical.feed_url(base, built.secret_key, kind, name))


def report_schedules(built: Container, days: int) -> tuple[int, int]:
    """Print each schedule's problems for `config check`: (unknown members, gaps) counts."""
    now = built.ctx.clock.now()
    with built.uow() as uow:
        checks = service.check_schedules(uow, built.ctx, start=now, end=now + timedelta(days=days))
    console.print(f"  schedules: {len(checks)}")
    unknown_total = gap_total = 0
    for check in checks:
        label = f"    {check.name} ({check.source})"
        if check.unknown_members:
            unknown_total += len(check.unknown_members)
            err_console.print(
                f"[red]{label}: members who are not opsroom users: "
                f"{', '.join(check.unknown_members)} (add them with `opsroom user add`)[/red]",
                markup=True,
            )
        if check.gaps:
            gap_total += len(check.gaps)
            spans = ", ".join(
                f"{_local(start, check.time_zone)} - {_local(end, check.time_zone)}"
                for start, end in check.gaps[:5]
            )
            more = f" and {len(check.gaps) - 5} more" if len(check.gaps) > 5 else ""
            err_console.print(
                f"[yellow]{label}: nobody on call {len(check.gaps)} time(s) in the next "
                f"{days} days: {spans}{more}[/yellow]"
            )
        if check.problem:
            unknown_total += 1
            err_console.print(f"[red]{label}: {check.problem}[/red]", markup=True)
        if not check.unknown_members and not check.gaps and not check.problem:
            console.print(f"{label}: someone is on call at all times in the next {days} days")
    return unknown_total, gap_total
