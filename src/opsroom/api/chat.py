"""The one inbound route family of every chat platform: /api/v1/chat/{platform}/{endpoint}.

Providers never write routes: each exposes a `ChatInbound` (verify, parse, answer) and this
module calls it. The signature is checked before anything else is read or stored; the
events then run in one unit of work with the deferred replies enqueued in it, and forms
(whose platform trigger expires in seconds) are opened right after the answer is sent.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep
from opsroom.api.hooks import _read_body
from opsroom.bootstrap import Container
from opsroom.chat.gateway import open_forms, run_parsed
from opsroom.chat.inbound import (
    Answer,
    ChatInbound,
    FormOpener,
    InboundOutcome,
    InboundReply,
    InboundRequest,
)
from opsroom.errors import NotFoundError
from opsroom.logging import get_logger

log = get_logger(__name__)
router = APIRouter(tags=["chat"])


@router.post("/api/v1/chat/{platform}/{endpoint:path}")
async def chat_inbound(
    platform: str, endpoint: str, request: Request, container: ContainerDep
) -> Response:
    """Commands, events and button presses from a chat platform, signed by the platform.

    PUT is for Matrix: a homeserver PUTs application-service transactions."""
    inbound = _inbound(container, platform)
    body = await _read_body(request, container.settings.server.max_body_bytes)
    inbound_request = InboundRequest(
        endpoint=endpoint,
        body=body,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
        received_at=container.ctx.clock.now(),
        method=request.method,
    )
    # In a thread: some platforms fetch signing keys now and then (Teams' JWKS).
    await run_in_threadpool(inbound.verify, inbound_request)
    answer, outcomes = await run_in_threadpool(_run, container, inbound, inbound_request)
    response = _response(answer.reply)
    if isinstance(inbound, FormOpener) and any(outcome.form for outcome in outcomes):
        # After the answer is sent: the platform waits for neither longer than it allows.
        response.background = BackgroundTask(open_forms, inbound, outcomes)
    return response


# A Matrix homeserver PUTs its application-service transactions.
router.add_api_route(
    "/api/v1/chat/{platform}/{endpoint:path}",
    chat_inbound,
    methods=["PUT"],
    operation_id="chat_inbound_put",
)


def _inbound(container: Container, platform: str) -> ChatInbound:
    if platform not in container.ctx.chat:
        raise NotFoundError(f"chat platform {platform!r} is not configured")
    inbound = container.ctx.chat.get(platform).inbound
    if inbound is None:
        raise NotFoundError(f"chat platform {platform!r} takes no inbound requests")
    return inbound


def _run(
    container: Container, inbound: ChatInbound, request: InboundRequest
) -> tuple[Answer, list[InboundOutcome]]:
    parsed = inbound.parse(request)
    return run_parsed(container.uow, container.ctx, inbound, parsed)


def _response(reply: InboundReply) -> Response:
    headers = dict(reply.headers)
    if reply.body is None:
        return Response(status_code=reply.status, headers=headers)
    if isinstance(reply.body, str):
        return PlainTextResponse(reply.body, status_code=reply.status, headers=headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)
