"""Configuration of the page channels (`notify:` in opsroom.yaml); secrets come from OPSROOM_*."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from opsroom.alert.settings import Duration
from opsroom.user.settings import PageRateLimit


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmtpConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    from_address: str = "opsroom@localhost"
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = Field(default=10.0, gt=0)


class TwilioConfig(_Model):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr
    from_number: str = Field(pattern=r"^\+[1-9]\d{6,14}$")
    base_url: str | None = Field(
        default=None, description="send API calls here instead of https://api.twilio.com (tests)"
    )
    timeout: float = Field(default=10.0, gt=0)


class AppriseConfig(_Model):
    timeout: float = Field(default=10.0, gt=0)


class NotifyConfig(_Model):
    smtp: SmtpConfig | None = None
    twilio: TwilioConfig | None = None
    apprise: AppriseConfig = Field(default_factory=AppriseConfig)
    max_attempts: int = Field(default=6, ge=1, le=50)
    retry_base: Duration = timedelta(seconds=5)
    ack_link_ttl: Duration = timedelta(days=7)
    rate_limit: PageRateLimit = Field(default_factory=PageRateLimit)
