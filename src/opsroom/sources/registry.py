"""The alert sources opsroom understands, by the kind used in hook URLs."""

from __future__ import annotations

from opsroom.sources.alertmanager.source import AlertmanagerSource
from opsroom.sources.base import AlertSource
from opsroom.sources.datadog.source import DatadogSource
from opsroom.sources.generic.source import GenericSource
from opsroom.sources.grafana.source import GrafanaSource
from opsroom.sources.icinga.source import IcingaSource
from opsroom.sources.nagios.source import NagiosSource
from opsroom.sources.site24x7.source import Site24x7Source
from opsroom.sources.zabbix.source import ZabbixSource


def build_sources() -> dict[str, AlertSource]:
    sources: list[AlertSource] = [
        AlertmanagerSource(),
        GenericSource(),
        GrafanaSource(),
        DatadogSource(),
        NagiosSource(),
        IcingaSource(),
        Site24x7Source(),
        ZabbixSource(),
    ]
    return {source.kind: source for source in sources}
