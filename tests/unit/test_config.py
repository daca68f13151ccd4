"""Configuration: defaults, the YAML file, environment overrides, and errors naming the field."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsroom.config import load_settings
from opsroom.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No OPSROOM_* variables from the caller, and no ./opsroom.yaml in the working directory."""
    for name in list(os.environ):
        if name.upper().startswith("OPSROOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.message


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert settings.var_dir == Path("var")
    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert settings.server.base_url is None
    assert settings.server.max_body_bytes == 1024 * 1024
    assert settings.server.secret_key is None
    assert settings.server.public_url() == "http://127.0.0.1:8080"
    assert settings.database.url == "sqlite:///var/opsroom.db"
    assert settings.database.echo is False
    assert settings.chat.alerts_room == "alerts"
    assert settings.chat.incidents_room == "incidents"
    assert settings.chat.bot_name == "opsroom"
    assert settings.rules.auto_declare.enabled is True
    assert settings.rules.auto_declare.severities == ["critical"]
    assert settings.worker.enabled is True
    assert settings.worker.poll_interval == 0.25
    assert settings.worker.batch_size == 20
    assert settings.worker.max_attempts == 8
    assert settings.worker.lease_seconds == 60
    assert settings.logging.level == "info"
    assert settings.logging.format == "console"


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""))
    assert settings.server.port == 8080
    assert settings.chat.alerts_room == "alerts"


def test_yaml_file_values_are_used(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
var_dir: /srv/opsroom
server:
  host: 0.0.0.0
  port: 9000
  base_url: https://opsroom.example.test/
  secret_key: s3cret-from-file
database:
  url: postgresql://opsroom@db.example.test/opsroom
chat:
  alerts_room: prod-alerts
rules:
  auto_declare:
    severities: [critical, error]
worker:
  poll_interval: 1.5
logging:
  level: debug
  format: json
""",
    )
    settings = load_settings(path)
    assert settings.var_dir == Path("/srv/opsroom")
    assert settings.server.host == "0.0.0.0"
    assert settings.server.port == 9000
    assert settings.server.public_url() == "https://opsroom.example.test"
    assert settings.server.secret_key is not None
    assert settings.server.secret_key.get_secret_value() == "s3cret-from-file"
    assert settings.database.url == "postgresql://opsroom@db.example.test/opsroom"
    assert settings.chat.alerts_room == "prod-alerts"
    assert settings.chat.incidents_room == "incidents"  # unset keys keep their defaults
    assert settings.rules.auto_declare.severities == ["critical", "error"]
    assert settings.rules.auto_declare.enabled is True
    assert settings.worker.poll_interval == 1.5
    assert settings.logging.level == "debug"
    assert settings.logging.format == "json"


def test_environment_overrides_file_and_keeps_other_file_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "server:\n  host: 10.1.2.3\n  port: 9000\n")
    monkeypatch.setenv("OPSROOM_SERVER__PORT", "9100")
    settings = load_settings(path)
    assert settings.server.port == 9100
    assert settings.server.host == "10.1.2.3"


def test_environment_applies_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSROOM_DATABASE__URL", "postgresql://env@db.example.test/x")
    assert load_settings().database.url == "postgresql://env@db.example.test/x"


def test_keyword_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSROOM_SERVER__PORT", "9100")
    assert load_settings(server={"port": 9200}).server.port == 9200


def test_opsroom_config_variable_selects_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text("server:\n  port: 9300\n", encoding="utf-8")
    monkeypatch.setenv("OPSROOM_CONFIG", str(path))
    assert load_settings().server.port == 9300


def test_opsroom_yaml_in_working_directory_is_read(tmp_path: Path) -> None:
    write(tmp_path, "server:\n  port: 9400\n")
    assert load_settings().server.port == 9400


def test_invalid_field_names_field_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  host: 0.0.0.0\n  port: 70000\n")
    assert config_error(path) == (
        "invalid configuration:\n"
        f"  {path}, line 3: server.port: Input should be less than or equal to 65535"
    )


def test_invalid_nested_field_names_deep_path_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "chat:\n  alerts_room: alerts\n\nrules:\n  auto_declare:\n"
        "    severities: [critical, urgent]\n",
    )
    message = config_error(path)
    assert f"{path}, line 6: rules.auto_declare.severities.1: Input should be " in message


def test_every_invalid_field_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: zero\nchat:\n  alerts_room: Alerts!\n")
    lines = config_error(path).splitlines()
    assert lines[0] == "invalid configuration:"
    assert lines[1].startswith(f"  {path}, line 2: server.port: Input should be a valid integer")
    assert lines[2].startswith(f"  {path}, line 4: chat.alerts_room: String should match pattern")
    assert len(lines) == 3


def test_invalid_environment_value_names_the_variable_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "server:\n  port: 9000\n")
    monkeypatch.setenv("OPSROOM_SERVER__PORT", "abc")
    message = config_error(path)
    assert message.startswith(
        "invalid configuration:\n"
        "  environment variable OPSROOM_SERVER__PORT: server.port: Input should be a valid integer"
    )
    assert "line 2" not in message


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 9000\nservre:\n  port: 1\n")
    assert config_error(path) == (
        f"invalid configuration:\n  {path}, line 3: servre: Extra inputs are not permitted"
    )


def test_unknown_nested_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 9000\n  hostname: x\n")
    assert config_error(path) == (
        f"invalid configuration:\n  {path}, line 3: server.hostname: Extra inputs are not permitted"
    )


@pytest.mark.parametrize("text", ["- server\n- chat\n", "just a string\n", "42\n"])
def test_non_mapping_top_level_is_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert config_error(path) == f"{path}: the top level must be a mapping of sections"


def test_invalid_yaml_is_refused_with_position(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: [9000\nchat: {}\n")
    message = config_error(path)
    assert message.startswith(f"{path}: not valid YAML: ")
    assert "line " in message


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert config_error(path) == f"cannot read config file {path}: No such file or directory"


def test_maintenance_windows_are_named_as_silences_and_keep_their_first_names(
    tmp_path: Path,
) -> None:
    text = """
services:
  - name: checkout
    maintenance:
      - {starts_at: 2026-12-05T22:00:00Z, ends_at: 2026-12-06T02:00:00Z, reason: DB upgrade}
      - {start: 2026-12-07T22:00:00+01:00, end: 2026-12-08T02:00:00}
"""
    [service] = load_settings(write(tmp_path, text)).services
    first, second = service.maintenance
    assert (first.starts_at, first.ends_at) == (
        datetime(2026, 12, 5, 22, tzinfo=UTC),
        datetime(2026, 12, 6, 2, tzinfo=UTC),
    )
    assert second.starts_at == datetime(2026, 12, 7, 21, tzinfo=UTC)
    assert second.ends_at == datetime(2026, 12, 8, 2, tzinfo=UTC)  # no offset: UTC


def test_a_maintenance_window_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    text = """
services:
  - name: checkout
    maintenance:
      - {starts_at: 2026-12-06T02:00:00Z, ends_at: 2026-12-05T22:00:00Z}
"""
    message = config_error(write(tmp_path, text))
    assert "services.0.maintenance.0" in message
    assert "ends_at must be after starts_at" in message
