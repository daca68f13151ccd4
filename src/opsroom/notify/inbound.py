"""Acknowledging through a page: the signed email link and provider replies (`ACK 42`)."""

from __future__ import annotations

from collections.abc import Mapping

from opsroom.bootstrap import Container
from opsroom.errors import ConflictError, NotFoundError
from opsroom.escalation.ack import acknowledge_code
from opsroom.escalation.history import post_alerts, record_event
from opsroom.escalation.model import ack_code_from_text
from opsroom.incident.service import Actor
from opsroom.logging import get_logger
from opsroom.notify.base import InboundNotifier
from opsroom.notify.tokens import read_ack_token
from opsroom.user.contacts import users_with_address

log = get_logger(__name__)


def acknowledge_link(container: Container, token: str) -> str:
    ctx = container.ctx
    claim = read_ack_token(ctx.secret_key, token, ctx.settings.notify.ack_link_ttl)
    with container.uow() as uow:
        message = acknowledge_code(uow, ctx, claim.escalation_id, Actor(claim.user, "email"))
        uow.commit()
    return message


def handle_reply(
    container: Container,
    adapter: InboundNotifier,
    url: str,
    form: Mapping[str, str],
    headers: Mapping[str, str],
) -> str:
    """Verify, then act on the reply; the answer text goes back to the sender."""
    adapter.verify_inbound(url, form, headers)
    reply = adapter.parse_inbound(form)
    ctx = container.ctx
    code = ack_code_from_text(reply.text)
    with container.uow() as uow:
        users = users_with_address(uow, ctx, reply.channel, reply.sender)
        if not users:
            log.info("inbound.unknown_sender", channel=reply.channel)
            return "This number is not a contact method of anyone in opsroom."
        if code is None:
            return "Reply ACK <code> to acknowledge a page, e.g. ACK 42."
        try:
            message = acknowledge_code(uow, ctx, code, Actor(users[0], reply.channel))
        except NotFoundError:
            # The provider must get its answer (a 404 is a webhook error to Twilio).
            return f"No page has the code {code}. Reply ACK <code> with the code from the page."
        except ConflictError as exc:
            return exc.message
        uow.commit()
    log.info("inbound.acknowledged", channel=reply.channel, code=code)
    return message


def handle_status(
    container: Container,
    adapter: InboundNotifier,
    url: str,
    form: Mapping[str, str],
    headers: Mapping[str, str],
) -> None:
    """Mark a page delivered, or failed after all (recorded and posted in #alerts)."""
    adapter.verify_inbound(url, form, headers)
    report = adapter.parse_status(form)
    if report is None:
        return
    ctx = container.ctx
    with container.uow() as uow:
        page = uow.pages.by_provider_id(report.provider_id)
        if page is None or page.status not in ("sent", "delivered"):
            return
        escalation = uow.escalations.get(page.escalation_id) if page.escalation_id else None
        if report.delivered:
            page.status = "delivered"
        else:
            page.status, page.last_error = "failed", report.error
            text = f"Page to {page.user_name} by {page.channel} not delivered: {report.error}"
            post_alerts(uow, ctx, text)
            if escalation is not None:
                record_event(uow, ctx, escalation, "page", text, {"page_id": page.id})
        uow.commit()
    log.info("page.status_reported", page=page.id, delivered=report.delivered)
