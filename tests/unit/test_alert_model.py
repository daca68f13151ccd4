"""Alert vocabulary: severity normalization, fingerprints, content hashes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from opsroom.alert.model import (
    AlertStatus,
    Link,
    NormalizedAlert,
    fingerprint,
    most_severe,
    normalize_severity,
    truncate,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("critical", "critical"),
        ("CRIT", "critical"),
        ("fatal", "critical"),
        ("emergency", "critical"),
        ("page", "critical"),
        ("P1", "critical"),
        ("sev1", "critical"),
        ("error", "error"),
        ("err", "error"),
        ("High", "error"),
        ("major", "error"),
        ("sev2", "error"),
        ("warning", "warning"),
        ("warn", "warning"),
        ("medium", "warning"),
        ("minor", "warning"),
        ("sev3", "warning"),
        ("info", "info"),
        ("informational", "info"),
        ("low", "info"),
        ("notice", "info"),
        ("none", "info"),
        ("p5", "info"),
        ("SEV4", "info"),
        ("  Critical  ", "critical"),
    ],
)
def test_normalize_severity_maps_synonyms(word: str, expected: str) -> None:
    assert normalize_severity(word) == expected


@pytest.mark.parametrize("word", [None, "", "urgent", "sev5", "p9"])
def test_normalize_severity_unknown_or_missing_is_warning(word: str | None) -> None:
    assert normalize_severity(word) == "warning"


def test_normalize_severity_uses_the_given_default() -> None:
    assert normalize_severity("urgent", default="") == ""
    assert normalize_severity(None, default="info") == "info"
    assert normalize_severity("crit", default="info") == "critical"


def test_most_severe_picks_highest_and_defaults_to_warning() -> None:
    assert most_severe(["info", "critical", "warning"]) == "critical"
    assert most_severe(["info", "error"]) == "error"
    assert most_severe([]) == "warning"


def test_fingerprint_is_reproducible_sha256_hex() -> None:
    first = fingerprint("generic", {"service": "checkout", "env": "prod"})
    assert first == fingerprint("generic", {"service": "checkout", "env": "prod"})
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")


def test_fingerprint_does_not_depend_on_key_order() -> None:
    assert fingerprint("x", {"a": "1", "b": "2", "c": "3"}) == fingerprint(
        "x", {"c": "3", "a": "1", "b": "2"}
    )


def test_fingerprint_depends_on_kind_keys_and_values() -> None:
    base = fingerprint("x", {"a": "1"})
    assert base != fingerprint("y", {"a": "1"})
    assert base != fingerprint("x", {"b": "1"})
    assert base != fingerprint("x", {"a": "2"})
    assert base != fingerprint("x", {"a": "1", "b": ""})
    assert base != fingerprint("x", {})


def test_fingerprint_separator_inside_value_cannot_move_key_boundary() -> None:
    assert fingerprint("x", {"a": "b=c"}) != fingerprint("x", {"a=b": "c"})


def test_fingerprint_control_characters_in_value_cannot_imitate_another_pair() -> None:
    assert fingerprint("x", {"a": "b", "c": "d"}) != fingerprint("x", {"a": "b\x1ec\x1fd"})


def test_fingerprint_control_characters_in_key_cannot_imitate_a_pair() -> None:
    assert fingerprint("x", {"a\x1fb": "c"}) != fingerprint("x", {"a": "b\x1fc"})


def test_fingerprint_kind_cannot_absorb_a_pair() -> None:
    assert fingerprint("x\x1ea\x1fb", {}) != fingerprint("x", {"a": "b"})


def alert(**changes: object) -> NormalizedAlert:
    base = NormalizedAlert(
        fingerprint="f1",
        status=AlertStatus.FIRING,
        severity="critical",
        title="Checkout down",
        group_key="g1",
        description="5xx above 20%",
        labels={"service": "checkout", "env": "prod"},
        annotations={"summary": "Checkout down"},
        links=(Link(url="https://grafana.example.test/d/1", text="Dashboard"),),
        starts_at=datetime(2024, 5, 14, 9, 0, tzinfo=UTC),
        ends_at=None,
        raw={"anything": 1},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_content_hash_equal_for_equal_content() -> None:
    assert alert().content_hash() == alert().content_hash()
    assert len(alert().content_hash()) == 64


def test_content_hash_ignores_label_order_fingerprint_group_and_raw() -> None:
    reordered = alert(
        labels={"env": "prod", "service": "checkout"},
        fingerprint="other",
        group_key="other",
        raw={"different": True},
    )
    assert reordered.content_hash() == alert().content_hash()


def test_content_hash_changes_when_annotations_change() -> None:
    changed = alert(annotations={"summary": "Checkout down", "runbook_url": "https://x.test"})
    assert changed.content_hash() != alert().content_hash()


@pytest.mark.parametrize(
    "changes",
    [
        {"status": AlertStatus.RESOLVED},
        {"severity": "warning"},
        {"title": "Checkout up"},
        {"description": ""},
        {"labels": {"service": "checkout"}},
        {"links": ()},
        {"links": (Link(url="https://grafana.example.test/d/1", text="Graph"),)},
        {"starts_at": datetime(2024, 5, 14, 9, 1, tzinfo=UTC)},
        {"ends_at": datetime(2024, 5, 14, 10, 0, tzinfo=UTC)},
    ],
)
def test_content_hash_changes_when_content_changes(changes: dict[str, object]) -> None:
    assert alert(**changes).content_hash() != alert().content_hash()


def test_truncate_keeps_short_text_and_marks_cut_text() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"
