"""The ASGI application: every router, the error handlers and the in-process worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from opsroom import __version__
from opsroom.alert import routes as alert_routes
from opsroom.alert import silence_routes
from opsroom.api import chat, hooks, system
from opsroom.api.errors import install_error_handlers
from opsroom.api.hook_asgi import OpsroomApp
from opsroom.api.hook_integrations import IntegrationCache
from opsroom.api.ratelimit import HookLimiter
from opsroom.bootstrap import (
    Container,
    ensure_channels,
    start_connections,
    start_socket_mode,
    start_worker_threads,
)
from opsroom.chat.builtin import routes as chat_routes
from opsroom.escalation import routes as escalation_routes
from opsroom.incident import routes as incident_routes
from opsroom.notify import routes as notify_routes
from opsroom.oncall import calendar_routes as oncall_calendar_routes
from opsroom.oncall import routes as oncall_routes
from opsroom.user import paging_routes
from opsroom.user import routes as user_routes
from opsroom.web import routes as web_routes
from opsroom.web.routes import STATIC


def create_app(container: Container, *, run_worker: bool | None = None) -> FastAPI:
    """Build the app; the worker thread runs unless disabled (tests drive it by hand)."""
    with_worker = container.settings.worker.enabled if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ensure_channels(container)
        closers = start_socket_mode(container) + start_connections(container)
        stop = threading.Event()
        threads = start_worker_threads(container, stop) if with_worker else []
        try:
            yield
        finally:
            app.state.committer.stop()
            stop.set()
            container.wake.set()
            for thread in threads:
                thread.join(timeout=10)
            for close in closers:
                close()

    app = OpsroomApp(
        title="opsroom",
        version=__version__,
        lifespan=lifespan,
        description="Self-hosted ChatOps incident management.",
    )
    app.state.container = container
    app.state.hook_limiter = HookLimiter(container.settings.server.max_hooks_in_flight)
    app.state.integrations = IntegrationCache()
    app.state.committer = hooks.hook_committer(container, app.state.integrations)
    app.state.verifying_kinds = hooks.verifying_kinds(container)
    install_error_handlers(app)
    for module in (
        system,
        hooks,
        chat,
        alert_routes,
        silence_routes,
        incident_routes,
        oncall_routes,
        oncall_calendar_routes,
        chat_routes,
        user_routes,
        escalation_routes,
        notify_routes,
        paging_routes,
        web_routes,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
