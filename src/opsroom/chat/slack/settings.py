"""The `chat.slack` section of opsroom.yaml. Secrets come from the environment:
OPSROOM_CHAT__SLACK__BOT_TOKEN, OPSROOM_CHAT__SLACK__SIGNING_SECRET and, for Socket Mode,
OPSROOM_CHAT__SLACK__APP_TOKEN."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

CHANNEL_ID = r"^[CGD][A-Z0-9]{2,30}$"
# User ids, e.g. U0123ABCDEF (W... on Enterprise Grid); not names, not @handles.
USER_ID = r"^[UW][A-Z0-9]{2,30}$"


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    # Socket Mode (installs behind a firewall): an app-level token with connections:write.
    socket_mode: bool = False
    app_token: SecretStr | None = None
    # Channel ids (not names: names change), e.g. C0123ABCDEF; the bot must be a member.
    alerts_channel: str | None = Field(default=None, pattern=CHANNEL_ID)
    incidents_channel: str | None = Field(default=None, pattern=CHANNEL_ID)
    # People (Slack user ids, U0123ABCDEF) invited to every incident channel.
    invite: list[str] = Field(default_factory=list)
    private_channels: bool = False
    api_url: str = "https://slack.com/api/"
    timeout: float = Field(default=10.0, gt=0, le=60)
    # Slack signs each request with a timestamp; older requests are refused (replay window).
    replay_window_seconds: int = Field(default=300, ge=30, le=3600)

    @field_validator("invite")
    @classmethod
    def _user_ids(cls, users: list[str]) -> list[str]:
        for user in users:
            if not re.fullmatch(USER_ID, user):
                raise ValueError(f"{user!r} is not a Slack user id (like U0123ABCDEF)")
        return users

    @model_validator(mode="after")
    def _secrets_present(self) -> SlackSettings:
        if not self.enabled:
            return self
        needed = ["bot_token", "app_token" if self.socket_mode else "signing_secret"]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            env = ", ".join(f"OPSROOM_CHAT__SLACK__{name.upper()}" for name in missing)
            raise ValueError(f"Slack needs {', '.join(missing)} (set {env})")
        return self
