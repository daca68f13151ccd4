"""Discord's REST API v10 over httpx: Bot token auth, rate limits honoured, errors translated.

Rate limits (discord.com/developers/docs/topics/rate-limits): every answer carries
`X-RateLimit-Bucket`, `-Remaining` and `-Reset-After`; a bucket is per route and per top-level
resource (channel, guild, webhook). When a bucket is used up the next call on it is not sent:
ChatRateLimitedError tells the outbox when to try again. A 429 carries `retry_after` (seconds,
fractional) in its JSON body and `Retry-After` in its headers; `global: true` stops every call.
Errors are `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`; the codes that
matter become their own types (archived thread 50083, unknown channel 10003).
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any

import httpx

from opsroom.chat.errors import (
    ChatPermanentError,
    ChatPlatformError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatRoomNotFoundError,
    ChatUnavailableError,
)
from opsroom.clock import Clock
from opsroom.logging import get_logger

log = get_logger(__name__)

USER_AGENT = "DiscordBot (https://github.com/opsroom/opsroom, 0.1)"
UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, ARCHIVED_THREAD = 10003, 10008, 50083
_MAJOR = ("channels", "guilds", "webhooks")
_ID = re.compile(r"^[0-9]{5,21}$")
GLOBAL = "global"


def route_of(method: str, path: str) -> tuple[str, str]:
    """(route, top-level resource) of a call: `POST /channels/{id}/messages`, `channels/42`."""
    parts = path.strip("/").split("/")
    major = ""
    if parts and parts[0] in _MAJOR and len(parts) > 1:
        major = "/".join(parts[: 3 if parts[0] == "webhooks" else 2])
    template = []
    for index, part in enumerate(parts):
        if _ID.match(part):
            template.append("{id}")
        elif parts[0] == "webhooks" and index == 2:
            template.append("{token}")
        else:
            template.append(part)
    return f"{method} /" + "/".join(template), major


class DiscordRest:
    """One bot's calls. Thread-safe: the outbox may run several jobs of one lane at once."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        timeout: float,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )
        self._auth = {"Authorization": f"Bot {token}"}
        self._clock = clock
        self._lock = threading.Lock()
        self._bucket_of: dict[str, str] = {}  # route -> X-RateLimit-Bucket
        self._blocked: dict[str, datetime] = {}  # bucket:major (or "global") -> reset time

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, *, json: Any = None, bot: bool = True) -> Any:
        """The decoded JSON answer (None for 204); interaction webhooks take no Bot token."""
        route, major = route_of(method, path)
        self._wait_for(route, major)
        try:
            response = self._http.request(
                method, path, json=json, headers=self._auth if bot else None
            )
        except httpx.TimeoutException as exc:
            raise ChatUnavailableError(f"Discord {route} timed out", reason="timeout") from exc
        except httpx.TransportError as exc:
            raise ChatUnavailableError(f"Discord {route} failed: {exc}", reason="network") from exc
        self._remember(route, major, response)
        if response.status_code < 300:
            return None if response.status_code == 204 or not response.content else response.json()
        raise self._error(route, response)

    def _wait_for(self, route: str, major: str) -> None:
        now = self._clock.now()
        with self._lock:
            keys = [GLOBAL, f"{self._bucket_of.get(route, route)}:{major}"]
            waits = [(self._blocked[k] - now).total_seconds() for k in keys if k in self._blocked]
        wait = max(waits, default=0.0)
        if wait > 0:
            raise ChatRateLimitedError(
                f"Discord {route}: rate limit bucket used up", retry_after=wait, reason="bucket"
            )

    def _remember(self, route: str, major: str, response: httpx.Response) -> None:
        headers = response.headers
        bucket = headers.get("x-ratelimit-bucket")
        with self._lock:
            if bucket:
                self._bucket_of[route] = bucket
            key = f"{self._bucket_of.get(route, route)}:{major}"
            if headers.get("x-ratelimit-remaining") == "0":
                reset = _seconds(headers.get("x-ratelimit-reset-after"), 1.0)
                self._blocked[key] = self._clock.now() + timedelta(seconds=reset)
            else:
                self._blocked.pop(key, None)
            if response.status_code == 429 and _json(response).get("global"):
                retry = _retry_after(response)
                self._blocked[GLOBAL] = self._clock.now() + timedelta(seconds=retry)

    def _error(self, route: str, response: httpx.Response) -> ChatPlatformError:
        status, body = response.status_code, _json(response)
        code = int(body.get("code") or 0)
        text = f"Discord {route}: HTTP {status} {code} {body.get('message', '')}".rstrip()
        if body.get("errors"):
            text += f" {body['errors']}"[:500]
        log.info("discord.api_error", route=route, status=status, code=code)
        reason = str(code or f"http_{status}")
        if status == 429:
            return ChatRateLimitedError(text, retry_after=_retry_after(response), reason=reason)
        if status >= 500:
            return ChatUnavailableError(text, reason=reason)
        if code == ARCHIVED_THREAD:
            return ChatRoomArchivedError(text, reason=reason)
        if code == UNKNOWN_CHANNEL:
            return ChatRoomNotFoundError(text, reason=reason)
        return ChatPermanentError(text, reason=reason)


def _retry_after(response: httpx.Response) -> float:
    body = _json(response).get("retry_after")
    header = response.headers.get("retry-after")
    return max(_seconds(body, 0.0), _seconds(header, 0.0)) or 1.0


def _seconds(value: object, default: float) -> float:
    try:
        return max(0.0, float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
