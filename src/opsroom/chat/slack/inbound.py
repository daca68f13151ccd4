"""Slack's inbound side: slash commands, the Events API and interactivity, at
/api/v1/chat/slack/commands, /events and /interactivity.

The signature is verified first. Answers stay within Slack's 3 seconds because the work is
database-only (Slack calls go through the outbox); replies to buttons go out later through
the interaction's `response_url`, as jobs.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from opsroom.chat.inbound import (
    ActionInvoked,
    Answer,
    CommandInvoked,
    DeclareForm,
    DeclareSubmitted,
    InboundEvent,
    InboundOutcome,
    InboundParse,
    InboundReply,
    InboundRequest,
    MessagePosted,
    Person,
)
from opsroom.chat.message import ACTIONS, Mention, Message, ReplyTarget, from_dict, to_dict
from opsroom.chat.slack import render, verify
from opsroom.chat.slack.client import SlackChatAdapter
from opsroom.chat.slack.modal import CALLBACK_ID, parse_submission
from opsroom.chat.slack.settings import SlackSettings
from opsroom.errors import InvalidInputError, MalformedPayloadError, NotFoundError
from opsroom.logging import get_logger

log = get_logger(__name__)

PLATFORM = "slack"
ENDPOINTS = ("commands", "events", "interactivity")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_MARKUP = re.compile(r"<([^<>\s][^<>]*)>")
# Message subtypes that are still a person talking (everything else: joins, bots, edits).
_SPOKEN = frozenset({None, "thread_broadcast", "file_share", "me_message"})


class SlackInbound:
    platform = PLATFORM

    def __init__(self, settings: SlackSettings, adapter: SlackChatAdapter) -> None:
        secret = settings.signing_secret
        self._secret = secret.get_secret_value() if secret else None
        self._window = settings.replay_window_seconds
        self._adapter = adapter

    def verify(self, request: InboundRequest) -> None:
        if request.endpoint not in ENDPOINTS:
            raise NotFoundError(f"Slack has no endpoint {request.endpoint!r}: use {ENDPOINTS}")
        verify.verify(
            self._secret, request.headers, request.body, request.received_at, self._window
        )

    def parse(self, request: InboundRequest) -> InboundParse:
        if request.endpoint == "commands":
            form = _form(request.body)
            if form.get("ssl_check") == "1":  # Slack checking the certificate of the URL
                return InboundParse(reply=InboundReply(200))
            return command_parse(form)
        if request.endpoint == "events":
            return parse_events(_json(request.body))
        payload = _form(request.body).get("payload")
        if payload is None:
            raise MalformedPayloadError("interactivity requests carry a `payload` form field")
        return parse_interaction(_json(payload.encode()))

    def answer(self, parsed: InboundParse, outcomes: list[InboundOutcome]) -> Answer:
        return answer(outcomes)

    def open_form(self, trigger: str, form: DeclareForm) -> None:
        try:
            self._adapter.open_form(trigger, form)
        except Exception as exc:  # noqa: BLE001 - the click is answered already; log and move on
            log.warning("slack.views_open_failed", error=type(exc).__name__)


def command_parse(form: dict[str, str]) -> InboundParse:
    """A slash command, run once: Slack gives every invocation its own `trigger_id`, so a
    signed request replayed within the 5-minute window (or an envelope redelivered in
    Socket Mode) does nothing the second time."""
    event = command_event(form)
    trigger = form.get("trigger_id", "")
    return InboundParse(events=(event,), event_id=f"command:{trigger}"[:255] if trigger else None)


def command_event(form: dict[str, str]) -> CommandInvoked:
    """A slash command's form fields as an `/inc ...` command."""
    for name in ("user_id", "channel_id"):
        if not form.get(name):
            raise InvalidInputError(f"slash command without {name}")
    # Slack escapes &, < and > in command text as in messages, and sends its own markup
    # (<#C1|name>, <url|label>, <!here>) unescaped: read both as the person typed them.
    raw = form.get("text", "").strip()
    text = as_typed(raw)
    reply = ReplyTarget(
        PLATFORM, {"response_url": form.get("response_url", ""), "channel": form["channel_id"]}
    )
    return CommandInvoked(
        person=Person(PLATFORM, form["user_id"], form.get("user_name", "")),
        room_id=form["channel_id"],
        text=f"/inc {text}".strip(),
        mentions=mentions(raw),
        reply=reply,
        trigger=form.get("trigger_id", ""),
    )


