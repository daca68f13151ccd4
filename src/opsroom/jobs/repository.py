"""The job table: enqueue, claim (FOR UPDATE SKIP LOCKED on PostgreSQL), finish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from opsroom.jobs.tables import DEFAULT_QUEUE, JobRow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class JobRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        now: datetime,
        due_at: datetime | None = None,
        max_attempts: int = 8,
        queue: str = DEFAULT_QUEUE,
        key: str | None = None,
    ) -> JobRow:
        job = JobRow(
            kind=kind,
            queue=queue,
            key=key,
            payload=payload,
            status=QUEUED,
            due_at=due_at or now,
            attempts=0,
            max_attempts=max_attempts,
            created_at=now,
        )
        self._session.add(job)
        self._session.flush()
        return job

    def claim(
        self,
        worker: str,
        *,
        now: datetime,
        limit: int,
        lease: timedelta,
        queues: Sequence[str] | None = None,
    ) -> list[JobRow]:
        """Take due jobs (and jobs whose holder's lease ran out) of `queues` (None: all)."""
        due = or_(
            and_(JobRow.status == QUEUED, JobRow.due_at <= now),
            and_(JobRow.status == RUNNING, JobRow.locked_until < now),
        )
        # `status IN` first lets the planner walk the (queue, status, due_at) index over the
        # unfinished jobs only; with the OR alone SQLite read every job of the queue, done
        # ones included, on each claim.
        query = select(JobRow).where(JobRow.status.in_([QUEUED, RUNNING]), due)
        if queues is not None:
            query = query.where(JobRow.queue.in_(list(queues)))
        rows = list(
            self._session.scalars(
                query.order_by(JobRow.due_at, JobRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for job in rows:
            job.status, job.locked_by = RUNNING, worker
            job.locked_until = now + lease
            job.attempts += 1
        return rows

    def get_for_update(self, job_id: int) -> JobRow | None:
        return self._session.scalar(select(JobRow).where(JobRow.id == job_id).with_for_update())

    def mark_done(self, job: JobRow, now: datetime) -> None:
        job.status, job.finished_at, job.locked_until = DONE, now, None

    def mark_failed(self, job: JobRow, error: str, now: datetime) -> bool:
        """Retry with exponential backoff; returns False when the job has given up."""
        job.last_error = error[:2000]
        job.locked_by, job.locked_until = None, None
        if job.attempts >= job.max_attempts:
            job.status, job.finished_at = FAILED, now
            return False
        job.status = QUEUED
        job.due_at = now + timedelta(seconds=min(2**job.attempts, 300))
        return True

    def recur(self, job: JobRow, due_at: datetime, payload: dict[str, Any]) -> None:
        """The same row runs again at `due_at` with `payload`: a recurring job keeps one row."""
        job.payload, job.status, job.due_at = payload, QUEUED, due_at
        job.attempts, job.last_error = 0, None
        job.locked_by, job.locked_until, job.finished_at = None, None, None

    def delete_done(self, *, before: datetime, limit: int) -> int:
        """Delete up to `limit` jobs done before `before`; how many went."""
        ids = (
            select(JobRow.id)
            .where(JobRow.status == DONE, JobRow.finished_at < before)
            .order_by(JobRow.id)
            .limit(limit)
        )
        result = self._session.execute(delete(JobRow).where(JobRow.id.in_(ids.scalar_subquery())))
        return int(getattr(result, "rowcount", 0) or 0)

    def reschedule(
        self, job: JobRow, due_at: datetime, reason: str, *, count_attempt: bool
    ) -> None:
        """Run the job again at `due_at`; a rate limit is not a failure, so it costs no attempt."""
        job.last_error = reason[:2000]
        job.locked_by, job.locked_until = None, None
        job.status, job.due_at = QUEUED, due_at
        if not count_attempt:
            job.attempts = max(0, job.attempts - 1)

    def earlier_unfinished(self, job: JobRow) -> JobRow | None:
        """The oldest job of the same queue and key enqueued before `job` and not finished."""
        if job.key is None:
            return None
        # The key is compared through coalesce() so that no index on it is used: the
        # (queue, key, id) index would walk every finished job of the key from the first one;
        # (queue, status) reaches only the unfinished ones.
        return self._session.scalar(
            select(JobRow)
            .where(
                JobRow.queue == job.queue,
                func.coalesce(JobRow.key, "") == job.key,
                JobRow.id < job.id,
                JobRow.status.in_([QUEUED, RUNNING]),
            )
            .order_by(JobRow.id)
            .limit(1)
        )

    def wake(self, queue: str, reason: str, now: datetime) -> int:
        """Make queued jobs of `queue` rescheduled for `reason` due now (what they waited
        for has happened)."""
        result = self._session.execute(
            update(JobRow)
            .where(JobRow.queue == queue, JobRow.status == QUEUED, JobRow.last_error == reason)
            .values(due_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def has_waiting(self, kind: str, queue: str, *, running: bool = True) -> bool:
        """Whether a job of `kind` is queued (or running) in `queue`, for recurring jobs."""
        statuses = (QUEUED, RUNNING) if running else (QUEUED,)
        query = select(JobRow.id).where(
            JobRow.kind == kind, JobRow.queue == queue, JobRow.status.in_(statuses)
        )
        return self._session.scalar(query.limit(1)) is not None

    def counts_by_status(self) -> dict[str, int]:
        rows = self._session.execute(
            select(JobRow.status, func.count()).group_by(JobRow.status)
        ).all()
        return {status: count for status, count in rows}

    def list_jobs(self, *, status: str | None = None, limit: int = 100) -> list[JobRow]:
        query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
        if status:
            query = query.where(JobRow.status == status)
        return list(self._session.scalars(query))
