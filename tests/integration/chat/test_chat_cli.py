"""`opsroom chat link` ties a chat identity to an existing user; `opsroom chat platforms`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog
from typer.testing import CliRunner

from opsroom.bootstrap import Container
from opsroom.chat.identity import user_for
from opsroom.chat.inbound import Person
from opsroom.cli.main import app
from tests.conftest import make_user
from tests.contract.discord_server import running_discord
from tests.integration.chat.conftest import discord_config


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI configures logging onto CliRunner's stderr, which closes after each run."""
    yield
    structlog.reset_defaults()


def test_linked_identity_acts_as_the_existing_user(
    container: Container, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(container, "alice")
    monkeypatch.setenv("OPSROOM_DATABASE__URL", database_url)
    monkeypatch.delenv("OPSROOM_CONFIG", raising=False)
    monkeypatch.chdir(container.settings.var_dir.parent)
    runner = CliRunner()
    result = runner.invoke(
        app, ["chat", "link", "--user", "alice", "--platform", "slack", "--id", "U0A"]
    )
    assert result.exit_code == 0, result.output
    assert "slack user U0A is now alice" in result.output
    with container.uow() as uow:
        assert user_for(uow, container.ctx, Person("slack", "U0A", "Alice A.")).name == "alice"
    missing = runner.invoke(
        app, ["chat", "link", "--user", "nobody", "--platform", "slack", "--id", "U0B"]
    )
    assert missing.exit_code == 2
    platforms = runner.invoke(app, ["chat", "platforms"])
    assert platforms.exit_code == 0, platforms.output
    assert "builtin" in platforms.output


def test_register_commands_puts_inc_on_the_discord_server(
    container: Container, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_discord() as discord:
        for name, value in discord_config(discord).items():
            monkeypatch.setenv(f"OPSROOM_CHAT__DISCORD__{name.upper()}", str(value))
        monkeypatch.setenv("OPSROOM_DATABASE__URL", database_url)
        monkeypatch.delenv("OPSROOM_CONFIG", raising=False)
        monkeypatch.chdir(container.settings.var_dir.parent)
        result = CliRunner().invoke(app, ["chat", "register-commands", "--platform", "discord"])
        assert result.exit_code == 0, result.output
        assert "registered /inc on discord" in result.output
        [command] = discord.guild.commands
        assert command["name"] == "inc"
        unknown = CliRunner().invoke(app, ["chat", "register-commands", "--platform", "teams"])
        assert unknown.exit_code == 2


def test_link_refuses_taking_someone_elses_id_an_unknown_platform_or_a_bad_id(
    container: Container, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(container, "alice")
    make_user(container, "viewer1")
    monkeypatch.setenv("OPSROOM_DATABASE__URL", database_url)
    monkeypatch.delenv("OPSROOM_CONFIG", raising=False)
    monkeypatch.chdir(container.settings.var_dir.parent)
    runner = CliRunner()

    def link(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["chat", "link", *args])
        return result.exit_code, result.output

    base = ("--platform", "slack", "--id", "U0ALICE")
    assert link("--user", "alice", *base)[0] == 0
    code, output = link("--user", "viewer1", *base)
    assert code == 2 and "is alice" in output and "--force" in output
    with container.uow() as uow:
        assert user_for(uow, container.ctx, Person("slack", "U0ALICE")).name == "alice"
    assert link("--user", "viewer1", *base, "--force")[0] == 0
    with container.uow() as uow:
        assert user_for(uow, container.ctx, Person("slack", "U0ALICE")).name == "viewer1"
    code, output = link("--user", "alice", "--platform", "nosuch", "--id", "U0X")
    assert code == 2 and "unknown chat platform" in output
    code, output = link("--user", "alice", "--platform", "slack", "--id", "bad id with spaces")
    assert code == 2 and "not a Slack user id" in output
