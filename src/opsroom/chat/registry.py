"""The chat platforms opsroom talks to: the built-in chat always, the others as configured."""

from __future__ import annotations

from opsroom.chat.base import ChatAdapter, PlatformChannels
from opsroom.chat.builtin.adapter import BuiltinChatAdapter
from opsroom.chat.hub import BUILTIN, ChatHub, ChatPlatform
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.mattermost.client import MattermostChatAdapter
from opsroom.chat.mattermost.inbound import MattermostInbound
from opsroom.chat.mattermost.settings import MattermostSettings
from opsroom.chat.slack.client import SlackChatAdapter
from opsroom.chat.slack.inbound import SlackInbound
from opsroom.chat.slack.settings import SlackSettings
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


def build_hub(settings: Settings, clock: Clock, extra: list[ChatPlatform] | None = None) -> ChatHub:
    """Every configured platform; `extra` adds platforms built elsewhere (tests, plugins)."""
    platforms = [builtin_platform(settings, clock)]
    slack = settings.chat.slack
    if slack is not None and slack.enabled:
        platforms.append(slack_platform(slack))
    matrix = settings.chat.matrix
    if matrix is not None and matrix.enabled:
        platforms.append(matrix_platform(matrix))
    mattermost = settings.chat.mattermost
    if mattermost is not None and mattermost.enabled:
        platforms.append(mattermost_platform(mattermost, clock))
    platforms.extend(extra or [])
    return ChatHub(platforms)
