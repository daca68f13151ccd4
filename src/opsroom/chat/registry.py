"""The chat platforms opsroom talks to: the built-in chat always, the others as configured."""

from __future__ import annotations

from collections.abc import Callable

from opsroom.chat.base import ChatAdapter, PlatformChannels
from opsroom.chat.builtin.adapter import BuiltinChatAdapter
from opsroom.chat.discord.client import DiscordChatAdapter
from opsroom.chat.discord.gateway import DiscordGateway
from opsroom.chat.discord.inbound import DiscordInbound
from opsroom.chat.discord.settings import DiscordSettings
from opsroom.chat.hub import BUILTIN, ChatHub, ChatPlatform, Connect, Run
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.mattermost.client import MattermostChatAdapter
from opsroom.chat.mattermost.inbound import MattermostInbound
from opsroom.chat.mattermost.settings import MattermostSettings
from opsroom.chat.slack.client import SlackChatAdapter
from opsroom.chat.slack.inbound import SlackInbound
from opsroom.chat.slack.settings import SlackSettings
from opsroom.chat.teams.client import TeamsChatAdapter
from opsroom.chat.teams.inbound import TeamsInbound
from opsroom.chat.teams.settings import TeamsSettings
from opsroom.clock import Clock
from opsroom.config import Settings
from opsroom.db.uow import UnitOfWork


def builtin_platform(settings: Settings, clock: Clock) -> ChatPlatform:
    chat = settings.chat

    def adapter(uow: UnitOfWork) -> ChatAdapter:
        return BuiltinChatAdapter(uow.rooms, clock, chat.bot_name)

    return ChatPlatform(
        name=BUILTIN,
        adapter=adapter,
        channels=PlatformChannels(alerts=chat.alerts_room, incidents=chat.incidents_room),
        local=True,
    )


def slack_platform(settings: SlackSettings) -> ChatPlatform:
    adapter = SlackChatAdapter(settings)
    return ChatPlatform(
        name=adapter.platform,
        adapter=lambda uow: adapter,
        channels=PlatformChannels(
            alerts=settings.alerts_channel, incidents=settings.incidents_channel
        ),
        inbound=SlackInbound(settings, adapter),
        invite=tuple(settings.invite),
    )


def matrix_platform(settings: MatrixSettings) -> ChatPlatform:
    # matrix-nio takes most of a second to import: only installs that use Matrix pay for it.
    from opsroom.chat.matrix.client import MatrixChatAdapter
    from opsroom.chat.matrix.inbound import MatrixInbound

    adapter = MatrixChatAdapter(settings)
    return ChatPlatform(
        name=adapter.platform,
        adapter=lambda uow: adapter,
        channels=PlatformChannels(alerts=settings.alerts_room, incidents=settings.incidents_room),
        inbound=MatrixInbound(settings, adapter),
        invite=tuple(settings.invite),
    )


def mattermost_platform(settings: MattermostSettings, clock: Clock) -> ChatPlatform:
    adapter = MattermostChatAdapter(settings, clock=clock)
    return ChatPlatform(
        name=adapter.platform,
        adapter=lambda uow: adapter,
        channels=PlatformChannels(
            alerts=settings.alerts_channel, incidents=settings.incidents_channel
        ),
        inbound=MattermostInbound(settings, adapter),
        invite=tuple(settings.invite),
    )


def discord_platform(settings: DiscordSettings, clock: Clock) -> ChatPlatform:
    adapter = DiscordChatAdapter(settings, clock)
    connect: Connect | None = None
    if settings.gateway:
        assert settings.bot_token is not None
        token = settings.bot_token.get_secret_value()

        def connect(run: Run) -> Callable[[], None]:
            gateway = DiscordGateway(token, adapter.gateway_url, run)
            gateway.start()
            return gateway.stop

    return ChatPlatform(
        name=adapter.platform,
        adapter=lambda uow: adapter,
        channels=PlatformChannels(
            alerts=settings.alerts_channel, incidents=settings.incidents_channel
        ),
        inbound=DiscordInbound(settings),
        invite=tuple(settings.invite),
        connect=connect,
    )


def teams_platform(settings: TeamsSettings, clock: Clock) -> ChatPlatform:
    adapter = TeamsChatAdapter(settings, clock)
    return ChatPlatform(
        name=adapter.platform,
        adapter=lambda uow: adapter,
        channels=PlatformChannels(
            alerts=settings.alerts_channel if settings.bot else None,
            incidents=settings.incidents_channel if settings.bot else None,
        ),
        inbound=TeamsInbound(settings, clock, adapter.http),
    )


def build_hub(settings: Settings, clock: Clock, extra: list[ChatPlatform] | None = None) -> ChatHub:
    """Every configured platform; `extra` adds platforms built elsewhere (tests, plugins)."""
    platforms = [builtin_platform(settings, clock)]
    slack = settings.chat.slack
    if slack is not None and slack.enabled:
        platforms.append(slack_platform(slack))
    discord = settings.chat.discord
    if discord is not None and discord.enabled:
        platforms.append(discord_platform(discord, clock))
    teams = settings.chat.teams
    if teams is not None and teams.enabled:
        platforms.append(teams_platform(teams, clock))
    matrix = settings.chat.matrix
    if matrix is not None and matrix.enabled:
        platforms.append(matrix_platform(matrix))
    mattermost = settings.chat.mattermost
    if mattermost is not None and mattermost.enabled:
        platforms.append(mattermost_platform(mattermost, clock))
    platforms.extend(extra or [])
    return ChatHub(platforms)
