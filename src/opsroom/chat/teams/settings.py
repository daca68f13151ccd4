"""The `chat.teams` section of opsroom.yaml. Secrets come from the environment:
OPSROOM_CHAT__TEAMS__APP_PASSWORD (the bot's client secret) and, for the outgoing-webhook
setup, OPSROOM_CHAT__TEAMS__OUTGOING_WEBHOOK_SECRET."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
CHANNEL_ID = r"^19:[^;\s]+@thread\.(tacv2|skype)$"


class TeamsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # The Azure Bot's Microsoft App ID (the audience of the tokens Teams sends) and secret.
    # Leave both out for the minimal setup: an outgoing webhook that only answers commands.
    app_id: str | None = Field(default=None, pattern=GUID)
    app_password: SecretStr | None = None
    # Single-tenant bots get their tokens from their own tenant; multi-tenant ones from
    # botframework.com. Graph (a channel per incident) always needs the tenant.
    tenant_id: str | None = Field(default=None, pattern=GUID)
    single_tenant: bool = True
    outgoing_webhook_secret: SecretStr | None = None
    # The team (its group id) and its channels (ids like 19:...@thread.tacv2).
    team_id: str | None = Field(default=None, pattern=GUID)
    alerts_channel: str | None = Field(default=None, pattern=CHANNEL_ID)
    incidents_channel: str | None = Field(default=None, pattern=CHANNEL_ID)
    # An incident's room: a thread (reply chain) in the incidents channel, which every tenant
    # allows, or a channel of its own created through Graph (needs Channel.Create and
    # ChannelSettings.ReadWrite.All application permissions and an admin's consent).
    rooms: Literal["thread", "channel"] = "thread"
    service_url: str = "https://smba.trafficmanager.net/teams/"
    login_url: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    issuer: str = "https://api.botframework.com"
    timeout: float = Field(default=10.0, gt=0, le=60)

    @property
    def bot(self) -> bool:
        """A Bot Framework bot (proactive messages, cards, rooms), not only the webhook."""
        return self.app_id is not None

    @model_validator(mode="after")
    def _consistent(self) -> TeamsSettings:
        if not self.enabled:
            return self
        if not self.bot and self.outgoing_webhook_secret is None:
            raise ValueError(
                "Teams needs app_id and OPSROOM_CHAT__TEAMS__APP_PASSWORD (a bot), or "
                "OPSROOM_CHAT__TEAMS__OUTGOING_WEBHOOK_SECRET (the outgoing webhook)"
            )
        if self.bot and self.app_password is None:
            raise ValueError("Teams needs app_password (set OPSROOM_CHAT__TEAMS__APP_PASSWORD)")
        if self.bot and self.rooms == "thread" and self.incidents_channel is None:
            raise ValueError("Teams rooms: thread needs incidents_channel (threads live there)")
        if self.bot and self.rooms == "channel" and not (self.team_id and self.tenant_id):
            raise ValueError("Teams rooms: channel needs team_id and tenant_id (for Graph)")
        if self.single_tenant and self.bot and self.tenant_id is None:
            raise ValueError("a single-tenant Teams bot needs tenant_id")
        return self
