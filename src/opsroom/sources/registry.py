"""The alert sources opsroom understands, by the kind used in hook URLs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from opsroom.sources.alertmanager.source import AlertmanagerSource
from opsroom.sources.base import AlertSource
from opsroom.sources.cloudwatch.certificates import CertificateCache, http_certificate_fetcher
from opsroom.sources.cloudwatch.source import CloudwatchSource
from opsroom.sources.datadog.source import DatadogSource
from opsroom.sources.generic.source import GenericSource
from opsroom.sources.grafana.source import GrafanaSource
from opsroom.sources.icinga.source import IcingaSource
from opsroom.sources.nagios.source import NagiosSource
from opsroom.sources.opsgenie.source import OpsgenieSource
from opsroom.sources.pagerduty.source import PagerDutySource
from opsroom.sources.site24x7.source import Site24x7Source
from opsroom.sources.zabbix.source import ZabbixSource


def build_sources(
    *, http_client: httpx.Client, now: Callable[[], datetime]
) -> dict[str, AlertSource]:
    """Every source; `http_client` fetches what sources need (SNS signing certificates)."""
    certificates = CertificateCache(http_certificate_fetcher(http_client))
    sources: list[AlertSource] = [
        AlertmanagerSource(),
        GenericSource(),
        GrafanaSource(),
        DatadogSource(),
        CloudwatchSource(certificates, now=now),
        NagiosSource(),
        IcingaSource(),
        Site24x7Source(),
        ZabbixSource(),
        PagerDutySource(),
        OpsgenieSource(),
    ]
    return {source.kind: source for source in sources}
