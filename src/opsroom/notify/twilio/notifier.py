"""SMS (Messages.json) and voice calls (Calls.json with TwiML) through Twilio's SDK."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from requests import RequestException
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from opsroom.notify.base import Delivery, DeliveryError, PageMessage, page_marker
from opsroom.notify.settings import TwilioConfig

# Errors about the number itself: retrying cannot help (https://www.twilio.com/docs/api/errors).
PERMANENT_CODES = frozenset({21211, 21214, 21217, 21407, 21408, 21610, 21612, 21614, 13224})
SMS_LIMIT = 1600
SKEW = timedelta(minutes=2)  # between our clock and Twilio's date_created


def sms_text(message: PageMessage) -> str:
    marker = f" {page_marker(message.page_id)}"
    text = f"{message.subject}\n{message.body}"
    if message.ack_code is not None:
        text += f"\nReply ACK {message.ack_code} to acknowledge."
    return text[: SMS_LIMIT - len(marker)] + marker


def voice_twiml(message: PageMessage) -> str:
    said = f"opsroom page. {message.subject}."
    if message.ack_code is not None:
        said += f" To acknowledge, reply A C K {message.ack_code} by text message."
    text = escape(said)
    return f'<Response><Say loop="2">{text}</Say></Response>'


def _call_twilio(action: Callable[[], str]) -> Delivery:
    try:
        sid = action()
    except TwilioRestException as exc:
        permanent = exc.code in PERMANENT_CODES or exc.status in (400, 401, 403, 404)
        raise DeliveryError(
            f"Twilio answered {exc.status} (code {exc.code}): {exc.msg}",
            permanent=permanent and exc.status != 429,
        ) from exc
    except (TwilioException, RequestException, OSError) as exc:
        raise DeliveryError(f"Twilio unreachable: {type(exc).__name__}") from exc
    return Delivery(status="sent", provider_id=sid)


class TwilioSmsNotifier:
    channel = "sms"

    def __init__(
        self, client: Client, config: TwilioConfig, status_url: Callable[[], str] | None = None
    ) -> None:
        self._client, self._from = client, config.from_number
        self._status_url = status_url

    def find_delivery(self, message: PageMessage, since: datetime) -> Delivery | None:
        """Twilio's own list of messages to the number: is this page (its marker) there?"""

        def lookup() -> str:
            marker = page_marker(message.page_id)
            listed = self._client.messages.stream(to=message.address, from_=self._from)
            for sent in listed:  # newest first, page by page, back to `since`
                if str(sent.body or "").endswith(marker):
                    return str(sent.sid)
                if sent.date_created is not None and sent.date_created < since - SKEW:
                    break
            return ""

        found = _call_twilio(lookup)
        return found if found.provider_id else None

    def deliver(self, message: PageMessage) -> Delivery:
        def send() -> str:
            callback = self._status_url() if self._status_url else values.unset
            sent = self._client.messages.create(
                to=message.address,
                from_=self._from,
                body=sms_text(message),
                status_callback=callback,
            )
            return str(sent.sid)

        return _call_twilio(send)


class TwilioVoiceNotifier:
    channel = "voice"

    def __init__(self, client: Client, config: TwilioConfig) -> None:
        self._client, self._from = client, config.from_number

    def find_delivery(self, message: PageMessage, since: datetime) -> Delivery | None:
        """A call to the number created since the page was handed over counts as this page."""

        def lookup() -> str:
            for call in self._client.calls.list(to=message.address, from_=self._from, limit=20):
                created = call.date_created
                if created is not None and created >= since - SKEW:
                    return str(call.sid)
            return ""

        found = _call_twilio(lookup)
        return found if found.provider_id else None

    def deliver(self, message: PageMessage) -> Delivery:
        def call() -> str:
            made = self._client.calls.create(
                to=message.address, from_=self._from, twiml=voice_twiml(message)
            )
            return str(made.sid)

        return _call_twilio(call)
