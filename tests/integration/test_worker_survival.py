"""A locked or failing database never kills a worker thread, and /readyz notices a stuck one."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from opsroom.bootstrap import Container
from opsroom.db.uow import UnitOfWork
from opsroom.jobs.tables import JobRow
from opsroom.jobs.worker import Worker
from tests.conftest import Api


def _flaky_factory(container: Container, failures: list[BaseException]) -> Any:
    """A unit-of-work factory that raises each of `failures` once, then works."""

    def make() -> UnitOfWork:
        if failures:
            raise failures.pop(0)
        return container.uow()

    return make


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def test_worker_thread_survives_lock_timeouts_and_runs_the_job_afterwards(
    container: Container,
) -> None:
    container.settings.worker.poll_interval = 0.01
    done = threading.Event()

    def record(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        done.set()

    failures: list[BaseException] = [
        TimeoutError("no SQLite write lock within 30 s"),
        _locked(),
        RuntimeError("a bug in a claim"),
    ]
    worker = Worker(_flaky_factory(container, failures), container.ctx, {"mark": record})
    with container.uow() as uow:
        uow.jobs.enqueue("mark", {}, now=container.ctx.clock.now())
        uow.commit()
    stop, wake = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, wake), daemon=True)
    thread.start()
    try:
        assert done.wait(30), "the job never ran after the worker's loop failed"
        assert thread.is_alive()
        assert failures == []
    finally:
        stop.set()
        wake.set()
        thread.join(10)


def test_a_job_whose_failure_cannot_be_recorded_is_retried_after_its_lease(
    container: Container,
) -> None:
    calls: list[int] = []

    def explode(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        calls.append(1)
        raise TimeoutError("no SQLite write lock within 30 s")

    worker = Worker(container.uow, container.ctx, {"boom": explode})
    with container.uow() as uow:
        job_id = uow.jobs.enqueue("boom", {}, now=container.ctx.clock.now(), max_attempts=3).id
        uow.commit()
    worker.run_once()
    with container.uow() as uow:
        row = uow.session.get(JobRow, job_id)
        assert row is not None
        assert row.status == "queued"
        assert row.last_error == "TimeoutError: no SQLite write lock within 30 s"
    assert calls == [1]


def test_readyz_fails_while_a_worker_has_not_finished_a_loop(api: Api) -> None:
    container = api.container
    worker = container.worker()
    container.running.append(worker)
    assert api.client.get("/readyz").status_code == 200
    worker.heartbeat = time.monotonic() - container.settings.worker.stale_seconds - 1
    answer = api.client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "stale_workers": [worker.name]}


def test_server_readyz_reports_its_running_workers_as_fresh(container: Container) -> None:
    from fastapi.testclient import TestClient

    from opsroom.api.app import create_app

    with TestClient(create_app(container, run_worker=True)) as client:
        assert len(container.running) >= 1
        assert client.get("/readyz").json()["status"] == "ready"
    assert container.running == []  # stopped workers are no longer checked


@pytest.mark.parametrize(
    "failure",
    [_locked(), TimeoutError("no SQLite write lock within 30 s")],
    ids=["database-is-locked", "writer-wait-timeout"],
)
def test_hook_answers_503_json_while_the_database_is_locked(
    api: Api, hook: Any, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    path = hook("generic", "locked")

    def refuse(self: UnitOfWork) -> UnitOfWork:
        raise failure

    monkeypatch.setattr(UnitOfWork, "__enter__", refuse)
    body = {"title": "Checkout is down", "status": "firing", "dedup_key": "lock-1"}
    answer = api.client.post(path, json=body)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "database_busy"
    assert answer.headers["retry-after"] == "5"
    listed = api.get("/api/v1/alert-groups")
    assert listed.status_code == 503
    assert listed.json()["error"]["code"] == "database_busy"
