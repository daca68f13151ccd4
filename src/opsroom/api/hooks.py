"""The one inbound route for every alert source: POST /api/v1/hooks/{kind}/{token}.

Answers 202 only after the alerts are committed; a bad request stores nothing.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from opsroom.alert.service import ingest
from opsroom.api.deps import ContainerDep
from opsroom.bootstrap import Container
from opsroom.errors import NotFoundError, OpsroomError, PayloadTooLargeError
from opsroom.logging import get_logger
from opsroom.sources.base import ErrorReplyingSource, HookRequest, VerifyingSource
from opsroom.user.passwords import hash_token

log = get_logger(__name__)
router = APIRouter(tags=["hooks"])


@router.post("/api/v1/hooks/{kind}/{token}", status_code=202)
async def receive_hook(
    kind: str, token: str, request: Request, container: ContainerDep
) -> JSONResponse:
    """Receive alerts from a monitoring tool; the URL token authenticates the integration."""
    try:
        if kind not in container.sources:
            raise NotFoundError(f"unknown integration kind {kind!r}")
        body = await _read_body(request, container.settings.server.max_body_bytes)
        started = time.perf_counter()
        hook_request = HookRequest(
            body=body,
            headers={k.lower(): v for k, v in request.headers.items()},
            query=dict(request.query_params),
        )
        answer = await run_in_threadpool(_store, container, kind, token, hook_request)
        container.ctx.metrics.ingest_seconds.observe(time.perf_counter() - started)
    except OpsroomError as exc:
        container.ctx.metrics.hook_rejected.labels(reason=exc.code).inc()
        log.info("hook.rejected", kind=kind, reason=exc.code)
        source = container.sources.get(kind)
        if isinstance(source, ErrorReplyingSource):
            reply, status = source.error_reply(exc)
            return JSONResponse(reply, status_code=status)
        raise
    body_out, status = answer
    return JSONResponse(body_out, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"body is {declared} bytes; the limit is {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _store(
    container: Container, kind: str, token: str, request: HookRequest
) -> tuple[dict[str, Any], int]:
    source = container.sources[kind]
    with container.uow() as uow:
        integration = uow.alerts.integration_by_token(hash_token(token))
        if integration is None or integration.kind != kind or not integration.enabled:
            raise NotFoundError(f"no {kind} integration has this token")
        if isinstance(source, VerifyingSource):
            source.verify(request)
        parsed = source.parse(request)
        result = ingest(uow, container.ctx, integration, parsed.alerts)
        now = container.ctx.clock.now()
        for follow_up in parsed.follow_ups:
            uow.jobs.enqueue(follow_up.job, follow_up.payload, now=now)
        uow.commit()
    if parsed.follow_ups:
        container.ctx.wake_worker()
    if parsed.reply is not None:
        return parsed.reply, parsed.status_code
    body = {
        "status": "accepted",
        "integration": integration.name,
        "received": result.received,
        "created": result.created,
        "updated": result.updated,
        "deduplicated": result.deduplicated,
    }
    return body, parsed.status_code
