"""CLI commands for the database, integrations, users, tokens and config."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from opsroom.alert.service import create_integration, hook_url
from opsroom.bootstrap import Container
from opsroom.cli import oncall
from opsroom.cli.common import console, container, err_console, settings_or_exit
from opsroom.db.engine import build_engine
from opsroom.db.migrate import current_revision, head_revision, upgrade
from opsroom.errors import OpsroomError
from opsroom.escalation.checks import paging_warnings
from opsroom.user import passwords
from opsroom.user.service import add_user, create_token, ensure_user

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
integration_app = typer.Typer(help="Inbound alert integrations.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    settings = settings_or_exit()
    engine = build_engine(settings.database.url, busy_timeout=settings.database.busy_timeout)
    try:
        upgrade(engine)
        console.print(f"database at revision {current_revision(engine)}")
    except OpsroomError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@integration_app.command("create")
def integration_create(
    kind: Annotated[str, typer.Option(help="Source kind, e.g. alertmanager or generic.")],
    name: Annotated[str, typer.Option(help="A unique name, e.g. prod.")],
    url_only: Annotated[bool, typer.Option(help="Print only the webhook URL.")] = False,
) -> None:
    """Create an integration and print its webhook URL (the token is shown only once)."""
    with container() as built, built.uow() as uow:
        integration, token = create_integration(
            uow, built.ctx, kind=kind, name=name, known_kinds=set(built.sources)
        )
        uow.commit()
        url = hook_url(built.ctx, integration.kind, token)
    if url_only:
        typer.echo(url)
        return
    console.print(f"Integration [bold]{name}[/bold] ({kind}) created.")
    console.print("Webhook URL (keep it secret; it is shown only once):")
    typer.echo(url)


@integration_app.command("list")
def integration_list() -> None:
    """List integrations."""
    with container() as built, built.uow() as uow:
        table = Table("name", "kind", "token starts with", "created")
        for row in uow.alerts.integrations():
            table.add_row(
                row.name, row.kind, row.token_prefix + "...", f"{row.created_at:%Y-%m-%d %H:%M}"
            )
    console.print(table)


@user_app.command("add")
def user_add(
    name: str,
    password: Annotated[str | None, typer.Option(help="Password; generated if omitted.")] = None,
    role: Annotated[str, typer.Option(help="admin, responder or viewer.")] = "responder",
    email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a person who can sign in to the web page."""
    generated = password is None
    secret = password or passwords.new_password()
    if len(secret) < 8:
        err_console.print("[red]error:[/red] a password needs at least 8 characters")
        raise typer.Exit(2)
    with container() as built, built.uow() as uow:
        add_user(uow, built.ctx, name=name, password=secret, role=role, email=email)
        uow.commit()
    console.print(f"User [bold]{name}[/bold] added ({role}).")
    if generated:
        console.print(f"Password (shown only once): [bold]{secret}[/bold]")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="User name; created if it does not exist.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Create an API token for a user and print it (stored hashed; shown only once)."""
    with container() as built, built.uow() as uow:
        row = ensure_user(uow, built.ctx, user)
        token = create_token(uow, built.ctx, row, label)
        uow.commit()
    typer.echo(token)


@config_app.command("check")
def config_check(
    gap_days: Annotated[int, typer.Option(min=1, max=366, help="Look for gaps this far.")] = 14,
    fail_on_gaps: Annotated[bool, typer.Option(help="Exit 1 when a schedule has gaps.")] = False,
) -> None:
    """Validate opsroom.yaml and the environment, check the database and the schedules.

    Exits 1 when a schedule names people who are not opsroom users (or, with --fail-on-gaps,
    when nobody is on call at some time in the next --gap-days days).
    """
    settings = settings_or_exit()
    console.print("configuration is valid")
    for warning in paging_warnings(settings):
        console.print(f"  [yellow]warning:[/yellow] {warning}", markup=True)
    console.print(f"  web page: {settings.server.public_url()}/")
    console.print(f"  database: {settings.database.url.split('@')[-1]}")
    engine = build_engine(settings.database.url, busy_timeout=settings.database.busy_timeout)
    try:
        current, head = current_revision(engine), head_revision()
    except (OpsroomError, Exception) as exc:
        err_console.print(f"[red]database unreachable:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    if current != head:
        where = "not initialised" if current is None else f"at {current}"
        err_console.print(
            f"[yellow]database {where}, expected {head}: run `opsroom db upgrade`[/yellow]"
        )
        raise typer.Exit(1)
    console.print(f"  schema: at head ({head})")
    with container() as built:
        _warn_unknown_integrations(built)
        unknown, gaps = oncall.report_schedules(built, gap_days)
    if unknown or (gaps and fail_on_gaps):
        raise typer.Exit(1)


def _warn_unknown_integrations(built: Container) -> None:
    """Settings under `integrations:` apply by name: a typo would silently apply to nothing."""
    with built.uow() as uow:
        existing = {integration.name for integration in uow.alerts.integrations()}
    for name in sorted(set(built.settings.integrations) - existing):
        console.print(
            f"  [yellow]warning:[/yellow] integrations.{name}: no integration is named "
            f"{name!r} (create it with `opsroom integration create --name {name} ...`)",
            markup=True,
        )
    for index, route in enumerate(built.settings.routing.routes):
        for name in sorted(set(route.integrations) - existing):
            console.print(
                f"  [yellow]warning:[/yellow] routing.routes.{index}.integrations: no "
                f"integration is named {name!r}, so this route never sees its alerts",
                markup=True,
            )
