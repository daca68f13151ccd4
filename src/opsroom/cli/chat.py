"""`opsroom chat ...`: the configured chat platforms, and tying chat identities to users."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.table import Table

from opsroom.chat.discord.client import DiscordChatAdapter
from opsroom.chat.discord.settings import SNOWFLAKE
from opsroom.chat.identity import link
from opsroom.chat.inbound import Person
from opsroom.chat.slack.settings import USER_ID as SLACK_USER_ID
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


PLATFORMS = ("builtin", "slack", "discord", "matrix", "mattermost", "teams")
# What each platform's user ids look like (the others: any id without spaces).
USER_IDS = {
    "slack": (SLACK_USER_ID, "a Slack user id such as U0123ABCDEF"),
    "discord": (SNOWFLAKE, "a Discord user id (a snowflake of 15-21 digits)"),
    "matrix": (r"^@[^:\s]+:\S+$", "a Matrix user id such as @bob:example.org"),
}


@chat_app.command("link")
def chat_link(
    user: Annotated[str, typer.Option(help="Existing opsroom user name.")],
    platform: Annotated[str, typer.Option(help="Platform slug, e.g. slack.")],
    platform_id: Annotated[str, typer.Option("--id", help="The platform's user id, e.g. U0123.")],
    force: Annotated[
        bool, typer.Option("--force", help="Move an id that is tied to another user.")
    ] = False,
) -> None:
    """Tie a person's chat account to an existing opsroom user (their role then applies)."""
    _check_id(platform, platform_id)
    with container() as built, built.uow() as uow:
        row = uow.users.get_by_name(user)
        if row is None:
            err_console.print(f"[red]error:[/red] no user named {user!r}")
            raise typer.Exit(2)
        current = uow.chat.identity(platform, platform_id)
        owner = uow.users.get(current.user_id) if current is not None else None
        if owner is not None and owner.id != row.id and not force:
            err_console.print(
                f"[red]error:[/red] {platform} user {platform_id} is {owner.name} "
                f"(role {owner.role}); add --force to make it {user}"
            )
            raise typer.Exit(2)
        link(uow, built.ctx, Person(platform, platform_id), row)
        uow.commit()
    console.print(f"{platform} user {platform_id} is now [bold]{user}[/bold]")


def _check_id(platform: str, platform_id: str) -> None:
    if platform not in PLATFORMS:
        err_console.print(
            f"[red]error:[/red] unknown chat platform {platform!r}: use one of "
            + ", ".join(PLATFORMS)
        )
        raise typer.Exit(2)
    pattern, shape = USER_IDS.get(platform, (r"^\S{1,255}$", "an id without spaces"))
    if not re.fullmatch(pattern, platform_id):
        err_console.print(f"[red]error:[/red] {platform_id!r} is not {shape}")
        raise typer.Exit(2)


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
            how = {
                "slack": "Slack's /inc is registered by the app manifest (see the Slack README)",
                "mattermost": "Mattermost's /inc is a slash command made in its System Console "
                "(see the Mattermost README)",
            }.get(platform, f"{platform} has no slash commands to register")
            err_console.print(f"[red]error:[/red] {how}")
            raise typer.Exit(2)
        commands = adapter.register_commands()
    names = ", ".join("/" + str(command.get("name")) for command in commands)
    console.print(f"registered {names} on {platform}")
