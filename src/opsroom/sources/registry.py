"""The sources opsroom understands, by their URL slug."""

from __future__ import annotations

from opsroom.sources.alertmanager.source import AlertmanagerSource
from opsroom.sources.base import AlertSource
from opsroom.sources.generic.source import GenericSource


def build_sources() -> dict[str, AlertSource]:
    sources: list[AlertSource] = [AlertmanagerSource(), GenericSource()]
    return {source.kind: source for source in sources}
