"""CLI commands for silences and maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from opsroom.alert.settings import parse_duration
from opsroom.alert.silence import add_maintenance, create_silence, expire_silence, silence_state
from opsroom.cli.common import console, container, err_console

silence_app = typer.Typer(help="Silences: mute matching alerts for a while.", no_args_is_help=True)
maintenance_app = typer.Typer(help="Maintenance windows per service.", no_args_is_help=True)


@silence_app.command("add")
def silence_add(
    match: Annotated[
        list[str], typer.Option("--match", "-m", help='A matcher like alertname="DiskFull".')
    ],
    duration: Annotated[str, typer.Option(help="How long, e.g. 2h or 1d.")] = "2h",
    comment: Annotated[str, typer.Option()] = "",
    author: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Mute alerts matching every --match for --duration."""
    try:
        length = parse_duration(duration)
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with container() as built, built.uow() as uow:
        silence = create_silence(
            uow, built.ctx, matchers=match, author=author, duration=length, comment=comment
        )
        uow.commit()
        console.print(
            f"Silence #{silence.id} until {silence.ends_at:%Y-%m-%d %H:%M} UTC: "
            f"{' '.join(silence.matchers)}",
            markup=False,
        )


@silence_app.command("list")
def silence_list(
    all_: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
) -> None:
    """List silences."""
    with container() as built, built.uow() as uow:
        now = built.ctx.clock.now()
        table = Table("id", "state", "matchers", "until", "by", "comment")
        for row in uow.alerts.list_silences(include_expired=all_, now=now):
            table.add_row(
                str(row.id),
                silence_state(row, now),
                " ".join(row.matchers),
                f"{row.ends_at:%Y-%m-%d %H:%M}",
                row.created_by,
                row.comment,
            )
    console.print(table)


@silence_app.command("expire")
def silence_expire(silence_id: int, author: Annotated[str, typer.Option()] = "cli") -> None:
    """Expire a silence now (it stays on record)."""
    with container() as built, built.uow() as uow:
        expire_silence(uow, built.ctx, silence_id, author)
        uow.commit()
    console.print(f"Silence #{silence_id} expired")


TimeOption = Annotated[
    datetime | None,
    typer.Option(
        "--starts-at",
        "--start",
        help="ISO time, e.g. 2026-12-05T22:00:00Z (UTC without an offset); default now.",
    ),
]
EndOption = Annotated[
    datetime | None, typer.Option("--ends-at", "--end", help="ISO time; or give --duration.")
]


@maintenance_app.command("add")
def maintenance_add(
    service: Annotated[str, typer.Option()],
    starts_at: TimeOption = None,
    ends_at: EndOption = None,
    duration: Annotated[str | None, typer.Option(help="How long, e.g. 4h.")] = None,
    reason: Annotated[str, typer.Option()] = "",
    author: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Add a maintenance window: the service's alerts page nobody during it.

    The options are named as the API's fields (--starts-at, --ends-at); --start and --end,
    their first names, still work.
    """
    try:
        length = parse_duration(duration) if duration is not None else None
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with container() as built, built.uow() as uow:
        window = add_maintenance(
            uow,
            built.ctx,
            service=service,
            starts_at=starts_at,
            ends_at=ends_at,
            duration=length,
            reason=reason,
            author=author,
        )
        uow.commit()
        console.print(
            f"Maintenance window #{window.id} for {service}: "
            f"{window.starts_at:%Y-%m-%d %H:%M} to {window.ends_at:%Y-%m-%d %H:%M} UTC",
            markup=False,
        )


@maintenance_app.command("list")
def maintenance_list() -> None:
    """List maintenance windows that have not ended (those of opsroom.yaml are in the file)."""
    with container() as built, built.uow() as uow:
        table = Table("id", "service", "starts_at", "ends_at", "by", "reason")
        for row in uow.alerts.list_maintenance(built.ctx.clock.now()):
            table.add_row(
                str(row.id),
                row.service,
                f"{row.starts_at:%Y-%m-%d %H:%M}",
                f"{row.ends_at:%Y-%m-%d %H:%M}",
                row.created_by,
                row.reason,
            )
    console.print(table)
