"""Who is on call when: rotation turns, restrictions, layers and overrides flattened. Pure.

Turns are computed arithmetically in local wall-clock time (never stepped minute by minute),
then converted to UTC; a year of hourly shifts takes a few thousand conversions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from opsroom.oncall.model import Layer, Override, Schedule, Shift, Window

_ONE_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# Overrides are at most this long, so any that touches a window is loaded with this margin.
MAX_OVERRIDE = timedelta(days=366)


def instant(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time as UTC (the first of two on a fall-back night)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class _Piece:
    start: datetime
    end: datetime
    user: str
    key: tuple[int, int]  # (layer index, turn) or (-1, override id)


class _Rotation:
    """Turn k of a layer: where it starts in local time and who has it."""

    def __init__(self, layer: Layer, zone: ZoneInfo) -> None:
        self.layer, self.zone = layer, zone
        self.anchor = datetime.combine(layer.start, layer.handoff)
        self.step = _ONE_DAY if layer.days else layer.step()
        self.days = sorted(layer.days)
        self.monday = layer.start - timedelta(days=layer.start.weekday())
        self.offset = sum(1 for day in self.days if day < layer.start.weekday())

    def local_start(self, turn: int) -> datetime:
        if not self.days:
            return self.anchor + turn * self.step
        week, index = divmod(turn + self.offset, len(self.days))
        day = self.monday + timedelta(days=7 * week + self.days[index])
        return datetime.combine(day, self.layer.handoff)

    def start(self, turn: int) -> datetime:
        return instant(self.local_start(turn), self.zone)

    def end(self, turn: int) -> datetime:
        end = instant(self.local_start(turn) + self.step, self.zone)
        return min(end, self.layer.end) if self.layer.end is not None else end

    def member(self, turn: int) -> str:
        return self.layer.members[turn % len(self.layer.members)]

    def _estimate(self, at: datetime) -> int:
        local = _local(at, self.zone)
        if not self.days:
            return (local - self.anchor) // self.step
        day: date = local.date() - (_ONE_DAY if local.time() < self.layer.handoff else timedelta())
        weeks = (day - self.monday).days // 7
        counted = weeks * len(self.days) + sum(1 for d in self.days if d <= day.weekday())
        return counted - self.offset - 1

    def turn_at_or_before(self, at: datetime) -> int | None:
        """The last turn that starts at or before `at` (None before the first one)."""
        turn = max(self._estimate(at), 0)
        while turn > 0 and self.start(turn) > at:
            turn -= 1
        while self.start(turn + 1) <= at:
            turn += 1
        return turn if self.start(turn) <= at else None

    def pieces(self, start: datetime, end: datetime, index: int) -> list[_Piece]:
        """Whole turns that overlap [start, end), unclipped, without restrictions."""
        turn = self.turn_at_or_before(start) or 0
        pieces: list[_Piece] = []
        while (begin := self.start(turn)) < end:
            if self.layer.end is not None and begin >= self.layer.end:
                break
            finish = self.end(turn)
            if finish > start and finish > begin:
                pieces.append(_Piece(begin, finish, self.member(turn), (index, turn)))
            turn += 1
        return pieces


def window_occurrences(
    windows: Sequence[Window], zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Restriction windows as merged UTC intervals overlapping [start, end)."""
    first = _local(start, zone).date()
    monday = first - timedelta(days=first.weekday() + 7)
    last = _local(end, zone).date()
    found: list[tuple[datetime, datetime]] = []
    while monday <= last:
        base = datetime.combine(monday, datetime.min.time())
        for window in windows:
            begin = instant(base + timedelta(minutes=window.start), zone)
            finish = instant(base + timedelta(minutes=window.start + window.length), zone)
            if finish > start and begin < end and finish > begin:
                found.append((begin, finish))
        monday += timedelta(days=7)
    return _merge(sorted(found))


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in intervals:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def _restrict(pieces: list[_Piece], occurrences: list[tuple[datetime, datetime]]) -> list[_Piece]:
    """Each turn cut to the restriction windows (two sorted lists walked together)."""
    kept: list[_Piece] = []
    first = 0
    for piece in pieces:
        while first < len(occurrences) and occurrences[first][1] <= piece.start:
            first += 1
        index = first
        while index < len(occurrences) and occurrences[index][0] < piece.end:
            begin = max(piece.start, occurrences[index][0])
            finish = min(piece.end, occurrences[index][1])
            if finish > begin:
                kept.append(_Piece(begin, finish, piece.user, piece.key))
            index += 1
    return kept


def layer_pieces(
    layer: Layer, index: int, zone: ZoneInfo, start: datetime, end: datetime
) -> list[_Piece]:
    pieces = _Rotation(layer, zone).pieces(start, end, index)
    if not layer.windows or not pieces:
        return pieces
    occurrences = window_occurrences(layer.windows, zone, pieces[0].start, pieces[-1].end)
    return _restrict(pieces, occurrences)


