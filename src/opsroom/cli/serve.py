"""`opsroom serve` and `opsroom worker`."""

from __future__ import annotations

import shutil
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from opsroom.api.app import create_app
from opsroom.bootstrap import Container, ensure_channels
from opsroom.cli.common import console, container
from opsroom.user import passwords
from opsroom.user.service import add_user


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    worker: Annotated[bool, typer.Option(help="Run the job worker in this process.")] = True,
) -> None:
    """Run the API, the web page and the job worker in one process."""
    with container() as built:
        settings = built.settings
        host = host or settings.server.host
        port = port or settings.server.port
        if settings.server.base_url is None:
            settings.server.host, settings.server.port = host, port
        _first_admin(built)
        base = settings.server.public_url()
        console.print(f"opsroom is running: web page {base}/ , API docs {base}/docs")
        _alertmanager_hint(built)
        app = create_app(built, run_worker=worker)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )


def _alertmanager_hint(built: Container) -> None:
    """How to point Alertmanager here, with the command as this install spells it."""
    program = _program()
    with built.uow() as uow:
        names = [i.name for i in uow.alerts.integrations() if i.kind == "alertmanager"]
    if names:
        console.print(
            f"Alertmanager integrations: {', '.join(names)}. A new webhook URL: "
            f"`{program} integration create --kind alertmanager --name NAME` (see README)."
        )
        return
    console.print(
        "Point Alertmanager at opsroom: create a webhook URL with "
        f"`{program} integration create --kind alertmanager --name prod` and use it "
        "as a webhook_configs url (see README)."
    )


def _program() -> str:
    """`opsroom` when it is on PATH, else the path it was started by (e.g. .venv/bin/opsroom)."""
    started = Path(sys.argv[0])
    on_path = shutil.which("opsroom")
    if on_path and Path(on_path).resolve() == started.resolve():
        return "opsroom"
    try:
        return str(started.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(started)


def _first_admin(built: Container) -> None:
    """On the first start, create `admin` and print its password once."""
    with built.uow() as uow:
        if uow.users.count() > 0:
            return
        password = passwords.new_password()
        add_user(uow, built.ctx, name="admin", password=password, role="admin")
        uow.commit()
    console.print(
        f"Created user [bold]admin[/bold] with password [bold]{password}[/bold] "
        "(shown only this once; sign in at the web page)"
    )


def run_worker() -> None:
    """Run a job worker (add as many as you like; they share the database)."""
    with container() as built:
        ensure_channels(built)
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()
            built.wake.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        workers = built.lane_workers()
        threads = [
            threading.Thread(target=w.run_forever, args=(stop, built.wake), daemon=True)
            for w in workers[1:]
        ]
        for thread in threads:
            thread.start()
        console.print(f"worker {workers[0].name} started ({len(workers)} queues)")
        workers[0].run_forever(stop, built.wake)
        for thread in threads:
            thread.join(timeout=10)
