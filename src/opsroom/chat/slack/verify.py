"""Slack's request signature, checked before anything else is read (api.slack.com/authentication/
verifying-requests-from-slack): `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw
body>` keyed with the app's signing secret, and a timestamp at most 5 minutes from now."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from opsroom.errors import AuthenticationError

VERSION = "v0"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(
    secret: str | None,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    window_seconds: int = 300,
) -> None:
    """Raise AuthenticationError unless Slack signed exactly this body just now."""
    if not secret:
        raise AuthenticationError("Slack requests are not accepted: no signing secret is set")
    timestamp = headers.get("x-slack-request-timestamp", "")
    given = headers.get("x-slack-signature", "")
    if not timestamp or not given:
        raise AuthenticationError(
            "missing X-Slack-Request-Timestamp or X-Slack-Signature: not a request from Slack"
        )
    if not timestamp.isdigit():
        raise AuthenticationError("X-Slack-Request-Timestamp is not a Unix time")
    age = abs(now.timestamp() - int(timestamp))
    if age > window_seconds:
        raise AuthenticationError(
            f"X-Slack-Request-Timestamp is {int(age)} s from now; at most {window_seconds} s "
            "is accepted (replay protection)"
        )
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise AuthenticationError("X-Slack-Signature does not match the body")
