"""Socket Mode: Slack delivers commands, events and button presses over a WebSocket that
opsroom opens (slack_sdk's built-in SocketModeClient), for installs Slack cannot reach.

Each envelope is parsed as its HTTP twin would be and run by the same gateway; the ack
carries the answer (a slash command's reply, a modal's errors). The app-level token
(`xapp-...`, scope connections:write) authenticates the connection, so there is no
per-request signature to check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import WebClient

from opsroom.chat.inbound import Answer, InboundOutcome, InboundParse
from opsroom.chat.slack import inbound
from opsroom.chat.slack.settings import SlackSettings
from opsroom.errors import OpsroomError
from opsroom.logging import get_logger

log = get_logger(__name__)

Run = Callable[[InboundParse], tuple[Answer, list[InboundOutcome]]]
AfterAnswer = Callable[[list[InboundOutcome]], None]


def parse_envelope(kind: str, payload: dict[str, Any]) -> InboundParse:
    """A Socket Mode envelope's payload, parsed like the HTTP request it stands for."""
    if kind == "slash_commands":
        form = {key: str(value) for key, value in payload.items()}
        return inbound.command_parse(form)
    if kind == "events_api":
        return inbound.parse_events(payload)
    if kind == "interactive":
        return inbound.parse_interaction(payload)
    return InboundParse()


class SlackSocketMode:
    def __init__(self, settings: SlackSettings, run: Run, after: AfterAnswer) -> None:
        assert settings.app_token is not None
        web = WebClient(base_url=settings.api_url, timeout=max(1, round(settings.timeout)))
        self.client = SocketModeClient(
            app_token=settings.app_token.get_secret_value(),
            web_client=web,
            auto_reconnect_enabled=True,
        )
        self._run, self._after = run, after
        self.client.socket_mode_request_listeners.append(self._on_request)

    def start(self) -> None:
        self.client.connect()
        log.info("slack.socket_mode_connected")

    def stop(self) -> None:
        self.client.close()

    def _on_request(self, client: Any, request: SocketModeRequest) -> None:
        try:
            parsed = parse_envelope(request.type, request.payload)
            answer, outcomes = self._run(parsed)
        except OpsroomError as exc:
            log.warning("slack.socket_mode_request_refused", type=request.type, error=exc.code)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
            return
        body = answer.reply.body if isinstance(answer.reply.body, dict) else None
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=body)
        )
        self._after(outcomes)
