"""CLI commands for paging: contact methods, notification rules, pages, escalations, policies."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from opsroom.alert.settings import parse_duration
from opsroom.cli.common import console, container, err_console
from opsroom.user import contacts

contact_app = typer.Typer(help="How a person is reached.", no_args_is_help=True)
rules_app = typer.Typer(help="When each contact method is used.", no_args_is_help=True)
page_app = typer.Typer(help="Pages sent to people.", no_args_is_help=True)
escalation_app = typer.Typer(help="Escalation runs and policies.", no_args_is_help=True)

Opt = Annotated[str | None, typer.Option()]


@contact_app.command("add")
def contact_add(
    user: str,
    email: Annotated[str | None, typer.Option(help="An email address.")] = None,
    sms: Annotated[str | None, typer.Option(help="A phone number for SMS, +15555550100.")] = None,
    voice: Annotated[str | None, typer.Option(help="A phone number for calls.")] = None,
    apprise: Annotated[str | None, typer.Option(help="An apprise URL, e.g. ntfy://...")] = None,
    chat: Annotated[bool, typer.Option(help="A DM in the built-in chat.")] = False,
) -> None:
    """Add contact methods to a person (each option once)."""
    wanted = [(k, v) for k, v in (("email", email), ("sms", sms), ("voice", voice)) if v]
    wanted += [("apprise", apprise)] if apprise else []
    wanted += [("chat", "")] if chat else []
    if not wanted:
        err_console.print("[red]error:[/red] give --email, --sms, --voice, --apprise or --chat")
        raise typer.Exit(2)
    with container() as built, built.uow() as uow:
        rows = [
            contacts.add_contact(uow, built.ctx, user=user, kind=kind, address=address or "")
            for kind, address in wanted
        ]
        uow.commit()
    for row in rows:
        console.print(f"#{row.id} {row.kind} {row.address}".rstrip(), markup=False)


@contact_app.command("list")
def contact_list(user: str) -> None:
    """A person's contact methods (opsroom.yaml's have no id)."""
    with container() as built, built.uow() as uow:
        found = contacts.contacts_of(uow, built.ctx, user)
    table = Table("id", "kind", "address", "from")
    for contact in found:
        table.add_row(str(contact.id or ""), contact.kind, contact.address, contact.source)
    console.print(table)


@contact_app.command("remove")
def contact_remove(user: str, contact_id: int) -> None:
    """Remove a contact method added by CLI or API."""
    with container() as built, built.uow() as uow:
        contacts.remove_contact(uow, built.ctx, user=user, contact_id=contact_id)
        uow.commit()
    console.print(f"removed #{contact_id}")


@rules_app.command("set")
def rules_set(
    user: str,
    rules: Annotated[list[str], typer.Argument(help="KIND:DELAY, e.g. chat:0 sms:2m voice:5m")],
) -> None:
    """Replace a person's notification rules."""
    parsed = []
    for rule in rules:
        kind, _, delay = rule.partition(":")
        try:
            parsed.append(contacts.Rule(kind, parse_duration(delay or "0s")))
        except ValueError as exc:
            err_console.print(f"[red]error:[/red] {rule}: {exc}")
            raise typer.Exit(2) from exc
    with container() as built, built.uow() as uow:
        contacts.set_rules(uow, built.ctx, user=user, rules=parsed)
        uow.commit()
    rules_show(user)


@rules_app.command("show")
def rules_show(user: str) -> None:
    """The rules in force for a person."""
    with container() as built, built.uow() as uow:
        found = contacts.contacts_of(uow, built.ctx, user)
        rules = contacts.rules_of(uow, built.ctx, user, found)
    for rule in rules:
        console.print(f"{rule.kind} after {rule.after}")


@page_app.command("list")
def page_list(
    user: Opt = None, status: Opt = None, limit: Annotated[int, typer.Option()] = 50
) -> None:
    """Pages, newest first."""
    with container() as built, built.uow() as uow:
        rows = uow.pages.list_pages(status=status, user=user, limit=limit)
    table = Table("id", "escalation", "user", "channel", "status", "attempts", "created", "error")
    for row in rows:
        table.add_row(
            str(row.id),
            str(row.escalation_id or ""),
            row.user_name,
            row.channel,
            row.status,
            str(row.attempts),
            f"{row.created_at:%Y-%m-%d %H:%M:%S}",
            (row.last_error or "")[:60],
        )
    console.print(table)


@escalation_app.command("list")
def escalation_list(status: Opt = None) -> None:
    """Escalation runs, newest first (the id is the code people reply with: ACK <id>)."""
    with container() as built, built.uow() as uow:
        rows = uow.escalations.list_escalations(status=status, limit=100)
    table = Table("id", "policy", "status", "subject", "next step", "acknowledged by")
    for row in rows:
        subject = (
            f"group #{row.alert_group_id}" if row.alert_group_id else f"incident #{row.incident_id}"
        )
        next_step = f"{row.step + 1} at {row.next_step_at:%H:%M:%S}" if row.next_step_at else ""
        table.add_row(
            str(row.id), row.policy, row.status, subject, next_step, row.acknowledged_by or ""
        )
    console.print(table)


@escalation_app.command("policies")
def escalation_policies() -> None:
    """The escalation policies of opsroom.yaml."""
    with container() as built:
        for policy in built.settings.escalation_policies:
            console.print(f"[bold]{policy.name}[/bold] (repeat {policy.repeat})")
            for number, step in enumerate(policy.steps, 1):
                targets = ", ".join(str(t) for t in step.targets)
                console.print(f"  {number}. {targets}, then wait {step.wait}", markup=False)
