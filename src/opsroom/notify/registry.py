"""Builds the configured page channels (the composition root calls this)."""

from __future__ import annotations

from opsroom.config import Settings
from opsroom.notify.apprise.notifier import AppriseNotifier
from opsroom.notify.base import InboundNotifier, Notifier
from opsroom.notify.email.notifier import SmtpNotifier
from opsroom.notify.twilio.client import build_client
from opsroom.notify.twilio.inbound import TwilioInbound
from opsroom.notify.twilio.notifier import TwilioSmsNotifier, TwilioVoiceNotifier


def build_notifiers(settings: Settings) -> dict[str, Notifier]:
    config = settings.notify
    notifiers: dict[str, Notifier] = {"apprise": AppriseNotifier(config.apprise)}
    if config.smtp is not None:
        notifiers["email"] = SmtpNotifier(config.smtp)
    if config.twilio is not None:
        client = build_client(config.twilio)
        server = settings.server  # read at send time: `opsroom serve --port` may change it

        def status_url() -> str:
            return f"{server.public_url()}/api/v1/notify/twilio/status"

        notifiers["sms"] = TwilioSmsNotifier(client, config.twilio, status_url)
        notifiers["voice"] = TwilioVoiceNotifier(client, config.twilio)
    return notifiers


def build_inbound(settings: Settings) -> dict[str, InboundNotifier]:
    """Providers people reply through, by the slug in /api/v1/notify/{provider}/inbound."""
    twilio = settings.notify.twilio
    return {"twilio": TwilioInbound(twilio)} if twilio is not None else {}
