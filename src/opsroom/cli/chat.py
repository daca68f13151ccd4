"""`opsroom chat ...`: the configured chat platforms, and tying chat identities to users."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from opsroom.chat.discord.client import DiscordChatAdapter
from opsroom.chat.identity import link
from opsroom.chat.inbound import Person
from opsroom.cli.common import console, container, err_console

chat_app = typer.Typer(help="Chat platforms and chat identities.", no_args_is_help=True)


@chat_app.command("platforms")
def chat_platforms() -> None:
    """The chat platforms opsroom posts to, their channels and their job queues."""
    with container() as built:
        table = Table("platform", "alerts", "incidents", "queue", "inbound URL")
        base = built.settings.server.public_url()
        for platform in built.ctx.chat:
            table.add_row(
                platform.name,
                platform.channels.alerts or "-",
                platform.channels.incidents or "-",
                "(in the caller's transaction)" if platform.local else platform.queue,
                f"{base}/api/v1/chat/{platform.name}/..." if platform.inbound else "-",
            )
        console.print(table)


@chat_app.command("link")
def chat_link(
    user: Annotated[str, typer.Option(help="Existing opsroom user name.")],
    platform: Annotated[str, typer.Option(help="Platform slug, e.g. slack.")],
    platform_id: Annotated[str, typer.Option("--id", help="The platform's user id, e.g. U0123.")],
) -> None:
    """Tie a person's chat account to an existing opsroom user (their role then applies)."""
    with container() as built, built.uow() as uow:
        row = uow.users.get_by_name(user)
        if row is None:
            err_console.print(f"[red]error:[/red] no user named {user!r}")
            raise typer.Exit(2)
        link(uow, built.ctx, Person(platform, platform_id), row)
        uow.commit()
    console.print(f"{platform} user {platform_id} is now [bold]{user}[/bold]")


@chat_app.command("register-commands")
def chat_register_commands(
    platform: Annotated[str, typer.Option(help="Platform slug: discord.")] = "discord",
) -> None:
    """Register the `/inc` slash command with the platform (Discord: for the configured
    server, applied at once). Run it after setting the platform up and after upgrades."""
    with container(check_schema=False) as built:
        if platform not in built.ctx.chat:
            err_console.print(f"[red]error:[/red] chat platform {platform!r} is not configured")
            raise typer.Exit(2)
        adapter = built.ctx.chat.get(platform).adapter(None)  # type: ignore[arg-type]
        if not isinstance(adapter, DiscordChatAdapter):
            err_console.print(f"[red]error:[/red] {platform} has no slash commands to register")
            raise typer.Exit(2)
        commands = adapter.register_commands()
    names = ", ".join("/" + str(command.get("name")) for command in commands)
    console.print(f"registered {names} on {platform}")
