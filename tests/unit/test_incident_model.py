"""Incident vocabulary: room names, severity parsing, alert-to-incident severity."""

from __future__ import annotations

import re

import pytest

from opsroom.incident.model import (
    ROOM_NAME_MAX,
    incident_ref,
    parse_severity,
    room_name,
    severity_from_alert,
    severity_label,
)

ROOM_NAME_CHARS = re.compile(r"[a-z0-9-]+")


def test_room_name_is_inc_number_slug() -> None:
    assert room_name(12, "Checkout is down") == "inc-12-checkout-is-down"


def test_room_name_folds_accents_and_drops_emoji_dots_and_capitals() -> None:
    assert room_name(7, "Café DB — 🔥 Outage v2.1!") == "inc-7-cafe-db-outage-v2-1"


def test_room_name_collapses_runs_of_punctuation_and_trims_dashes() -> None:
    assert room_name(3, "--  API::timeouts__(EU)  --") == "inc-3-api-timeouts-eu"


@pytest.mark.parametrize("title", ["", "🔥🔥🔥", "!!! ...", "—"])
def test_room_name_without_slug_is_just_inc_number(title: str) -> None:
    assert room_name(7, title) == "inc-7"


def test_room_name_for_300_character_title_is_at_most_80_characters() -> None:
    name = room_name(123, "Database replication broken " * 11)
    assert len("Database replication broken " * 11) > 300
    assert len(name) <= ROOM_NAME_MAX == 80
    assert name.startswith("inc-123-database-replication-broken-")
    assert ROOM_NAME_CHARS.fullmatch(name)
    assert not name.endswith("-")


def test_room_name_truncation_does_not_leave_trailing_dash() -> None:
    # "inc-1-" is 6 characters; 73 "a" then a space puts a dash at position 80.
    name = room_name(1, "a" * 73 + " b")
    assert name == "inc-1-" + "a" * 73
    assert len(name) == 79


@pytest.mark.parametrize(
    "title",
    ["Ünïcödé Ñame", "Tabs\tand\nnewlines", "ALL CAPS 100%", "日本語 title", "a/b\\c?d#e"],
)
def test_room_name_is_lowercase_and_only_a_z_0_9_dash(title: str) -> None:
    name = room_name(5, title)
    assert ROOM_NAME_CHARS.fullmatch(name), name
    assert "--" not in name


def test_room_name_adds_suffix_when_taken() -> None:
    taken = {"inc-7-db-down"}
    assert room_name(7, "DB down", taken) == "inc-7-db-down-2"


def test_room_name_counts_suffix_up_past_every_taken_name() -> None:
    taken = {"inc-7-db-down", "inc-7-db-down-2", "inc-7-db-down-3"}
    assert room_name(7, "DB down", taken) == "inc-7-db-down-4"


def test_room_name_without_slug_gets_suffix_when_taken() -> None:
    assert room_name(7, "🔥", {"inc-7"}) == "inc-7-2"


def test_room_name_ignores_unrelated_taken_names() -> None:
    assert room_name(7, "DB down", {"inc-8-db-down", "inc-7"}) == "inc-7-db-down"


def test_room_name_suffix_on_long_title_stays_within_80_characters() -> None:
    title = "x" * 300
    first = room_name(9, title)
    assert len(first) == 80
    second = room_name(9, title, {first})
    assert second == "inc-9-" + "x" * 72 + "-2"
    assert len(second) == 80
    third = room_name(9, title, {first, second})
    assert third == "inc-9-" + "x" * 72 + "-3"


def test_room_name_suffix_does_not_create_double_dash_after_truncation() -> None:
    # Cutting 2 characters for "-2" lands just after a dash, which must be trimmed.
    title = "x" * 71 + " yy"
    first = room_name(9, title)
    assert first == "inc-9-" + "x" * 71 + "-yy"
    assert len(first) == 80
    second = room_name(9, title, {first})
    assert second == "inc-9-" + "x" * 71 + "-2"


@pytest.mark.parametrize(
    ("text", "level"),
    [("sev1", 1), ("SEV2", 2), ("Sev3", 3), ("4", 4), (" sev2 ", 2), ("1", 1)],
)
def test_parse_severity_accepts_sev_word_or_digit(text: str, level: int) -> None:
    assert parse_severity(text) == level


@pytest.mark.parametrize(
    "text", ["", "sev0", "sev5", "0", "5", "sev", "sev 1", "s1", "sev12", "one"]
)
def test_parse_severity_rejects_anything_else(text: str) -> None:
    assert parse_severity(text) is None


@pytest.mark.parametrize(
    ("alert_severity", "level"),
    [("critical", 1), ("error", 2), ("warning", 3), ("info", 4)],
)
def test_severity_from_alert_maps_each_alert_severity(alert_severity: str, level: int) -> None:
    assert severity_from_alert(alert_severity) == level


@pytest.mark.parametrize("alert_severity", ["", "unknown", "CRITICAL"])
def test_severity_from_alert_defaults_to_sev3(alert_severity: str) -> None:
    assert severity_from_alert(alert_severity) == 3


def test_severity_label_and_incident_ref() -> None:
    assert severity_label(2) == "sev2"
    assert incident_ref(42) == "INC-42"
