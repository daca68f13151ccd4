"""Unit of work: one transaction per use case; rolls back unless the service commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy.orm import Session

from opsroom.alert.repository import AlertRepository
from opsroom.chat.builtin.repository import RoomRepository
from opsroom.chat.repository import ChatRepository
from opsroom.incident.repository import IncidentRepository
from opsroom.jobs.repository import JobRepository
from opsroom.oncall.repository import ScheduleRepository
from opsroom.user.repository import UserRepository


class UnitOfWork:
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.alerts = AlertRepository(self.session)
        self.incidents = IncidentRepository(self.session)
        self.rooms = RoomRepository(self.session)
        self.chat = ChatRepository(self.session)
        self.jobs = JobRepository(self.session)
        self.users = UserRepository(self.session)
        self.schedules = ScheduleRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted and detaches rows without expiring them,
        # so values read inside the unit of work stay readable after it.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo only what the block wrote when it raises; the rest of the unit stays."""
        with self.session.begin_nested():
            yield

    def refresh(self, row: object) -> None:
        """Re-read a row, e.g. after waiting for a lock another transaction held."""
        self.session.refresh(row)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name


UnitOfWorkFactory = Callable[[], UnitOfWork]
