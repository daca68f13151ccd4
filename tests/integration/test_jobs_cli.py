"""`opsroom jobs list` shows the job table; `opsroom jobs cancel` stops a queued job, so the
jobs queued behind it (same key: one chat room) go on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog
from typer.testing import CliRunner

from opsroom.bootstrap import Container
from opsroom.cli.main import app


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()


@pytest.fixture
def runner(container: Container, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE__URL", database_url)
    monkeypatch.delenv("OPSROOM_CONFIG", raising=False)
    monkeypatch.chdir(container.settings.var_dir.parent)
    return CliRunner()


def test_a_cancelled_job_lets_the_next_of_its_room_run(
    container: Container, runner: CliRunner
) -> None:
    now = container.ctx.clock.now()
    with container.uow() as uow:
        stuck = uow.jobs.enqueue("test.stuck", {"op": "invite"}, now=now, queue="q1", key="room:7")
        stuck.last_error = "ChatPlatformError: user_not_found"
        behind = uow.jobs.enqueue("test.next", {}, now=now, queue="q1", key="room:7")
        uow.jobs.enqueue("test.other", {}, now=now, queue="q2")
        uow.commit()
        stuck_id, behind_id = stuck.id, behind.id
    listed = runner.invoke(app, ["jobs", "list", "--queue", "q1", "--status", "queued"])
    assert listed.exit_code == 0, listed.output
    assert "test.stuck invite" in listed.output and "user_not_found" in listed.output
    assert "test.other" not in listed.output
    cancelled = runner.invoke(app, ["jobs", "cancel", str(stuck_id)])
    assert cancelled.exit_code == 0, cancelled.output
    with container.uow() as uow:
        job = uow.jobs.get_for_update(stuck_id)
        assert job is not None and job.status == "failed"
        assert "cancelled" in (job.last_error or "")
        next_job = uow.jobs.get_for_update(behind_id)
        assert next_job is not None and uow.jobs.earlier_unfinished(next_job) is None
    again = runner.invoke(app, ["jobs", "cancel", str(stuck_id)])
    assert again.exit_code == 2 and "failed" in again.output
    assert runner.invoke(app, ["jobs", "cancel", "999999"]).exit_code == 2
    bad = runner.invoke(app, ["jobs", "list", "--status", "stuck"])
    assert bad.exit_code == 2 and "--status" in bad.output
