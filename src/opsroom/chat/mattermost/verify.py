"""Mattermost's inbound requests carry shared secrets, compared in constant time before
anything else is done: a slash command its token (`Authorization: Token <token>` and the
`token` form field; developers.mattermost.com/integrate/slash-commands/custom), a button its
`context.secret`, which opsroom put in the button when it posted it (interactive messages
are not signed by Mattermost)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from opsroom.errors import AuthenticationError


def command_token(headers: Mapping[str, str], body: bytes) -> str:
    auth = headers.get("authorization", "")
    if auth[:6].lower() == "token ":
        return auth[6:].strip()
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return ""
    return form.get("token", "")


def action_secret(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    context = data.get("context") if isinstance(data, dict) else None
    return str(context.get("secret", "")) if isinstance(context, dict) else ""


def check(expected: str | None, given: str, what: str) -> None:
    """Raise AuthenticationError unless `given` is the configured secret."""
    if not expected:
        raise AuthenticationError(f"Mattermost {what} are not accepted: no secret is configured")
    if not given:
        raise AuthenticationError(f"Mattermost {what} must carry their token")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise AuthenticationError(f"the token of this Mattermost {what[:-1]} does not match")
