"""Apprise URLs (https://github.com/caronc/apprise/wiki): one library, a hundred services."""

from __future__ import annotations

import apprise

from opsroom.notify.base import Delivery, DeliveryError, PageMessage
from opsroom.notify.settings import AppriseConfig


class AppriseNotifier:
    channel = "apprise"

    def __init__(self, config: AppriseConfig) -> None:
        self._config = config

    def deliver(self, message: PageMessage) -> Delivery:
        asset = apprise.AppriseAsset(async_mode=False, service_timeout=self._config.timeout)
        client = apprise.Apprise(asset=asset)
        if not client.add(message.address):
            raise DeliveryError("apprise does not understand this URL", permanent=True)
        body = message.body
        if message.ack_url:
            body += f"\nAcknowledge: {message.ack_url}"
        # Plain text: alert text is data, never markup a service would render.
        if not client.notify(
            title=message.subject, body=body, body_format=apprise.NotifyFormat.TEXT
        ):
            raise DeliveryError("the apprise service did not accept the notification")
        return Delivery(status="sent")
