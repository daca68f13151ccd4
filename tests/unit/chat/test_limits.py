"""Limits are applied once, per platform, and always say what was left out."""

from __future__ import annotations

from opsroom.chat.escape import break_broadcasts
from opsroom.chat.limits import CUT, Limits, cut, fit
from opsroom.chat.message import Button, Field, Message, from_dict, plain_text, to_dict


def amp(text: str) -> str:
    return text.replace("&", "&amp;")


def test_long_list_is_cut_with_and_n_more() -> None:
    message = Message(text="Alert group #1", lines=tuple(f"alert {n}" for n in range(30)))
    fitted = fit(message, Limits(lines=10), str)
    assert len(fitted.lines) == 10
    assert fitted.more_lines == 20
    assert plain_text(fitted).endswith("- alert 9\n... and 20 more")


def test_list_is_cut_by_total_size_after_escaping() -> None:
    message = Message(text="t", lines=tuple("&" * 50 for _ in range(10)))
    fitted = fit(message, Limits(lines=100, lines_text=600), amp)
    shown = sum(len(amp(line)) + 3 for line in fitted.lines)
    assert shown + len("... and 9 more") <= 600
    assert fitted.more_lines == 10 - len(fitted.lines)
    assert fitted.more_lines > 0


def test_lines_already_dropped_by_the_query_are_counted() -> None:
    fitted = fit(Message(text="t", lines=("a", "b", "c"), more_lines=100), Limits(lines=2), str)
    assert fitted.more_lines == 101


def test_text_is_cut_so_the_escaped_text_fits() -> None:
    text = "&" * 1000
    result = cut(text, 200, amp)
    assert len(amp(result)) <= 200
    assert result.endswith(CUT)
    assert cut("short", 200, amp) == "short"


def test_buttons_and_fields_beyond_the_limit_are_dropped_and_counted() -> None:
    message = Message(
        text="t",
        fields=tuple(Field(f"f{n}", "v") for n in range(12)),
        buttons=tuple(Button(f"b{n}", "ack", f"incident:{n}") for n in range(6)),
    )
    fitted = fit(message, Limits(fields=10, buttons=5), str)
    assert len(fitted.fields) == 10
    assert len(fitted.buttons) == 5
    assert "... and 2 more fields" in fitted.context


def test_message_survives_a_job_payload_round_trip() -> None:
    message = Message(
        text="t",
        body="b",
        lines=("x",),
        fields=(Field("a", "b"),),
        buttons=(Button("Ack", "ack", "incident:1", "primary"),),
        context="c",
        level="critical",
        more_lines=3,
    )
    assert from_dict(to_dict(message)) == message


def test_broadcast_words_lose_their_power() -> None:
    text = break_broadcasts("@channel @HERE @everyone @room and bob@example.test @hereford")
    assert "@channel" not in text and "@HERE" not in text
    assert "@everyone" not in text and "@room" not in text
    assert "bob@example.test" in text
    assert "@hereford" in text


def test_a_long_text_of_many_lines_keeps_whole_lines_and_counts_the_rest() -> None:
    text = "Timeline, newest first:\n" + "\n".join(f"entry {n:03d} " + "x" * 50 for n in range(80))
    fitted = fit(Message(text=text), Limits(text=1000), str).text
    assert len(fitted) <= 1000
    lines = fitted.split("\n")
    assert lines[0] == "Timeline, newest first:" and lines[1].startswith("entry 000 ")
    shown = len(lines) - 2
    assert lines[-1] == f"... and {80 - shown} more"


def test_a_counted_last_line_is_added_to_what_is_cut() -> None:
    text = "Timeline:\n" + "\n".join(["y" * 90] * 30) + "\n... and 20 earlier entries"
    fitted = fit(Message(text=text), Limits(text=500), str).text
    shown = len(fitted.split("\n")) - 2
    assert fitted.endswith(f"... and {30 - shown + 20} earlier entries")
    assert len(fitted) <= 500
