"""The `chat:` section: per-platform settings, secrets only from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsroom.config import load_settings
from opsroom.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("OPSROOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_slack_secrets_come_from_the_environment_and_stay_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "chat:\n  slack:\n    alerts_channel: C0123ALERTS\n")
    monkeypatch.setenv("OPSROOM_CHAT__SLACK__BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("OPSROOM_CHAT__SLACK__SIGNING_SECRET", "from-env")
    slack = load_settings(path).chat.slack
    assert slack is not None
    assert slack.bot_token is not None and slack.bot_token.get_secret_value() == "xoxb-from-env"
    assert "xoxb-from-env" not in repr(slack)
    assert slack.alerts_channel == "C0123ALERTS"


def test_missing_slack_secrets_name_the_variables(tmp_path: Path) -> None:
    path = write(tmp_path, "chat:\n  slack:\n    alerts_channel: C0123ALERTS\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = caught.value.message
    assert "line 2" in message
    assert "OPSROOM_CHAT__SLACK__BOT_TOKEN" in message
    assert "OPSROOM_CHAT__SLACK__SIGNING_SECRET" in message


def test_socket_mode_needs_the_app_token_not_the_signing_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "chat:\n  slack:\n    socket_mode: true\n")
    monkeypatch.setenv("OPSROOM_CHAT__SLACK__BOT_TOKEN", "xoxb-from-env")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "OPSROOM_CHAT__SLACK__APP_TOKEN" in caught.value.message
    monkeypatch.setenv("OPSROOM_CHAT__SLACK__APP_TOKEN", "xapp-from-env")
    assert load_settings(path).chat.slack is not None


def test_channel_names_instead_of_ids_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "chat:\n  slack:\n    enabled: false\n    alerts_channel: '#alerts'\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "chat.slack.alerts_channel" in caught.value.message


def test_unknown_chat_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "chat:\n  slak: {}\n"))
    assert "chat.slak" in caught.value.message


def test_slack_invite_ids_must_look_like_user_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSROOM_CHAT__SLACK__BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("OPSROOM_CHAT__SLACK__SIGNING_SECRET", "from-env")
    path = write(tmp_path, "chat:\n  slack:\n    invite: [U0ONCALL, bad-user]\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "invite" in caught.value.message and "bad-user" in caught.value.message
    path = write(tmp_path, "chat:\n  slack:\n    invite: [U0ONCALL, W0GRID1]\n")
    slack = load_settings(path).chat.slack
    assert slack is not None and slack.invite == ["U0ONCALL", "W0GRID1"]
