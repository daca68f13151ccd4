"""On-call use cases that change schedules made through the API (config ones are read-only).

Layers are addressed by position, 1 = lowest priority; a later layer wins where it has someone.
"""

from __future__ import annotations

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, InvalidInputError, NotFoundError, ReadOnlyError
from opsroom.logging import get_logger
from opsroom.oncall import model
from opsroom.oncall.service import find_definition, unknown_members
from opsroom.oncall.settings import LayerConfig, members_of, stored_layer
from opsroom.oncall.tables import ScheduleRow

MAX_LAYERS = 50
log = get_logger(__name__)


def _check_members(uow: UnitOfWork, ctx: Context, layers: list[LayerConfig]) -> None:
    unknown = unknown_members(uow, ctx, members_of(layers))
    if unknown:
        raise InvalidInputError(
            f"not opsroom users: {', '.join(unknown)} (add them with `opsroom user add`)",
            details={"unknown_members": unknown},
        )


def _check_zone(time_zone: str) -> None:
    try:
        model.zone(time_zone)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def _dump(layers: list[LayerConfig]) -> list[dict[str, object]]:
    if len(layers) > MAX_LAYERS:
        raise InvalidInputError(f"a schedule can have at most {MAX_LAYERS} layers")
    return [layer.model_dump(mode="json") for layer in layers]


def editable(uow: UnitOfWork, ctx: Context, name: str) -> ScheduleRow:
    """The row of an API-made schedule; a config schedule is read-only (409)."""
    if name in ctx.settings.schedules:
        raise ReadOnlyError(
            f"schedule {name!r} is defined in opsroom.yaml: change it there "
            "(overrides can still be added through the API)"
        )
    row = uow.schedules.get(name)
    if row is None:
        raise NotFoundError(f"no schedule {name!r}")
    return row


def create_schedule(
    uow: UnitOfWork,
    ctx: Context,
    *,
    name: str,
    time_zone: str,
    layers: list[LayerConfig],
    actor: str,
    description: str = "",
) -> ScheduleRow:
    if find_definition(uow, ctx, name=name) is not None:
        raise ConflictError(f"schedule {name!r} already exists")
    _check_zone(time_zone)
    _check_members(uow, ctx, layers)
    now = ctx.clock.now()
    log.info("oncall.schedule_created", schedule=name, layers=len(layers), actor=actor)
    return uow.schedules.add(
        ScheduleRow(
            name=name,
            time_zone=time_zone,
            description=description,
            layers=_dump(layers),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
    )


def update_schedule(
    uow: UnitOfWork,
    ctx: Context,
    *,
    name: str,
    time_zone: str | None = None,
    description: str | None = None,
    layers: list[LayerConfig] | None = None,
) -> ScheduleRow:
    """Change what is given; `layers` replaces every layer."""
    row = editable(uow, ctx, name)
    if time_zone is not None:
        _check_zone(time_zone)
        row.time_zone = time_zone
    if description is not None:
        row.description = description
    if layers is not None:
        _check_members(uow, ctx, layers)
        row.layers = _dump(layers)
    row.updated_at = ctx.clock.now()
    log.info("oncall.schedule_updated", schedule=name)
    return row


def delete_schedule(uow: UnitOfWork, ctx: Context, *, name: str) -> None:
    """The schedule and its overrides."""
    uow.schedules.delete(editable(uow, ctx, name))
    log.info("oncall.schedule_deleted", schedule=name)


def _layers(row: ScheduleRow) -> list[LayerConfig]:
    return [stored_layer(layer) for layer in row.layers]


def _index(layers: list[LayerConfig], position: int, *, extra: int = 0) -> int:
    if not 1 <= position <= len(layers) + extra:
        raise NotFoundError(
            f"no layer {position}: the schedule has {len(layers)} (positions start at 1)"
        )
    return position - 1


def add_layer(
    uow: UnitOfWork,
    ctx: Context,
    *,
    schedule: str,
    layer: LayerConfig,
    position: int | None = None,
) -> ScheduleRow:
    """Insert a layer at `position` (default: last, so it wins over the others)."""
    row = editable(uow, ctx, schedule)
    layers = _layers(row)
    index = len(layers) if position is None else _index(layers, position, extra=1)
    _check_members(uow, ctx, [layer])
    layers.insert(index, layer)
    row.layers = _dump(layers)
    row.updated_at = ctx.clock.now()
    return row


def replace_layer(
    uow: UnitOfWork, ctx: Context, *, schedule: str, position: int, layer: LayerConfig
) -> ScheduleRow:
    """Replace one layer. Its turns are recomputed from its `start`: to keep the past as it
    was, set `end` on the old layer and add a new one that starts at the change instead."""
    row = editable(uow, ctx, schedule)
    layers = _layers(row)
    index = _index(layers, position)
    _check_members(uow, ctx, [layer])
    layers[index] = layer
    row.layers = _dump(layers)
    row.updated_at = ctx.clock.now()
    return row


def delete_layer(uow: UnitOfWork, ctx: Context, *, schedule: str, position: int) -> ScheduleRow:
    row = editable(uow, ctx, schedule)
    layers = _layers(row)
    del layers[_index(layers, position)]
    row.layers = _dump(layers)
    row.updated_at = ctx.clock.now()
    return row
