"""Signed session cookies for the web page (itsdangerous)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from opsroom.user.service import Principal

COOKIE = "opsroom_session"
MAX_AGE = 7 * 24 * 3600


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="opsroom-session")


def dump_session(secret: str, principal: Principal) -> str:
    return _serializer(secret).dumps(
        {"id": principal.id, "name": principal.name, "role": principal.role}
    )


def load_session(secret: str, cookie: str | None) -> Principal | None:
    if not cookie:
        return None
    try:
        data = _serializer(secret).loads(cookie, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return Principal(int(data["id"]), str(data["name"]), str(data["role"]))
