"""What can go wrong when opsroom talks to a chat platform. Adapters translate their SDK's
exceptions into these at the boundary; the outbox decides from the type what to do next."""

from __future__ import annotations

from opsroom.errors import OpsroomError


class ChatPlatformError(OpsroomError):
    """A chat platform refused a call; `reason` is the platform's own error code."""

    code = "chat_platform_error"

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message, details={"reason": reason} if reason else None)
        self.reason = reason


class ChatRateLimitedError(ChatPlatformError):
    """The platform asked us to slow down: try again after `retry_after` seconds."""

    code = "chat_rate_limited"

    def __init__(self, message: str, *, retry_after: float, reason: str = "ratelimited") -> None:
        super().__init__(message, reason=reason)
        self.retry_after = retry_after


class ChatPermanentError(ChatPlatformError):
    """The platform refused the call for good (a bad user id, no access, a dead token, a
    4xx other than 429): retrying cannot help, so the call is given up at once."""

    code = "chat_refused"


class ChatUnavailableError(ChatPlatformError):
    """The platform failed (5xx, timeout, connection): retried with backoff."""

    code = "chat_unavailable"


class ChatNameTakenError(ChatPlatformError):
    """A room with this name already exists on the platform."""

    code = "chat_name_taken"


class ChatRoomArchivedError(ChatPlatformError):
    """The room was archived on the platform; nothing more can be posted there."""

    code = "chat_room_archived"


class ChatRoomNotFoundError(ChatPlatformError):
    """The platform does not know the room (deleted, or the bot is not a member)."""

    code = "chat_room_not_found"
