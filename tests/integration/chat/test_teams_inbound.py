"""Teams' bot endpoint and outgoing webhook against opsroom: tokens and HMAC checked before
anything else, card buttons (Action.Submit and Action.Execute), messages mirrored, and
people known by their Entra object id."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from opsroom.chat.tables import ChatDeliveryRow, ChatRoomRow
from tests.contract.teams_api import INCIDENTS
from tests.contract.teams_server import TeamsContractServer
from tests.integration.chat.teams_driver import USERS, TeamsDriver


def test_activities_without_a_valid_bot_framework_token_are_refused(
    teams_driver: TeamsDriver, teams: TeamsContractServer
) -> None:
    activity = teams_driver.activity(INCIDENTS, "inc declare DB down", "alice")
    body = json.dumps(activity).encode()
    for auth in [
        "",
        "Bearer " + teams.sign(key=rsa.generate_private_key(65537, 2048)),
        "Bearer " + teams.sign({"aud": "another-bot"}),
        "Bearer " + teams.sign({"serviceurl": "https://evil.example.test/"}),
        f"HMAC {teams.sign()}",
    ]:
        response = teams_driver.client.post(
            "/api/v1/chat/teams/messages",
            content=body,
            headers={"Content-Type": "application/json", "Authorization": auth},
        )
        assert response.status_code == 401, (auth[:20], response.text)
    with teams_driver.container.uow() as uow:
        assert uow.incidents.by_number(1) is None
        assert uow.session.query(ChatDeliveryRow).count() == 0


def test_a_key_not_endorsed_for_teams_is_forbidden(
    teams_driver: TeamsDriver, teams: TeamsContractServer
) -> None:
    teams.endorsements = ["webchat"]
    response = teams_driver.deliver(teams_driver.activity(INCIDENTS, "inc help", "alice"))
    assert response.status_code == 403, response.text


def test_command_reply_goes_to_the_thread_through_the_connector(
    teams_driver: TeamsDriver, teams: TeamsContractServer
) -> None:
    reply = teams_driver.command(INCIDENTS, "inc declare sev2 Checkout is slow", user="alice")
    assert reply == "Declared INC-1: Checkout is slow. Room: #inc-1-checkout-is-slow"
    room = teams_driver.room_of(1)
    assert room.startswith(INCIDENTS + ";messageid=")
    assert teams_driver.topic(room).startswith("INC-1 SEV2 investigating")
    assert any("INC-1: Checkout is slow" in m for m in teams_driver.messages(room))


def test_card_buttons_acknowledge_with_submit_and_resolve_with_execute(
    teams_driver: TeamsDriver, teams: TeamsContractServer
) -> None:
    teams_driver.command(INCIDENTS, "inc declare Checkout is slow", user="alice")
    room = teams_driver.room_of(1)
    activity, response = teams_driver.press(room, "ack", "incident:1", user="bob")
    assert response.status_code == 200
    assert teams_driver.reply_to(activity) == "Bob acknowledged INC-1"
    invoke = teams_driver.activity(room, "", "alice", mention_bot=False)
    invoke.update(type="invoke", name="adaptiveCard/action")
    invoke["value"] = {
        "action": {
            "type": "Action.Execute",
            "verb": "resolve",
            "data": {"opsroom_value": "incident:1"},
        }
    }
    response = teams_driver.deliver(invoke)
    assert response.json() == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Alice resolved INC-1",
    }
    teams_driver.container.worker().drain()
    assert teams_driver.is_archived(room)


def test_messages_in_the_thread_reach_the_timeline_and_names_follow_the_person(
    teams_driver: TeamsDriver,
) -> None:
    teams_driver.command(INCIDENTS, "inc declare Checkout is slow", user="alice")
    room = teams_driver.room_of(1)
    teams_driver.say(room, "Rolling back <b>now</b> &amp; watching", user="bob")
    renamed = teams_driver.activity(room, "still rolling", "bob", mention_bot=False)
    renamed["from"]["name"] = "Robert"
    teams_driver.deliver(renamed)
    with teams_driver.container.uow() as uow:
        entries = [e for e in uow.incidents.timeline(1) if e.kind == "message"]
        identity = uow.chat.identity("teams", USERS["bob"])
    assert [e.text for e in entries] == ["Rolling back now & watching", "still rolling"]
    assert len({e.actor for e in entries}) == 1
    assert identity is not None and identity.display_name == "Robert"


def test_outgoing_webhook_answers_in_the_response(teams_driver: TeamsDriver) -> None:
    response = teams_driver.webhook(INCIDENTS, "inc declare sev2 Payments down", "alice")
    assert response.status_code == 200, response.text
    assert response.json()["text"].startswith("Declared INC-1: Payments down")
    bad = teams_driver.webhook(INCIDENTS, "inc ack", "alice", secret="QUJDREVGR0g=")
    assert bad.status_code == 401


@pytest.mark.parametrize("teams_options", [{"app_id": None, "app_password": None}])
def test_the_webhook_only_setup_runs_commands_and_opens_no_teams_rooms(
    teams_driver: TeamsDriver, teams: TeamsContractServer
) -> None:
    response = teams_driver.webhook(INCIDENTS, "inc declare Checkout is slow", "alice")
    assert response.json()["text"].startswith("Declared INC-1: Checkout is slow")
    teams_driver.container.worker().drain()
    with teams_driver.container.uow() as uow:
        rows = uow.session.query(ChatRoomRow).filter_by(platform="teams").all()
    assert rows == []
    assert teams.calls == []
    activity = teams_driver.activity(INCIDENTS, "inc help", "alice")
    assert teams_driver.deliver(activity).status_code == 404  # no bot endpoint without a bot
