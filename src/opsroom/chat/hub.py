"""The configured chat platforms of one opsroom process, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsroom.chat.base import ChatAdapter, PlatformChannels
from opsroom.errors import NotFoundError

if TYPE_CHECKING:
    from opsroom.chat.inbound import Answer, ChatInbound, InboundOutcome, InboundParse
    from opsroom.db.uow import UnitOfWork

# Runs one parsed inbound request; Connect opens a long-lived inbound connection (e.g.
# Discord's Gateway) that hands each event to `run`, and returns how to close it.
Run = Callable[["InboundParse"], tuple["Answer", list["InboundOutcome"]]]
Connect = Callable[[Run], Callable[[], None]]

BUILTIN = "builtin"


@dataclass
class ChatPlatform:
    """One platform: its adapter, its announcement channels and, if any, its inbound side.

    `adapter` takes the unit of work because the built-in chat writes in it; remote
    adapters are built once and ignore it.
    """

    name: str
    adapter: Callable[[UnitOfWork], ChatAdapter]
    channels: PlatformChannels = field(default_factory=PlatformChannels)
    inbound: ChatInbound | None = None
    invite: tuple[str, ...] = ()
    # Local platforms (the built-in chat) write in the caller's transaction: no outbox.
    local: bool = False
    connect: Connect | None = None

    @property
    def queue(self) -> str:
        """The job queue of this platform's outbound calls (its own lane)."""
        return f"chat.{self.name}"


class ChatHub:
    def __init__(self, platforms: list[ChatPlatform] | None = None) -> None:
        self._platforms = {platform.name: platform for platform in platforms or []}

    def __iter__(self) -> Iterator[ChatPlatform]:
        return iter(self._platforms.values())

    def __contains__(self, name: object) -> bool:
        return name in self._platforms

    def get(self, name: str) -> ChatPlatform:
        platform = self._platforms.get(name)
        if platform is None:
            raise NotFoundError(f"chat platform {name!r} is not configured")
        return platform

    def names(self) -> list[str]:
        return list(self._platforms)

    def remote_queues(self) -> list[str]:
        """The lanes that need workers: every platform that is not local."""
        return [platform.queue for platform in self if not platform.local]
