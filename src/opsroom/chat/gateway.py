"""Runs one verified inbound request of any platform: its events in one unit of work, the
platform's answer, the deferred replies enqueued in the same transaction, then the forms.

Shared by the HTTP route (api/chat.py) and long-lived connections such as Slack's Socket
Mode, so both behave the same."""

from __future__ import annotations

from opsroom.chat import outbox
from opsroom.chat.inbound import Answer, ChatInbound, FormOpener, InboundOutcome, InboundParse
from opsroom.chat.message import ReplyTarget
from opsroom.chat.service import handle_inbound
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork, UnitOfWorkFactory
from opsroom.logging import get_logger

log = get_logger(__name__)


def run_parsed(
    uow_factory: UnitOfWorkFactory, ctx: Context, inbound: ChatInbound, parsed: InboundParse
) -> tuple[Answer, list[InboundOutcome]]:
    if parsed.reply is not None and not parsed.events:
        return Answer(reply=parsed.reply), []
    with uow_factory() as uow:
        outcomes = handle_inbound(uow, ctx, inbound.platform, parsed)
        answer = inbound.answer(parsed, outcomes)
        for target, message in answer.later:
            outbox.reply(uow, ctx, target, message)
        _follow_up(uow, ctx, outcomes)
        uow.commit()
    return answer, outcomes


def _follow_up(uow: UnitOfWork, ctx: Context, outcomes: list[InboundOutcome]) -> None:
    """Replies that name a new room, after the answer (so a later reply never overtakes
    them: a Discord reply edits the same message), each once its room exists."""
    for outcome in outcomes:
        target = getattr(outcome.event, "reply", None)
        if not isinstance(target, ReplyTarget):
            continue
        for message, room in outcome.follow_ups:
            outbox.reply(uow, ctx, target, message, about_room=room)


def open_forms(opener: FormOpener, outcomes: list[InboundOutcome]) -> None:
    """Show the forms the events asked for (the platform's trigger expires in seconds)."""
    for outcome in outcomes:
        trigger = getattr(outcome.event, "trigger", "")
        if outcome.form is not None and trigger:
            opener.open_form(trigger, outcome.form)
