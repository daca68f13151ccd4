"""Pages: one per contact method per notification rule, each delivered by its own job.

Delivery jobs wait in the `notify` queue, served by `worker.delivery_threads` threads per
process (bootstrap's lanes), so a slow channel never delays an escalation step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.tables import EscalationRow
from opsroom.notify.tables import PageRow
from opsroom.user.contacts import contacts_of, rules_of

DELIVER = "page.deliver"
NOTIFY_QUEUE = "notify"
QUEUED, SENDING, FAILED = "queued", "sending", "failed"
CANCELLED, SUPPRESSED = "cancelled", "suppressed"


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
    enqueue_delivery(uow, page, now=now, due=due)
    return page


def enqueue_delivery(uow: UnitOfWork, page: PageRow, *, now: datetime, due: datetime) -> None:
    """The page's (next) delivery attempt, a job in the `notify` queue. Retries make new
    jobs; the page's own attempt count, not the job's, decides when to give up."""
    uow.jobs.enqueue(DELIVER, {"page_id": page.id}, now=now, due_at=due, queue=NOTIFY_QUEUE)


def cancel_pending(uow: UnitOfWork, escalation: EscalationRow) -> int:
    """Pages not yet handed to a channel are not sent once the escalation stops."""
    pending = uow.pages.pending_for(escalation.id)
    for page in pending:
        page.status, page.last_error = CANCELLED, f"escalation {escalation.status} first"
    return len(pending)
