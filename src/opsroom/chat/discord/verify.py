"""Discord's interaction signature, checked before anything else is read
(discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers):
`X-Signature-Ed25519` is the hex Ed25519 signature of `X-Signature-Timestamp` + raw body, made
with the app's private key; the app's public key verifies it. Discord sends an invalid
signature now and then on purpose and removes endpoints that accept it, so any doubt is a 401.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from datetime import datetime

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from opsroom.errors import AuthenticationError


class InteractionVerifier:
    def __init__(self, public_key_hex: str, window_seconds: int = 300) -> None:
        self._key = VerifyKey(bytes.fromhex(public_key_hex))
        self._window = window_seconds

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Raise AuthenticationError unless Discord signed exactly this body just now."""
        signature = headers.get("x-signature-ed25519", "")
        timestamp = headers.get("x-signature-timestamp", "")
        if not signature or not timestamp:
            raise AuthenticationError(
                "missing X-Signature-Ed25519 or X-Signature-Timestamp: not a request from Discord"
            )
        try:
            self._key.verify(timestamp.encode() + body, bytes.fromhex(signature))
        except (BadSignatureError, ValueError, binascii.Error) as exc:
            raise AuthenticationError("X-Signature-Ed25519 does not match the body") from exc
        if not timestamp.isdigit():
            raise AuthenticationError("X-Signature-Timestamp is not a Unix time")
        age = abs(now.timestamp() - int(timestamp))
        if age > self._window:
            raise AuthenticationError(
                f"X-Signature-Timestamp is {int(age)} s from now; at most {self._window} s "
                "is accepted (replay protection)"
            )
