"""Who may call opsroom's Teams endpoints, checked before anything else is read.

The bot endpoint (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-
authentication, "Connector to bot"): `Authorization: Bearer <JWT>` signed RS256 with a key
from the JWKS that the Bot Framework's OpenID metadata names; issuer
`https://api.botframework.com`; audience the bot's app id; not expired (5 minutes of clock
skew); its `serviceUrl` claim equal to the activity's; and, when the key lists endorsements,
the activity's `channelId` among them. Keys are cached and fetched again for an unknown key
id (at most every 5 minutes) or after a day.

The outgoing webhook (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/
how-to/add-outgoing-webhook): `Authorization: HMAC <base64 HMAC-SHA256 of the body>`, keyed
with the base64-decoded secret Teams showed when the webhook was created.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt

from opsroom.clock import Clock
from opsroom.errors import AuthenticationError, PermissionDeniedError
from opsroom.logging import get_logger

log = get_logger(__name__)

SKEW = 300
KEYS_FOR = timedelta(hours=24)
REFETCH_AFTER = timedelta(minutes=5)


class BotTokenValidator:
    def __init__(
        self,
        *,
        metadata_url: str,
        app_id: str,
        issuer: str,
        clock: Clock,
        http: httpx.Client,
    ) -> None:
        self._metadata_url, self._app_id, self._issuer = metadata_url, app_id, issuer
        self._clock, self._http = clock, http
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched: datetime | None = None
        self._lock = threading.Lock()

    def validate(self, authorization: str, activity: Mapping[str, Any]) -> dict[str, Any]:
        """The token's claims; AuthenticationError (401) or PermissionDeniedError (403)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("missing `Authorization: Bearer <token>` from Bot Framework")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"the bearer token is not a JWT: {exc}") from exc
        if header.get("alg") != "RS256":
            raise AuthenticationError(f"token algorithm {header.get('alg')!r} is not RS256")
        key = self._key(str(header.get("kid", "")))
        claims = self._decode(token, key)
        self._check_claims(claims, activity, key)
        return claims

    def _decode(self, token: str, key: dict[str, Any]) -> dict[str, Any]:
        try:
            public = jwt.PyJWK.from_dict(key, algorithm="RS256").key
            claims: dict[str, Any] = jwt.decode(
                token,
                key=public,
                algorithms=["RS256"],
                audience=self._app_id,
                issuer=self._issuer,
                options={"verify_exp": False, "verify_nbf": False, "require": ["exp", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"Bot Framework token refused: {exc}") from exc
        return claims

    def _check_claims(
        self, claims: dict[str, Any], activity: Mapping[str, Any], key: dict[str, Any]
    ) -> None:
        now = self._clock.now().timestamp()
        if float(claims["exp"]) + SKEW < now:
            raise AuthenticationError("Bot Framework token has expired")
        if float(claims.get("nbf", 0)) - SKEW > now:
            raise AuthenticationError("Bot Framework token is not valid yet")
        claimed = claims.get("serviceurl") or claims.get("serviceUrl")
        if not claimed or claimed != activity.get("serviceUrl"):
            raise AuthenticationError("the token's serviceUrl claim does not match the activity")
        endorsements = key.get("endorsements")
        if endorsements and activity.get("channelId") not in endorsements:
            raise PermissionDeniedError(
                f"the signing key is not endorsed for channel {activity.get('channelId')!r}"
            )

    def _key(self, kid: str) -> dict[str, Any]:
        with self._lock:
            now = self._clock.now()
            stale = self._fetched is None or now - self._fetched > KEYS_FOR
            may_refetch = self._fetched is None or now - self._fetched > REFETCH_AFTER
            if stale or (kid not in self._keys and may_refetch):
                self._refresh(now)
            key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError(f"no Bot Framework signing key with id {kid!r}")
        return key

    def _refresh(self, now: datetime) -> None:
        try:
            metadata = self._http.get(self._metadata_url).raise_for_status().json()
            jwks = self._http.get(str(metadata["jwks_uri"])).raise_for_status().json()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("teams.openid_metadata_failed", error=type(exc).__name__)
            if not self._keys:
                raise AuthenticationError("the Bot Framework signing keys are unavailable") from exc
            return  # keep the keys we have
        self._keys = {str(k.get("kid")): k for k in jwks.get("keys", []) if k.get("kid")}
        self._fetched = now


def webhook_signature(secret_b64: str, body: bytes) -> str:
    key = base64.b64decode(secret_b64)
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def verify_webhook(secret_b64: str | None, headers: Mapping[str, str], body: bytes) -> None:
    if not secret_b64:
        raise AuthenticationError("no outgoing webhook secret is configured")
    scheme, _, given = headers.get("authorization", "").partition(" ")
    if scheme != "HMAC" or not given:
        raise AuthenticationError("missing `Authorization: HMAC <signature>` from Teams")
    try:
        expected = webhook_signature(secret_b64, body)
    except (binascii.Error, ValueError) as exc:
        raise AuthenticationError("the outgoing webhook secret is not base64") from exc
    if not hmac.compare_digest(expected, given.strip()):
        raise AuthenticationError("the HMAC signature does not match the body")


def activity_of(body: bytes) -> dict[str, Any]:
    """The activity, read only far enough to compare its serviceUrl with the token's."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
