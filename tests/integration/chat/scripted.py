"""The scripted incident every chat platform must pass: alert -> declare -> ack -> status ->
role -> note -> message -> resolve -> archived. A platform plugs in with a `ChatDriver`.

A driver acts as people on its platform, exactly as the platform would deliver their
actions to opsroom (signed requests for Slack, the web API for the built-in chat), and reads
back what the platform shows (its contract server's record, or the built-in rooms).
"""

from __future__ import annotations

from typing import Any, Protocol

from opsroom.bootstrap import Container
from tests.integration.payloads import alertmanager


class ChatDriver(Protocol):
    platform: str
    alerts_room: str

    def command(self, room: str, text: str, *, user: str) -> str:
        """Run `/inc ...` in a room as `user`; the reply opsroom showed them."""

    def say(self, room: str, text: str, *, user: str) -> None:
        """A plain message in a room."""

    def mention(self, user: str) -> str:
        """How a person is named in a command on this platform."""

    def room_of(self, incident: int) -> str:
        """The platform's room (id or name) of an incident."""

    def messages(self, room: str) -> list[str]:
        """The bot's messages in a room, oldest first."""

    def topic(self, room: str) -> str: ...

    def is_archived(self, room: str) -> bool: ...


def run_scripted_incident(
    driver: ChatDriver, container: Container, client: Any, hook_url: str
) -> list[dict[str, Any]]:
    """Runs the script, asserting each step; returns the incident's timeline."""
    drain = container.worker().drain
    assert client.post(hook_url, json=alertmanager(severity="warning")).status_code == 202
    drain()
    assert any("Alert group #1: Checkout latency" in m for m in driver.messages(driver.alerts_room))

    reply = driver.command(driver.alerts_room, "/inc declare group:1", user="alice")
    assert reply.startswith("Declared INC-1: Checkout latency is above 2s"), reply
    drain()
    room = driver.room_of(1)
    assert any("Checkout latency is above 2s (firing)" in m for m in driver.messages(room))

    assert "acknowledged INC-1" in driver.command(room, "/inc ack", user="alice")
    reply = driver.command(room, "/inc status identified bad deploy of checkout 4.2", user="alice")
    assert "set INC-1 to identified" in reply
    drain()
    assert driver.topic(room).startswith("INC-1 SEV3 identified")

    driver.command(room, "/inc help", user="bob")  # bob's first contact makes him known
    reply = driver.command(room, f"/inc role commander {driver.mention('bob')}", user="alice")
    assert "is now commander of INC-1" in reply, reply
    assert "Note added" in driver.command(room, "/inc note rollback at 10:42", user="bob")
    driver.say(room, "Rolling back checkout to 4.1 now", user="bob")
    assert "resolved INC-1" in driver.command(room, "/inc resolve rolled back", user="alice")
    drain()
    assert driver.is_archived(room)

    timeline: list[dict[str, Any]] = incident_timeline(container, 1)
    assert [entry["kind"] for entry in timeline[:2]] == ["declare", "alert"]
    assert timeline[1]["text"] == "Alert firing: Checkout latency is above 2s"
    human = [entry for entry in timeline if entry["kind"] != "alert"]
    kinds = [entry["kind"] for entry in human]
    assert kinds[:7] == ["declare", "ack", "status", "role", "note", "message", "resolve"], kinds
    assert "system" in kinds[7:]
    assert {entry["source"] for entry in human[:7]} == {driver.platform}
    assert human[5]["text"] == "Rolling back checkout to 4.1 now"
    return timeline


def incident_timeline(container: Container, number: int) -> list[dict[str, Any]]:
    with container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        return [
            {"kind": e.kind, "source": e.source, "text": e.text, "actor": e.actor}
            for e in uow.incidents.timeline(incident.id)
        ]
