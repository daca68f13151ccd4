"""Teams' outbound side behind the chat port: the Bot Connector REST API (proactive
messages, replies, updates) and, for a channel per incident, Microsoft Graph.

Thread rooms (the default): a new conversation in the incidents channel
(`POST {serviceUrl}/v3/conversations` with the channel's id) starts a post whose reply chain
is the room; its id is `19:...@thread.tacv2;messageid=<root>`. The root post shows the
incident's status line and is edited when the topic changes, and marked resolved at the end
(Teams cannot lock one thread). Channel rooms: `POST /teams/{team}/channels` (a name in use
is refused and gets a suffix), description as topic, and `POST .../archive` at resolution.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from opsroom.chat.base import Capabilities, PostedMessage, RoomRef
from opsroom.chat.errors import ChatPermanentError
from opsroom.chat.message import Message, ReplyTarget
from opsroom.chat.teams import render
from opsroom.chat.teams.http import BOT_SCOPE, GRAPH_SCOPE, TokenSource, call
from opsroom.chat.teams.settings import TeamsSettings
from opsroom.clock import Clock
from opsroom.logging import get_logger

log = get_logger(__name__)
RESOLVED = "[RESOLVED] "


class TeamsChatAdapter:
    platform = "teams"
    limits = render.TEAMS_LIMITS

    def __init__(
        self, settings: TeamsSettings, clock: Clock, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.http = httpx.Client(timeout=settings.timeout, transport=transport)
        self.threads = settings.rooms == "thread"
        tenant = settings.tenant_id if settings.single_tenant else "botframework.com"
        self.bot_tokens = self._tokens(clock, f"{settings.login_url}/{tenant}/oauth2/v2.0/token")
        self.graph_tokens = self._tokens(
            clock, f"{settings.login_url}/{settings.tenant_id}/oauth2/v2.0/token"
        )
        self.capabilities = Capabilities(
            rooms=settings.bot,
            threads=self.threads,
            buttons=True,
            topics=True,
            archive=True,
            read_only=not self.threads,
            message_update=True,
            deferred_replies=settings.bot,
        )

    def _tokens(self, clock: Clock, url: str) -> TokenSource:
        secret = self.settings.app_password.get_secret_value() if self.settings.app_password else ""
        return TokenSource(
            self.http, clock, url=url, client_id=self.settings.app_id or "", secret=secret
        )

    def escape(self, text: str) -> str:
        return render.escape_card(text)

    def _connector(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        if not self.settings.bot:
            raise ChatPermanentError("Teams is set up as an outgoing webhook only", reason="no_bot")
        url = self.settings.service_url.rstrip("/") + path
        token = self.bot_tokens.token(BOT_SCOPE)
        return call(self.http, method, url, what=what, token=token, **kwargs)

    def _graph(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        token = self.graph_tokens.token(GRAPH_SCOPE)
        url = self.settings.graph_url.rstrip("/") + path
        return call(self.http, method, url, what=what, token=token, **kwargs)

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        if not self.threads:
            team = self.settings.team_id
            body = {"displayName": name, "description": topic[:1024], "membershipType": "standard"}
            channel = self._graph("POST", f"/teams/{team}/channels", "channel create", json=body)
            return RoomRef(id=str(channel["id"]), name=str(channel.get("displayName", name)))
        started = self._start_conversation(str(self.settings.incidents_channel), topic or name)
        return RoomRef(id=str(started["id"]), name=name)

    def _start_conversation(self, channel: str, text: str) -> Any:
        channel_data: dict[str, Any] = {"channel": {"id": channel}}
        body: dict[str, Any] = {
            "isGroup": True,
            "channelData": channel_data,
            "activity": render.text_activity(text),
        }
        if self.settings.tenant_id:
            channel_data["tenant"] = {"id": self.settings.tenant_id}
            body["tenantId"] = self.settings.tenant_id
        return self._connector("POST", "/v3/conversations", "conversation create", json=body)

    def post(self, room_id: str, message: Message) -> PostedMessage:
        path = f"/v3/conversations/{quote(room_id, safe='')}/activities"
        posted = self._connector("POST", path, "send", json=render.activity(message))
        return PostedMessage(room_id=room_id, id=str(posted.get("id", "")))

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        path = f"/v3/conversations/{quote(room_id, safe='')}/activities/{quote(message_id)}"
        self._connector("PUT", path, "update", json=render.activity(message))

    def set_topic(self, room_id: str, topic: str) -> None:
        if not self.threads:
            path = f"/teams/{self.settings.team_id}/channels/{quote(room_id, safe='')}"
            self._graph("PATCH", path, "channel update", json={"description": topic[:1024]})
            return
        self._edit_root(room_id, topic)

    def _edit_root(self, room_id: str, text: str) -> None:
        channel, _, root = room_id.partition(";messageid=")
        if not root:
            return
        path = f"/v3/conversations/{quote(channel, safe='')}/activities/{quote(root)}"
        self._connector("PUT", path, "update", json=render.text_activity(text))

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        """Standard channels and their threads are open to the whole team: nothing to do."""

    def archive_room(self, room_id: str) -> None:
        self.archive_with_topic(room_id, "")

    def archive_with_topic(self, room_id: str, topic: str) -> None:
        """A thread cannot be locked: its root post says the incident is resolved, with the
        incident's last status line so each one in the channel is told apart."""
        if self.threads:
            channel, _, root = room_id.partition(";messageid=")
            log.info("teams.thread_closed", channel=channel, root=root)
            self._edit_root(room_id, RESOLVED + (topic or "This incident is resolved."))
            return
        path = f"/teams/{self.settings.team_id}/channels/{quote(room_id, safe='')}/archive"
        self._graph("POST", path, "channel archive", json={})

    def open_direct(self, user_id: str) -> str:
        raise ChatPermanentError("Teams direct messages are not supported", reason="no_dm")

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """A reply in the conversation of an activity opsroom received."""
        conversation = str(target.data.get("conversation", ""))
        service = str(target.data.get("service_url", ""))
        if not conversation or not self._trusted(service):
            log.warning("teams.reply_dropped", trusted=self._trusted(service))
            return
        path = f"/v3/conversations/{quote(conversation, safe='')}/activities"
        reply_to = str(target.data.get("activity", ""))
        if reply_to:
            path += f"/{quote(reply_to)}"
        activity = render.activity(message)
        activity["replyToId"] = reply_to
        self._connector("POST", path, "reply", json=activity)

    def _trusted(self, service_url: str) -> bool:
        """Replies go to the configured service URL's host or Microsoft's own."""
        host = urlsplit(service_url).hostname or ""
        configured = urlsplit(self.settings.service_url).hostname
        return host == configured or host.endswith((".trafficmanager.net", ".botframework.com"))
