"""One matrix-nio session per outbound call, and nio's answers translated to chat errors.

nio's own retries are off (`max_limit_exceeded=0`, `max_timeouts=0`): the outbox retries,
durably. `429 M_LIMIT_EXCEEDED` -> ChatRateLimitedError after `retry_after_ms`; 5xx,
timeouts and connection failures -> ChatUnavailableError; `M_ROOM_IN_USE` (alias taken) ->
ChatNameTakenError; a refused post because of power levels -> ChatRoomArchivedError; a room
the bot is not in or that does not exist -> ChatRoomNotFoundError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from nio import AsyncClient, AsyncClientConfig, ErrorResponse

from opsroom.chat.errors import (
    ChatNameTakenError,
    ChatPermanentError,
    ChatPlatformError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatRoomNotFoundError,
    ChatUnavailableError,
)
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")
Work = Callable[[AsyncClient], Awaitable[T]]


def call(settings: MatrixSettings, work: Work[T]) -> T:
    """Run `work` with a fresh client (a worker thread has no event loop of its own)."""
    return asyncio.run(_session(settings, work))


async def _session(settings: MatrixSettings, work: Work[T]) -> T:
    config = AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=0,
        request_timeout=settings.timeout,
        encryption_enabled=False,
        store_sync_tokens=False,
    )
    client = AsyncClient(settings.homeserver_url.rstrip("/"), settings.user_id, config=config)
    client.user_id = settings.user_id
    client.access_token = settings.as_token.get_secret_value() if settings.as_token else ""
    try:
        return await work(client)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise ChatUnavailableError(
            f"Matrix homeserver unreachable: {exc}", reason="network"
        ) from exc
    finally:
        await client.close()


def check(method: str, response: T) -> T:
    """`response` unless it is an error, which is raised as a chat error."""
    if isinstance(response, ErrorResponse):
        raise translate(method, response)
    return response


def translate(method: str, error: ErrorResponse) -> ChatPlatformError:
    status = _status(error)
    code = error.status_code or ""
    text = f"Matrix {method}: {code or f'HTTP {status}'} {error.message}".strip()
    log.info("matrix.api_error", method=method, status=status, errcode=code)
    if status == 429 or code == "M_LIMIT_EXCEEDED":
        return ChatRateLimitedError(text, retry_after=retry_after(error), reason=code)
    if status >= 500 or status == 0:
        return ChatUnavailableError(text, reason=code or f"http_{status}")
    if code == "M_ROOM_IN_USE":
        return ChatNameTakenError(text, reason=code)
    if code == "M_FORBIDDEN" and "permission" in error.message.lower():
        return ChatRoomArchivedError(text, reason=code)
    if code == "M_FORBIDDEN" and "not in room" in error.message.lower():
        return ChatRoomNotFoundError(text, reason="not_in_room")
    if code == "M_NOT_FOUND" or status == 404:
        return ChatRoomNotFoundError(text, reason=code or "http_404")
    return ChatPermanentError(text, reason=code or f"http_{status}")


def retry_after(error: ErrorResponse) -> float:
    """Seconds to wait: `retry_after_ms` in the body, else the Retry-After header, else 1."""
    if error.retry_after_ms:
        return max(0.1, float(error.retry_after_ms) / 1000)
    headers: Any = getattr(error.transport_response, "headers", None) or {}
    try:
        return max(0.1, float(headers.get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


def _status(error: ErrorResponse) -> int:
    transport = getattr(error, "transport_response", None)
    return int(getattr(transport, "status", 0) or 0)


def is_already_member(error: ErrorResponse) -> bool:
    return error.status_code == "M_FORBIDDEN" and "already in the room" in error.message
