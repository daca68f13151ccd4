"""The one place that reads configuration: `opsroom.yaml` plus `OPSROOM_*` environment variables.

Environment variables win over the file (`OPSROOM_SERVER__PORT=9000`, `OPSROOM_DATABASE__URL=...`).
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from opsroom.alert.settings import (
    InhibitRule,
    IntegrationSettings,
    RoutingConfig,
    ServiceConfig,
)
from opsroom.chat.discord.settings import DiscordSettings
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.mattermost.settings import MattermostSettings
from opsroom.chat.slack.settings import SlackSettings
from opsroom.chat.teams.settings import TeamsSettings
from opsroom.errors import ConfigError
from opsroom.escalation.settings import EscalationPolicyConfig
from opsroom.notify.settings import NotifyConfig
from opsroom.oncall.settings import ScheduleConfig, ScheduleName
from opsroom.user.settings import TeamConfig, UserConfig

DEFAULT_CONFIG_FILE = "opsroom.yaml"
AlertSeverity = Literal["critical", "error", "warning", "info"]


def _critical_only() -> list[AlertSeverity]:
    return ["critical"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_hooks_in_flight: int = Field(default=512, ge=1)
    secret_key: SecretStr | None = None

    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


class DatabaseConfig(_Section):
    url: str = "sqlite:///var/opsroom.db"
    echo: bool = False
    # SQLite: how long a transaction waits for the write lock another process (or thread)
    # holds before it gives up with `database_busy`.
    busy_timeout: float = Field(default=30.0, gt=0, le=3600)


class ChatConfig(_Section):
    """The built-in chat's shared rooms, and what every platform shares. Each further
    platform is a sub-section named by its slug (`slack:`, `matrix:`, `mattermost:`)."""

    alerts_room: str = Field(default="alerts", pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    incidents_room: str = Field(default="incidents", pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    bot_name: str = "opsroom"
    # Role of the opsroom user created when someone first talks to opsroom on a platform.
    new_user_role: Literal["admin", "responder", "viewer"] = "responder"
    # Attempts of one outbound chat call failing with 5xx/timeouts (rate limits don't count).
    max_attempts: int = Field(default=25, ge=1, le=1000)
    slack: SlackSettings | None = None
    matrix: MatrixSettings | None = None
    mattermost: MattermostSettings | None = None
    discord: DiscordSettings | None = None
    teams: TeamsSettings | None = None


class AutoDeclareRule(_Section):
    enabled: bool = True
    severities: list[AlertSeverity] = Field(default_factory=_critical_only)


class RulesConfig(_Section):
    auto_declare: AutoDeclareRule = Field(default_factory=AutoDeclareRule)


class WorkerConfig(_Section):
    enabled: bool = True
    poll_interval: float = Field(default=0.25, gt=0, le=60)
    batch_size: int = Field(default=20, ge=1, le=1000)
    max_attempts: int = Field(default=8, ge=1, le=100)
    lease_seconds: int = Field(default=60, ge=5)
    # Extra threads per process that only deliver pages (0: the main worker delivers too).
    delivery_threads: int = Field(default=2, ge=0, le=32)
    # Done jobs are deleted once this old (housekeeping, every 5 minutes); failed ones stay.
    keep_done_jobs_hours: float = Field(default=24, ge=0, le=24 * 366)


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["console", "json"] = "console"


class Settings(BaseSettings):
    """Everything opsroom can be told. Built once by the composition root."""

    model_config = SettingsConfigDict(
        env_prefix="OPSROOM_", env_nested_delimiter="__", extra="forbid"
    )

    var_dir: Path = Path("var")
    server: ServerConfig = Field(default_factory=ServerConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    chat: ChatConfig = Field(default_factory=ChatConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    services: list[ServiceConfig] = Field(default_factory=list)
    integrations: dict[str, IntegrationSettings] = Field(default_factory=dict)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    inhibit_rules: list[InhibitRule] = Field(default_factory=list)
    schedules: dict[ScheduleName, ScheduleConfig] = Field(default_factory=dict)
    escalation_policies: list[EscalationPolicyConfig] = Field(default_factory=list)
    users: list[UserConfig] = Field(default_factory=list)
    teams: list[TeamConfig] = Field(default_factory=list)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)

    @model_validator(mode="after")
    def _references(self) -> Settings:
        """Names that point elsewhere in the file must exist there."""
        policies = _unique("escalation_policies", [p.name for p in self.escalation_policies])
        _unique("users", [u.name for u in self.users])
        teams = _unique("teams", [t.name for t in self.teams])
        for service in self.services:
            if service.escalation_policy and service.escalation_policy not in policies:
                raise ValueError(
                    f"service {service.name!r} names escalation policy "
                    f"{service.escalation_policy!r}, which is not in escalation_policies"
                )
        for policy in self.escalation_policies:
            for step in policy.steps:
                for target in step.targets:
                    if target.kind == "team" and target.name not in teams:
                        raise ValueError(
                            f"escalation policy {policy.name!r} names team {target.name!r}, "
                            "which is not in teams"
                        )
        return self

    def service(self, name: str | None) -> ServiceConfig | None:
        return next((s for s in self.services if s.name == name), None) if name else None

    def policy(self, name: str) -> EscalationPolicyConfig | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    def user_config(self, name: str) -> UserConfig | None:
        return next((u for u in self.users if u.name == name), None)

    def team(self, name: str) -> TeamConfig | None:
        return next((t for t in self.teams if t.name == name), None)

    def integration(self, name: str) -> IntegrationSettings:
        """Settings of one integration by name, defaults when the file says nothing."""
        return self.integrations.get(name) or IntegrationSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls, _file_data.get()))


def _unique(section: str, names: list[str]) -> set[str]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{section}: {name!r} is defined twice")
        seen.add(name)
    return seen


_file_data: ContextVar[dict[str, Any]] = ContextVar("opsroom_file_data", default={})  # noqa: B039


class _FileSource(PydanticBaseSettingsSource):
    """The parsed YAML file as a settings source, below the environment in priority."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def config_path_from_env() -> Path | None:
    """The config file: `OPSROOM_CONFIG`, else `./opsroom.yaml` when it exists."""
    explicit = os.environ.get("OPSROOM_CONFIG")
    if explicit:
        return Path(explicit)
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read the YAML file (if any), apply the environment, validate, name the bad field."""
    path = path if path is not None else config_path_from_env()
    text = ""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        data = _parse_yaml(path, text)
    token = _file_data.set(data)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, text)) from exc
    finally:
        _file_data.reset(token)


def _parse_yaml(path: Path, text: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return loaded


def _describe(exc: ValidationError, path: Path | None, text: str) -> str:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        field = ".".join(loc) or "(top level)"
        where = str(path) if path else "settings"
        env_name = "OPSROOM_" + "__".join(loc).upper()
        line = _line_of(text, loc) if text else None
        if env_name in os.environ:
            where = f"environment variable {env_name}"
        elif line is not None:
            where = f"{where}, line {line}"
        lines.append(f"{where}: {field}: {error['msg']}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _line_of(text: str, loc: list[str]) -> int | None:
    """The 1-based line of the deepest part of `loc` present in the YAML text."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line: int | None = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((pair for pair in node.value if pair[0].value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line
