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
        result = await run_in_threadpool(
            _store, container, kind, token, dict(request.headers), body
        )
        container.ctx.metrics.ingest_seconds.observe(time.perf_counter() - started)
    except OpsroomError as exc:
        container.ctx.metrics.hook_rejected.labels(reason=exc.code).inc()
        log.info("hook.rejected", kind=kind, reason=exc.code)
        raise
    return JSONResponse(result, status_code=202)


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
    container: Container, kind: str, token: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    with container.uow() as uow:
        integration = uow.alerts.integration_by_token(hash_token(token))
        if integration is None or integration.kind != kind or not integration.enabled:
            raise NotFoundError(f"no {kind} integration has this token")
        alerts = container.sources[kind].parse(headers, body)
        result = ingest(uow, container.ctx, integration, alerts)
        uow.commit()
    return {
        "status": "accepted",
        "integration": integration.name,
        "received": result.received,
        "created": result.created,
        "updated": result.updated,
        "deduplicated": result.deduplicated,
    }
