"""Nagios Core notifications posted as form fields named after Nagios macros (see README)."""

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
NAGIOS_TYPES = {
    "PROBLEM": T.PROBLEM,
    "RECOVERY": T.RECOVERY,
    "ACKNOWLEDGEMENT": T.ACKNOWLEDGEMENT,
    "FLAPPINGSTART": T.FLAPPING_START,
    "FLAPPINGSTOP": T.FLAPPING_END,
    "FLAPPINGDISABLED": T.FLAPPING_END,
    "DOWNTIMESTART": T.DOWNTIME_START,
    "DOWNTIMEEND": T.DOWNTIME_END,
    "DOWNTIMECANCELLED": T.DOWNTIME_END,
    "CUSTOM": T.CUSTOM,
}
# $CONTACTNAME$, $CONTACTEMAIL$, $CONTACTPAGER$, ...: one copy per contact, never stored.
CONTACT_PREFIXES = ("CONTACT",)
NO_PROBLEM = ("", "0")  # Nagios 4.4 numbers problems, 4.5 gives UUIDs; both say "none" so


class _Common(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    NOTIFICATIONTYPE: str
    HOSTNAME: str = Field(min_length=1)
    NOTIFICATIONAUTHOR: str = ""
    NOTIFICATIONCOMMENT: str = ""
    NOTIFICATIONURL: str = ""
    HOSTADDRESS: str = ""
    HOSTGROUPNAMES: str = ""
    HOSTACTIONURL: str = ""
    HOSTNOTESURL: str = ""
    HOSTINFOURL: str = ""
    SERVICEDESC: str = ""


class _Service(_Common):
    SERVICESTATE: str
    SERVICEPROBLEMID: str
    LASTSERVICEPROBLEMID: str
    LASTSERVICESTATE: str = ""
    SERVICEOUTPUT: str = ""
    LONGSERVICEOUTPUT: str = ""
    LASTSERVICESTATECHANGE: str = ""
    SERVICEDOWNTIME: str = ""
    SERVICEGROUPNAMES: str = ""
    SERVICEACTIONURL: str = ""
    SERVICENOTESURL: str = ""
    SERVICEINFOURL: str = ""


class _Host(_Common):
    HOSTSTATE: str
    HOSTPROBLEMID: str
    LASTHOSTPROBLEMID: str
    LASTHOSTSTATE: str = ""
    HOSTOUTPUT: str = ""
    LONGHOSTOUTPUT: str = ""
    LASTHOSTSTATECHANGE: str = ""
    HOSTDOWNTIME: str = ""


class NagiosSource:
    kind = "nagios"

    def parse(self, request: HookRequest) -> HookResult:
        form = read_form(
            self.kind, request, "Nagios posts its macros (NOTIFICATIONTYPE, HOSTNAME, ...)"
        )
        raw = without_prefixes(form, CONTACT_PREFIXES)
        try:
            if form.get("SERVICEDESC", "").strip():
                notification = self._service(_Service.model_validate(form), raw)
            else:
                notification = self._host(_Host.model_validate(form), raw)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        return HookResult(alerts=[to_alert(self.kind, notification)])

    def _service(self, p: _Service, raw: dict[str, str]) -> Notification:
        return Notification(
            type=parse_type(self.kind, "NOTIFICATIONTYPE", p.NOTIFICATIONTYPE, NAGIOS_TYPES),
            type_name=p.NOTIFICATIONTYPE,
            host=p.HOSTNAME,
            service=p.SERVICEDESC,
            state=parse_state(self.kind, "SERVICESTATE", p.SERVICESTATE, SERVICE_STATES),
            last_state=p.LASTSERVICESTATE.upper(),
            output=_output(p.SERVICEOUTPUT, p.LONGSERVICEOUTPUT),
            problem_id=_problem_id(p.SERVICEPROBLEMID, p.LASTSERVICEPROBLEMID),
            author=p.NOTIFICATIONAUTHOR,
            comment=p.NOTIFICATIONCOMMENT,
            changed_at=parse_epoch(self.kind, "LASTSERVICESTATECHANGE", p.LASTSERVICESTATECHANGE),
            downtime_depth=parse_count(p.SERVICEDOWNTIME),
            labels={
                "address": p.HOSTADDRESS,
                "hostgroups": p.HOSTGROUPNAMES,
                "servicegroups": p.SERVICEGROUPNAMES,
            },
            links=web_links(
                [
                    (p.NOTIFICATIONURL, "Nagios"),
                    (p.SERVICEINFOURL, "Nagios service"),
                    (p.SERVICEACTIONURL, "Service action"),
                    (p.SERVICENOTESURL, "Service notes"),
                    (p.HOSTACTIONURL, "Host action"),
                    (p.HOSTNOTESURL, "Host notes"),
                ]
            ),
            raw=raw,
        )

    def _host(self, p: _Host, raw: dict[str, str]) -> Notification:
        return Notification(
            type=parse_type(self.kind, "NOTIFICATIONTYPE", p.NOTIFICATIONTYPE, NAGIOS_TYPES),
            type_name=p.NOTIFICATIONTYPE,
            host=p.HOSTNAME,
            service="",
            state=parse_state(self.kind, "HOSTSTATE", p.HOSTSTATE, HOST_STATES),
            last_state=p.LASTHOSTSTATE.upper(),
            output=_output(p.HOSTOUTPUT, p.LONGHOSTOUTPUT),
            problem_id=_problem_id(p.HOSTPROBLEMID, p.LASTHOSTPROBLEMID),
            author=p.NOTIFICATIONAUTHOR,
            comment=p.NOTIFICATIONCOMMENT,
            changed_at=parse_epoch(self.kind, "LASTHOSTSTATECHANGE", p.LASTHOSTSTATECHANGE),
            downtime_depth=parse_count(p.HOSTDOWNTIME),
            labels={"address": p.HOSTADDRESS, "hostgroups": p.HOSTGROUPNAMES},
            links=web_links(
                [
                    (p.NOTIFICATIONURL, "Nagios"),
                    (p.HOSTINFOURL, "Nagios host"),
                    (p.HOSTACTIONURL, "Host action"),
                    (p.HOSTNOTESURL, "Host notes"),
                ]
            ),
            raw=raw,
        )


def _problem_id(current: str, last: str) -> str:
    """The problem a notification is about, so a recovery finds its problem.

    While a problem lasts its id is in the PROBLEMID macro. Once the object is OK/UP again
    the documented behaviour moves it to LAST...PROBLEMID and zeroes PROBLEMID; Nagios 4.4
    keeps it in SERVICEPROBLEMID for services. Either way the non-zero one is the problem.
    """
    return current if current not in NO_PROBLEM else ("" if last in NO_PROBLEM else last)


def _output(first_line: str, long_output: str) -> str:
    # Nagios hands long output over with its line breaks escaped as a literal backslash-n.
    long_output = long_output.replace("\\n", "\n").strip()
    return f"{first_line}\n{long_output}" if long_output else first_line
