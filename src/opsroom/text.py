"""Text every store accepts: no NUL characters and no lone UTF-16 surrogates.

PostgreSQL refuses NUL in text columns and no database can encode a lone surrogate, so both are
refused at the edge, with the place they were found, instead of failing at commit time.
"""

from __future__ import annotations

import re
from typing import Any

_BAD = re.compile("[\x00\ud800-\udfff]")
# JSON can only carry these characters as escapes: \u0000 or \ud800-\udfff.
_BAD_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


# Terminal escapes (CSI `ESC [ ... m`, OSC `ESC ] ... BEL`, two-character ones), then the other
# C0/C1 controls (NUL is screened apart, above) and the bidi embeddings, overrides and isolates
# that can make text read differently from what it is (`RTL U+202E gnp.exe`).
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)")
_CONTROLS = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FOLDED = re.compile("[\t\n]")


def neutral(value: str, *, one_line: bool = False) -> str:
    """Text that shows as what it says in a terminal, a chat or a browser: escapes, control
    characters and bidi overrides removed; newlines and tabs kept, or folded to spaces for a
    one-line value such as a title."""
    value = _CONTROLS.sub("", _ESCAPES.sub("", value))
    return _FOLDED.sub(" ", value) if one_line else value


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, or None."""
    found = _BAD.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return "contains a lone UTF-16 surrogate (an invalid \\ud800-\\udfff escape)"


def may_hold_bad_text(body: bytes) -> bool:
    """Cheap test on a JSON body before walking the decoded value."""
    return _BAD_ESCAPE.search(body) is not None


def find_bad_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first (path, problem) of a string (key or value) that cannot be stored."""
    if isinstance(value, str):
        problem = text_problem(value)
        return (path or "(body)", problem) if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = _printable(key) if isinstance(key, str) else str(key)
            child = f"{path}.{name}" if path else name
            problem = text_problem(key) if isinstance(key, str) else None
            found = (child, f"key {problem}") if problem else find_bad_text(item, child)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_bad_text(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _printable(value: str) -> str:
    """The text with NUL and surrogates written as escapes, safe to put in a message."""
    return _BAD.sub(lambda found: f"\\u{ord(found.group()):04x}", value)


def storable(value: str) -> str:
    """A pydantic validator: refuse text no database can store."""
    problem = text_problem(value)
    if problem:
        raise ValueError(f"text {problem}")
    return value
