"""Label matchers with Alertmanager's syntax: `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`.

Regular expressions are anchored (`=~"db.*"` matches `db1`, not `mydb`), as in Alertmanager.
A missing label matches like an empty value. Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from opsroom.errors import InvalidInputError

_MATCHER = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*(?P<op>=~|!~|!=|=)\s*
    (?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s,"]*))\s*$""",
    re.VERBOSE,
)


class MatchOp(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True)
class Matcher:
    name: str
    op: MatchOp
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op is MatchOp.EQUAL:
            return actual == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op is MatchOp.REGEX else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op.value}"{escaped}"'


def parse_matcher(text: str) -> Matcher:
    found = _MATCHER.match(text)
    if found is None:
        raise InvalidInputError(
            f'invalid matcher {text!r}: use name="value", name!="value", '
            'name=~"regex" or name!~"regex"'
        )
    quoted = found.group("quoted")
    value = _unescape(quoted) if quoted is not None else found.group("bare")
    op = MatchOp(found.group("op"))
    if op in (MatchOp.REGEX, MatchOp.NOT_REGEX):
        try:
            re.compile(value)
        except re.error as exc:
            raise InvalidInputError(f"invalid regular expression in {text!r}: {exc}") from exc
    return Matcher(name=found.group("name"), op=op, value=value)


def parse_matchers(text: str | list[str]) -> list[Matcher]:
    """A list of matchers, or one string like `{a="b", c=~"d"}` / `a=b c!=d`."""
    if isinstance(text, list):
        return [parse_matcher(item) for item in text]
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    return [parse_matcher(part) for part in _split(body) if part.strip()]


def matches_all(matchers: list[Matcher], labels: dict[str, str]) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


def _split(body: str) -> list[str]:
    """Split on commas or whitespace that are outside double quotes."""
    parts, current, quoted, escaped = [], [], False, False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char in ", \t" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return _rejoin(parts)


def _rejoin(parts: list[str]) -> list[str]:
    """`a = "b"` splits into `a`, `=`, `"b"`: glue pieces until each holds an operator."""
    joined: list[str] = []
    for part in (p for p in parts if p):
        if joined and (
            not re.search(r"=|!~", joined[-1]) or re.search(r"(=~|!~|!=|=)$", joined[-1])
        ):
            joined[-1] += part
        else:
            joined.append(part)
    return joined


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)
