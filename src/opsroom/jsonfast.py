"""orjson where it gives what the standard `json` module gives, `json` everywhere else.

Hook bodies, answers and JSON columns go through JSON on every alert; orjson does that several
times faster. It differs from `json` at the edges, so those take the standard module: integers
of 19 digits or more (orjson makes floats of those beyond 64 bits), anything orjson refuses
(NaN, a byte-order mark, lone surrogates, non-string keys, unknown types) and any output
holding `null` (orjson writes NaN as null, where `json` writes NaN or refuses).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_DIGITS = re.compile(rb"\d{19}")
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_PASSTHROUGH |= orjson.OPT_PASSTHROUGH_DATACLASS


def loads_or_none(body: bytes) -> tuple[bool, Any]:
    """(True, value) when orjson reads `body` as `json.loads` would; else (False, None)."""
    if _LONG_DIGITS.search(body) is not None:
        return False, None
    try:
        return True, orjson.loads(body)
    except orjson.JSONDecodeError:
        return False, None


def loads_str(text: str | bytes) -> Any:
    """`json.loads`, faster (the JSON columns' deserializer)."""
    raw = text.encode() if isinstance(text, str) else text
    fast, value = loads_or_none(raw)
    return value if fast else json.loads(text)


def _orjson(value: Any) -> bytes | None:
    try:
        out = orjson.dumps(value, option=_PASSTHROUGH)
    except TypeError:
        return None
    return None if b"null" in out else out


def dumps_str(value: Any) -> str:
    """As `json.dumps(value)` reads back (the JSON columns' serializer); compact text."""
    out = _orjson(value)
    return out.decode() if out is not None else json.dumps(value)


def dumps_bytes(value: Any) -> bytes:
    """As Starlette's `JSONResponse` renders `value`."""
    out = _orjson(value)
    if out is not None:
        return out
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def compact_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON; a large number when orjson cannot say."""
    try:
        return len(orjson.dumps(value, option=_PASSTHROUGH))
    except TypeError:
        return 1 << 62
