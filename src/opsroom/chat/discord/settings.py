"""The `chat.discord` section of opsroom.yaml. The bot token is a secret and comes from the
environment: OPSROOM_CHAT__DISCORD__BOT_TOKEN. The public key is not a secret (Discord shows
it on the app's General Information page) but may come from the environment too."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

SNOWFLAKE = r"^[0-9]{15,21}$"


class DiscordSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    application_id: str = Field(pattern=SNOWFLAKE)
    # Hex Ed25519 public key of the app: every interaction is signed with its private half.
    public_key: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    bot_token: SecretStr | None = None
    guild_id: str = Field(pattern=SNOWFLAKE)
    # Channel ids (snowflakes, not names: names change); the bot must see and post in them.
    alerts_channel: str | None = Field(default=None, pattern=SNOWFLAKE)
    incidents_channel: str | None = Field(default=None, pattern=SNOWFLAKE)
    # An incident's room: a public thread under incidents_channel (the default), or a text
    # channel of its own under `category_id`, moved to `archive_category_id` when resolved.
    rooms: Literal["thread", "channel"] = "thread"
    category_id: str | None = Field(default=None, pattern=SNOWFLAKE)
    archive_category_id: str | None = Field(default=None, pattern=SNOWFLAKE)
    # People (Discord user ids) added to every incident thread or channel.
    invite: list[Annotated[str, Field(pattern=SNOWFLAKE)]] = Field(default_factory=list)
    # Messages in incident rooms reach the timeline through the Gateway (MESSAGE_CONTENT
    # is a privileged intent: switch it on in the developer portal, or set this to false).
    gateway: bool = True
    gateway_url: str | None = None  # normally asked of GET /gateway/bot
    api_url: str = "https://discord.com/api/v10"
    timeout: float = Field(default=10.0, gt=0, le=60)
    # Discord signs each interaction with a timestamp; older ones are refused (replay window).
    replay_window_seconds: int = Field(default=300, ge=30, le=3600)

    @model_validator(mode="after")
    def _consistent(self) -> DiscordSettings:
        if not self.enabled:
            return self
        if self.bot_token is None:
            raise ValueError("Discord needs bot_token (set OPSROOM_CHAT__DISCORD__BOT_TOKEN)")
        if self.rooms == "thread" and self.incidents_channel is None:
            raise ValueError("Discord rooms: thread needs incidents_channel (threads live there)")
        return self
