"""The `Notifier` port: deliver one page to one address. Providers never touch tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from opsroom.errors import OpsroomError


@dataclass(frozen=True)
class PageMessage:
    """Everything a channel needs to say: plain text, an ack link and the SMS ack code."""

    page_id: int
    user: str
    address: str
    subject: str
    body: str
    ack_url: str | None = None
    ack_code: int | None = None


@dataclass(frozen=True)
class Delivery:
    """What the provider said: `sent` (accepted) or `delivered` (already in front of them)."""

    status: str = "sent"
    provider_id: str | None = None


class DeliveryError(OpsroomError):
    """A channel could not take a page; `permanent` ones (a bad number) are not retried."""

    code = "delivery_failed"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    """One channel (email, sms, voice, chat, apprise)."""

    channel: str

    def deliver(self, message: PageMessage) -> Delivery:
        """Hand the page to the provider; raise DeliveryError when it refuses or fails."""


@runtime_checkable
class DeliveryLookup(Protocol):
    """A channel that can tell whether a page reached it, for a worker that died mid-send."""

    def find_delivery(self, message: PageMessage, since: datetime) -> Delivery | None:
        """The provider's record of this page handed over at or after `since`, if any."""


@dataclass(frozen=True)
class InboundReply:
    """A person answered a page, e.g. an SMS `ACK 42` from their phone."""

    channel: str
    sender: str
    text: str


@dataclass(frozen=True)
class StatusReport:
    """A provider's later word on a page it accepted: delivered, or failed after all."""

    provider_id: str
    delivered: bool
    error: str = ""


@runtime_checkable
class InboundNotifier(Protocol):
    """A channel people can reply through; the provider signs its webhooks."""

    channel: str

    def verify_inbound(self, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> None:
        """Raise AuthenticationError unless the provider signed this request."""

    def parse_inbound(self, form: Mapping[str, str]) -> InboundReply:
        """The reply in a verified request."""

    def inbound_answer(self, text: str) -> tuple[str, str]:
        """The body and media type answering the provider (TwiML for Twilio)."""

    def parse_status(self, form: Mapping[str, str]) -> StatusReport | None:
        """A verified delivery-status callback; None for interim states (sent, sending)."""


def page_marker(page_id: int) -> str:
    """A tag in the text of a page, so a provider's record can be matched to the page."""
    return f"(p{page_id})"
