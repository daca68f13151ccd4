"""`opsroom config check` on a database that was never migrated says so plainly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from opsroom.cli.main import app


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def test_config_check_says_a_new_database_is_not_initialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSROOM_DATABASE__URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.delenv("OPSROOM_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "database not initialised" in result.output and "None" not in result.output
