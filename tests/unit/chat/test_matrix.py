"""Matrix's renderer, inbound parsing (on fixtures in the homeserver's own format) and token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsroom.chat.inbound import CommandInvoked, InboundRequest, MessagePosted
from opsroom.chat.limits import fit
from opsroom.chat.matrix import render
from opsroom.chat.matrix.client import MatrixChatAdapter
from opsroom.chat.matrix.inbound import MatrixInbound, mentions, strip_reply_fallback
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.matrix.verify import verify
from opsroom.chat.message import Field, Message
from opsroom.clock import SystemClock
from opsroom.errors import AuthenticationError, NotFoundError

FIXTURES = Path(__file__).parents[3] / "src/opsroom/chat/matrix/fixtures"
SETTINGS = MatrixSettings(
    homeserver_url="http://127.0.0.1:9",
    user_id="@opsroom:example.test",
    as_token="as-token-for-tests-only",
    hs_token="hs-token-for-tests-only",
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def inbound() -> MatrixInbound:
    return MatrixInbound(SETTINGS, MatrixChatAdapter(SETTINGS))


def request(body: bytes, endpoint: str = "_matrix/app/v1/transactions/7", **headers: str) -> Any:
    return InboundRequest(
        endpoint=endpoint,
        body=body,
        headers={"authorization": "Bearer hs-token-for-tests-only", **headers},
        received_at=SystemClock().now(),
        method="PUT",
    )


def test_broadcasts_and_user_ids_in_alert_text_lose_their_power() -> None:
    content = render.content(Message(text="@room disk full, ask @alice:example.test <b>now</b>"))
    assert content["m.mentions"] == {}
    assert content["msgtype"] == "m.notice"
    assert "@room" not in content["body"] and "@alice:" not in content["body"]
    assert "<b>now" not in content["formatted_body"]
    assert "&lt;b&gt;now&lt;/b&gt;" in content["formatted_body"]


def test_message_layout_has_lines_fields_and_the_count_of_what_was_cut() -> None:
    message = Message(
        text="INC-1", body="body", lines=("a", "b"), fields=(Field("Severity", "SEV1"),)
    )
    content = render.content(message.with_changes(more_lines=3))
    assert content["body"].splitlines() == [
        "INC-1",
        "body",
        "- a",
        "- b",
        "... and 3 more",
        "Severity: SEV1",
    ]
    assert "<li>a</li>" in content["formatted_body"]
    assert "... and 3 more" in content["formatted_body"]


def test_huge_messages_always_fit_in_one_event() -> None:
    lines = tuple("🔥<&>" * 3000 for _ in range(200))
    message = fit(Message(text="🚨" * 9000, lines=lines), render.MATRIX_LIMITS, render.escape)
    content = render.content(message)
    assert render.size(content) <= render.MAX_CONTENT_BYTES
    assert "... and " in content["body"] or content["body"].endswith("(cut)")


def test_room_names_leave_room_for_the_alias_prefix_and_server() -> None:
    assert render.limits_for("example.test").room_name == 80
    long_server = "m" * 200 + ".example.test"
    limits = render.limits_for(long_server, "prod-")
    assert len(f"#prod-{'x' * limits.room_name}:{long_server}") <= 255


def test_transaction_with_a_command_becomes_an_inc_command() -> None:
    parsed = inbound().parse(request(fixture("transaction_command.json")))
    [event] = parsed.events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc ack"
    assert event.person.user_id == "@alice:example.test"
    assert event.reply is not None and event.reply.data["event_id"] == parsed.event_ids[0]


def test_bots_notices_edits_and_membership_are_ignored() -> None:
    parsed = inbound().parse(request(fixture("transaction_mixed.json")))
    kinds = [type(event).__name__ for event in parsed.events]
    assert kinds == ["CommandInvoked", "MessagePosted"]
    command, message = parsed.events
    assert isinstance(command, CommandInvoked) and isinstance(message, MessagePosted)
    assert command.text == "/inc role commander Alice"  # the quoted reply is left out
    assert [(m.token, m.user_id) for m in command.mentions] == [("Alice", "@alice:example.test")]
    assert message.text == "Rolling back checkout to 4.1 now"
    assert len(parsed.event_ids) == 2 and message.message_id == parsed.event_ids[1]


def test_user_ids_typed_in_a_message_are_mentions() -> None:
    found = mentions("/inc role commander @bob:example.test.")
    assert [(m.token, m.user_id) for m in found] == [("@bob:example.test", "@bob:example.test")]


def test_reply_fallback_is_stripped() -> None:
    assert strip_reply_fallback("> <@a:b> hi\n> more\n\n!inc ack") == "!inc ack"
    assert strip_reply_fallback("no quote") == "no quote"


@pytest.mark.parametrize(
    ("headers", "query"),
    [({}, {}), ({"authorization": "Bearer wrong"}, {}), ({}, {"access_token": "wrong"})],
)
def test_requests_without_the_hs_token_are_refused(
    headers: dict[str, str], query: dict[str, str]
) -> None:
    with pytest.raises(AuthenticationError):
        verify("hs-token-for-tests-only", headers, query)


def test_hs_token_in_header_or_legacy_query_is_accepted() -> None:
    verify("hs-token-for-tests-only", {"authorization": "Bearer hs-token-for-tests-only"}, {})
    verify("hs-token-for-tests-only", {}, {"access_token": "hs-token-for-tests-only"})


def test_unknown_endpoints_are_not_found() -> None:
    with pytest.raises(NotFoundError):
        inbound().verify(request(b"{}", endpoint="_matrix/app/v1/users/@x:example.test"))


def test_fixtures_are_real_transactions() -> None:
    for path in FIXTURES.glob("*.json"):
        assert isinstance(json.loads(path.read_text())["events"], list)
