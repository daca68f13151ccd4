"""One incident, a room per platform, one timeline: a command run on one platform shows in
the incident's rooms on the others, and each room's summary message is edited to show the
incident's status, severity and commander now."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from tests.contract.slack_server import SlackContractServer
from tests.integration.chat.builtin_driver import BuiltinDriver
from tests.integration.chat.slack_driver import SlackDriver


def test_commands_show_on_every_platform_and_edit_the_summaries(
    slack_driver: SlackDriver,
    slack: SlackContractServer,
    slack_client: TestClient,
    slack_container: Container,
) -> None:
    web = BuiltinDriver(slack_client, slack_container)
    drain = slack_container.worker().drain
    for person in ("alice", "bob"):  # opsroom users of the web page
        web.command("incidents", "/inc help", user=person)
    slack_driver.command("C0INCIDENTS", "/inc declare sev2 DB down", user="alice")
    drain()
    channel, room = slack_driver.room_of(1), web.room_of(1)
    summary_ts = slack.workspace.channels[channel].messages[0]["ts"]

    reply = slack_driver.command(channel, "/inc status identified bad index", user="alice")
    assert "set INC-1 to identified: bad index" in reply
    drain()
    assert any("set INC-1 to identified: bad index" in m for m in web.messages(room))

    web.command(room, "/inc sev 1", user="bob")
    web.command(room, "/inc role commander @bob", user="bob")
    drain()
    shown = slack.messages(channel)
    assert "bob changed INC-1: Severity SEV2 -&gt; SEV1" in shown, shown  # escaped for Slack
    assert any("@bob is now commander of INC-1" in m for m in shown), shown
    assert sum("Severity SEV2 -> SEV1" in m for m in web.messages(room)) == 1  # not twice here

    edits = [c for c in slack.ok_calls("chat.update") if c.params["ts"] == summary_ts]
    assert edits, [c.method for c in slack.calls]
    [summary] = [m for m in slack.workspace.channels[channel].messages if m["ts"] == summary_ts]
    assert "Severity SEV1, status identified, commander bob" in summary["text"], summary["text"]


def test_the_summary_says_resolved_after_the_resolution(
    slack_driver: SlackDriver,
    slack: SlackContractServer,
    slack_container: Container,
) -> None:
    drain = slack_container.worker().drain
    slack_driver.command("C0INCIDENTS", "/inc declare sev2 Queue stuck", user="alice")
    drain()
    channel = slack_driver.room_of(1)
    summary_ts = slack.workspace.channels[channel].messages[0]["ts"]
    slack_driver.command(channel, "/inc status identified bad consumer", user="alice")
    slack_driver.command(channel, "/inc resolve consumer restarted", user="alice")
    drain()
    [summary] = [m for m in slack.workspace.channels[channel].messages if m["ts"] == summary_ts]
    assert "status resolved" in summary["text"], summary["text"]
    assert slack.workspace.channels[channel].is_archived
