"""The `/inc` grammar: every command parses, every mistake names itself and shows the usage."""

from __future__ import annotations

import pytest

from opsroom.chat.commands import (
    HELP_TEXT,
    USAGE,
    Ack,
    AssignRole,
    Declare,
    Help,
    Note,
    Resolve,
    SetSeverity,
    SetStatus,
    ShowTimeline,
    Update,
    command_name,
    is_command,
    parse_command,
)
from opsroom.errors import CommandError


def error_of(text: str) -> str:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    return caught.value.message


# --- commands that parse -------------------------------------------------------------------


def test_declare_with_title_only_has_no_severity() -> None:
    assert parse_command("/inc declare Checkout is down") == Declare(title="Checkout is down")


@pytest.mark.parametrize("word", ["sev1", "SEV1", "Sev1"])
def test_declare_with_severity_word_sets_severity_and_strips_it_from_title(word: str) -> None:
    assert parse_command(f"/inc declare {word} Checkout is down") == Declare(
        title="Checkout is down", severity=1
    )


def test_declare_with_sev4_and_extra_spaces_before_title() -> None:
    assert parse_command("/inc declare sev4    Slow search") == Declare(
        title="Slow search", severity=4
    )


def test_declare_title_starting_with_sev_is_not_read_as_severity() -> None:
    assert parse_command("/inc declare Severe outage") == Declare(title="Severe outage")


def test_declare_group_colon_number_passes_through_as_title_text() -> None:
    assert parse_command("/inc declare group:3 payments failing") == Declare(
        title="group:3 payments failing"
    )


def test_declare_bare_number_is_title_text_not_severity() -> None:
    assert parse_command("/inc declare 2 replicas down") == Declare(title="2 replicas down")


def test_declare_truncates_title_to_500_characters() -> None:
    command = parse_command("/inc declare " + "x" * 600)
    assert command == Declare(title="x" * 500)


def test_ack_parses() -> None:
    assert parse_command("/inc ack") == Ack()


@pytest.mark.parametrize("status", ["investigating", "identified", "monitoring"])
def test_status_without_message(status: str) -> None:
    assert parse_command(f"/inc status {status}") == SetStatus(status=status)


def test_status_with_message_keeps_the_message() -> None:
    assert parse_command("/inc status identified bad deploy 4711, rolling back") == SetStatus(
        status="identified", message="bad deploy 4711, rolling back"
    )


def test_status_word_is_case_insensitive_and_lowercased() -> None:
    assert parse_command("/inc status MONITORING fix is out") == SetStatus(
        status="monitoring", message="fix is out"
    )


def test_update_keeps_the_message() -> None:
    assert parse_command("/inc update still looking at the DB") == Update(
        message="still looking at the DB"
    )


@pytest.mark.parametrize(("arg", "level"), [("1", 1), ("2", 2), ("sev3", 3), ("SEV4", 4)])
def test_sev_accepts_number_or_sev_word(arg: str, level: int) -> None:
    assert parse_command(f"/inc sev {arg}") == SetSeverity(severity=level)


@pytest.mark.parametrize("role", ["commander", "comms", "scribe"])
def test_role_with_at_sign_strips_it(role: str) -> None:
    assert parse_command(f"/inc role {role} @ana.sousa") == AssignRole(role=role, user="ana.sousa")


def test_role_without_at_sign() -> None:
    assert parse_command("/inc role commander ana_sousa") == AssignRole(
        role="commander", user="ana_sousa"
    )


def test_role_name_is_case_insensitive() -> None:
    assert parse_command("/inc role Scribe @bo") == AssignRole(role="scribe", user="bo")


def test_note_keeps_the_text() -> None:
    assert parse_command("/inc note rolled back to v41 at 10:02") == Note(
        text="rolled back to v41 at 10:02"
    )


def test_resolve_without_summary() -> None:
    assert parse_command("/inc resolve") == Resolve(summary="")


def test_resolve_with_summary() -> None:
    assert parse_command("/inc resolve rollback fixed it") == Resolve(summary="rollback fixed it")


def test_timeline_parses() -> None:
    assert parse_command("/inc timeline") == ShowTimeline()


def test_help_parses() -> None:
    assert parse_command("/inc help") == Help()


def test_bare_inc_is_help() -> None:
    assert parse_command("/inc") == Help()
    assert parse_command("  /inc  ") == Help()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/inc DECLARE Checkout down", Declare(title="Checkout down")),
        ("/inc Ack", Ack()),
        ("/inc STATUS identified", SetStatus(status="identified")),
        ("/inc Sev 2", SetSeverity(severity=2)),
        ("/inc ROLE comms @bo", AssignRole(role="comms", user="bo")),
        ("/inc Note hi", Note(text="hi")),
        ("/inc RESOLVE", Resolve()),
        ("/inc TimeLine", ShowTimeline()),
        ("/inc HELP", Help()),
    ],
)
def test_verbs_are_case_insensitive(text: str, expected: object) -> None:
    assert parse_command(text) == expected


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_command("   /inc note   spaced out   ") == Note(text="spaced out")


