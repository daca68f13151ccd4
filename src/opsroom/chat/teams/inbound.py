"""Teams' inbound side: Bot Framework activities at /api/v1/chat/teams/messages (JWT) and the
outgoing webhook at /api/v1/chat/teams/webhook (HMAC), both checked before anything else.

`@opsroom inc ack` (or `/inc ack`) in a channel is a command; with the bot's RSC permission
ChannelMessage.Read.Group every other message in an incident thread or channel reaches the
timeline too. Card buttons arrive as Action.Submit (a message whose `value` is the button's
data) or Action.Execute (an `adaptiveCard/action` invoke, answered in the response). The bot
endpoint answers at once and replies in the conversation through the connector, as a job;
the outgoing webhook can only answer in its response (Teams waits 5 seconds).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx

from opsroom.chat.inbound import (
    ActionInvoked,
    Answer,
    CommandInvoked,
    InboundEvent,
    InboundOutcome,
    InboundParse,
    InboundReply,
    InboundRequest,
    MessagePosted,
    Person,
)
from opsroom.chat.message import (
    ACTIONS,
    Mention,
    Message,
    ReplyTarget,
    from_dict,
    plain_text,
    to_dict,
)
from opsroom.chat.teams import render
from opsroom.chat.teams.settings import TeamsSettings
from opsroom.chat.teams.verify import BotTokenValidator, activity_of, verify_webhook
from opsroom.clock import Clock
from opsroom.errors import MalformedPayloadError, NotFoundError

PLATFORM = "teams"
ENDPOINTS = ("messages", "webhook")
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
_TAG = re.compile(r"</?(?!at\b)[a-zA-Z][^>]*>")
_COMMAND = re.compile(r"^/?inc\b", re.IGNORECASE)


class TeamsInbound:
    platform = PLATFORM

    def __init__(self, settings: TeamsSettings, clock: Clock, http: httpx.Client) -> None:
        self._threads = settings.rooms == "thread"
        secret = settings.outgoing_webhook_secret
        self._webhook_secret = secret.get_secret_value() if secret else None
        self._validator = (
            BotTokenValidator(
                metadata_url=settings.openid_metadata_url,
                app_id=settings.app_id,
                issuer=settings.issuer,
                clock=clock,
                http=http,
            )
            if settings.app_id
            else None
        )

    def verify(self, request: InboundRequest) -> None:
        if request.endpoint == "webhook" and self._webhook_secret:
            verify_webhook(self._webhook_secret, request.headers, request.body)
        elif request.endpoint == "messages" and self._validator is not None:
            auth = request.headers.get("authorization", "")
            self._validator.validate(auth, activity_of(request.body))
        else:
            raise NotFoundError(f"Teams has no endpoint {request.endpoint!r} set up here")

    def parse(self, request: InboundRequest) -> InboundParse:
        mode = "webhook" if request.endpoint == "webhook" else "bot"
        return parse_activity(_json(request.body), threads=self._threads, mode=mode)

    def answer(self, parsed: InboundParse, outcomes: list[InboundOutcome]) -> Answer:
        return answer(outcomes)


def parse_activity(activity: dict[str, Any], *, threads: bool, mode: str) -> InboundParse:
    kind = activity.get("type")
    conversation = str((activity.get("conversation") or {}).get("id", ""))
    if kind not in ("message", "invoke") or not conversation:
        return InboundParse(reply=InboundReply(200))
    person = _person(activity)
    room = conversation if threads else conversation.split(";", maxsplit=1)[0]
    invoke = kind == "invoke"
    target = ReplyTarget(
        PLATFORM,
        {
            "mode": "invoke" if invoke else mode,
            "conversation": conversation,
            "activity": str(activity.get("id", "")),
            "service_url": str(activity.get("serviceUrl", "")),
        },
    )
    event = _event(activity, person, room, target, invoke=invoke, webhook=mode == "webhook")
    if event is None:
        return InboundParse(reply=_invoke_reply("") if invoke else InboundReply(200))
    return InboundParse(events=(event,), event_id=f"activity:{activity.get('id', '')}")


def _event(
    activity: dict[str, Any],
    person: Person,
    room: str,
    target: ReplyTarget,
    *,
    invoke: bool,
    webhook: bool,
) -> InboundEvent | None:
    data = _button_data(activity, invoke)
    if data is not None:
        action, value = data
        return ActionInvoked(person, room, action, value, reply=target)
    if invoke:
        return None
    text, mentions = clean_text(activity)
    if _COMMAND.match(text):
        command = "/inc" + _COMMAND.sub("", text, count=1)
        return CommandInvoked(person, room, command.strip(), mentions=mentions, reply=target)
    if webhook or not text:
        return None  # the outgoing webhook only sees @mentions; they are meant as commands
    return MessagePosted(person, room, text, str(activity.get("id", "")), mentions)


def _button_data(activity: dict[str, Any], invoke: bool) -> tuple[str, str] | None:
    value = activity.get("value")
    if invoke:
        if activity.get("name") != "adaptiveCard/action" or not isinstance(value, dict):
            return None
        action = value.get("action") or {}
        data = action.get("data") or {}
        verb = str(action.get("verb") or data.get("opsroom_action") or "")
        found = (verb, str(data.get("opsroom_value", "")))
    elif isinstance(value, dict) and "opsroom_action" in value:
        found = (str(value["opsroom_action"]), str(value.get("opsroom_value", "")))
    else:
        return None
    return found if found[0] in ACTIONS and found[1] else None


def _person(activity: dict[str, Any]) -> Person:
    """By the Entra (AAD) object id, which stays the same in every team and chat."""
    sender = activity.get("from") or {}
    user_id = str(sender.get("aadObjectId") or sender.get("id") or "")
    if not user_id:
        raise MalformedPayloadError("activity without `from`")
    return Person(PLATFORM, user_id, str(sender.get("name") or ""))


def clean_text(activity: dict[str, Any]) -> tuple[str, tuple[Mention, ...]]:
    """The text without the bot's own @mention and markup; other mentions kept as tokens."""
    text = str(activity.get("text") or "")
    bot = str((activity.get("recipient") or {}).get("id", ""))
    mentions = []
    for entity in activity.get("entities") or []:
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        token = str(entity.get("text") or "")
        if str(mentioned.get("id", "")) == bot or str(mentioned.get("id", "")).startswith("28:"):
            text = text.replace(token, "", 1)
            continue
        user = str(mentioned.get("aadObjectId") or mentioned.get("id") or "")
        if token and user:
            mentions.append(Mention(token, user, str(mentioned.get("name") or "")))
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    return " ".join(text.split()), tuple(mentions)


def answer(outcomes: list[InboundOutcome]) -> Answer:
    if not outcomes:
        return Answer(InboundReply(200))
    outcome = outcomes[0]
    target = getattr(outcome.event, "reply", None)
    if outcome.reply is None or not isinstance(target, ReplyTarget):
        return Answer(InboundReply(200))
    mode = target.data.get("mode")
    if mode == "webhook":
        return Answer(InboundReply(200, render.text_activity(plain_text(outcome.reply))))
    if mode == "invoke":
        return Answer(_invoke_reply(plain_text(outcome.reply)))
    later: tuple[tuple[ReplyTarget, Message], ...] = ((target, from_dict(to_dict(outcome.reply))),)
    return Answer(InboundReply(200), later)


def _invoke_reply(text: str) -> InboundReply:
    """The invoke response Universal Actions expect: a message shown to the person."""
    value = render.escape(text or "Done.")
    return InboundReply(200, {"statusCode": 200, "type": INVOKE_MESSAGE, "value": value})


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedPayloadError("body is not a JSON object")
    return data
