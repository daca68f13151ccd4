"""Inhibition over many targets at once gives what the rule-by-rule check gives."""

from __future__ import annotations

from opsroom.alert.policy import Inhibition, is_inhibited, targets_any
from opsroom.alert.settings import InhibitRule

RULE = InhibitRule(
    source_matchers=['alertname="DatacenterDown"'],
    target_matchers=['severity=~"warning|error"'],
    equal=["dc"],
)
DOWN_EAST = {"alertname": "DatacenterDown", "severity": "critical", "dc": "east"}


def test_a_firing_source_mutes_targets_with_equal_labels_only() -> None:
    inhibition = Inhibition([RULE], [DOWN_EAST])
    assert inhibition.mutes({"alertname": "Slow", "severity": "warning", "dc": "east"})
    assert not inhibition.mutes({"alertname": "Slow", "severity": "warning", "dc": "west"})
    assert not inhibition.mutes({"alertname": "Slow", "severity": "critical", "dc": "east"})


def test_an_alert_never_inhibits_itself() -> None:
    both = InhibitRule(source_matchers=['dc="east"'], target_matchers=['dc="east"'], equal=["dc"])
    alone = {"alertname": "A", "dc": "east"}
    assert not Inhibition([both], [alone]).mutes(dict(alone))
    other = {"alertname": "B", "dc": "east"}
    assert Inhibition([both], [alone, other]).mutes(dict(alone))


def test_missing_equal_labels_count_as_empty_as_in_alertmanager() -> None:
    rule = InhibitRule(source_matchers=['alertname="Down"'], target_matchers=[], equal=["dc"])
    assert Inhibition([rule], [{"alertname": "Down"}]).mutes({"alertname": "Slow"})
    assert not Inhibition([rule], [{"alertname": "Down"}]).mutes({"alertname": "Slow", "dc": "x"})


def test_inhibition_agrees_with_is_inhibited_over_a_mixed_set() -> None:
    firing = [
        DOWN_EAST,
        {"alertname": "DatacenterDown", "severity": "critical", "dc": "north"},
        {"alertname": "Slow", "severity": "warning", "dc": "west"},
    ]
    targets = [
        {"alertname": name, "severity": severity, "dc": dc}
        for name in ("Slow", "DatacenterDown")
        for severity in ("warning", "error", "critical")
        for dc in ("east", "west", "north", "")
    ]
    inhibition = Inhibition([RULE], firing)
    for target in targets:
        assert inhibition.mutes(target) == is_inhibited([RULE], target, firing), target


def test_targets_any_says_whether_a_rule_could_mute_one_of_the_alerts() -> None:
    assert targets_any([RULE], [{"severity": "critical"}, {"severity": "error"}])
    assert not targets_any([RULE], [{"severity": "critical"}])
