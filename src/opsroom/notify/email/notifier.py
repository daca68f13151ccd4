"""Email over SMTP with smtplib: plain text with the acknowledge link."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from opsroom.notify.base import Delivery, DeliveryError, PageMessage
from opsroom.notify.settings import SmtpConfig


def render_email(message: PageMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.address
    email["Subject"] = " ".join(message.subject.split())[:300]  # no header injection
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "opsroom.invalid")
    lines = [message.body, ""]
    if message.ack_url:
        lines += ["Acknowledge (stops the escalation):", message.ack_url, ""]
    if message.ack_code is not None:
        lines.append(f"Or reply ACK {message.ack_code} to an SMS page, or type /inc ack in chat.")
    email.set_content("\n".join(lines))
    return email


class SmtpNotifier:
    channel = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    def deliver(self, message: PageMessage) -> Delivery:
        email = render_email(message, self._config.from_address)
        try:
            with self._connect() as smtp:
                refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"the SMTP server refused {message.address}", permanent=True
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP delivery failed: {type(exc).__name__}: {exc}") from exc
        if refused:
            raise DeliveryError(f"the SMTP server refused {message.address}", permanent=True)
        return Delivery(status="sent", provider_id=str(email["Message-ID"]))

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        if config.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=config.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if config.username and config.password is not None:
            smtp.login(config.username, config.password.get_secret_value())
        return smtp
