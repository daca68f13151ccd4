"""Chat DMs: a direct-message room per person in the built-in chat.

It talks to the chat through the small `DirectMessenger` port, so another platform's adapter
can take its place without this notifier changing.
"""

from __future__ import annotations

from typing import Protocol

from opsroom.notify.base import Delivery, PageMessage
from opsroom.user.model import dm_room


class DirectMessenger(Protocol):
    def ensure_channel(self, name: str, topic: str) -> None: ...

    def post(self, room: str, text: str, *, kind: str = "bot") -> None: ...


class ChatNotifier:
    channel = "chat"

    def __init__(self, chat: DirectMessenger) -> None:
        self._chat = chat

    def deliver(self, message: PageMessage) -> Delivery:
        room = dm_room(message.user)
        self._chat.ensure_channel(room, f"Pages for {message.user}")
        lines = [message.subject, message.body]
        if message.ack_code is not None:
            lines.append(f"Acknowledge: /inc ack {message.ack_code}")
        self._chat.post(room, "\n".join(lines), kind="page")
        return Delivery(status="delivered", provider_id=room)
