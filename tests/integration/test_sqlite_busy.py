"""SQLite's write lock held by another process: commands wait for it, then fail clearly.

The other process is a plain sqlite3 connection holding a write transaction, as a busy
`opsroom serve` does between its commits."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner, Result

from opsroom.cli.main import app
from opsroom.config import Settings, load_settings
from tests.conftest import Api
from tests.integration.oncall_setup import environment


@pytest.fixture
def sqlite_path(database_url: str) -> Path:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return Path(database_url.removeprefix("sqlite:///"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url, "busy_timeout": 0.5},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
    )


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """The CLI binds its logs to the runner's stderr, closed after each run: put them back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@contextmanager
def write_lock_held(path: Path, seconds: float) -> Iterator[None]:
    """Another connection holds the write lock for `seconds` from the start of the block."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE jobs SET status = status WHERE id = -1")
    release = threading.Timer(seconds, lambda: other.execute("COMMIT"))
    release.start()
    try:
        yield
    finally:
        release.join()
        other.close()


def cli(database_url: str, tmp_path: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(
        app, list(args), env={**environment(database_url, tmp_path, ""), **env}
    )


def test_cli_waits_for_the_write_lock_and_succeeds(
    sqlite_path: Path, database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    with write_lock_held(sqlite_path, 1.0):
        result = cli(database_url, tmp_path, "silence", "add", "--match", 'alertname="DiskFull"')
    assert result.exit_code == 0, result.output
    assert "Silence #1 until" in result.stdout
    assert time.monotonic() - started >= 0.9


def test_cli_gives_a_clear_error_after_the_busy_timeout(
    sqlite_path: Path, database_url: str, tmp_path: Path, hook: Any
) -> None:
    hook(kind="generic", name="scripts")
    args = ("alert", "send", "--integration", "scripts")
    with write_lock_held(sqlite_path, 2.0):
        result = cli(database_url, tmp_path, *args, OPSROOM_DATABASE__BUSY_TIMEOUT="0.3")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "the SQLite database is busy" in result.output
    assert "database.busy_timeout" in result.output


def test_a_hook_answers_503_with_retry_after_when_the_lock_stays_taken(
    sqlite_path: Path, api: Api, hook: Any
) -> None:
    url = hook(kind="generic", name="scripts")
    with write_lock_held(sqlite_path, 2.0):
        response = api.client.post(url, json={"title": "Disk full", "dedup_key": "disk"})
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_busy"
    assert response.headers["Retry-After"] == "1"
    again = api.client.post(url, json={"title": "Disk full", "dedup_key": "disk"})
    assert again.status_code == 202  # nothing of the refused request was stored
    assert again.json()["created"] == 1
