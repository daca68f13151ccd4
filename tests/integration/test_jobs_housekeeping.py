"""Done jobs do not pile up: housekeeping deletes those done longer ago than
`worker.keep_done_jobs_hours` (failed ones stay, to be looked at), and a recurring job keeps
its one row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from opsroom.bootstrap import Container
from opsroom.clock import FakeClock
from opsroom.db.uow import UnitOfWork
from opsroom.jobs.recur import Recur
from opsroom.jobs.tables import JobRow
from opsroom.jobs.worker import Worker


def rows(container: Container) -> list[tuple[str, str]]:
    with container.uow() as uow:
        return sorted((j.kind, j.status) for j in uow.session.query(JobRow).all())


def test_done_jobs_older_than_the_setting_are_deleted_failed_ones_stay(
    container: Container,
) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    container.ctx.clock = clock
    assert container.settings.worker.keep_done_jobs_hours == 24

    def fine(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        return None

    def broken(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        raise RuntimeError("always")

    worker = Worker(container.uow, container.ctx, {"old": fine, "new": fine, "bad": broken})
    with container.uow() as uow:
        uow.jobs.enqueue("old", {}, now=clock.now())
        uow.jobs.enqueue("bad", {}, now=clock.now(), max_attempts=1)
        uow.commit()
    worker.drain()
    clock.advance(timedelta(hours=23))
    with container.uow() as uow:
        uow.jobs.enqueue("new", {}, now=clock.now())
        uow.commit()
    worker.drain()
    clock.advance(timedelta(hours=2))  # "old" is 25 hours done, "new" 2 hours
    worker.housekeeping()
    assert rows(container) == [("bad", "failed"), ("new", "done")]


def test_the_setting_is_configurable(container: Container) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    container.ctx.clock = clock
    container.settings.worker.keep_done_jobs_hours = 1
    worker = Worker(container.uow, container.ctx, {"x": lambda uow, ctx, payload: None})
    with container.uow() as uow:
        uow.jobs.enqueue("x", {}, now=clock.now())
        uow.commit()
    worker.drain()
    clock.advance(timedelta(minutes=30))
    worker.housekeeping()
    assert rows(container) == [("x", "done")]
    clock.advance(timedelta(minutes=31))
    worker.housekeeping()
    assert rows(container) == []


def test_a_recurring_job_keeps_its_one_row(container: Container) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    container.ctx.clock = clock
    seen: list[int] = []

    def tick(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> Recur:
        seen.append(int(payload["n"]))
        return Recur(after=5, payload={"n": int(payload["n"]) + 1})

    worker = Worker(container.uow, container.ctx, {"tick": tick})
    with container.uow() as uow:
        uow.jobs.enqueue("tick", {"n": 1}, now=clock.now())
        uow.commit()
    for _ in range(3):
        worker.drain()
        clock.advance(timedelta(seconds=5))
    assert seen == [1, 2, 3]
    with container.uow() as uow:
        [job] = uow.session.query(JobRow).all()
        assert (job.status, job.payload, job.attempts) == ("queued", {"n": 4}, 0)
