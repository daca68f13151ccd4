"""What every CLI command shares: settings, the container, error reporting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from opsroom.bootstrap import Container, bootstrap
from opsroom.config import Settings, load_settings
from opsroom.errors import OpsroomError
from opsroom.logging import configure_logging

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except OpsroomError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    configure_logging(settings.logging)
    return settings


@contextmanager
def container(check_schema: bool = True) -> Iterator[Container]:
    """The composition root for one command; every opsroom error becomes a clear exit."""
    settings = settings_or_exit()
    built: Container | None = None
    try:
        built = bootstrap(settings, check_schema=check_schema)
        yield built
    except OpsroomError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        if built is not None:
            built.close()
