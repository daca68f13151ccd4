"""Configuration models of people and teams (`users:` and `teams:` in opsroom.yaml)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from opsroom.alert.settings import Duration

ContactKind = Literal["email", "sms", "voice", "chat", "apprise"]
CONTACT_KINDS: tuple[str, ...] = ("email", "sms", "voice", "chat", "apprise")
USER_NAME = r"^[A-Za-z0-9_.-]{1,64}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactConfig(_Model):
    """One way to reach a person. `chat` needs no address: it is a DM in the built-in chat."""

    kind: ContactKind
    address: str = ""

    @model_validator(mode="after")
    def _address(self) -> ContactConfig:
        from opsroom.user.model import check_address

        self.address = check_address(self.kind, self.address)
        return self


class NotificationRuleConfig(_Model):
    """Use every contact method of `kind` once `after` has passed without an acknowledgement."""

    kind: ContactKind
    after: Duration = timedelta(0)


class PageRateLimit(_Model):
    """At most `max_pages` pages to one person per `per`; more are recorded as suppressed."""

    max_pages: int = Field(default=30, ge=1)
    per: Duration = timedelta(minutes=10)


class UserConfig(_Model):
    name: str = Field(pattern=USER_NAME)
    display_name: str = ""
    contacts: list[ContactConfig] = Field(default_factory=list)
    notification_rules: list[NotificationRuleConfig] = Field(default_factory=list)
    rate_limit: PageRateLimit | None = None


class TeamConfig(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    members: list[str] = Field(default_factory=list)
