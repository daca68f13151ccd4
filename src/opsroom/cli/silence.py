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


@maintenance_app.command("add")
def maintenance_add(
    service: Annotated[str, typer.Option()],
    start: Annotated[datetime, typer.Option(help="ISO time, e.g. 2026-12-05T22:00:00+00:00")],
    end: Annotated[datetime, typer.Option()],
    reason: Annotated[str, typer.Option()] = "",
    author: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Add a maintenance window: the service's alerts page nobody during it."""
    with container() as built, built.uow() as uow:
        window = add_maintenance(
            uow,
            built.ctx,
            service=service,
            starts_at=start,
            ends_at=end,
            reason=reason,
            author=author,
        )
        uow.commit()
        console.print(f"Maintenance window #{window.id} for {service}")
