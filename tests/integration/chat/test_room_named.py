"""The declare reply and the incidents-channel announcements name each platform's room as it
exists there (a `-2` name when the first was taken, a Matrix alias), never a guessed name."""

from __future__ import annotations

from opsroom.bootstrap import Container
from tests.contract.slack_server import SlackContractServer
from tests.e2e.synapse import SERVER_NAME, Synapse
from tests.integration.chat.matrix_driver import MatrixDriver
from tests.integration.chat.slack_driver import SlackDriver
from tests.integration.chat.test_matrix import declare, prefix


def test_slack_declare_reply_and_announcement_name_the_suffixed_channel(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    slack.workspace.add_channel("C0OLD", "inc-1-db-down")  # made by someone else
    reply = slack_driver.command("C0ALERTS", "/inc declare sev2 DB down", user="alice")
    assert reply.startswith("Declared INC-1: DB down."), reply
    assert "#inc-1-db-down" not in reply  # not known yet: the name may be taken
    slack_driver.container.worker().drain()
    channel = slack.channel_named("inc-1-db-down-2")
    [announcement] = slack.messages("C0INCIDENTS")
    assert announcement.endswith("Join #inc-1-db-down-2"), announcement
    follow_ups = [r["text"] for r in slack.responses]
    assert "Declared INC-1: DB down. Room: #inc-1-db-down-2" in follow_ups, follow_ups
    assert channel.id != "C0OLD"


def test_builtin_declare_reply_names_the_room_at_once(
    slack_driver: SlackDriver, slack: SlackContractServer, slack_container: Container
) -> None:
    with slack_container.uow() as uow:
        from opsroom.chat.runner import declared_reply
        from opsroom.incident.service import Actor, declare_incident

        incident = declare_incident(
            uow, slack_container.ctx, title="DB down", severity=2, actor=Actor("alice", "api")
        )
        assert declared_reply(uow, slack_container.ctx, incident, "builtin").endswith(
            "Room: #inc-1-db-down"
        )
        uow.commit()
    slack_container.worker().drain()
    [announcement] = slack.messages("C0INCIDENTS")
    assert announcement.endswith("Join #inc-1-db-down"), announcement


def test_matrix_announcement_names_the_room_alias_taken_or_not(
    matrix_driver: MatrixDriver, matrix_container: Container, synapse: Synapse
) -> None:
    squatter = synapse.client(synapse.register("carol"))
    taken = f"{prefix(matrix_container)}inc-1-checkout"
    assert squatter.post("/createRoom", json={"room_alias_name": taken}).status_code == 200
    declare(matrix_container, "Checkout")
    matrix_container.worker().drain()
    settings = matrix_container.settings.chat.matrix
    assert settings is not None
    incidents = matrix_driver.messages(settings.incidents_room)
    assert any(m.endswith(f"Join #{taken}-2:{SERVER_NAME}") for m in incidents), incidents
