"""Discord's interactions endpoint and Gateway against opsroom: signatures checked before
anything else, PING/PONG, deferred replies, buttons, identities by user id, and messages
mirrored from the Gateway (also after a dropped connection is resumed)."""

from __future__ import annotations

import json
import time

from nacl.signing import SigningKey

from opsroom.chat.tables import ChatDeliveryRow
from tests.contract.discord_api import ALERTS_ID, INCIDENTS_ID
from tests.contract.discord_server import DiscordContractServer, shown
from tests.integration.chat.discord_driver import USERS, DiscordDriver, signed


def test_unsigned_or_badly_signed_interactions_are_refused_before_anything_is_stored(
    discord_driver: DiscordDriver,
) -> None:
    payload = discord_driver.slash_payload(INCIDENTS_ID, "declare Checkout is slow", "alice")
    body = json.dumps(payload).encode()
    url = "/api/v1/chat/discord/interactions"
    stale = signed(body, timestamp=int(time.time()) - 3600)
    for headers in [
        {"Content-Type": "application/json"},
        signed(body + b"\n"),
        signed(body, key=SigningKey.generate()),
        stale,
    ]:
        response = discord_driver.client.post(url, content=body, headers=headers)
        assert response.status_code == 401, response.text
    with discord_driver.container.uow() as uow:
        assert uow.incidents.by_number(1) is None
        assert uow.session.query(ChatDeliveryRow).count() == 0


def test_ping_gets_pong(discord_driver: DiscordDriver) -> None:
    response = discord_driver.interact({"id": "1", "type": 1, "token": "t", "version": 1})
    assert (response.status_code, response.json()) == (200, {"type": 1})


def test_unknown_endpoint_is_a_404(discord_driver: DiscordDriver) -> None:
    body = b"{}"
    response = discord_driver.client.post(
        "/api/v1/chat/discord/events", content=body, headers=signed(body)
    )
    assert response.status_code == 404


def test_slash_command_is_deferred_then_the_reply_replaces_it(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    payload = discord_driver.slash_payload(INCIDENTS_ID, "declare sev2 Checkout is slow", "alice")
    response = discord_driver.interact(payload)
    assert response.json() == {"type": 5, "data": {}}
    assert discord.guild.originals[payload["token"]] == {}  # nothing sent inside the request
    reply = discord_driver.reply_to(payload)
    assert reply == "Declared INC-1: Checkout is slow. Room: #inc-1-checkout-is-slow"
    *_, edit = discord.ok("PATCH /webhooks/{id}/{token}/messages/@original")  # then the room
    assert "authorization" not in edit.headers  # the interaction token is the credential
    assert edit.body["allowed_mentions"] == {"parse": []}


def test_mistakes_and_help_are_only_shown_to_the_person(discord_driver: DiscordDriver) -> None:
    payload = discord_driver.slash_payload(ALERTS_ID, "ack", "alice")
    response = discord_driver.interact(payload)
    assert response.json() == {"type": 5, "data": {"flags": 64}}
    assert "works only inside an incident room" in discord_driver.reply_to(payload)


def test_buttons_acknowledge_and_resolve(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    discord_driver.command(INCIDENTS_ID, "/inc declare Checkout is slow", user="alice")
    room = discord_driver.room_of(1)
    summary = discord.guild.channel(room).messages[0]
    ids = [b["custom_id"] for row in summary["components"] for b in row["components"]]
    assert ids == ["opsroom:ack:incident:1", "opsroom:resolve:incident:1"]
    payload, response = discord_driver.press(room, "ack", "incident:1", user="bob")
    assert response.json()["type"] == 5
    assert discord_driver.reply_to(payload) == "Bob acknowledged INC-1"
    payload, _ = discord_driver.press(room, "resolve", "incident:1", user="alice")
    assert discord_driver.reply_to(payload) == "Alice resolved INC-1"
    assert discord_driver.is_archived(room)


def test_people_are_known_by_their_discord_id_across_renames(
    discord_driver: DiscordDriver,
) -> None:
    discord_driver.command(ALERTS_ID, "/inc help", user="carol")
    payload = discord_driver.slash_payload(ALERTS_ID, "help", "carol")
    payload["member"]["user"]["global_name"] = "Carol the Great"
    discord_driver.interact(payload)
    with discord_driver.container.uow() as uow:
        identity = uow.chat.identity("discord", USERS["carol"])
        assert identity is not None and identity.display_name == "Carol the Great"
        user = uow.users.get(identity.user_id)
        assert user is not None and user.name == "Carol"
        assert len(uow.chat.identities_of_user(user.id)) == 1


def test_gateway_messages_reach_the_timeline_once_and_bots_are_ignored(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    discord_driver.command(INCIDENTS_ID, "/inc declare Checkout is slow", user="alice")
    room = discord_driver.room_of(1)
    discord_driver.say(room, f"Rolling back, {discord_driver.mention('alice')} watch", user="bob")
    assert discord.gateway is not None
    bot = discord_driver.message_event(room, "INC-1 update", "bob")
    bot["author"] = {"id": "100000000000000003", "username": "opsroom", "bot": True}
    discord.gateway.dispatch("MESSAGE_CREATE", bot)
    discord_driver.say(room, "still rolling", user="bob")
    with discord_driver.container.uow() as uow:
        messages = [e.text for e in uow.incidents.timeline(1) if e.kind == "message"]
    assert messages == ["Rolling back, @Alice watch", "still rolling"]
    identify = [op for op in discord.gateway.opcodes if op == 2]
    assert identify == [2]


def test_a_dropped_gateway_resumes_and_replays_what_was_missed(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    discord_driver.command(INCIDENTS_ID, "/inc declare Checkout is slow", user="alice")
    room = discord_driver.room_of(1)
    discord_driver.say(room, "before the drop", user="bob")
    gateway = discord.gateway
    assert gateway is not None
    gateway.drop()
    missed = discord_driver.message_event(room, "said while disconnected", "bob")
    gateway.dispatch("MESSAGE_CREATE", missed)  # nobody is connected: kept for RESUME
    discord_driver.wait(lambda: discord_driver.recorded(missed["id"]), "the replayed message")
    assert 6 in gateway.opcodes  # RESUME, not a new IDENTIFY
    with discord_driver.container.uow() as uow:
        texts = [e.text for e in uow.incidents.timeline(1) if e.kind == "message"]
    assert texts == ["before the drop", "said while disconnected"]
    assert shown(discord.guild.channel(room).messages[0]).startswith("INC-1: Checkout is slow")
