"""The composition root: builds the engine, context, sources and worker from settings."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opsroom.alert.jobs import HANDLERS as ALERT_HANDLERS
from opsroom.chat.service import builtin_chat
from opsroom.clock import Clock, SystemClock
from opsroom.config import Settings
from opsroom.context import Context
from opsroom.db.engine import build_engine, build_session_factory
from opsroom.db.migrate import ensure_at_head
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.jobs import HANDLERS as ESCALATION_HANDLERS
from opsroom.escalation.ports import OnCallLookup, no_schedules
from opsroom.jobs.worker import Handler, Worker
from opsroom.metrics import Metrics
from opsroom.notify.base import InboundNotifier
from opsroom.notify.registry import build_inbound, build_notifiers
from opsroom.notify.service import DELIVER
from opsroom.sources.base import AlertSource
from opsroom.sources.registry import build_sources


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    ctx: Context
    sources: dict[str, AlertSource]
    handlers: dict[str, Handler]
    secret_key: str
    inbound: dict[str, InboundNotifier] = field(default_factory=dict)
    wake: threading.Event = field(default_factory=threading.Event)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def worker(self, name: str | None = None) -> Worker:
        return Worker(self.uow, self.ctx, self.handlers, name)

    def workers(self) -> list[Worker]:
        """What one process runs: the main worker, plus threads that only deliver pages."""
        threads = self.settings.worker.delivery_threads
        if threads == 0:
            return [self.worker()]
        only, rest = frozenset({DELIVER}), frozenset({DELIVER})
        main = Worker(self.uow, self.ctx, self.handlers, exclude=rest)
        return [main] + [
            Worker(self.uow, self.ctx, self.handlers, kinds=only) for _ in range(threads)
        ]

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    check_schema: bool = True,
    on_call: OnCallLookup = no_schedules,
) -> Container:
    engine = build_engine(settings.database.url, echo=settings.database.echo)
    if check_schema:
        ensure_at_head(engine)
    wake = threading.Event()
    secret_key = _secret_key(settings)
    ctx = Context(
        settings=settings,
        clock=clock or SystemClock(),
        metrics=Metrics(),
        wake_worker=wake.set,
        notifiers=build_notifiers(settings),
        on_call=on_call,
        secret_key=secret_key,
    )
    container = Container(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        ctx=ctx,
        sources=build_sources(),
        handlers={**ALERT_HANDLERS, **ESCALATION_HANDLERS},
        secret_key=secret_key,
        wake=wake,
        inbound=build_inbound(settings),
    )
    return container


def start_worker_threads(
    container: Container, stop: threading.Event, *, skip_first: bool = False
) -> list[threading.Thread]:
    """Run the process's workers in daemon threads (the first one stays with the caller when
    `skip_first`); they stop when `stop` is set."""
    workers = container.workers()[1:] if skip_first else container.workers()
    threads = [
        threading.Thread(
            target=worker.run_forever,
            args=(stop, container.wake),
            name=f"opsroom-worker-{number}",
            daemon=True,
        )
        for number, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    return threads


def ensure_channels(container: Container) -> None:
    """The shared rooms every install has: #alerts and #incidents."""
    chat_config = container.settings.chat
    with container.uow() as uow:
        chat = builtin_chat(uow, container.ctx)
        chat.ensure_channel(chat_config.alerts_room, "New alert groups are announced here")
        chat.ensure_channel(chat_config.incidents_room, "Incidents are announced here")
        uow.commit()


def _secret_key(settings: Settings) -> str:
    """The configured key, else one kept in var/ so sign-ins survive restarts."""
    if settings.server.secret_key is not None:
        return settings.server.secret_key.get_secret_value()
    path = Path(settings.var_dir) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key
