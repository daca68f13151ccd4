"""The job worker: claims due rows, runs each handler in the same transaction that marks it done.

A handler's database effects and its job's completion commit together, so a crash between
them replays the job instead of doubling its effects.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork, UnitOfWorkFactory
from opsroom.jobs.repository import RUNNING
from opsroom.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[UnitOfWork, Context, dict[str, Any]], None]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        ctx: Context,
        handlers: dict[str, Handler],
        name: str | None = None,
        *,
        kinds: frozenset[str] | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self._uow = uow_factory
        self._ctx = ctx
        self._handlers = handlers
        self.name = name or worker_name()
        # A worker may serve only some job kinds (page deliveries, whose provider calls can be
        # slow) or all but some, so slow calls never delay escalation steps.
        self._kinds, self._exclude = kinds, exclude
        config = ctx.settings.worker
        self._batch, self._lease = config.batch_size, timedelta(seconds=config.lease_seconds)

    def run_once(self) -> int:
        """Claim and run one batch of due jobs; returns how many were claimed."""
        with self._uow() as uow:
            jobs = uow.jobs.claim(
                self.name,
                now=self._ctx.clock.now(),
                limit=self._batch,
                lease=self._lease,
                kinds=self._kinds,
                exclude=self._exclude,
            )
            claimed = [(job.id, job.kind, dict(job.payload)) for job in jobs]
            uow.commit()
        for job_id, kind, payload in claimed:
            self._run(job_id, kind, payload)
        return len(claimed)

    def drain(self, max_rounds: int = 100) -> int:
        """Run until nothing is due (tests and one-shot CLI use)."""
        total = 0
        for _ in range(max_rounds):
            claimed = self.run_once()
            total += claimed
            if claimed == 0:
                break
        return total

    def _run(self, job_id: int, kind: str, payload: dict[str, Any]) -> None:
        handler = self._handlers.get(kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            with self._uow() as uow:
                job = uow.jobs.get_for_update(job_id)
                if job is None or job.status != RUNNING or job.locked_by != self.name:
                    return  # our lease ran out and another worker holds the job now
                handler(uow, self._ctx, payload)
                uow.jobs.mark_done(job, self._ctx.clock.now())
                uow.commit()
            self._ctx.metrics.jobs_processed.labels(kind=kind, outcome="done").inc()
        except Exception as exc:  # noqa: BLE001 - one failing job must never stop the worker
            self._fail(job_id, kind, exc)

    def _fail(self, job_id: int, kind: str, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        with self._uow() as uow:
            job = uow.jobs.get_for_update(job_id)
            retrying = job is not None and uow.jobs.mark_failed(job, error, self._ctx.clock.now())
            uow.commit()
        outcome = "retry" if retrying else "failed"
        self._ctx.metrics.jobs_processed.labels(kind=kind, outcome=outcome).inc()
        log.warning("job.failed", job=job_id, kind=kind, error=error, outcome=outcome)

    def housekeeping(self) -> None:
        """Forget request hashes kept for duplicate detection once they are an hour old."""
        with self._uow() as uow:
            uow.alerts.prune_deliveries(self._ctx.clock.now() - timedelta(hours=1))
            uow.commit()

    def run_forever(self, stop: threading.Event, wake: threading.Event) -> None:
        log.info("worker.started", worker=self.name)
        interval = self._ctx.settings.worker.poll_interval
        next_housekeeping = 0.0
        while not stop.is_set():
            try:
                if self._kinds is None and time.monotonic() >= next_housekeeping:
                    self.housekeeping()
                    next_housekeeping = time.monotonic() + 300
                claimed = self.run_once()
            except SQLAlchemyError as exc:
                log.warning("worker.database_error", error=str(exc)[:500])
                claimed = 0
                stop.wait(min(5.0, interval * 10))
            if claimed == 0:
                wake.wait(interval)
                wake.clear()
        log.info("worker.stopped", worker=self.name)
