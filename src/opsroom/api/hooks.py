"""The one inbound route for every alert source: POST /api/v1/hooks/{kind}/{token}.

Answers 202 only after the alerts are committed; a bad request stores nothing. Everything that
needs no database (rate limit, verification, parsing, routing) happens first; then the request
joins a group commit with the others in flight, in a savepoint of its own. A trailing
path (`/api/v1/hooks/{kind}/{token}/v2/alerts/x/close`) reaches the source as `_path`, for
senders that build URLs themselves (Opsgenie clients).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from opsroom.alert.bulk import Delivery, IngestPlan, Stored, plan_ingest, store_deliveries
from opsroom.alert.freshness import trust_times
from opsroom.alert.model import label_problem
from opsroom.alert.tables import IntegrationRow
from opsroom.api.errors import error_answer
from opsroom.api.hook_integrations import IntegrationCache, KnownIntegration
from opsroom.api.ratelimit import HookLimiter
from opsroom.bootstrap import Container
from opsroom.db.group_commit import GroupCommitter
from opsroom.db.uow import UnitOfWork
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
INLINE_PARSE_BYTES = 16 * 1024


HOOK_PATHS = ("/api/v1/hooks/{kind}/{token}", "/api/v1/hooks/{kind}/{token}/{rest:path}")

BodyReader = Callable[[int], Awaitable[bytes]]


@dataclass(frozen=True)
class HookAnswer:
    """What a hook request is answered: status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] | None = None


# The documented routes below are for /openapi.json: `hook_asgi` serves these URLs ahead of
# FastAPI's routing and middleware. Both take the container from the app, not `ContainerDep`.


@router.post(HOOK_PATHS[0], status_code=202)
async def receive_hook(kind: str, token: str, request: Request) -> JSONResponse:
    """Receive alerts from a monitoring tool; the URL token authenticates the integration."""
    return _json(await _receive_request(kind, token, "", request))


@router.post(HOOK_PATHS[1], status_code=202)
async def receive_hook_with_path(
    kind: str, token: str, rest: str, request: Request
) -> JSONResponse:
    """The same, for senders that append their own API path to the configured URL."""
    return _json(await _receive_request(kind, token, rest, request))


