"""The `page.deliver` job: hand one page to its channel, exactly once.

A phased job (see jobs/phased.py), so no database transaction is open while a provider is
called: `prepare` marks the page `sending` and commits before the provider is called,
`finish` commits the outcome right after. A worker killed in between leaves a `sending`
page; the job's lease runs out, another worker replays it and first asks the provider
(channels with `find_delivery`) whether the page arrived, so it is neither lost nor sent
twice. A channel without a lookup (SMTP, apprise) is sent again: at least once. Failures
are retried with backoff by new jobs; each attempt and its result is on the page, in the
escalation history and on the timeline.

Chat pages go through the chat port instead: `prepare` hands them to the chat outbox (a
direct message on every platform that has them), which makes its own platform calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsroom.chat.hub import BUILTIN
from opsroom.chat.rooms import page_direct
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.history import post_alerts, record_event
from opsroom.escalation.tables import EscalationRow
from opsroom.jobs.phased import Reschedule
from opsroom.logging import get_logger
from opsroom.notify.base import Delivery, DeliveryError, DeliveryLookup, Notifier, PageMessage
from opsroom.notify.chat.notifier import chat_message
from opsroom.notify.service import (
    CANCELLED,
    FAILED,
    QUEUED,
    SENDING,
    SUPPRESSED,
    enqueue_delivery,
)
from opsroom.notify.tables import PageRow
from opsroom.notify.tokens import AckClaim, ack_token, ack_url
from opsroom.user.contacts import rate_limit_of

log = get_logger(__name__)
CHAT = "chat"


@dataclass(frozen=True)
class Prepared:
    """The call to make; `replay_since` is set when a crash left the page `sending`."""

    page_id: int
    channel: str
    message: PageMessage
    replay_since: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery | None = None
    error: DeliveryError | None = None
    found: bool = False  # the provider had the page already (a replay after a crash)
    resent: bool = False  # a replay that found nothing and sent again


class PageDelivery:
    """The job handler of `page.deliver`."""

    def prepare(self, uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> Prepared | None:
        page = uow.pages.get(int(payload["page_id"]), for_update=True)
        if page is None or page.status not in (QUEUED, SENDING):
            return None  # handed over, failed, cancelled or suppressed already
        escalation = _escalation(uow, page)
        if page.channel == CHAT:
            if page.status == SENDING or _may_send(uow, ctx, escalation, page, has_channel=True):
                _chat(uow, ctx, escalation, page)
            return None
        notifier = ctx.notifiers.get(page.channel)
        if page.status == QUEUED and not _may_send(
            uow, ctx, escalation, page, has_channel=notifier is not None
        ):
            return None
        message = _message(ctx, page, escalation)
        if page.status == SENDING:
            return Prepared(page.id, page.channel, message, replay_since=page.handed_at)
        page.status, page.attempts, page.handed_at = SENDING, page.attempts + 1, ctx.clock.now()
        return Prepared(page.id, page.channel, message)  # committed before the call

    def call(self, ctx: Context, prepared: Prepared) -> Outcome:
        notifier = ctx.notifiers.get(prepared.channel)
        if notifier is None:
            missing = f"the {prepared.channel} channel is not configured"
            return Outcome(error=DeliveryError(missing, permanent=True))
        replay = prepared.replay_since is not None
        if prepared.replay_since is not None:
            found = _lookup(notifier, prepared.message, prepared.replay_since)
            if found is not None:
                return Outcome(delivery=found, found=True)
        try:
            return Outcome(delivery=notifier.deliver(prepared.message), resent=replay)
        except DeliveryError as exc:
            return Outcome(error=exc, resent=replay)

    def finish(
        self, uow: UnitOfWork, ctx: Context, prepared: Prepared, outcome: Outcome
    ) -> Reschedule | None:
        page = uow.pages.get(prepared.page_id, for_update=True)
        if page is None or page.status != SENDING:
            return None
        escalation = _escalation(uow, page)
        if outcome.resent:
            page.attempts += 1
        if outcome.error is not None:
            _failed(uow, ctx, escalation, page, outcome.error)
        elif outcome.delivery is not None:
            how = "found at the provider after a restart" if outcome.found else ""
            _sent(uow, ctx, escalation, page, outcome.delivery, how)
        return None


deliver_page = PageDelivery()


def _escalation(uow: UnitOfWork, page: PageRow) -> EscalationRow | None:
    return uow.escalations.get(page.escalation_id) if page.escalation_id else None


def _may_send(
    uow: UnitOfWork,
    ctx: Context,
    escalation: EscalationRow | None,
    page: PageRow,
    *,
    has_channel: bool,
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
    if not has_channel:
        page.attempts += 1
        error = DeliveryError(f"the {page.channel} channel is not configured", permanent=True)
        _failed(uow, ctx, escalation, page, error)
        return False
    return True


def _chat(uow: UnitOfWork, ctx: Context, escalation: EscalationRow | None, page: PageRow) -> None:
    """Direct messages through the chat outbox: the built-in chat's is written now (it is
    local, so `delivered`); other platforms' are outbox jobs in their lanes (`sent`)."""
    page.attempts, page.handed_at = page.attempts + 1, ctx.clock.now()
    message = chat_message(_message(ctx, page, escalation))
    platforms = page_direct(uow, ctx, page.user_name, message)
    if not platforms:
        error = DeliveryError("no chat platform can send them a direct message", permanent=True)
        _failed(uow, ctx, escalation, page, error)
        return
    status = "delivered" if platforms == [BUILTIN] else "sent"
    _sent(uow, ctx, escalation, page, Delivery(status=status, provider_id=",".join(platforms)))


def _lookup(notifier: Notifier, message: PageMessage, since: datetime) -> Delivery | None:
    if not isinstance(notifier, DeliveryLookup):
        return None
    try:
        return notifier.find_delivery(message, since)
    except DeliveryError:
        return None  # cannot tell: send again rather than lose the page


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
    enqueue_delivery(uow, page, now=now, due=now + delay)
    _note(uow, ctx, escalation, page, f"{what}: {exc.message}; retrying in {delay}")
    log.info("page.retrying", page=page.id, channel=page.channel, attempts=page.attempts)


def _note(
    uow: UnitOfWork, ctx: Context, escalation: EscalationRow | None, page: PageRow, text: str
) -> None:
    if escalation is not None:
        data = {"page_id": page.id, "channel": page.channel, "status": page.status}
        record_event(uow, ctx, escalation, "page", text, data)
