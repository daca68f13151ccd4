"""The `ChatAdapter` port: what opsroom needs from any chat platform."""

from __future__ import annotations

from typing import Protocol


class ChatAdapter(Protocol):
    """A chat platform. The built-in chat is the embedded default."""

    platform: str

    def ensure_channel(self, name: str, topic: str) -> None:
        """Create a shared channel such as #alerts if it does not exist."""

    def create_room(self, name: str, topic: str, incident_number: int) -> str:
        """Create an incident room and return the platform's id for it."""

    def post(self, room: str, text: str, *, kind: str = "bot") -> None:
        """Post a message as the bot."""

    def set_topic(self, room: str, topic: str) -> None:
        """Change a room's topic."""

    def archive_room(self, room: str) -> None:
        """Make a room read-only, keeping its history."""