def parse_events(body: dict[str, Any]) -> InboundParse:
    kind = body.get("type")
    if kind == "url_verification":
        return InboundParse(reply=InboundReply(200, {"challenge": str(body.get("challenge", ""))}))
    if kind != "event_callback":
        return InboundParse(reply=InboundReply(200))
    event_id = str(body.get("event_id") or "") or None
    event = body.get("event") or {}
    if not isinstance(event, dict) or not _is_spoken_message(event):
        return InboundParse(event_id=event_id)
    posted = MessagePosted(
        person=Person(PLATFORM, str(event["user"])),
        room_id=str(event.get("channel", "")),
        text=as_typed(str(event.get("text", ""))),
        message_id=str(event.get("ts", "")),
        mentions=mentions(str(event.get("text", ""))),
    )
    return InboundParse(events=(posted,), event_id=event_id)


def _is_spoken_message(event: dict[str, Any]) -> bool:
    return (
        event.get("type") == "message"
        and event.get("subtype") in _SPOKEN
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(str(event.get("text", "")).strip())
    )


def parse_interaction(payload: dict[str, Any]) -> InboundParse:
    kind = payload.get("type")
    user = payload.get("user") or {}
    person = Person(PLATFORM, str(user.get("id", "")), str(user.get("username") or ""))
    if not person.user_id:
        raise InvalidInputError("interaction without a user")
    if kind == "block_actions":
        return InboundParse(events=tuple(_actions(payload, person)))
    if kind == "view_submission" and (payload.get("view") or {}).get("callback_id") == CALLBACK_ID:
        title, severity, group, room = parse_submission(payload["view"])
        return InboundParse(events=(DeclareSubmitted(person, title, severity, group, room),))
    return InboundParse(reply=InboundReply(200))


def _actions(payload: dict[str, Any], person: Person) -> list[InboundEvent]:
    channel = str((payload.get("channel") or {}).get("id", ""))
    reply = ReplyTarget(
        PLATFORM,
        {"response_url": str(payload.get("response_url", "")), "response_type": "in_channel"},
    )
    events: list[InboundEvent] = []
    for action in payload.get("actions") or []:
        name = str(action.get("action_id", "")).removeprefix("opsroom_")
        if name in ACTIONS:
            events.append(
                ActionInvoked(
                    person=person,
                    room_id=channel,
                    action=name,
                    value=str(action.get("value", "")),
                    reply=reply,
                    trigger=str(payload.get("trigger_id", "")),
                )
            )
    return events


def answer(outcomes: list[InboundOutcome]) -> Answer:
    """Slash commands answer in the response; buttons later via `response_url`; the modal
    shows its errors in place or closes."""
    if not outcomes:
        return Answer(InboundReply(200))
    outcome = outcomes[0]
    event = outcome.event
    if isinstance(event, CommandInvoked):
        if outcome.reply is None:
            return Answer(InboundReply(200))
        kind = "in_channel" if outcome.public else "ephemeral"
        return Answer(InboundReply(200, {"response_type": kind, **render.payload(outcome.reply)}))
    if isinstance(event, DeclareSubmitted):
        if not outcome.ok and outcome.reply is not None:
            errors = {"title": outcome.reply.text[:150]}
            return Answer(InboundReply(200, {"response_action": "errors", "errors": errors}))
        declared = _later(ReplyTarget(PLATFORM, {"channel": event.room_id}), outcome.reply)
        return Answer(InboundReply(200), declared if event.room_id else ())
    later: list[tuple[ReplyTarget, Message]] = []
    for each in outcomes:
        if isinstance(each.event, ActionInvoked) and each.event.reply and each.reply:
            later.extend(_later(_reply_kind(each.event.reply, each.public), each.reply))
    return Answer(InboundReply(200), tuple(later))


def _reply_kind(target: ReplyTarget, public: bool) -> ReplyTarget:
    kind = "in_channel" if public else "ephemeral"
    return ReplyTarget(target.platform, {**target.data, "response_type": kind})


def _later(target: ReplyTarget, reply: Message | None) -> tuple[tuple[ReplyTarget, Message], ...]:
    return ((target, from_dict(to_dict(reply))),) if reply is not None else ()


def mentions(text: str) -> tuple[Mention, ...]:
    return tuple(
        Mention(token=m.group(0), user_id=m.group(1), display_name=m.group(2) or "")
        for m in _MENTION.finditer(text)
    )


def as_typed(text: str) -> str:
    """Slack's text as the person typed it: its markup as plain words (user mentions stay,
    to become opsroom names), then the three entities Slack escapes decoded."""
    return _unescape(_MARKUP.sub(_plain_markup, text))


def _plain_markup(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return match.group(0)  # a person: mapped to their opsroom name later
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        if special in ("here", "channel", "everyone"):
            return f"@{special}"
        return label or f"@{special}"  # a user group (subteam), a date's fallback text
    if not label or label == target.removeprefix("mailto:"):
        return target.removeprefix("mailto:")
    return f"{label} ({target})"


def _unescape(text: str) -> str:
    """Only the three entities Slack documents (api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise MalformedPayloadError("form body is not UTF-8") from exc


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedPayloadError("body is not a JSON object")
    return data
