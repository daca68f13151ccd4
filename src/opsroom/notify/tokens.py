"""Signed acknowledge links for pages (itsdangerous), valid for `notify.ack_link_ttl`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from opsroom.errors import AuthenticationError

SALT = "opsroom.page-ack"
ACK_PATH = "/api/v1/pages/ack"


@dataclass(frozen=True)
class AckClaim:
    escalation_id: int
    user: str
    page_id: int


def ack_token(secret: str, claim: AckClaim) -> str:
    serializer = URLSafeTimedSerializer(secret, salt=SALT)
    return str(serializer.dumps({"e": claim.escalation_id, "u": claim.user, "p": claim.page_id}))


def read_ack_token(secret: str, token: str, max_age: timedelta) -> AckClaim:
    serializer = URLSafeTimedSerializer(secret, salt=SALT)
    try:
        data = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise AuthenticationError("this acknowledge link has expired") from exc
    except BadSignature as exc:
        raise AuthenticationError("this acknowledge link is not valid") from exc
    try:
        return AckClaim(int(data["e"]), str(data["u"]), int(data["p"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise AuthenticationError("this acknowledge link is not valid") from exc


def ack_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{ACK_PATH}?token={quote(token)}"
