"""CLI commands for incidents and test alerts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from opsroom.alert.model import AlertStatus, NormalizedAlert, fingerprint
from opsroom.alert.service import ingest
from opsroom.cli.common import console, container
from opsroom.config import Settings
from opsroom.errors import InvalidInputError, NotFoundError
from opsroom.incident.model import incident_ref, severity_label
from opsroom.incident.service import Actor, declare_incident
from opsroom.text import neutral

incident_app = typer.Typer(help="Incidents.", no_args_is_help=True)
alert_app = typer.Typer(help="Alerts.", no_args_is_help=True)


@incident_app.command("list")
def incident_list(
    all_: Annotated[bool, typer.Option("--all", help="Include resolved incidents.")] = False,
) -> None:
    """List open incidents (or all of them)."""
    statuses = None if all_ else ["investigating", "identified", "monitoring"]
    with container() as built, built.uow() as uow:
        table = Table("incident", "sev", "status", "title", "room", "declared")
        for row in uow.incidents.list_incidents(statuses=statuses, limit=200, offset=0):
            table.add_row(
                incident_ref(row.number),
                severity_label(row.severity).upper(),
                row.status,
                Text(neutral(row.title, one_line=True)),
                f"#{row.room}" if row.room else "",
                f"{row.declared_at:%Y-%m-%d %H:%M}",
            )
    console.print(table)


@incident_app.command("show")
def incident_show(number: int) -> None:
    """Show an incident and its timeline."""
    with container() as built, built.uow() as uow:
        row = uow.incidents.by_number(number)
        if row is None:
            raise NotFoundError(f"no incident {incident_ref(number)}")
        console.print(f"[bold]{incident_ref(row.number)}[/bold]", Text(neutral(row.title)))
        console.print(f"{severity_label(row.severity).upper()}  {row.status}  room #{row.room}")
        for entry in uow.incidents.timeline(row.id):
            console.print(
                neutral(
                    f"  {entry.at:%Y-%m-%d %H:%M:%S} [{entry.kind}] {entry.actor}: {entry.text}"
                ),
                markup=False,
            )


@incident_app.command("declare")
def incident_declare(
    title: str,
    sev: Annotated[int, typer.Option(min=1, max=4, help="Severity 1 (worst) to 4.")] = 3,
    user: Annotated[str, typer.Option(help="Who declares it.")] = "cli",
    service: Annotated[
        str | None, typer.Option(help="A service of opsroom.yaml: its policy pages people.")
    ] = None,
) -> None:
    """Declare an incident: its room is created and announced in #incidents."""
    with container() as built, built.uow() as uow:
        incident = declare_incident(
            uow,
            built.ctx,
            title=title,
            severity=sev,
            actor=Actor(user, "cli"),
            service=_service(built.settings, service),
        )
        uow.commit()
        console.print(f"Declared {incident_ref(incident.number)}: room #{incident.room}")


def _service(settings: Settings, name: str | None) -> str | None:
    if name is not None and settings.service(name) is None:
        raise InvalidInputError(f"unknown service {name!r}: it is not in opsroom.yaml's services")
    return name


@alert_app.command("send")
def alert_send(
    integration: Annotated[str, typer.Option(help="Integration name to send through.")],
    title: Annotated[str, typer.Option()] = "Test alert from the opsroom CLI",
    severity: Annotated[str, typer.Option()] = "warning",
    resolve: Annotated[bool, typer.Option(help="Send the resolution instead.")] = False,
) -> None:
    """Send a test alert through an integration, as if its monitoring tool had."""
    with container() as built, built.uow() as uow:
        row = uow.alerts.integration_by_name(integration)
        if row is None:
            raise NotFoundError(f"no integration named {integration!r}")
        key = fingerprint("cli", {"title": title})
        alert = NormalizedAlert(
            fingerprint=key,
            status=AlertStatus.RESOLVED if resolve else AlertStatus.FIRING,
            severity=severity,
            title=title,
            group_key=key,
            labels={"source": "opsroom-cli"},
        )
        result = ingest(uow, built.ctx, row, [alert])
        uow.commit()
    console.print(
        f"sent: {result.created} new, {result.updated} updated, {result.deduplicated} repeated"
    )
