"""Text shown as what it says: terminal escapes, control characters and bidi overrides in
titles and messages from chat or alerts are removed before they are stored."""

from __future__ import annotations

from opsroom.alert.model import AlertStatus, NormalizedAlert
from opsroom.text import neutral


def test_escapes_controls_and_bidi_overrides_are_removed_newlines_kept() -> None:
    text = (
        "a\x1b[31mred\x1b[0m \x1b]0;title\x07b\x07\x08 \u202egnp.exe\u202c\u2066x\u2069\nnext\tcol"
    )
    assert neutral(text) == "ared b gnp.exex\nnext\tcol"
    assert neutral(text, one_line=True) == "ared b gnp.exex next col"
    assert neutral("Zürich 🔥 — ok") == "Zürich 🔥 — ok"


def test_alert_titles_and_descriptions_from_any_source_are_neutral() -> None:
    alert = NormalizedAlert(
        fingerprint="f",
        status=AlertStatus.FIRING,
        severity="critical",
        title="Disk\x1b[5m full\nagain",
        group_key="g",
        description="see \x9b2Jlogs\u202e",
    )
    assert (alert.title, alert.description) == ("Disk full again", "see 2Jlogs")
