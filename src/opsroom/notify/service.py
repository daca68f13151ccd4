"""Pages: create them from a person's contact methods and rules, then deliver each as a job.

A delivery is its own job, so a slow or failing channel never holds up another page. Failures
are retried with backoff by new jobs; each attempt and its result is on the page row, in the
escalation history and on the incident timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opsroom.chat.builtin.adapter import BuiltinChatAdapter
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.history import post_alerts, record_event
from opsroom.escalation.tables import EscalationRow
from opsroom.logging import get_logger
from opsroom.notify.base import DeliveryError, Notifier, PageMessage
from opsroom.notify.chat.notifier import ChatNotifier
from opsroom.notify.tables import PageRow
from opsroom.notify.tokens import AckClaim, ack_token, ack_url
from opsroom.user.contacts import contacts_of, rate_limit_of, rules_of

log = get_logger(__name__)

DELIVER = "page.deliver"
QUEUED, SENT, FAILED, CANCELLED, SUPPRESSED = "queued", "sent", "failed", "cancelled", "suppressed"


@dataclass(frozen=True)
class PageRequest:
    """What to tell one person, and the key that makes the request idempotent."""

    key: str
    user: str
    subject: str
    body: str
    escalation: EscalationRow


def page_user(uow: UnitOfWork, ctx: Context, request: PageRequest) -> list[PageRow]:
    """One page per contact method per matching rule; [] when the person cannot be reached."""
    contacts = contacts_of(uow, ctx, request.user)
    pages = []
    for rule in rules_of(uow, ctx, request.user, contacts):
        for contact in (c for c in contacts if c.kind == rule.kind):
            after = int(rule.after.total_seconds())
            key = f"{request.key}:{request.user}:{contact.kind}:{contact.address}:{after}"
            page = uow.pages.by_key(key) or _new_page(uow, ctx, request, contact, key, after)
            pages.append(page)
    if pages:
        ctx.wake_worker()
    return pages


def _new_page(
    uow: UnitOfWork, ctx: Context, request: PageRequest, contact: Any, key: str, after: int
) -> PageRow:
    now = ctx.clock.now()
    due = now + timedelta(seconds=after)
    page = uow.pages.add(
        PageRow(
            dedup_key=key,
            escalation_id=request.escalation.id,
            incident_id=request.escalation.incident_id,
            user_name=request.user,
            channel=contact.kind,
            address=contact.address,
            subject=request.subject[:500],
            body=request.body,
            status=QUEUED,
            attempts=0,
            created_at=now,
            due_at=due,
        )
    )
    uow.jobs.enqueue(DELIVER, {"page_id": page.id}, now=now, due_at=due)
    return page


def cancel_pending(uow: UnitOfWork, escalation: EscalationRow) -> int:
    """Pages not yet handed to a channel are not sent once the escalation stops."""
    pending = uow.pages.pending_for(escalation.id)
    for page in pending:
        page.status, page.last_error = CANCELLED, f"escalation {escalation.status} first"
    return len(pending)


def deliver_page(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    """The `page.deliver` job. Does nothing for a page already handed over or cancelled."""
    page = uow.pages.get(int(payload["page_id"]), for_update=True)
    if page is None or page.status != QUEUED:
        return
    escalation = uow.escalations.get(page.escalation_id) if page.escalation_id else None
    if escalation is not None and escalation.status != "active":
        page.status, page.last_error = CANCELLED, f"escalation {escalation.status} first"
        return
    now = ctx.clock.now()
    limit = rate_limit_of(ctx, page.user_name)
    if uow.pages.count_recent(page.user_name, now - limit.per, exclude=page.id) >= limit.max_pages:
        page.status = SUPPRESSED
        page.last_error = f"rate limit: {limit.max_pages} pages per {limit.per}"
        _note(uow, ctx, escalation, page, f"Page to {page.user_name} suppressed: {page.last_error}")
        return
    notifier = _notifier(uow, ctx, page.channel)
    page.attempts += 1
    page.handed_at = now
    try:
        if notifier is None:
            raise DeliveryError(f"the {page.channel} channel is not configured", permanent=True)
        result = notifier.deliver(_message(ctx, page, escalation))
    except DeliveryError as exc:
        _failed(uow, ctx, escalation, page, exc)
        return
    page.status, page.provider_id, page.sent_at = result.status, result.provider_id, now
    page.last_error = None
    where = f" ({page.address})" if page.address else ""
    _note(uow, ctx, escalation, page, f"Paged {page.user_name} by {page.channel}{where}")
    log.info("page.sent", page=page.id, channel=page.channel, attempts=page.attempts)


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
