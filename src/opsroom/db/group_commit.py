"""Group commit: the work of many concurrent requests shares one transaction.

One writer thread takes whatever is queued (up to `max_batch`), hands it to the handler in
one unit of work, commits once, and only then gives every caller its outcome. The handler
returns one outcome per request, an exception for a request that failed; it undoes a failed
request's changes (a savepoint, see `isolated`) so the others still commit. Nothing waits to
fill a batch: under light load a batch is one request, under load it is whatever arrived
while the previous batch committed. On SQLite this also means one writer instead of many
threads taking turns at the database lock.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from opsroom.db.uow import UnitOfWork, UnitOfWorkFactory
from opsroom.logging import get_logger

log = get_logger(__name__)

P = TypeVar("P")
R = TypeVar("R")
BatchHandler = Callable[[UnitOfWork, list[P]], list[R | Exception]]
MAX_BATCH = 256


@dataclass
class _Item(Generic[P, R]):
    payload: P
    lock_keys: tuple[Sequence[str], ...]
    future: Future[R]


class GroupCommitter(Generic[P, R]):
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        handler: BatchHandler[P, R],
        *,
        max_batch: int = MAX_BATCH,
        observe_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._handler = handler
        self._max_batch = max_batch
        self._observe = observe_batch
        self._queue: queue.SimpleQueue[_Item[P, R] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopWaker] = (
            weakref.WeakKeyDictionary()
        )

    def submit(self, payload: P, *, lock_keys: Sequence[Sequence[str]] = ()) -> Future[R]:
        """Queue a request; the future resolves after the transaction that stored it committed.

        `lock_keys` are sets of keys (see `AlertRepository.lock_keys`) taken for the whole
        batch before the handler runs: the first set of every request, then the second, each
        in sorted order, which is the order a request on its own takes them in; so batches
        never wait on each other in a cycle."""
        future: Future[R] = Future()
        self._start()
        self._queue.put(_Item(payload, tuple(lock_keys), future))
        return future

    async def run(self, payload: P, *, lock_keys: Sequence[Sequence[str]] = ()) -> R:
        loop = asyncio.get_running_loop()
        waker = self._wakers.get(loop)
        if waker is None:
            waker = self._wakers[loop] = _LoopWaker(loop)
        return await waker.wait(self.submit(payload, lock_keys=lock_keys))

    def stop(self) -> None:
        """Finish what is queued, then end the writer thread (a later submit starts a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start(self) -> None:
        if self._thread is not None:
            return  # the common case, without taking the lock
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="opsroom-group-commit", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            # A caller that went away before its batch started is not stored (and not answered).
            self._run_batch([item for item in batch if item.future.set_running_or_notify_cancel()])

    def _run_batch(self, batch: list[_Item[P, R]]) -> None:
        if not batch:
            return
        if self._observe is not None:
            self._observe(len(batch))
        try:
            with self._uow() as uow:
                _lock(uow, batch)
                outcomes = self._handler(uow, [item.payload for item in batch])
                uow.commit()
        except BaseException as exc:
            # The shared transaction failed: nothing of this batch is stored, tell everyone.
            log.warning("group_commit.failed", size=len(batch), error=type(exc).__name__)
            for item in batch:
                item.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for item, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Exception):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)


class _LoopWaker:
    """Hands outcomes to an event loop with one wake-up per batch, where `wrap_future` would
    wake the loop once per request (a write to its self-pipe each, a tenth of the writer)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: list[tuple[Future[Any], asyncio.Future[Any]]] = []
        self._lock = threading.Lock()

    def wait(self, future: Future[R]) -> asyncio.Future[R]:
        waiter: asyncio.Future[R] = self._loop.create_future()
        # A caller that goes away cancels its request, as `wrap_future` would.
        waiter.add_done_callback(lambda done: future.cancel() if done.cancelled() else None)
        future.add_done_callback(lambda done: self._done(done, waiter))
        return waiter

    def _done(self, future: Future[Any], waiter: asyncio.Future[Any]) -> None:
        with self._lock:
            self._pending.append((future, waiter))
            first = len(self._pending) == 1
        if first:
            self._loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for future, waiter in pending:
            if waiter.done():
                continue
            if future.cancelled():
                waiter.cancel()
            elif (error := future.exception()) is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(future.result())


def _lock(uow: UnitOfWork, batch: list[_Item[P, R]]) -> None:
    for phase in range(max(len(item.lock_keys) for item in batch)):
        keys = {
            key for item in batch if phase < len(item.lock_keys) for key in item.lock_keys[phase]
        }
        if keys:
            uow.alerts.lock_keys(sorted(keys))


def isolated(uow: UnitOfWork, work: Callable[[], R]) -> R | Exception:
    """Run one request's work in a savepoint: if it raises, only its own changes are undone."""
    try:
        with uow.savepoint():
            return work()
    except Exception as exc:  # noqa: BLE001 - one failing request must not fail its batch
        return exc
