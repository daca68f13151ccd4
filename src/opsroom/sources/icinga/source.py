"""Icinga 2 notifications posted as form fields named after Icinga runtime macros (see README)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.sources.base import HookRequest, HookResult, unsupported
from opsroom.sources.nagios.notification import (
    HOST_STATES,
    SERVICE_STATES,
    Notification,
    NotificationType,
    parse_count,
    parse_epoch,
    parse_state,
    parse_type,
    read_form,
    to_alert,
    web_links,
    without_prefixes,
)

T = NotificationType
# `$notification.type$` gives the upper-case compat names; the `types` filter of a
# Notification object spells them Problem, FlappingEnd, DowntimeRemoved, ...
ICINGA_TYPES = {
    "PROBLEM": T.PROBLEM,
    "RECOVERY": T.RECOVERY,
    "ACKNOWLEDGEMENT": T.ACKNOWLEDGEMENT,
    "CUSTOM": T.CUSTOM,
    "FLAPPINGSTART": T.FLAPPING_START,
    "FLAPPINGEND": T.FLAPPING_END,
    "DOWNTIMESTART": T.DOWNTIME_START,
    "DOWNTIMEEND": T.DOWNTIME_END,
    "DOWNTIMECANCELLED": T.DOWNTIME_END,
    "Problem": T.PROBLEM,
    "Recovery": T.RECOVERY,
    "Acknowledgement": T.ACKNOWLEDGEMENT,
    "Custom": T.CUSTOM,
    "FlappingStart": T.FLAPPING_START,
    "FlappingEnd": T.FLAPPING_END,
    "DowntimeStart": T.DOWNTIME_START,
    "DowntimeEnd": T.DOWNTIME_END,
    "DowntimeRemoved": T.DOWNTIME_END,
}
# $user.name$, $user.email$, ...: one copy per notified user, never stored.
USER_PREFIXES = ("user.",)


class _Common(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    type: str = Field(alias="notification.type")
    host_name: str = Field(alias="host.name", min_length=1)
    author: str = Field("", alias="notification.author")
    comment: str = Field("", alias="notification.comment")
    host_address: str = Field("", alias="host.address")
    host_action_url: str = Field("", alias="host.action_url")
    host_notes_url: str = Field("", alias="host.notes_url")


class _Service(_Common):
    service_name: str = Field(alias="service.name")
    state: str = Field(alias="service.state")
    service_display_name: str = Field("", alias="service.display_name")
    last_state: str = Field("", alias="service.last_state")
    output: str = Field("", alias="service.output")
    last_state_change: str = Field("", alias="service.last_state_change")
    downtime_depth: str = Field("", alias="service.downtime_depth")
    action_url: str = Field("", alias="service.action_url")
    notes_url: str = Field("", alias="service.notes_url")


class _Host(_Common):
    state: str = Field(alias="host.state")
    last_state: str = Field("", alias="host.last_state")
    output: str = Field("", alias="host.output")
    last_state_change: str = Field("", alias="host.last_state_change")
    downtime_depth: str = Field("", alias="host.downtime_depth")


class IcingaSource:
    kind = "icinga"

    def parse(self, request: HookRequest) -> HookResult:
        form = read_form(
            self.kind,
            request,
            "Icinga 2 posts its runtime macros (notification.type, host.name, ...)",
        )
        raw = without_prefixes(form, USER_PREFIXES)
        try:
            if form.get("service.name", "").strip():
                notification = self._service(_Service.model_validate(form), raw)
            else:
                notification = self._host(_Host.model_validate(form), raw)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        return HookResult(alerts=[to_alert(self.kind, notification)])

    def _service(self, p: _Service, raw: dict[str, str]) -> Notification:
        return Notification(
            type=parse_type(self.kind, "notification.type", p.type, ICINGA_TYPES),
            type_name=p.type,
            host=p.host_name,
            service=p.service_name,
            state=parse_state(self.kind, "service.state", p.state, SERVICE_STATES),
            last_state=p.last_state.upper(),
            output=p.output,
            author=p.author,
            comment=p.comment,
            changed_at=parse_epoch(self.kind, "last_state_change", p.last_state_change),
            downtime_depth=parse_count(p.downtime_depth),
            service_title=p.service_display_name,
            labels={"address": p.host_address},
            links=web_links(
                [
                    (p.action_url, "Service action"),
                    (p.notes_url, "Service notes"),
                    (p.host_action_url, "Host action"),
                    (p.host_notes_url, "Host notes"),
                ]
            ),
            raw=raw,
        )

    def _host(self, p: _Host, raw: dict[str, str]) -> Notification:
        return Notification(
            type=parse_type(self.kind, "notification.type", p.type, ICINGA_TYPES),
            type_name=p.type,
            host=p.host_name,
            service="",
            state=parse_state(self.kind, "host.state", p.state, HOST_STATES),
            last_state=p.last_state.upper(),
            output=p.output,
            author=p.author,
            comment=p.comment,
            changed_at=parse_epoch(self.kind, "last_state_change", p.last_state_change),
            downtime_depth=parse_count(p.downtime_depth),
            labels={"address": p.host_address},
            links=web_links([(p.host_action_url, "Host action"), (p.host_notes_url, "Host notes")]),
            raw=raw,
        )
