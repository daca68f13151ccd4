"""The one inbound route for every alert source: POST /api/v1/hooks/{kind}/{token}.

Answers 202 only after the alerts are committed; a bad request stores nothing. A trailing
path (`/api/v1/hooks/{kind}/{token}/v2/alerts/x/close`) reaches the source as `_path`, for
senders that build URLs themselves (Opsgenie clients).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from opsroom.alert.model import label_problem
from opsroom.alert.service import ingest
from opsroom.api.deps import ContainerDep
from opsroom.api.ratelimit import HookLimiter
from opsroom.bootstrap import Container
from opsroom.errors import (
    InvalidInputError,
    NotFoundError,
    OpsroomError,
    OverloadedError,
    PayloadTooLargeError,
)
from opsroom.logging import get_logger
from opsroom.sources.base import ErrorReplyingSource, HookRequest, HookResult, VerifyingSource
from opsroom.user.passwords import hash_token

log = get_logger(__name__)
router = APIRouter(tags=["hooks"])


@router.post("/api/v1/hooks/{kind}/{token}", status_code=202)
async def receive_hook(
    kind: str, token: str, request: Request, container: ContainerDep
) -> JSONResponse:
    """Receive alerts from a monitoring tool; the URL token authenticates the integration."""
    return await _receive(kind, token, "", request, container)


@router.post("/api/v1/hooks/{kind}/{token}/{rest:path}", status_code=202)
async def receive_hook_with_path(
    kind: str, token: str, rest: str, request: Request, container: ContainerDep
) -> JSONResponse:
    """The same, for senders that append their own API path to the configured URL."""
    return await _receive(kind, token, rest, request, container)


async def _receive(
    kind: str, token: str, rest: str, request: Request, container: Container
) -> JSONResponse:
    limiter: HookLimiter = request.app.state.hook_limiter
    try:
        if kind not in container.sources:
            raise NotFoundError(f"unknown integration kind {kind!r}")
        limiter.enter()
        try:
            body = await _read_body(request, container.settings.server.max_body_bytes)
            query = {**request.query_params, "_path": rest}
            hook_request = HookRequest(
                body=body,
                headers={k.lower(): v for k, v in request.headers.items()},
                query=query,
            )
            started = time.perf_counter()
            body_out, status = await run_in_threadpool(
                _store, container, limiter, kind, token, hook_request
            )
            container.ctx.metrics.ingest_seconds.observe(time.perf_counter() - started)
        finally:
            limiter.leave()
    except OpsroomError as exc:
        container.ctx.metrics.hook_rejected.labels(reason=exc.code).inc()
        log.info("hook.rejected", kind=kind, reason=exc.code)
        source = container.sources.get(kind)
        if isinstance(source, ErrorReplyingSource) and not isinstance(exc, OverloadedError):
            reply, code = source.error_reply(exc)
            return JSONResponse(reply, status_code=code)
        raise
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
    container: Container, limiter: HookLimiter, kind: str, token: str, request: HookRequest
) -> tuple[dict[str, Any], int]:
    source = container.sources[kind]
    ctx = container.ctx
    with container.uow() as uow:
        integration = uow.alerts.integration_by_token(hash_token(token))
        if integration is None or integration.kind != kind or not integration.enabled:
            raise NotFoundError(f"no {kind} integration has this token")
        settings = ctx.settings.integration(integration.name)
        limiter.take(integration.name, settings.rate_limit)
        if isinstance(source, VerifyingSource):
            source.verify(request)
        parsed = source.parse(request)
        _check_sizes(parsed)
        now = ctx.clock.now()
        body_hash = _delivery_hash(request)
        seen = uow.alerts.seen_delivery(integration.id, body_hash)
        if seen is not None and now - seen < settings.duplicate_window:
            ctx.metrics.alerts_received.labels(source=kind).inc(len(parsed.alerts))
            ctx.metrics.alerts_deduplicated.labels(source=kind).inc(len(parsed.alerts))
            return _answer(parsed, integration.name, duplicate=True), parsed.status_code
        uow.alerts.record_delivery(integration.id, body_hash, now)
        result = ingest(uow, ctx, integration, parsed.alerts)
        for follow_up in parsed.follow_ups:
            uow.jobs.enqueue(follow_up.job, follow_up.payload, now=now)
        uow.commit()
    if parsed.follow_ups:
        ctx.wake_worker()
    counts = {
        "received": result.received,
        "created": result.created,
        "updated": result.updated,
        "deduplicated": result.deduplicated,
    }
    return _answer(parsed, integration.name, counts=counts), parsed.status_code


def _delivery_hash(request: HookRequest) -> str:
    """The body, and the path and query when there are any: Opsgenie's closes of two
    aliases have equal bodies and differ only in their path, so they are two deliveries."""
    extra = sorted(
        (name, value) for name, value in request.query.items() if name != "_path" or value
    )
    if not extra:
        return hashlib.sha256(request.body).hexdigest()
    digest = hashlib.sha256(json.dumps(extra).encode())
    digest.update(request.body)
    return digest.hexdigest()


def _check_sizes(parsed: HookResult) -> None:
    for index, alert in enumerate(parsed.alerts):
        problem = label_problem(alert)
        if problem:
            raise InvalidInputError(f"alert {index}: {problem}")


def _answer(
    parsed: HookResult,
    integration: str,
    *,
    duplicate: bool = False,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    if parsed.reply is not None:
        return parsed.reply
    if duplicate:
        return {
            "status": "duplicate",
            "integration": integration,
            "received": len(parsed.alerts),
            "created": 0,
            "updated": 0,
            "deduplicated": len(parsed.alerts),
        }
    return {"status": "accepted", "integration": integration, **(counts or {})}


PRUNE_AFTER = timedelta(hours=1)