def test_is_command_requires_the_prefix_as_its_own_word() -> None:
    assert is_command("/inc")
    assert is_command(" /inc ack")
    assert not is_command("/incident ack")
    assert not is_command("inc ack")
    assert not is_command("please /inc ack")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("/inc declare x", "declare"),
        ("/inc ack", "ack"),
        ("/inc status monitoring", "status"),
        ("/inc update x", "update"),
        ("/inc sev 1", "sev"),
        ("/inc role comms @bo", "role"),
        ("/inc note x", "note"),
        ("/inc resolve", "resolve"),
        ("/inc timeline", "timeline"),
        ("/inc help", "help"),
    ],
)
def test_command_name_is_the_verb(text: str, name: str) -> None:
    assert command_name(parse_command(text)) == name


# --- mistakes ------------------------------------------------------------------------------


def test_declare_without_title_shows_usage() -> None:
    message = error_of("/inc declare")
    assert message == f"a title is required\nUsage: {USAGE['declare']}"


def test_declare_with_only_severity_shows_usage() -> None:
    message = error_of("/inc declare sev2")
    assert message == f"a title is required\nUsage: {USAGE['declare']}"


@pytest.mark.parametrize("word", ["sev0", "sev5", "sev12", "SEV9"])
def test_declare_with_unknown_severity_names_it(word: str) -> None:
    message = error_of(f"/inc declare {word} Checkout down")
    assert message == (
        f"unknown severity `{word}`: use sev1, sev2, sev3 or sev4\nUsage: {USAGE['declare']}"
    )


@pytest.mark.parametrize("verb", ["ack", "timeline", "help"])
def test_commands_without_arguments_refuse_extra_args(verb: str) -> None:
    message = error_of(f"/inc {verb} now please")
    assert message == f"`{verb}` takes no arguments\nUsage: {USAGE[verb]}"


def test_status_without_word_shows_usage() -> None:
    message = error_of("/inc status")
    assert message == (
        "a status is required: use investigating, identified, monitoring (or /inc resolve)\n"
        f"Usage: {USAGE['status']}"
    )


@pytest.mark.parametrize("word", ["resolved", "closed", "fixed"])
def test_status_with_unknown_word_names_it(word: str) -> None:
    message = error_of(f"/inc status {word} all good")
    assert message.startswith(f"unknown status `{word}`: use investigating, identified, monitoring")
    assert message.endswith(f"\nUsage: {USAGE['status']}")


def test_update_without_message_shows_usage() -> None:
    assert error_of("/inc update") == f"a message is required\nUsage: {USAGE['update']}"


def test_sev_without_level_shows_usage() -> None:
    assert error_of("/inc sev") == f"a severity is required\nUsage: {USAGE['sev']}"


@pytest.mark.parametrize("arg", ["0", "5", "sev5", "high", "1 2"])
def test_sev_with_bad_level_shows_usage(arg: str) -> None:
    assert error_of(f"/inc sev {arg}") == f"severity must be 1, 2, 3 or 4\nUsage: {USAGE['sev']}"


@pytest.mark.parametrize("args", ["", "commander", "commander @a @b", 'commander "@a b"  extra'])
def test_role_needs_exactly_a_role_and_one_user(args: str) -> None:
    assert error_of(f"/inc role {args}") == (
        f"a role and one @user are required\nUsage: {USAGE['role']}"
    )


def test_role_with_unknown_role_names_it() -> None:
    assert error_of("/inc role boss @bo") == (
        f"unknown role `boss`: use commander, comms, scribe\nUsage: {USAGE['role']}"
    )


@pytest.mark.parametrize("user", ["@", "@bo!", "b/o", "@" + "a" * 65])
def test_role_with_invalid_user_name_names_it(user: str) -> None:
    assert error_of(f"/inc role comms {user}") == (
        f"`{user}` is not a user name\nUsage: {USAGE['role']}"
    )


def test_role_usage_lists_every_role() -> None:
    assert USAGE["role"] == "/inc role <commander|comms|scribe> @user"


def test_note_without_text_shows_usage() -> None:
    assert error_of("/inc note") == f"the note text is required\nUsage: {USAGE['note']}"


def test_unknown_command_names_it_and_lists_commands() -> None:
    message = error_of("/inc escalate now")
    assert message == f"unknown command `escalate`\n{HELP_TEXT}"


def test_text_without_prefix_is_refused_with_command_list() -> None:
    message = error_of("/incident declare x")
    assert message == f"commands start with `/inc`\n{HELP_TEXT}"


def test_help_text_lists_every_usage_line() -> None:
    lines = HELP_TEXT.splitlines()
    assert lines[0] == "Commands:"
    assert lines[1:] == [f"  {usage}" for usage in USAGE.values()]
    assert len(lines) == 13
