"""The job table: handlers commit with their job, failures retry with backoff, claims skip locks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from opsroom.bootstrap import Container
from opsroom.clock import FakeClock
from opsroom.db.uow import UnitOfWork
from opsroom.jobs.tables import JobRow
from opsroom.jobs.worker import Worker


def enqueue(container: Container, kind: str, now: datetime) -> int:
    with container.uow() as uow:
        job = uow.jobs.enqueue(kind, {"n": 1}, now=now, max_attempts=3)
        uow.commit()
        return job.id


def job(container: Container, job_id: int) -> JobRow:
    with container.uow() as uow:
        row = uow.session.get(JobRow, job_id)
        assert row is not None
        return row


def test_failing_job_is_retried_with_backoff_then_kept_as_failed(container: Container) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    container.ctx.clock = clock
    calls: list[int] = []

    def explode(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        calls.append(1)
        raise RuntimeError("chat platform unavailable")

    worker = Worker(container.uow, container.ctx, {"boom": explode})
    job_id = enqueue(container, "boom", clock.now())
    assert worker.run_once() == 1
    first = job(container, job_id)
    assert first.status == "queued"
    assert first.due_at == clock.now() + timedelta(seconds=2)
    assert first.last_error == "RuntimeError: chat platform unavailable"
    assert worker.run_once() == 0  # not due yet
    for _ in range(2):
        clock.advance(timedelta(minutes=5))
        worker.run_once()
    final = job(container, job_id)
    assert final.status == "failed"
    assert final.attempts == 3
    assert len(calls) == 3


def test_handler_effects_roll_back_with_a_failed_job(container: Container) -> None:
    def half_done(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        uow.jobs.enqueue("follow-up", {}, now=ctx.clock.now())
        raise RuntimeError("crashed halfway")

    worker = Worker(container.uow, container.ctx, {"half": half_done})
    enqueue(container, "half", container.ctx.clock.now())
    worker.run_once()
    with container.uow() as uow:
        assert [j.kind for j in uow.jobs.list_jobs()] == ["half"]


def test_a_claimed_job_is_not_claimed_again(container: Container) -> None:
    now = container.ctx.clock.now()
    enqueue(container, "slow", now)
    with container.uow() as first:
        claimed = first.jobs.claim("worker-a", now=now, limit=10, lease=timedelta(minutes=1))
        assert len(claimed) == 1
        first.commit()
    with container.uow() as second:
        assert second.jobs.claim("worker-b", now=now, limit=10, lease=timedelta(minutes=1)) == []


def test_an_expired_lease_is_claimed_by_another_worker(container: Container) -> None:
    now = container.ctx.clock.now()
    enqueue(container, "slow", now)
    with container.uow() as first:
        first.jobs.claim("worker-a", now=now, limit=10, lease=timedelta(seconds=30))
        first.commit()
    later = now + timedelta(seconds=31)
    with container.uow() as second:
        [again] = second.jobs.claim("worker-b", now=later, limit=10, lease=timedelta(seconds=30))
        assert again.locked_by == "worker-b"
        assert again.attempts == 2


def test_unknown_job_kind_fails_visibly(container: Container) -> None:
    job_id = enqueue(container, "no-such-kind", container.ctx.clock.now())
    Worker(container.uow, container.ctx, {}).run_once()
    assert "no handler for job kind 'no-such-kind'" in job(container, job_id).last_error


def test_concurrent_claims_skip_locked_rows_on_postgresql(container: Container) -> None:
    """Two open transactions claiming at once get disjoint jobs (FOR UPDATE SKIP LOCKED)."""
    if container.engine.dialect.name != "postgresql":
        return  # SQLite runs one worker per database: its writers are serialized instead
    now = container.ctx.clock.now()
    for _ in range(4):
        enqueue(container, "work", now)
    lease = timedelta(minutes=1)
    with container.uow() as first, container.uow() as second:
        a = first.jobs.claim("worker-a", now=now, limit=2, lease=lease)
        b = second.jobs.claim("worker-b", now=now, limit=10, lease=lease)
        assert len(a) == 2
        assert len(b) == 2
        assert {j.id for j in a}.isdisjoint({j.id for j in b})
