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
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork, UnitOfWorkFactory
from opsroom.errors import DatabaseBusyError, RetryLaterError
from opsroom.jobs.phased import PhasedHandler
from opsroom.jobs.recur import Recur
from opsroom.jobs.repository import RUNNING
from opsroom.jobs.tables import DEFAULT_QUEUE, JobRow
from opsroom.logging import get_logger

log = get_logger(__name__)

KEY_ORDER_GAP = timedelta(seconds=1)
DELETE_BATCH = 5000

Handler = Callable[[UnitOfWork, Context, dict[str, Any]], Recur | None] | PhasedHandler


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
        queues: Sequence[str] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._ctx = ctx
        self._handlers = handlers
        self.queues = tuple(queues) if queues is not None else None
        self.name = name or worker_name()
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
                queues=self.queues,
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
            if isinstance(handler, PhasedHandler):
                if not self._run_phased(job_id, handler, payload):
                    return
            else:
                with self._uow() as uow:
                    job = self._held(uow, job_id)
                    if job is None:
                        return
                    again = handler(uow, self._ctx, payload)
                    now = self._ctx.clock.now()
                    if isinstance(again, Recur):
                        uow.jobs.recur(job, now + timedelta(seconds=again.after), again.payload)
                    else:
                        uow.jobs.mark_done(job, now)
                    uow.commit()
            self._ctx.metrics.jobs_processed.labels(kind=kind, outcome="done").inc()
        except RetryLaterError as exc:
            self._later(job_id, kind, exc)
        except Exception as exc:  # noqa: BLE001 - one failing job must never stop the worker
            self._fail(job_id, kind, exc)

    def _held(self, uow: UnitOfWork, job_id: int) -> JobRow | None:
        """The job, locked, if this worker still holds its lease and no earlier job of its
        key is unfinished (then it is rescheduled after that one, costing no attempt)."""
        job = uow.jobs.get_for_update(job_id)
        if job is None or job.status != RUNNING or job.locked_by != self.name:
            return None  # our lease ran out and another worker holds the job now
        earlier = uow.jobs.earlier_unfinished(job)
        if earlier is not None:
            now = self._ctx.clock.now()
            # Queued: run right after it (claims go by due time, then id). Running elsewhere:
            # look again in a moment.
            due = now + KEY_ORDER_GAP if earlier.status == RUNNING else max(now, earlier.due_at)
            reason = f"after job {earlier.id} ({job.key})"
            uow.jobs.reschedule(job, due, reason, count_attempt=False)
            uow.commit()
            return None
        return job

    def _run_phased(self, job_id: int, handler: PhasedHandler, payload: dict[str, Any]) -> bool:
        """prepare (transaction) -> call (none) -> finish (transaction); False if not ours."""
        with self._uow() as uow:
            job = self._held(uow, job_id)
            if job is None:
                return False
            prepared = handler.prepare(uow, self._ctx, payload)
            if prepared is None:
                uow.jobs.mark_done(job, self._ctx.clock.now())
            uow.commit()
        if prepared is None:
            return True
        result = handler.call(self._ctx, prepared)
        with self._uow() as uow:
            job = self._held(uow, job_id)
            if job is None:
                return False
            again = handler.finish(uow, self._ctx, prepared, result)
            now = self._ctx.clock.now()
            if again is None:
                uow.jobs.mark_done(job, now)
            else:
                due = now + timedelta(seconds=again.after)
                uow.jobs.reschedule(job, due, again.reason, count_attempt=again.count_attempt)
            uow.commit()
        return True

    def _later(self, job_id: int, kind: str, exc: RetryLaterError) -> None:
        now = self._ctx.clock.now()
        with self._uow() as uow:
            job = uow.jobs.get_for_update(job_id)
            if job is not None:
                due = now + timedelta(seconds=exc.retry_after)
                uow.jobs.reschedule(job, due, exc.message, count_attempt=exc.count_attempt)
            uow.commit()
        self._ctx.metrics.jobs_processed.labels(kind=kind, outcome="later").inc()
        log.info("job.rescheduled", job=job_id, kind=kind, retry_after=exc.retry_after)

    def _fail(self, job_id: int, kind: str, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        with self._uow() as uow:
            job = uow.jobs.get_for_update(job_id)
            retrying = job is not None and uow.jobs.mark_failed(job, error, self._ctx.clock.now())
            uow.commit()
        outcome = "retry" if retrying else "failed"
        self._ctx.metrics.jobs_processed.labels(kind=kind, outcome=outcome).inc()
        log.warning("job.failed", job=job_id, kind=kind, error=error, outcome=outcome)

    def _keeps_house(self) -> bool:
        return self.queues is None or DEFAULT_QUEUE in self.queues

    def housekeeping(self) -> None:
        """Forget request hashes and chat event ids kept for duplicate detection once they
        are an hour old (Slack retries for minutes, not hours), and done jobs once they are
        `worker.keep_done_jobs_hours` old (failed jobs stay, to be looked at)."""
        now = self._ctx.clock.now()
        with self._uow() as uow:
            hour_ago = now - timedelta(hours=1)
            uow.alerts.prune_deliveries(hour_ago)
            uow.chat.prune_deliveries(hour_ago)
            uow.commit()
        keep = timedelta(hours=self._ctx.settings.worker.keep_done_jobs_hours)
        while True:  # in batches: a backlog of done jobs never holds a long lock
            with self._uow() as uow:
                deleted = uow.jobs.delete_done(before=now - keep, limit=DELETE_BATCH)
                uow.commit()
            if deleted:
                log.info("jobs.done_deleted", count=deleted)
            if deleted < DELETE_BATCH:
                return

    def run_forever(self, stop: threading.Event, wake: threading.Event) -> None:
        log.info("worker.started", worker=self.name, queues=",".join(self.queues or ("*",)))
        interval = self._ctx.settings.worker.poll_interval
        next_housekeeping = 0.0
        while not stop.is_set():
            try:
                if self._keeps_house() and time.monotonic() >= next_housekeeping:
                    self.housekeeping()
                    next_housekeeping = time.monotonic() + 300
                claimed = self.run_once()
            except (SQLAlchemyError, DatabaseBusyError) as exc:
                log.warning("worker.database_error", error=str(exc)[:500])
                claimed = 0
                stop.wait(min(5.0, interval * 10))
            if claimed == 0:
                wake.wait(interval)
                wake.clear()
        log.info("worker.stopped", worker=self.name)
