"""Calls to Microsoft's APIs (Bot Connector, Microsoft Graph, the Entra token endpoint) over
httpx, with their errors translated: 429 -> ChatRateLimitedError with Retry-After, 5xx and
timeouts -> ChatUnavailableError, a taken channel name, an archived channel and a missing
conversation -> their own types. Both APIs answer `{"error": {"code": ..., "message": ...}}`.

Bot tokens come from the client-credentials grant (`POST {login}/{tenant}/oauth2/v2.0/token`
with `scope=https://api.botframework.com/.default`, Graph: `https://graph.microsoft.com/
.default`) and are kept until five minutes before they expire.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import httpx

from opsroom.chat.errors import (
    ChatNameTakenError,
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

BOT_SCOPE = "https://api.botframework.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
NOT_FOUND = frozenset({"ConversationNotFound", "NotFound", "ItemNotFound"})


class TokenSource:
    """Access tokens per scope for one app registration."""

    def __init__(
        self, http: httpx.Client, clock: Clock, *, url: str, client_id: str, secret: str
    ) -> None:
        self._http, self._clock, self._url = http, clock, url
        self._client_id, self._secret = client_id, secret
        self._cache: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def token(self, scope: str) -> str:
        with self._lock:
            cached = self._cache.get(scope)
            if cached and cached[1] > self._clock.now():
                return cached[0]
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret,
            "scope": scope,
        }
        answer = call(self._http, "POST", self._url, data=form, what="token")
        token = str(answer["access_token"])
        lifetime = max(60, int(answer.get("expires_in", 3600)) - 300)
        with self._lock:
            self._cache[scope] = (token, self._clock.now() + timedelta(seconds=lifetime))
        return token


def call(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    token: str | None = None,
    **kwargs: Any,
) -> Any:
    """The decoded JSON answer ({} when there is none)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = http.request(method, url, headers=headers, **kwargs)
    except httpx.TimeoutException as exc:
        raise ChatUnavailableError(f"Teams {what} timed out", reason="timeout") from exc
    except httpx.TransportError as exc:
        raise ChatUnavailableError(f"Teams {what} failed: {exc}", reason="network") from exc
    if response.status_code < 300:
        return response.json() if response.content else {}
    raise _error(what, response)


def _error(what: str, response: httpx.Response) -> ChatPlatformError:
    status = response.status_code
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if isinstance(error, str):  # the token endpoint: {"error": "invalid_client", ...}
        error = {"code": error, "message": response.json().get("error_description", "")}
    code, message = str(error.get("code", "")), str(error.get("message", ""))
    text = f"Teams {what}: HTTP {status} {code} {message}".strip()[:500]
    log.info("teams.api_error", what=what, status=status, code=code)
    reason = code or f"http_{status}"
    if status == 429:
        retry = _seconds(response.headers.get("retry-after"))
        return ChatRateLimitedError(text, retry_after=retry, reason=reason)
    if status >= 500:
        return ChatUnavailableError(text, reason=reason)
    if code == "NameAlreadyExists" or "already exist" in message.lower():
        return ChatNameTakenError(text, reason="NameAlreadyExists")
    if "archived" in message.lower():
        return ChatRoomArchivedError(text, reason=reason)
    if status == 404 or code in NOT_FOUND:
        return ChatRoomNotFoundError(text, reason=reason)
    return ChatPermanentError(text, reason=reason)


def _seconds(value: str | None) -> float:
    try:
        return max(1.0, float(value or 1))
    except ValueError:
        return 1.0
