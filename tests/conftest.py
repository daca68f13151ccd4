"""Shared fixtures: every integration test runs on SQLite and, when configured, PostgreSQL.

Set OPSROOM_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test) to add PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from opsroom.api.app import create_app
from opsroom.bootstrap import Container, bootstrap
from opsroom.config import Settings, load_settings
from opsroom.db.engine import build_engine
from opsroom.db.migrate import upgrade
from opsroom.db.tables import metadata
from opsroom.user.service import add_user, create_token

PG_URL = os.environ.get("OPSROOM_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "opsroom.db"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    engine = build_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    return PG_URL


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "opsroom.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_migrated")
    engine = build_engine(url)
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


def settings_from_yaml(database_url: str, tmp_path: Path, text: str) -> Settings:
    """Settings read from `text` as `opsroom.yaml`, on the test's database and var dir."""
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(
        path,
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
    )


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    built = bootstrap(settings)
    yield built
    built.close()


@dataclass
class Api:
    """A TestClient that speaks as one user with a bearer token."""

    client: TestClient
    token: str
    container: Container

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers, **kwargs)

    def say(self, room: str, text: str) -> Any:
        """Post a message or command in a room; fails the test unless it was accepted."""
        response = self.post(f"/api/v1/rooms/{room}/messages", json={"text": text})
        assert response.status_code == 201, response.text
        return response.json()

    def run_jobs(self) -> int:
        return self.container.worker().drain()

    def messages(self, room: str) -> list[str]:
        response = self.get(f"/api/v1/rooms/{room}/messages")
        assert response.status_code == 200, response.text
        return [item["text"] for item in response.json()["items"]]


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container, run_worker=False)) as test_client:
        yield test_client


def make_user(container: Container, name: str, password: str | None = None) -> str:
    """Add a user and return an API token for them."""
    with container.uow() as uow:
        user = add_user(uow, container.ctx, name=name, password=password)
        token = create_token(uow, container.ctx, user)
        uow.commit()
    return token


@pytest.fixture
def api(client: TestClient, container: Container) -> Api:
    return Api(
        client=client, token=make_user(container, "alice", "alice-password"), container=container
    )


@pytest.fixture
def hook(container: Container) -> Any:
    """Create an integration and return its hook path."""
    from opsroom.alert.service import create_integration

    def make(kind: str = "alertmanager", name: str = "prod") -> str:
        with container.uow() as uow:
            _, token = create_integration(
                uow, container.ctx, kind=kind, name=name, known_kinds=set(container.sources)
            )
            uow.commit()
        return f"/api/v1/hooks/{kind}/{token}"

    return make
