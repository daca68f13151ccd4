"""The official Twilio SDK client, optionally sent to another base URL (a contract server).

The SDK builds absolute `https://api.twilio.com/...` URLs; `BaseUrlHttpClient` swaps the scheme
and host for `notify.twilio.base_url` before each request, and leaves everything else alone.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from opsroom.notify.settings import TwilioConfig


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]
    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url) if base_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._base is not None:
            parts = urlsplit(url)
            path = self._base.path.rstrip("/") + parts.path
            url = urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))
        response: Response = super().request(method, url, *args, **kwargs)
        return response


def build_client(config: TwilioConfig) -> Client:
    return Client(
        config.account_sid,
        config.auth_token.get_secret_value(),
        http_client=BaseUrlHttpClient(config.base_url, config.timeout),
    )
