"""Acknowledging through a page: the signed email link and provider replies (`ACK 42`)."""

from __future__ import annotations

from collections.abc import Mapping

from opsroom.bootstrap import Container
from opsroom.escalation.ack import acknowledge_code
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
        message = acknowledge_code(uow, ctx, code, Actor(users[0], reply.channel))
        uow.commit()
    log.info("inbound.acknowledged", channel=reply.channel, code=code)
    return message