def _override_pieces(overrides: Sequence[Override]) -> list[_Piece]:
    """Overrides made non-overlapping: where two overlap, the newer one (higher id) wins."""
    ranked = sorted(overrides, key=lambda override: override.id)
    cuts = sorted({o.start for o in ranked} | {o.end for o in ranked})
    pieces: list[_Piece] = []
    for begin, finish in pairwise(cuts):
        winner = next((o for o in reversed(ranked) if o.start <= begin and o.end >= finish), None)
        if winner is not None:
            pieces.append(_Piece(begin, finish, winner.user, (-1, winner.id)))
    return pieces


def _flatten(sources: list[list[_Piece]]) -> Iterator[_Piece]:
    """Elementary intervals with the highest-priority source covering each (last list wins)."""
    cuts = sorted({p.start for s in sources for p in s} | {p.end for s in sources for p in s})
    cursors = [0] * len(sources)
    for begin, finish in pairwise(cuts):
        for rank in range(len(sources) - 1, -1, -1):
            pieces, cursor = sources[rank], cursors[rank]
            while cursor < len(pieces) and pieces[cursor].end <= begin:
                cursor += 1
            cursors[rank] = cursor
            if cursor < len(pieces) and pieces[cursor].start <= begin:
                yield _Piece(begin, finish, pieces[cursor].user, pieces[cursor].key)
                break


def padding(schedule: Schedule) -> timedelta:
    """How far around a window whole turns can reach (a turn plus a day for DST)."""
    steps = [_ONE_DAY if layer.days else layer.step() for layer in schedule.layers]
    return max(steps, default=timedelta()) + _ONE_DAY


def final_shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Final shifts overlapping [start, end), each with its whole extent (not cut at the window).

    A shift is one person's piece of one turn (or one override) left after higher layers and
    overrides took their part; consecutive pieces of the same turn are one shift.
    """
    pad = padding(schedule)
    sources = [
        layer_pieces(layer, index, schedule.zone, start - pad, end + pad)
        for index, layer in enumerate(schedule.layers)
    ]
    sources.append(_override_pieces(schedule.overrides))
    shifts: list[Shift] = []
    for piece in _flatten(sources):
        last = shifts[-1] if shifts else None
        if last is not None and last.end == piece.start and _key(last) == piece.key:
            shifts[-1] = Shift(
                last.start, piece.end, last.user, last.layer, last.override, last.turn
            )
        else:
            shifts.append(_shift(piece))
    return [shift for shift in shifts if shift.end > start and shift.start < end]


def _key(shift: Shift) -> tuple[int, int]:
    if shift.override is not None:
        return (-1, shift.override)
    return (shift.layer or 0, shift.turn or 0)


def _shift(piece: _Piece) -> Shift:
    index, number = piece.key
    if index < 0:
        return Shift(piece.start, piece.end, piece.user, override=number)
    return Shift(piece.start, piece.end, piece.user, layer=index, turn=number)


def shift_at(schedule: Schedule, at: datetime) -> Shift | None:
    """The final shift covering `at`, if anyone is on call then."""
    return next((s for s in final_shifts(schedule, at, at + _TICK) if s.start <= at), None)


def on_call_at(schedule: Schedule, at: datetime) -> str | None:
    """Who is on call at `at`, top down: the newest override, else the last layer with someone.

    Looks only at the one turn of each layer that holds `at`; agrees with `final_shifts`.
    """
    covering = [o for o in schedule.overrides if o.start <= at < o.end]
    if covering:
        return max(covering, key=lambda override: override.id).user
    for layer in reversed(schedule.layers):
        user = _layer_user_at(layer, schedule.zone, at)
        if user is not None:
            return user
    return None


def _layer_user_at(layer: Layer, zone: ZoneInfo, at: datetime) -> str | None:
    turns = _Rotation(layer, zone)
    turn = turns.turn_at_or_before(at)
    if turn is None or at >= turns.end(turn):
        return None
    if layer.windows:
        occurrences = window_occurrences(layer.windows, zone, at, at + _TICK)
        if not any(begin <= at < finish for begin, finish in occurrences):
            return None
    return turns.member(turn)


def gaps(
    shifts: Sequence[Shift], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) nobody covers, given non-overlapping shifts in time order."""
    found: list[tuple[datetime, datetime]] = []
    cursor = start
    for shift in shifts:
        if shift.start > cursor:
            found.append((cursor, min(shift.start, end)))
        cursor = max(cursor, shift.end)
        if cursor >= end:
            break
    if cursor < end:
        found.append((cursor, end))
    return [(begin, finish) for begin, finish in found if finish > begin]
