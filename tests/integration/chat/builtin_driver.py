"""The built-in chat's driver for the scripted incident: people use the web API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from tests.conftest import make_user


class BuiltinDriver:
    platform = "builtin"
    alerts_room = "alerts"

    def __init__(self, client: TestClient, container: Container) -> None:
        self._client = client
        self._container = container
        self._tokens: dict[str, str] = {}

    def _headers(self, user: str) -> dict[str, str]:
        if user not in self._tokens:
            self._tokens[user] = make_user(self._container, user)
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    def _post(self, room: str, text: str, user: str) -> Any:
        response = self._client.post(
            f"/api/v1/rooms/{room}/messages", json={"text": text}, headers=self._headers(user)
        )
        assert response.status_code == 201, response.text
        return response.json()

    def command(self, room: str, text: str, *, user: str) -> str:
        replies = self._post(room, text, user)["replies"]
        return "\n".join(reply["text"] for reply in replies)

    def say(self, room: str, text: str, *, user: str) -> None:
        self._post(room, text, user)

    def mention(self, user: str) -> str:
        return f"@{user}"

    def room_of(self, incident: int) -> str:
        response = self._client.get(f"/api/v1/incidents/{incident}", headers=self._headers("alice"))
        room: str = response.json()["room"]
        return room

    def _room(self, room: str) -> dict[str, Any]:
        response = self._client.get(f"/api/v1/rooms/{room}", headers=self._headers("alice"))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def messages(self, room: str) -> list[str]:
        response = self._client.get(
            f"/api/v1/rooms/{room}/messages", headers=self._headers("alice")
        )
        return [item["text"] for item in response.json()["items"] if item["kind"] == "bot"]

    def topic(self, room: str) -> str:
        return str(self._room(room)["topic"])

    def is_archived(self, room: str) -> bool:
        return bool(self._room(room)["archived"])
