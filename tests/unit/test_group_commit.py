"""GroupCommitter: requests queued while a batch runs commit together; outcomes stay per request."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from opsroom.db.group_commit import GroupCommitter, isolated


class FakeAlerts:
    def __init__(self) -> None:
        self.locked: list[list[str]] = []

    def lock_keys(self, keys: list[str]) -> None:
        self.locked.append(keys)


class FakeUnitOfWork:
    """Records commits; `fail_commit` makes the shared commit raise."""

    def __init__(self, log: list[str], fail_commit: bool = False) -> None:
        self.log, self.fail_commit = log, fail_commit
        self.alerts = FakeAlerts()

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.append("closed")

    def commit(self) -> None:
        if self.fail_commit:
            raise RuntimeError("disk full")
        self.log.append("commit")

    def savepoint(self) -> Any:
        import contextlib

        return contextlib.nullcontext()


class Gate:
    """Holds the first batch until released, so the next requests queue up behind it."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, size: int) -> None:
        self.sizes.append(size)
        if len(self.sizes) == 1:
            self.holding.set()
            assert self.release.wait(10)

    def plug(self, committer: GroupCommitter[Any, Any], *, lock_keys: Any = ()) -> Any:
        """Submit a first request and wait until its batch is being held."""
        future = committer.submit("plug", lock_keys=lock_keys)
        assert self.holding.wait(10)
        return future


def make(handler: Any, *, fail_commit: bool = False) -> tuple[GroupCommitter[Any, Any], Gate, Any]:
    log: list[str] = []
    uows: list[FakeUnitOfWork] = []

    def factory() -> FakeUnitOfWork:
        uows.append(FakeUnitOfWork(log, fail_commit))
        return uows[-1]

    gate = Gate()
    return GroupCommitter(factory, handler, observe_batch=gate), gate, (log, uows)


def echo(uow: Any, payloads: list[Any]) -> list[Any]:
    return [ValueError(p) if p == "bad" else p.upper() for p in payloads]


def test_requests_queued_behind_a_batch_commit_together_in_order() -> None:
    committer, gate, (log, _) = make(echo)
    first = gate.plug(committer)
    queued = [committer.submit(name) for name in ("a", "b", "c")]
    gate.release.set()
    assert first.result(5) == "PLUG"
    assert [future.result(5) for future in queued] == ["A", "B", "C"]
    assert gate.sizes == [1, 3]
    assert log == ["commit", "closed", "commit", "closed"]
    committer.stop()


def test_a_failing_request_gets_its_exception_and_the_others_their_results() -> None:
    committer, gate, _ = make(echo)
    gate.plug(committer)
    good, bad, other = (committer.submit(p) for p in ("a", "bad", "b"))
    gate.release.set()
    assert good.result(5) == "A"
    assert other.result(5) == "B"
    with pytest.raises(ValueError, match="bad"):
        bad.result(5)
    committer.stop()


def test_when_the_shared_commit_fails_every_request_of_the_batch_gets_the_error() -> None:
    committer, gate, _ = make(echo, fail_commit=True)
    futures = [gate.plug(committer), committer.submit("a"), committer.submit("b")]
    gate.release.set()
    for future in futures:
        with pytest.raises(RuntimeError, match="disk full"):
            future.result(5)
    committer.stop()


def test_lock_keys_of_a_batch_are_taken_set_by_set_each_sorted_before_its_work() -> None:
    committer, gate, (_, uows) = make(echo)
    gate.plug(committer, lock_keys=(["k9"],))
    committer.submit("a", lock_keys=(["alert3", "alert1"], ["group2"]))
    last = committer.submit("b", lock_keys=(["alert2", "alert1"], ["group1"]))
    gate.release.set()
    last.result(5)
    assert [uow.alerts.locked for uow in uows] == [
        [["k9"]],
        [["alert1", "alert2", "alert3"], ["group1", "group2"]],
    ]
    committer.stop()


def test_a_request_cancelled_before_its_batch_starts_is_not_run() -> None:
    seen: list[str] = []

    def handler(uow: Any, payloads: list[str]) -> list[str]:
        seen.extend(payloads)
        return payloads

    committer, gate, _ = make(handler)
    gate.plug(committer)
    cancelled: Future[str] = committer.submit("gone")
    kept = committer.submit("kept")
    assert cancelled.cancel()
    gate.release.set()
    assert kept.result(5) == "kept"
    assert seen == ["plug", "kept"]
    committer.stop()


def test_stop_finishes_what_is_queued_and_a_later_submit_starts_again() -> None:
    committer, gate, _ = make(echo)
    gate.release.set()
    queued = [committer.submit(p) for p in ("a", "b")]
    committer.stop()
    assert [future.result(0) for future in queued] == ["A", "B"]
    assert committer.submit("c").result(5) == "C"
    committer.stop()


def test_isolated_returns_the_exception_instead_of_raising() -> None:
    uow: Any = FakeUnitOfWork([])

    def boom() -> str:
        raise KeyError("x")

    assert isinstance(isolated(uow, boom), KeyError)
    assert isolated(uow, lambda: "ok") == "ok"
