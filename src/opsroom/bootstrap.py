"""The composition root: builds the engine, context, sources and worker from settings."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opsroom.alert.jobs import HANDLERS as ALERT_HANDLERS
from opsroom.chat.gateway import open_forms, run_parsed
from opsroom.chat.inbound import (
    Answer,
    ChatInbound,
    FormOpener,
    InboundOutcome,
    InboundParse,
)
from opsroom.chat.outbox import DELIVER, run_delivery
from opsroom.chat.poller import POLL, ensure_polling, run_poll
from opsroom.chat.registry import build_hub
from opsroom.chat.service import builtin_chat
from opsroom.chat.slack.socket_mode import SlackSocketMode
from opsroom.clock import Clock, SystemClock
from opsroom.config import Settings
from opsroom.context import Context
from opsroom.db.engine import build_engine, build_session_factory
from opsroom.db.migrate import ensure_at_head
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.jobs import HANDLERS as ESCALATION_HANDLERS
from opsroom.escalation.ports import OnCallLookup
from opsroom.jobs.tables import DEFAULT_QUEUE
from opsroom.jobs.worker import Handler, Worker
from opsroom.metrics import Metrics
from opsroom.notify.base import InboundNotifier
from opsroom.notify.registry import build_inbound, build_notifiers
from opsroom.notify.service import NOTIFY_QUEUE
from opsroom.oncall.service import on_call_users
from opsroom.sources.base import AlertSource
from opsroom.sources.cloudwatch.confirm import CONFIRM_JOB, confirm_subscription
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
    http: httpx.Client
    inbound: dict[str, InboundNotifier] = field(default_factory=dict)
    wake: threading.Event = field(default_factory=threading.Event)
    owns_http: bool = True

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def worker(self, name: str | None = None, *, queues: list[str] | None = None) -> Worker:
        """A worker for `queues` (None: every queue, as tests and one-shot runs want)."""
        return Worker(self.uow, self.ctx, self.handlers, name, queues=queues)

    def lane_workers(self) -> list[Worker]:
        """What one process runs, one thread each: a worker for the default queue (escalation
        steps, alert groups), one per remote chat platform, and `worker.delivery_threads`
        for the `notify` queue (page deliveries), so neither a slow or rate-limited platform
        nor a slow page channel ever holds up an escalation step or another lane. With no
        delivery threads the default queue's worker delivers pages too."""
        threads = self.settings.worker.delivery_threads
        first = [DEFAULT_QUEUE] if threads else [DEFAULT_QUEUE, NOTIFY_QUEUE]
        lanes = [first, *([queue] for queue in self.ctx.chat.remote_queues())]
        lanes += [[NOTIFY_QUEUE]] * threads
        return [self.worker(queues=lane) for lane in lanes]

    def close(self) -> None:
        self.engine.dispose()
        if self.owns_http:
            self.http.close()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    check_schema: bool = True,
    http_client: httpx.Client | None = None,
    on_call: OnCallLookup = on_call_users,
) -> Container:
    """`http_client` makes the outbound calls of sources and their jobs (tests point it at
    local servers); without one, bootstrap builds one and the container closes it.
    `on_call` is who escalation pages for a schedule target: the on-call schedules."""
    database = settings.database
    engine = build_engine(database.url, echo=database.echo, busy_timeout=database.busy_timeout)
    if check_schema:
        ensure_at_head(engine)
    wake = threading.Event()
    clock = clock or SystemClock()
    secret_key = _secret_key(settings)
    ctx = Context(
        settings=settings,
        clock=clock,
        metrics=Metrics(),
        wake_worker=wake.set,
        chat=build_hub(settings, clock),
        notifiers=build_notifiers(settings),
        on_call=on_call,
        secret_key=secret_key,
    )
    http = http_client or httpx.Client()
    container = Container(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        ctx=ctx,
        # A lambda, not ctx.clock.now: tests swap ctx.clock after bootstrap.
        sources=build_sources(http_client=http, now=lambda: ctx.clock.now()),  # noqa: PLW0108
        handlers={
            **ALERT_HANDLERS,
            **ESCALATION_HANDLERS,
            **_source_handlers(http),
            DELIVER: run_delivery,
            POLL: run_poll,
        },
        secret_key=secret_key,
        http=http,
        inbound=build_inbound(settings),
        wake=wake,
        owns_http=http_client is None,
    )
    return container


def _source_handlers(http: httpx.Client) -> dict[str, Handler]:
    """Jobs that sources ask for as follow-ups; they need HTTP, not the database."""

    def confirm(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
        confirm_subscription(http, payload)

    return {CONFIRM_JOB: confirm}


def start_worker_threads(
    container: Container, stop: threading.Event, workers: list[Worker] | None = None
) -> list[threading.Thread]:
    """Run `workers` (default: every lane worker) in daemon threads until `stop` is set."""
    threads = [
        threading.Thread(
            target=worker.run_forever,
            args=(stop, container.wake),
            name=f"opsroom-worker-{'-'.join(worker.queues or ('all',))}-{number}",
            daemon=True,
        )
        for number, worker in enumerate(container.lane_workers() if workers is None else workers)
    ]
    for thread in threads:
        thread.start()
    return threads


def ensure_channels(container: Container) -> None:
    """The shared rooms every install has (#alerts and #incidents), and the polling of the
    platforms that are polled."""
    chat_config = container.settings.chat
    with container.uow() as uow:
        chat = builtin_chat(uow, container.ctx)
        chat.ensure_channel(chat_config.alerts_room, "New alert groups are announced here")
        chat.ensure_channel(chat_config.incidents_room, "Incidents are announced here")
        ensure_polling(uow, container.ctx)
        uow.commit()


def start_socket_mode(container: Container) -> list[Callable[[], None]]:
    """Open Slack's Socket Mode connection when configured; returns how to close it."""
    slack = container.settings.chat.slack
    if slack is None or not slack.enabled or not slack.socket_mode:
        return []
    inbound = container.ctx.chat.get("slack").inbound
    assert inbound is not None

    def run(parsed: InboundParse) -> tuple[Answer, list[InboundOutcome]]:
        return run_parsed(container.uow, container.ctx, inbound, parsed)

    def after(outcomes: list[InboundOutcome]) -> None:
        if isinstance(inbound, FormOpener):
            open_forms(inbound, outcomes)

    runner = SlackSocketMode(slack, run, after)
    runner.start()
    return [runner.stop]


def start_connections(container: Container) -> list[Callable[[], None]]:
    """Open every platform's long-lived inbound connection (Discord's Gateway); returns how
    to close them. Events arrive as they would over HTTP and run through the same gateway."""
    closers = []
    for platform in container.ctx.chat:
        inbound = platform.inbound
        if platform.connect is None or inbound is None:
            continue

        def run(
            parsed: InboundParse, inbound: ChatInbound = inbound
        ) -> tuple[Answer, list[InboundOutcome]]:
            return run_parsed(container.uow, container.ctx, inbound, parsed)

        closers.append(platform.connect(run))
    return closers


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
