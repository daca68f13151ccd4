"""The same scripted incident on every chat platform (see scripted.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from tests.integration.chat.builtin_driver import BuiltinDriver
from tests.integration.chat.scripted import run_scripted_incident


def test_scripted_incident_on_the_builtin_chat(
    client: TestClient, container: Container, hook: Any
) -> None:
    run_scripted_incident(BuiltinDriver(client, container), container, client, hook())
