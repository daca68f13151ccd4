"""The `page.deliver` job: hand one page to its channel, exactly once.

The page is marked `sending` and committed before the provider is called, and the outcome is
committed right after. A worker killed in between leaves a `sending` page; the job's lease runs
out, another worker replays it and first asks the provider (channels with `find_delivery`)
whether the page arrived, so it is neither lost nor sent twice. A channel without a lookup
(SMTP, apprise) is sent again: at least once. Failures are retried with backoff by new jobs;
each attempt and its result is on the page, in the escalation history and on the timeline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from opsroom.chat.builtin.adapter import BuiltinChatAdapter
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.history import post_alerts, record_event
from opsroom.escalation.tables import EscalationRow
from opsroom.logging import get_logger
from opsroom.notify.base import Delivery, DeliveryError, DeliveryLookup, Notifier, PageMessage
from opsroom.notify.chat.notifier import ChatNotifier
from opsroom.notify.service import CANCELLED, DELIVER, FAILED, QUEUED, SENDING, SUPPRESSED
from opsroom.notify.tables import PageRow
from opsroom.notify.tokens import AckClaim, ack_token, ack_url
from opsroom.user.contacts import rate_limit_of

log = get_logger(__name__)


def deliver_page(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    page = uow.pages.get(int(payload["page_id"]), for_update=True)
    if page is None or page.status not in (QUEUED, SENDING):
        return  # handed over, failed, cancelled or suppressed already
    escalation = uow.escalations.get(page.escalation_id) if page.escalation_id else None
    notifier = _notifier(uow, ctx, page.channel)
    if page.status == QUEUED and not _may_send(uow, ctx, escalation, page, notifier):
        return
    assert notifier is not None
    message = _message(ctx, page, escalation)
    if page.status == SENDING:
        found = _lookup(notifier, page, message)
        if found is not None:
            _sent(uow, ctx, escalation, page, found, "found at the provider after a restart")
            return
    page.status, page.attempts, page.handed_at = SENDING, page.attempts + 1, ctx.clock.now()
    uow.commit()  # from here a crash leaves `sending`, which the replay checks first
    try:
        delivery = notifier.deliver(message)
    except DeliveryError as exc:
        _failed(uow, ctx, escalation, page, exc)
        return
    _sent(uow, ctx, escalation, page, delivery)


def _may_send(
    uow: UnitOfWork,
    ctx: Context,
    escalation: EscalationRow | None,
    page: PageRow,
    notifier: Notifier | None,
) -> bool:
    if escalation is not None and escalation.status != "active":
        page.status, page.last_error = CANCELLED, f"escalation {escalation.status} first"
        return False
    limit = rate_limit_of(ctx, page.user_name)
    since = ctx.clock.now() - limit.per
    if uow.pages.count_recent(page.user_name, since, exclude=page.id) >= limit.max_pages:
        page.status = SUPPRESSED
        page.last_error = f"rate limit: {limit.max_pages} pages per {limit.per}"
        _note(uow, ctx, escalation, page, f"Page to {page.user_name} suppressed: {page.last_error}")
        return False
    if notifier is None:
        page.attempts += 1
        error = DeliveryError(f"the {page.channel} channel is not configured", permanent=True)
        _failed(uow, ctx, escalation, page, error)
        return False
    return True


def _lookup(notifier: Notifier, page: PageRow, message: PageMessage) -> Delivery | None:
    if not isinstance(notifier, DeliveryLookup) or page.handed_at is None:
        return None
    try:
        return notifier.find_delivery(message, page.handed_at)
    except DeliveryError:
        return None  # cannot tell: send again rather than lose the page


def _notifier(uow: UnitOfWork, ctx: Context, channel: str) -> Notifier | None:
    if channel == "chat":
        return ChatNotifier(BuiltinChatAdapter(uow.rooms, ctx.clock, ctx.settings.chat.bot_name))
    return ctx.notifiers.get(channel)


def _message(ctx: Context, page: PageRow, escalation: EscalationRow | None) -> PageMessage:
    url = None
    if escalation is not None and ctx.secret_key:
        claim = AckClaim(escalation.id, page.user_name, page.id)
        url = ack_url(ctx.settings.server.public_url(), ack_token(ctx.secret_key, claim))
    return PageMessage(
        page_id=page.id,
        user=page.user_name,
        address=page.address,
        subject=page.subject,
        body=page.body,
        ack_url=url,
        ack_code=escalation.id if escalation is not None else None,
    )


def _sent(
    uow: UnitOfWork,
    ctx: Context,
    escalation: EscalationRow | None,
    page: PageRow,
    delivery: Delivery,
    how: str = "",
) -> None:
    page.status, page.provider_id = delivery.status, delivery.provider_id
    page.sent_at, page.last_error = ctx.clock.now(), None
    where = f" ({page.address})" if page.address else ""
    text = f"Paged {page.user_name} by {page.channel}{where}" + (f": {how}" if how else "")
    _note(uow, ctx, escalation, page, text)
    log.info("page.sent", page=page.id, channel=page.channel, attempts=page.attempts)


def _failed(
    uow: UnitOfWork,
    ctx: Context,
    escalation: EscalationRow | None,
    page: PageRow,
    exc: DeliveryError,
) -> None:
    page.last_error = exc.message[:2000]
    config = ctx.settings.notify
    what = f"Page to {page.user_name} by {page.channel} failed (attempt {page.attempts})"
    if exc.permanent or page.attempts >= config.max_attempts:
        page.status = FAILED
        _note(uow, ctx, escalation, page, f"{what}, giving up: {exc.message}")
        post_alerts(uow, ctx, f"Could not page {page.user_name} by {page.channel}: {exc.message}")
        log.warning("page.failed", page=page.id, channel=page.channel, attempts=page.attempts)
        return
    page.status = QUEUED
    delay = min(config.retry_base * 2 ** (page.attempts - 1), timedelta(minutes=10))
    now = ctx.clock.now()
    uow.jobs.enqueue(DELIVER, {"page_id": page.id}, now=now, due_at=now + delay)
    _note(uow, ctx, escalation, page, f"{what}: {exc.message}; retrying in {delay}")
    log.info("page.retrying", page=page.id, channel=page.channel, attempts=page.attempts)


def _note(
    uow: UnitOfWork, ctx: Context, escalation: EscalationRow | None, page: PageRow, text: str
) -> None:
    if escalation is not None:
        data = {"page_id": page.id, "channel": page.channel, "status": page.status}
        record_event(uow, ctx, escalation, "page", text, data)
