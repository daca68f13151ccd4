"""Pure escalation and paging pieces: targets, positions, ack codes, tokens, signatures, config."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from opsroom.chat.commands import Ack, Escalate, Page, parse_command
from opsroom.config import load_settings
from opsroom.errors import (
    AuthenticationError,
    BadSignatureError,
    CommandError,
    ConfigError,
    InvalidInputError,
)
from opsroom.escalation.checks import paging_warnings
from opsroom.escalation.model import (
    Position,
    Target,
    ack_code_from_text,
    next_position,
    parse_target,
)
from opsroom.notify.base import PageMessage
from opsroom.notify.email.notifier import render_email
from opsroom.notify.settings import TwilioConfig
from opsroom.notify.tokens import AckClaim, ack_token, read_ack_token
from opsroom.notify.twilio.inbound import TwilioInbound
from opsroom.notify.twilio.notifier import sms_text, voice_twiml
from opsroom.user.model import check_address, dm_room

SID = "AC" + "12" * 16
TOKEN = "made-up-token"


def test_targets_parse_people_schedules_and_teams() -> None:
    assert parse_target("@alice") == Target("user", "alice")
    assert parse_target("schedule:web-primary") == Target("schedule", "web-primary")
    assert str(parse_target("team:sre")) == "team:sre"
    with pytest.raises(InvalidInputError):
        parse_target("group:1")


def test_positions_walk_steps_then_repeat_then_stop() -> None:
    walk, at = [], Position(0, 0)
    while at is not None:
        walk.append((at.pass_no, at.step))
        at = next_position(at, steps=2, repeat=1)  # type: ignore[assignment]
    assert walk == [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.parametrize(
    ("text", "code"),
    [("ACK 42", 42), ("ack 42", 42), (" Ack #7 ", 7), ("ack42.", 42), ("ok", None), ("ACK", None)],
)
def test_sms_ack_replies(text: str, code: int | None) -> None:
    assert ack_code_from_text(text) == code


def test_chat_grammar_for_ack_page_and_escalate() -> None:
    assert parse_command("/inc ack") == Ack()
    assert parse_command("/inc ack group:12") == Ack(group_id=12)
    assert parse_command("/inc ack 42") == Ack(code=42)
    assert parse_command("/inc page @bob disk full") == Page("user:bob", "disk full")
    assert parse_command("/inc page web-primary") == Page("schedule:web-primary")
    assert parse_command("/inc escalate") == Escalate()
    with pytest.raises(CommandError, match="Usage: /inc page"):
        parse_command("/inc page")
    with pytest.raises(CommandError, match="neither group"):
        parse_command("/inc ack everything")


def test_ack_tokens_round_trip_and_reject_tampering() -> None:
    token = ack_token("secret-one", AckClaim(3, "alice", 9))
    assert read_ack_token("secret-one", token, timedelta(days=1)) == AckClaim(3, "alice", 9)
    with pytest.raises(AuthenticationError, match="not valid"):
        read_ack_token("secret-two", token, timedelta(days=1))


def test_twilio_signature_is_checked_over_url_and_sorted_params() -> None:
    config = TwilioConfig(account_sid=SID, auth_token=TOKEN, from_number="+15555550199")
    inbound = TwilioInbound(config)
    url = "https://opsroom.example.test/api/v1/notify/twilio/inbound"
    form = {"From": "+15555550101", "Body": "ACK 1", "AccountSid": SID}
    good = RequestValidator(TOKEN).compute_signature(url, form)
    inbound.verify_inbound(url, form, {"x-twilio-signature": good})
    with pytest.raises(BadSignatureError):
        inbound.verify_inbound(url + "?x=1", form, {"x-twilio-signature": good})
    with pytest.raises(BadSignatureError):
        inbound.verify_inbound(url, {**form, "Body": "ACK 2"}, {"x-twilio-signature": good})


def test_page_texts_carry_the_ack_code_and_link() -> None:
    message = PageMessage(5, "bob", "+15555550101", "Disk full", "db1", "https://x.test/ack", 42)
    assert sms_text(message).endswith("Reply ACK 42 to acknowledge. (p5)")
    assert "A C K 42" in voice_twiml(message)
    email = render_email(message, "opsroom@example.test")
    assert "https://x.test/ack" in email.get_content()
    tricky = PageMessage(1, "bob", "+15555550101", "<b>&", "", None, None)
    assert "&lt;b&gt;&amp;" in voice_twiml(tricky)


def test_contact_addresses_are_checked() -> None:
    assert check_address("sms", "+1 (555) 555-0100") == "+15555550100"
    assert check_address("chat", "ignored") == ""
    with pytest.raises(InvalidInputError, match=r"E\.164"):
        check_address("voice", "5550100")
    with pytest.raises(InvalidInputError, match="email"):
        check_address("email", "alice")
    assert dm_room("Alice.B") == "dm-alice-b"


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsroom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_refuses_a_service_naming_a_missing_policy(tmp_path: Path) -> None:
    path = _config(tmp_path, "services:\n  - name: web\n    escalation_policy: nope\n")
    with pytest.raises(ConfigError, match="names escalation policy 'nope'"):
        load_settings(path)


def test_config_names_the_line_of_a_bad_target(tmp_path: Path) -> None:
    text = "escalation_policies:\n  - name: p\n    steps:\n      - targets: ['group:1']\n"
    with pytest.raises(ConfigError, match=r"line 4.*invalid target"):
        load_settings(_config(tmp_path, text))


def test_config_check_warns_about_schedule_targets_opsroom_yaml_lacks(tmp_path: Path) -> None:
    text = """
escalation_policies:
  - name: p
    steps:
      - targets: [schedule:primary, schedule:secondary]
schedules:
  primary:
    time_zone: UTC
    layers: [{name: l, members: [alice], shift: 1d, handoff: "09:00", start: 2026-11-30}]
"""
    warnings = paging_warnings(load_settings(_config(tmp_path, text)))
    assert warnings == [
        "policy p step 1: schedule secondary is not in opsroom.yaml (fine if created through "
        "the API)"
    ]


def test_config_check_warns_about_unreachable_people(tmp_path: Path) -> None:
    text = """
escalation_policies:
  - name: p
    steps:
      - targets: [user:alice, user:zed]
users:
  - name: alice
    contacts: [{kind: sms, address: "+15555550100"}]
  - name: bob
teams:
  - name: sre
    members: [alice, yves]
"""
    warnings = paging_warnings(load_settings(_config(tmp_path, text)))
    assert warnings == [
        "policy p step 1: user zed is not in opsroom.yaml (fine if added with `opsroom user add`)",
        "user alice has a sms contact but notify.twilio is not set",
        "user bob has no contact method: pages cannot reach them",
        "team sre: member yves is not in opsroom.yaml",
    ]
