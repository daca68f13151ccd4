"""The JSON document Amazon SNS POSTs to an HTTP(S) subscriber, for every message type."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import HookRequest, unsupported

KIND = "cloudwatch"
MESSAGE_TYPES = ("SubscriptionConfirmation", "Notification", "UnsubscribeConfirmation")
CONFIRMATION_TYPES = ("SubscriptionConfirmation", "UnsubscribeConfirmation")


class SnsMessage(BaseModel):
    """One SNS message; field names are SNS's own (the aliases)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Literal["SubscriptionConfirmation", "Notification", "UnsubscribeConfirmation"] = Field(
        alias="Type"
    )
    message_id: str = Field(alias="MessageId", min_length=1)
    topic_arn: str = Field(alias="TopicArn", min_length=1)
    message: str = Field(alias="Message")
    timestamp: str = Field(alias="Timestamp", min_length=1)
    subject: str | None = Field(default=None, alias="Subject")
    signature_version: str | None = Field(default=None, alias="SignatureVersion")
    signature: str | None = Field(default=None, alias="Signature")
    signing_cert_url: str | None = Field(default=None, alias="SigningCertURL")
    subscribe_url: str | None = Field(default=None, alias="SubscribeURL")
    token: str | None = Field(default=None, alias="Token")
    unsubscribe_url: str | None = Field(default=None, alias="UnsubscribeURL")

    def arn_part(self, index: int) -> str:
        """A part of the TopicArn `arn:aws:sns:<region>:<account>:<name>` (3, 4, 5)."""
        parts = self.topic_arn.split(":", 5)
        return parts[index] if len(parts) == 6 else ""


def read_message(request: HookRequest) -> tuple[SnsMessage, dict[str, Any]]:
    """The validated SNS message and the decoded body it came from."""
    data = request.json()
    if not isinstance(data, dict):
        raise UnsupportedPayloadError(
            f"not a {KIND} payload: expected a JSON object (an Amazon SNS message)"
        )
    if "Type" in data and data["Type"] not in MESSAGE_TYPES:
        raise UnsupportedPayloadError(
            f"unsupported SNS message Type {data['Type']!r}: "
            f"expected one of {', '.join(MESSAGE_TYPES)}",
            details=[{"field": "Type", "problem": f"unsupported value {data['Type']!r}"}],
        )
    try:
        message = SnsMessage.model_validate(data)
    except ValidationError as exc:
        raise unsupported(KIND, exc) from exc
    if message.type in CONFIRMATION_TYPES:
        for field, value in (("SubscribeURL", message.subscribe_url), ("Token", message.token)):
            if not value:
                raise UnsupportedPayloadError(
                    f"not a {KIND} payload: {field}: required in a {message.type}",
                    details=[{"field": field, "problem": "Field required"}],
                )
    return message, data
