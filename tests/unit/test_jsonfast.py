"""jsonfast: orjson only where it reads and writes what the standard `json` module does."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from opsroom.jsonfast import compact_size, dumps_bytes, dumps_str, loads_or_none, loads_str
from opsroom.sources.base import RAW_LIMIT, capped_raw, decode_json

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equal, counting NaN equal to NaN."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_numbers_orjson_would_read_differently_are_left_to_json() -> None:
    huge = b'{"n": 123456789012345678901234567890}'
    assert loads_or_none(huge) == (False, None)
    assert decode_json(huge)["n"] == 123456789012345678901234567890
    assert loads_str(huge.decode())["n"] == 123456789012345678901234567890


def test_what_only_json_accepts_is_still_accepted() -> None:
    assert math.isnan(decode_json(b'{"v": NaN}')["v"])
    assert decode_json(b"\xef\xbb\xbf{}") == {}


def test_nan_and_non_string_keys_are_written_as_json_writes_them() -> None:
    assert dumps_str({"v": math.nan}) == json.dumps({"v": math.nan})
    assert dumps_str({1: "a"}) == json.dumps({1: "a"})
    assert dumps_str({"big": 2**70}) == json.dumps({"big": 2**70})


@given(JSON_VALUES)
def test_columns_read_back_what_json_would_write(value: Any) -> None:
    assert same(loads_str(dumps_str(value)), json.loads(json.dumps(value)))


@given(JSON_VALUES.filter(lambda v: "NaN" not in json.dumps(v) and "Infinity" not in json.dumps(v)))
def test_answers_read_back_what_starlette_would_render(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert same(json.loads(dumps_bytes(value)), json.loads(expected))


@given(JSON_VALUES)
def test_json_text_is_never_more_than_three_characters_per_compact_byte(value: Any) -> None:
    """The bound `capped_raw` relies on to skip measuring small payloads."""
    assert len(json.dumps(value, default=str)) <= 3 * compact_size(value)


def test_a_raw_payload_over_the_limit_is_still_truncated() -> None:
    raw = {"text": "é" * RAW_LIMIT}
    capped = capped_raw(raw)
    assert capped["truncated"] is True
    assert capped["size"] == len(json.dumps(raw))
    small = {"text": "é" * 100}
    assert capped_raw(small) is small
