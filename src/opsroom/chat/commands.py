"""The `/inc` command grammar, parsed once and shared by every chat platform. Pure."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from opsroom.alert.matchers import parse_matcher
from opsroom.alert.settings import parse_duration
from opsroom.errors import CommandError, InvalidInputError
from opsroom.incident.model import ROLES, SETTABLE_STATUSES, parse_severity

PREFIX = "/inc"

USAGE: dict[str, str] = {
    "declare": "/inc declare [sev1..sev4] <title>",
    "ack": "/inc ack",
    "status": "/inc status <investigating|identified|monitoring> [message]",
    "update": "/inc update <message>",
    "sev": "/inc sev <1-4>",
    "role": f"/inc role <{'|'.join(ROLES)}> @user",
    "note": "/inc note <text>",
    "resolve": "/inc resolve [summary]",
    "timeline": "/inc timeline",
    "silence": '/inc silence <matchers> <duration> [comment]  (e.g. alertname="DiskFull" 2h)',
    "oncall": "/inc oncall [schedule]",
    "help": "/inc help",
}

HELP_TEXT = "Commands:\n" + "\n".join(f"  {usage}" for usage in USAGE.values())

# Commands that only make sense inside an incident room.
INCIDENT_ONLY = frozenset(USAGE) - {"declare", "help", "silence", "oncall"}


@dataclass(frozen=True)
class Declare:
    title: str
    severity: int | None = None


@dataclass(frozen=True)
class Ack:
    pass


@dataclass(frozen=True)
class SetStatus:
    status: str
    message: str = ""


@dataclass(frozen=True)
class Update:
    message: str


@dataclass(frozen=True)
class SetSeverity:
    severity: int


@dataclass(frozen=True)
class AssignRole:
    role: str
    user: str


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class Resolve:
    summary: str = ""


@dataclass(frozen=True)
class ShowTimeline:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Silence:
    matchers: tuple[str, ...]
    duration: timedelta
    comment: str = ""


@dataclass(frozen=True)
class ShowOnCall:
    schedule: str | None = None


Command = (
    Declare
    | Ack
    | SetStatus
    | Update
    | SetSeverity
    | AssignRole
    | Note
    | Resolve
    | ShowTimeline
    | Help
    | Silence
    | ShowOnCall
)


def is_command(text: str) -> bool:
    words = text.split(None, 1)
    return bool(words) and words[0].lower() == PREFIX


def command_name(command: Command) -> str:
    return _NAMES[type(command)]


def parse_command(text: str) -> Command:
    """Parse `/inc <verb> ...`; a mistake raises CommandError naming it and the usage."""
    if not is_command(text):
        raise CommandError(f"commands start with `{PREFIX}`\n{HELP_TEXT}")
    rest = text.strip()[len(PREFIX) :].strip()
    verb, _, args = rest.replace("\t", " ").partition(" ")
    verb, args = verb.lower(), args.strip()
    if not verb:
        return Help()
    parser = _PARSERS.get(verb)
    if parser is None:
        raise CommandError(f"unknown command `{verb}`\n{HELP_TEXT}")
    return parser(args)


def _fail(verb: str, problem: str) -> CommandError:
    return CommandError(f"{problem}\nUsage: {USAGE[verb]}")


def _no_args(verb: str, command: Command) -> Callable[[str], Command]:
    def parse(args: str) -> Command:
        if args:
            raise _fail(verb, f"`{verb}` takes no arguments")
        return command

    return parse


def _declare(args: str) -> Command:
    first, _, rest = args.partition(" ")
    looks_like_severity = re.fullmatch(r"sev\d+", first.lower()) is not None
    severity = parse_severity(first) if looks_like_severity else None
    if looks_like_severity and severity is None:
        raise _fail("declare", f"unknown severity `{first}`: use sev1, sev2, sev3 or sev4")
    title = rest.strip() if looks_like_severity else args
    if not title:
        raise _fail("declare", "a title is required")
    return Declare(title=title[:500], severity=severity)


def _status(args: str) -> Command:
    word, _, message = args.partition(" ")
    allowed = [status.value for status in SETTABLE_STATUSES]
    if word.lower() not in allowed:
        problem = "a status is required" if not word else f"unknown status `{word}`"
        raise _fail("status", f"{problem}: use {', '.join(allowed)} (or /inc resolve)")
    return SetStatus(status=word.lower(), message=message.strip())


def _update(args: str) -> Command:
    if not args:
        raise _fail("update", "a message is required")
    return Update(message=args)


def _sev(args: str) -> Command:
    severity = parse_severity(args) if args else None
    if severity is None:
        raise _fail("sev", "severity must be 1, 2, 3 or 4" if args else "a severity is required")
    return SetSeverity(severity=severity)


def _role(args: str) -> Command:
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    if len(words) != 2:
        raise _fail("role", "a role and one @user are required")
    role, user = words[0].lower(), words[1]
    if role not in ROLES:
        raise _fail("role", f"unknown role `{role}`: use {', '.join(ROLES)}")
    if not re.fullmatch(r"@?[A-Za-z0-9_.-]{1,64}", user):
        raise _fail("role", f"`{user}` is not a user name")
    return AssignRole(role=role, user=user.lstrip("@"))


def _note(args: str) -> Command:
    if not args:
        raise _fail("note", "the note text is required")
    return Note(text=args)


def _resolve(args: str) -> Command:
    return Resolve(summary=args)


def _silence(args: str) -> Command:
    tokens = _quoted_tokens(args)
    matchers: list[str] = []
    while tokens and re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*\s*(=~|!~|!=|=)", tokens[0]):
        try:
            matchers.append(str(parse_matcher(tokens.pop(0))))
        except InvalidInputError as exc:
            raise _fail("silence", exc.message) from exc
    if not matchers:
        raise _fail("silence", 'at least one matcher such as alertname="DiskFull" is required')
    if not tokens:
        raise _fail("silence", "a duration such as 30m, 2h or 1d is required")
    try:
        duration = parse_duration(tokens[0])
    except ValueError as exc:
        raise _fail("silence", str(exc)) from exc
    if duration.total_seconds() <= 0:
        raise _fail("silence", "the duration must be longer than zero")
    return Silence(matchers=tuple(matchers), duration=duration, comment=" ".join(tokens[1:]))


def _oncall(args: str) -> Command:
    if not args:
        return ShowOnCall()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,99}", args):
        raise _fail("oncall", f"`{args}` is not a schedule name")
    return ShowOnCall(schedule=args)


def _quoted_tokens(text: str) -> list[str]:
    """Split on whitespace outside double quotes, keeping the quotes in the tokens."""
    return re.findall(r'(?:[^\s"]|"(?:[^"\\]|\\.)*")+', text)


_PARSERS = {
    "declare": _declare,
    "ack": _no_args("ack", Ack()),
    "status": _status,
    "update": _update,
    "sev": _sev,
    "role": _role,
    "note": _note,
    "resolve": _resolve,
    "timeline": _no_args("timeline", ShowTimeline()),
    "help": _no_args("help", Help()),
    "silence": _silence,
    "oncall": _oncall,
}

_NAMES: dict[type, str] = {
    Declare: "declare",
    Ack: "ack",
    SetStatus: "status",
    Update: "update",
    SetSeverity: "sev",
    AssignRole: "role",
    Note: "note",
    Resolve: "resolve",
    ShowTimeline: "timeline",
    Help: "help",
    Silence: "silence",
    ShowOnCall: "oncall",
}
