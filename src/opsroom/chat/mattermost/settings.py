"""The `chat.mattermost` section of opsroom.yaml. Secrets come from the environment:
OPSROOM_CHAT__MATTERMOST__BOT_TOKEN (the bot account's access token),
OPSROOM_CHAT__MATTERMOST__COMMAND_TOKEN (the `/inc` slash command's token) and, for
buttons, OPSROOM_CHAT__MATTERMOST__ACTION_SECRET (any random string)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

# Mattermost ids are 26 lowercase letters and digits.
MATTERMOST_ID = r"^[a-z0-9]{26}$"


class MattermostSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # The server, e.g. https://mattermost.example.test (the API is under /api/v4).
    url: str = Field(pattern=r"^https?://")
    team_id: str = Field(pattern=MATTERMOST_ID)
    bot_token: SecretStr | None = None
    command_token: SecretStr | None = None
    # Buttons (Acknowledge, Declare, Resolve) call back opsroom at `actions_url`
    # (https://opsroom.example.test/api/v1/chat/mattermost/actions), carrying this secret.
    action_secret: SecretStr | None = None
    actions_url: str | None = Field(default=None, pattern=r"^https?://")
    # Channel ids (not names: names change); the bot must be a member.
    alerts_channel: str | None = Field(default=None, pattern=MATTERMOST_ID)
    incidents_channel: str | None = Field(default=None, pattern=MATTERMOST_ID)
    # People (Mattermost user ids) added to every incident channel.
    invite: list[str] = Field(default_factory=list)
    private_channels: bool = False
    # Messages in incident channels are read every `poll_seconds` by the bot account.
    poll_seconds: float = Field(default=5.0, ge=0.2, le=300)
    timeout: float = Field(default=10.0, gt=0, le=60)

    @property
    def buttons(self) -> bool:
        return self.action_secret is not None and self.actions_url is not None

    @model_validator(mode="after")
    def _secrets_present(self) -> MattermostSettings:
        if not self.enabled:
            return self
        missing = [name for name in ("bot_token", "command_token") if getattr(self, name) is None]
        if missing:
            env = ", ".join(f"OPSROOM_CHAT__MATTERMOST__{name.upper()}" for name in missing)
            raise ValueError(f"Mattermost needs {', '.join(missing)} (set {env})")
        if (self.action_secret is None) != (self.actions_url is None):
            raise ValueError("buttons need both actions_url and action_secret (or neither)")
        return self
