"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep
from opsroom.bootstrap import Container
from opsroom.db.migrate import current_revision, head_revision

router = APIRouter(tags=["system"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(container: ContainerDep) -> JSONResponse:
    """The database answers, its schema is at the migration head, and every worker thread
    of this process finished a loop recently (a stuck or dead one pages nobody)."""
    try:
        current = await run_in_threadpool(current_revision, container.engine)
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, 503)
    head = head_revision()
    if current != head:
        return JSONResponse({"status": "unavailable", "schema": current, "expected": head}, 503)
    stale = _stale_workers(container)
    if stale:
        return JSONResponse({"status": "unavailable", "stale_workers": stale}, 503)
    return JSONResponse({"status": "ready", "schema": current})


def _stale_workers(container: Container) -> list[str]:
    limit = container.settings.worker.stale_seconds
    now = time.monotonic()
    return [worker.name for worker in container.running if now - worker.heartbeat > limit]


@router.get("/metrics")
async def metrics(container: ContainerDep) -> Response:
    """Prometheus text format: this process's counters plus gauges read from the database."""
    gauges = await run_in_threadpool(_database_gauges, container)
    body = generate_latest(container.ctx.metrics.registry)
    body += generate_latest(_Static(gauges))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class _Static:
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self._families


def _database_gauges(container: Container) -> list[GaugeMetricFamily]:
    with container.uow() as uow:
        incidents, jobs = uow.incidents.counts_by_status(), uow.jobs.counts_by_status()
    incident_gauge = GaugeMetricFamily(
        "opsroom_incidents", "Incidents by status.", labels=["status"]
    )
    for status in ("investigating", "identified", "monitoring", "resolved", "closed"):
        incident_gauge.add_metric([status], incidents.get(status, 0))
    job_gauge = GaugeMetricFamily(
        "opsroom_jobs", "Jobs in the job table by status.", labels=["status"]
    )
    for status in ("queued", "running", "done", "failed"):
        job_gauge.add_metric([status], jobs.get(status, 0))
    return [incident_gauge, job_gauge]