def _json(answer: HookAnswer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


async def _receive_request(kind: str, token: str, rest: str, request: Request) -> HookAnswer:
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = dict(request.query_params)
    return await handle_hook(
        request.app.state, kind, token, rest, headers, query, partial(_read_body, request)
    )


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


async def handle_hook(
    state: Any,
    kind: str,
    token: str,
    rest: str,
    headers: dict[str, str],
    query: dict[str, str],
    read: BodyReader,
) -> HookAnswer:
    """The whole hook request on the app's `state`; opsroom errors become their answer."""
    container: Container = state.container
    limiter: HookLimiter = state.hook_limiter
    try:
        if kind not in container.sources:
            raise NotFoundError(f"unknown integration kind {kind!r}")
        limiter.enter()
        try:
            limit = container.settings.server.max_body_bytes
            declared = headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLargeError(f"body is {declared} bytes; the limit is {limit} bytes")
            body = await read(limit)
            hook_request = HookRequest(body=body, headers=headers, query={**query, "_path": rest})
            started = time.perf_counter()
            known = await _integration(state.integrations, container, kind, token)
            if len(body) <= INLINE_PARSE_BYTES and kind not in state.verifying_kinds:
                # Parsing a small body takes less than a hop to the thread pool; verifying
                # may fetch a certificate, and a big body would stall the event loop.
                prepared = _prepare(container, limiter, state.verifying_kinds, known, hook_request)
            else:
                prepared = await run_in_threadpool(
                    _prepare, container, limiter, state.verifying_kinds, known, hook_request
                )
            committer: HookCommitter = state.committer
            body_out = await committer.run(
                prepared, lock_keys=(prepared.plan.alert_keys, prepared.plan.group_keys)
            )
            if prepared.parsed.follow_ups:
                container.ctx.wake_worker()
            container.ctx.metrics.ingest_seconds.observe(time.perf_counter() - started)
        finally:
            limiter.leave()
    except OpsroomError as exc:
        container.ctx.metrics.hook_rejected.labels(reason=exc.code).inc()
        log.info("hook.rejected", kind=kind, reason=exc.code)
        source = container.sources.get(kind)
        if isinstance(source, ErrorReplyingSource) and not isinstance(exc, OverloadedError):
            reply, code = source.error_reply(exc)
            return HookAnswer(code, reply)
        status, error, extra = error_answer(exc)
        return HookAnswer(status, error, extra)
    return HookAnswer(prepared.parsed.status_code, body_out)


@dataclass(frozen=True)
class _Prepared:
    """A request checked and parsed outside the transaction, ready to join a batch."""

    integration: KnownIntegration
    duplicate_window: timedelta
    parsed: HookResult
    body_hash: str
    plan: IngestPlan


HookCommitter = GroupCommitter[_Prepared, dict[str, Any]]


def verifying_kinds(container: Container) -> frozenset[str]:
    """Sources that check signatures (a runtime Protocol check is too slow per request)."""
    return frozenset(k for k, s in container.sources.items() if isinstance(s, VerifyingSource))


def hook_committer(container: Container, cache: IntegrationCache) -> HookCommitter:
    """The group commit every hook request of this process goes through."""
    return GroupCommitter(
        container.uow,
        partial(_store_batch, container, cache),
        observe_batch=container.ctx.metrics.ingest_batch_size.observe,
    )


async def _integration(
    cache: IntegrationCache, container: Container, kind: str, token: str
) -> KnownIntegration:
    token_hash = hash_token(token)
    cached, known = cache.get(token_hash)
    if not cached:
        known = await run_in_threadpool(_lookup, container, token_hash)
        cache.remember(token_hash, known)
    if known is None or known.kind != kind:
        raise NotFoundError(f"no {kind} integration has this token")
    return known


def _lookup(container: Container, token_hash: str) -> KnownIntegration | None:
    with container.uow() as uow:
        row = uow.alerts.integration_by_token(token_hash)
        return KnownIntegration.of(row) if row is not None and row.enabled else None


def _prepare(
    container: Container,
    limiter: HookLimiter,
    verifying: frozenset[str],
    known: KnownIntegration,
    request: HookRequest,
) -> _Prepared:
    """Rate limit, verify, parse and route: everything that needs no database."""
    ctx = container.ctx
    settings = ctx.settings.integration(known.name)
    limiter.take(known.name, settings.rate_limit)
    source = container.sources[known.kind]
    if known.kind in verifying and isinstance(source, VerifyingSource):
        source.verify(request)
    parsed = source.parse(request)
    _check_sizes(parsed)
    received = ctx.clock.now()
    parsed = dataclasses.replace(
        parsed, alerts=[trust_times(alert, received) for alert in parsed.alerts]
    )
    return _Prepared(
        integration=known,
        duplicate_window=settings.duplicate_window,
        parsed=parsed,
        body_hash=_delivery_hash(request),
        plan=plan_ingest(ctx, known, parsed.alerts),
    )


def _store_batch(
    container: Container, cache: IntegrationCache, uow: UnitOfWork, batch: list[_Prepared]
) -> list[dict[str, Any] | Exception]:
    """Runs in the shared transaction (see `GroupCommitter`); answers in request order."""
    outcomes: list[dict[str, Any] | Exception] = []
    deliveries: list[tuple[int, _Prepared, Delivery]] = []
    for index, prepared in enumerate(batch):
        known = prepared.integration
        row = uow.alerts.get_integration(known.id)
        if row is None or row.token_hash != known.token_hash or not row.enabled:
            cache.forget(known.token_hash)
            outcomes.append(NotFoundError(f"no {known.kind} integration has this token"))
            continue
        outcomes.append({})
        deliveries.append((index, prepared, _delivery(row, prepared)))
    stored = store_deliveries(uow, container.ctx, [delivery for _, _, delivery in deliveries])
    for (index, prepared, _), outcome in zip(deliveries, stored, strict=True):
        outcomes[index] = (
            outcome if isinstance(outcome, Exception) else _stored_answer(prepared, outcome)
        )
    return outcomes


def _delivery(row: IntegrationRow, prepared: _Prepared) -> Delivery:
    return Delivery(
        integration=row,
        body_hash=prepared.body_hash,
        duplicate_window=prepared.duplicate_window,
        alerts=prepared.parsed.alerts,
        plan=prepared.plan,
        follow_ups=tuple((f.job, f.payload) for f in prepared.parsed.follow_ups),
    )


def _stored_answer(prepared: _Prepared, stored: Stored) -> dict[str, Any]:
    name = prepared.integration.name
    if stored.duplicate:
        return _answer(prepared.parsed, name, duplicate=True)
    result = stored.result
    counts = {
        "received": result.received,
        "created": result.created,
        "updated": result.updated,
        "deduplicated": result.deduplicated,
    }
    return _answer(prepared.parsed, name, counts=counts)


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
