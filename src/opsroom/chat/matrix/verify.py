"""The homeserver's token on every application-service request (spec.matrix.org/latest/
application-service-api/#authorization): `Authorization: Bearer <hs_token>`, or the legacy
`access_token` query parameter, compared in constant time before anything else is read."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from opsroom.errors import AuthenticationError


def given_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return query.get("access_token", "")


def verify(hs_token: str | None, headers: Mapping[str, str], query: Mapping[str, str]) -> None:
    """Raise AuthenticationError unless the request carries the registration's hs_token."""
    if not hs_token:
        raise AuthenticationError("Matrix requests are not accepted: no hs_token is set")
    given = given_token(headers, query)
    if not given:
        raise AuthenticationError(
            "missing Authorization: Bearer <hs_token>: not a request from the homeserver"
        )
    if not hmac.compare_digest(given.encode(), hs_token.encode()):
        raise AuthenticationError("the token is not this application service's hs_token")
