"""The `chat.matrix` section of opsroom.yaml. Secrets come from the environment:
OPSROOM_CHAT__MATRIX__AS_TOKEN and OPSROOM_CHAT__MATRIX__HS_TOKEN (the two tokens of the
application service registration file)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

USER_ID = r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.:\[\]-]+$"
# Room ids (`!opaque`, with `:server` before room version 12) or aliases (`#name:server`).
ROOM = r"^(?:![^\s]+|#[^:\s]+:[A-Za-z0-9.:\[\]-]+)$"


class MatrixSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # The client-server API of the homeserver, e.g. https://matrix.example.test
    homeserver_url: str = Field(pattern=r"^https?://")
    # The bot: the registration's sender_localpart on this homeserver, e.g. @opsroom:example.test
    user_id: str = Field(pattern=USER_ID)
    # as_token: opsroom's token towards the homeserver; hs_token: the homeserver's towards us.
    as_token: SecretStr | None = None
    hs_token: SecretStr | None = None
    # Room ids (!abc:example.test) or aliases (#alerts:example.test); the bot joins them.
    alerts_room: str | None = Field(default=None, pattern=ROOM)
    incidents_room: str | None = Field(default=None, pattern=ROOM)
    # People (Matrix ids) invited to every incident room.
    invite: list[str] = Field(default_factory=list)
    # Put in front of every incident room alias (`prod-` -> #prod-inc-42-...:example.test),
    # for several opsroom installs on one homeserver. Must match the registration's aliases.
    alias_prefix: str = Field(default="", pattern=r"^[a-z0-9._=-]{0,40}$")
    # Invite-only incident rooms; by default anyone on the homeserver may join (not listed).
    private_rooms: bool = False
    # events_default at resolution: above normal users (0) and moderators (50).
    read_only_level: int = Field(default=100, ge=51)
    timeout: float = Field(default=10.0, gt=0, le=60)

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]

    @model_validator(mode="after")
    def _secrets_present(self) -> MatrixSettings:
        if not self.enabled:
            return self
        missing = [name for name in ("as_token", "hs_token") if getattr(self, name) is None]
        if missing:
            env = ", ".join(f"OPSROOM_CHAT__MATRIX__{name.upper()}" for name in missing)
            raise ValueError(f"Matrix needs {', '.join(missing)} (set {env})")
        for user in self.invite:
            if not _is_user_id(user):
                raise ValueError(f"invite: {user!r} is not a Matrix user id (@name:server)")
        return self


def _is_user_id(value: str) -> bool:
    return re.fullmatch(USER_ID, value) is not None
