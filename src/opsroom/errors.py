"""One error tree for opsroom. Domain errors carry no HTTP; api/errors.py maps them."""

from __future__ import annotations

from typing import Any


class OpsroomError(Exception):
    """Root of every error opsroom raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigError(OpsroomError):
    """The configuration file or environment is invalid."""

    code = "invalid_config"


class NotFoundError(OpsroomError):
    """The thing asked for does not exist."""

    code = "not_found"


class InvalidInputError(OpsroomError):
    """The input is well-formed but not acceptable."""

    code = "invalid_input"


class MalformedPayloadError(InvalidInputError):
    """An inbound payload could not be parsed at all."""

    code = "malformed_payload"


class UnsupportedPayloadError(InvalidInputError):
    """An inbound payload parsed but is not in the format the integration expects."""

    code = "unsupported_payload"


class UnsupportedMediaTypeError(UnsupportedPayloadError):
    """An inbound body's Content-Type says it is not in the format the integration reads."""

    code = "unsupported_media_type"


class PayloadTooLargeError(InvalidInputError):
    """An inbound body is larger than the configured limit."""

    code = "payload_too_large"


class AuthenticationError(OpsroomError):
    """The caller could not be identified."""

    code = "unauthenticated"


class PermissionDeniedError(OpsroomError):
    """The caller is known but may not do this."""

    code = "permission_denied"


class BadSignatureError(PermissionDeniedError):
    """An inbound webhook's signature (e.g. X-Twilio-Signature) is missing or wrong."""

    code = "bad_signature"


class ConflictError(OpsroomError):
    """The request conflicts with the current state."""

    code = "conflict"


class ReadOnlyError(ConflictError):
    """The thing is defined in opsroom.yaml; change it there, not through the API."""

    code = "read_only"


class RoomArchivedError(ConflictError):
    """A message was sent to an archived, read-only room."""

    code = "room_archived"


class CommandError(InvalidInputError):
    """A chat command was wrong; the message says what and shows the usage."""

    code = "invalid_command"


class OverloadedError(OpsroomError):
    """Too much inbound traffic right now; the sender should retry after `retry_after` s."""

    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class DatabaseBusyError(OverloadedError):
    """SQLite's write lock stayed taken by someone else for the whole busy timeout."""

    code = "database_busy"


class DatabaseNotReadyError(OpsroomError):
    """The database schema is not at the migration head."""

    code = "database_not_ready"


class RetryLaterError(OpsroomError):
    """A job cannot run yet (a platform's rate limit, a room not created yet); run it again later.

    `count_attempt=False` reschedules without using up one of the job's attempts.
    """

    code = "retry_later"

    def __init__(self, message: str, *, retry_after: float, count_attempt: bool = False) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = max(0.0, retry_after)
        self.count_attempt = count_attempt
