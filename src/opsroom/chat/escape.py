"""Shared pieces of the per-platform escape functions. Pure.

Text from alerts is data: it must never notify a whole room or a person. Each platform's
renderer escapes its own markup and then breaks broadcast words with a word joiner (U+2060),
which renders as nothing but stops the platform from recognising the mention.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
BROADCASTS = ("channel", "here", "everyone", "room", "all")
_BROADCAST = re.compile(r"@(?=(?:" + "|".join(BROADCASTS) + r")\b)", re.IGNORECASE)
_AT_NAME = re.compile(r"@(?=[\w.-])")


def break_broadcasts(text: str) -> str:
    """`@channel`, `@here`, `@everyone`, `@room`, `@all` lose their power to notify."""
    return _BROADCAST.sub("@" + WORD_JOINER, text)


def break_mentions(text: str) -> str:
    """Every `@name` loses its power to notify (for platforms that link bare names)."""
    return _AT_NAME.sub("@" + WORD_JOINER, text)
