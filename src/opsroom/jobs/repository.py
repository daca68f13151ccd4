"""The job table: enqueue, claim (FOR UPDATE SKIP LOCKED on PostgreSQL), finish."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from opsroom.jobs.tables import JobRow

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
    ) -> JobRow:
        job = JobRow(
            kind=kind,
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
        kinds: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[JobRow]:
        """Take due jobs (and jobs whose holder's lease ran out) for this worker, optionally
        only of some kinds or all but some kinds."""
        due = or_(
            and_(JobRow.status == QUEUED, JobRow.due_at <= now),
            and_(JobRow.status == RUNNING, JobRow.locked_until < now),
        )
        query = select(JobRow).where(due)
        if kinds is not None:
            query = query.where(JobRow.kind.in_(list(kinds)))
        if exclude:
            query = query.where(JobRow.kind.not_in(list(exclude)))
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
