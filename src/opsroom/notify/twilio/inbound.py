"""Inbound SMS webhooks: verified with X-Twilio-Signature, answered with TwiML.

Twilio signs the full URL it called followed by each POST parameter, sorted by name, as
name+value: HMAC-SHA1 with the account's auth token, base64
(https://www.twilio.com/docs/usage/webhooks/webhooks-security). The SDK's RequestValidator
implements exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

from twilio.request_validator import RequestValidator

from opsroom.errors import BadSignatureError, MalformedPayloadError
from opsroom.notify.base import InboundReply, StatusReport
from opsroom.notify.settings import TwilioConfig

SIGNATURE_HEADER = "x-twilio-signature"


class TwilioInbound:
    channel = "sms"

    def __init__(self, config: TwilioConfig) -> None:
        self._validator = RequestValidator(config.auth_token.get_secret_value())
        self._account = config.account_sid

    def verify_inbound(self, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> None:
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature:
            raise BadSignatureError("missing X-Twilio-Signature header")
        if not self._validator.validate(url, dict(form), signature):
            raise BadSignatureError("X-Twilio-Signature does not match this request")
        if form.get("AccountSid") not in (None, self._account):
            raise BadSignatureError("the request is for another Twilio account")

    def parse_inbound(self, form: Mapping[str, str]) -> InboundReply:
        sender = form.get("From", "").strip()
        if not sender:
            raise MalformedPayloadError("an inbound SMS needs From")
        return InboundReply(channel="sms", sender=sender, text=form.get("Body", ""))

    def parse_status(self, form: Mapping[str, str]) -> StatusReport | None:
        """Message status callbacks: MessageSid, MessageStatus, ErrorCode
        (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status)."""
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        status = form.get("MessageStatus", "")
        if not sid or not status:
            raise MalformedPayloadError("a status callback needs MessageSid and MessageStatus")
        if status in ("delivered", "read"):
            return StatusReport(sid, delivered=True)
        if status in ("undelivered", "failed"):
            code = form.get("ErrorCode", "")
            return StatusReport(sid, delivered=False, error=f"Twilio reports {status} {code}")
        return None

    def inbound_answer(self, text: str) -> tuple[str, str]:
        twiml = f"<?xml version='1.0' encoding='UTF-8'?><Response><Message>{escape(text)}</Message>"
        twiml += "</Response>"
        return twiml, "text/xml"
