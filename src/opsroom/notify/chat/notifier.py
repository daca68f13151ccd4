"""Pages as chat direct messages: the page as the chat port's neutral message. Pure.

There is no chat `Notifier`: the page delivery (notify/delivery.py) hands this message to
the chat outbox (`chat.rooms.page_direct`), which sends it as a direct message on every
platform that has them: the person's direct-message room in the built-in chat, and each
other platform where opsroom knows them (their chat identity).
"""

from __future__ import annotations

from opsroom.chat.message import Message
from opsroom.notify.base import PageMessage


def chat_message(message: PageMessage) -> Message:
    """Subject, body and how to acknowledge from any chat (`/inc ack <page code>`)."""
    context = f"Acknowledge: /inc ack {message.ack_code}" if message.ack_code is not None else ""
    return Message(text=message.subject, body=message.body, context=context, level="critical")
