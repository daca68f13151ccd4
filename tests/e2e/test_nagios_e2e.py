"""A real Nagios 4 service check fails and recovers; its notifications make one opsroom alert.

Nagios (`nagios4-core`) runs as root with every file in the test's directory and
`interval_length=1`, so a check interval of 1 is one second. Its notification command is the
one the Nagios source README documents: curl posting macros as form fields, run once for each
of two contacts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.opsroom_process import run_opsroom
from tests.e2e.peers import STOP_TIMEOUT, require_binary

pytestmark = pytest.mark.e2e

NAGIOS_BINARY = "/usr/sbin/nagios4"
PLUGIN_DIR = "/usr/lib/nagios/plugins"
CURL = "/usr/bin/curl"
HOST = "db1.example.test"
SERVICE = "Disk /var"
START_TIMEOUT = 30.0

SERVICE_MACROS = [
    "NOTIFICATIONTYPE",
    "NOTIFICATIONAUTHOR",
    "NOTIFICATIONCOMMENT",
    "HOSTNAME",
    "HOSTADDRESS",
    "HOSTGROUPNAMES",
    "SERVICEDESC",
    "SERVICESTATE",
    "LASTSERVICESTATE",
    "SERVICEOUTPUT",
    "LONGSERVICEOUTPUT",
    "SERVICEPROBLEMID",
    "LASTSERVICEPROBLEMID",
    "LASTSERVICESTATECHANGE",
    "SERVICEDOWNTIME",
    "SERVICEGROUPNAMES",
    "SERVICEACTIONURL",
    "SERVICENOTESURL",
    "SERVICEINFOURL",
    "CONTACTNAME",
    "CONTACTEMAIL",
]
HOST_MACROS = [
    "NOTIFICATIONTYPE",
    "NOTIFICATIONAUTHOR",
    "NOTIFICATIONCOMMENT",
    "HOSTNAME",
    "HOSTADDRESS",
    "HOSTGROUPNAMES",
    "HOSTSTATE",
    "LASTHOSTSTATE",
    "HOSTOUTPUT",
    "LONGHOSTOUTPUT",
    "HOSTPROBLEMID",
    "LASTHOSTPROBLEMID",
    "LASTHOSTSTATECHANGE",
    "HOSTDOWNTIME",
    "HOSTACTIONURL",
    "HOSTNOTESURL",
    "HOSTINFOURL",
    "CONTACTNAME",
    "CONTACTEMAIL",
]

CHECK_SCRIPT = """\
#!/bin/sh
state=$(cat "$1")
case "$state" in
    0) echo "DISK OK - free space: /var 4.1 GiB (41% inode=93%)" ;;
    *) echo "DISK CRITICAL - free space: /var 310 MiB (3% inode=91%)" ;;
esac
exit "$state"
"""


def notify_command(name: str, macros: list[str]) -> str:
    """A command definition like the README's: one --data-urlencode per macro."""
    fields = "".join(f' \\\n        --data-urlencode "{m}=${m}$"' for m in macros)
    return (
        f"define command {{\n    command_name {name}\n"
        f"    command_line {CURL} -sS --fail --max-time 10 --retry 2{fields} \\\n"
        '        "$USER10$"\n}\n'
    )


def contact(name: str, email: str) -> str:
    return f"""define contact {{
    contact_name {name}
    email {email}
    host_notifications_enabled 1
    service_notifications_enabled 1
    host_notification_period 24x7
    service_notification_period 24x7
    host_notification_options d,u,r,f,s
    service_notification_options w,u,c,r,f,s
    host_notification_commands notify-host-opsroom
    service_notification_commands notify-service-opsroom
}}
"""


def objects_cfg(workdir: Path, state_file: Path) -> str:
    days = "".join(
        f"    {day} 00:00-24:00\n"
        for day in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    )
    return f"""define timeperiod {{
    timeperiod_name 24x7
    alias Always
{days}}}
define command {{
    command_name check_dummy
    command_line $USER1$/check_dummy $ARG1$ "$ARG2$"
}}
define command {{
    command_name check_state_file
    command_line {workdir / "check_state.sh"} $ARG1$
}}
{notify_command("notify-service-opsroom", SERVICE_MACROS)}
{notify_command("notify-host-opsroom", HOST_MACROS)}
{contact("ana.ferreira", "ana.ferreira@example.test")}
{contact("ben.okafor", "ben.okafor@example.test")}
define hostgroup {{
    hostgroup_name databases
    alias Databases
}}
define host {{
    host_name {HOST}
    address 127.0.0.1
    hostgroups databases
    check_command check_dummy!0!PING OK - Packet loss = 0%
    max_check_attempts 1
    check_interval 5
    retry_interval 1
    check_period 24x7
    notification_interval 0
    notification_period 24x7
    contacts ana.ferreira,ben.okafor
}}
define service {{
    host_name {HOST}
    service_description {SERVICE}
    check_command check_state_file!{state_file}
    max_check_attempts 1
    check_interval 1
    retry_interval 1
    check_period 24x7
    notification_interval 0
    notification_period 24x7
    notification_options w,u,c,r,f,s
    contacts ana.ferreira,ben.okafor
}}
"""


def nagios_cfg(workdir: Path) -> str:
    files = {
        "log_file": "nagios.log",
        "cfg_file": "objects.cfg",
        "resource_file": "resource.cfg",
        "object_cache_file": "objects.cache",
        "precached_object_file": "objects.precache",
        "status_file": "status.dat",
        "temp_file": "nagios.tmp",
        "temp_path": "tmp",
        "lock_file": "nagios.lock",
        "command_file": "nagios.cmd",
        "query_socket": "nagios.qh",
        "check_result_path": "checkresults",
        "state_retention_file": "retention.dat",
    }
    settings = {
        "nagios_user": "root",
        "nagios_group": "root",
        "retain_state_information": "0",
        "interval_length": "1",
        "status_update_interval": "1",
        "check_result_reaper_frequency": "1",
        "service_inter_check_delay_method": "n",
        "host_inter_check_delay_method": "n",
        "enable_notifications": "1",
        "enable_flap_detection": "0",
        "check_external_commands": "1",
        "use_syslog": "0",
        "check_for_updates": "0",
        "website_url": "http://nagios.example.test/nagios4",
        "illegal_macro_output_chars": "`~$&|'\"<>",
    }
    lines = [f"{key}={workdir / name}" for key, name in files.items()]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def nagios_pids() -> dict[int, str]:
    """Every `nagios4` process on the machine (zombies included), as `pgrep -a` shows them."""
    found = subprocess.run(
        ["pgrep", "-a", "nagios4"], capture_output=True, text=True, check=False
    ).stdout
    return {
        int(pid): command
        for pid, _, command in (line.partition(" ") for line in found.splitlines())
    }


def stop_nagios(process: subprocess.Popen[bytes], workdir: Path) -> None:
    """Stop the core (pid from the lock file and the process) and make sure its workers go too."""
    ours = {pid for pid, command in nagios_pids().items() if str(workdir) in command}
    ours.add(process.pid)
    with contextlib.suppress(OSError, ValueError):
        ours.add(int((workdir / "nagios.lock").read_text().strip()))
    for pid in ours:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    deadline = time.monotonic() + STOP_TIMEOUT
    while ours & nagios_pids().keys() and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in ours & nagios_pids().keys():  # workers that outlived the core
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    left = {pid: command for pid, command in nagios_pids().items() if pid in ours}
    assert left == {}, f"nagios processes left running: {left}"


@contextlib.contextmanager
def run_nagios(workdir: Path, webhook_url: str, state_file: Path) -> Iterator[Path]:
    """Run Nagios in the foreground with its whole state in `workdir`; yield its log file."""
    binary = require_binary(NAGIOS_BINARY, "nagios4-core")
    require_binary(f"{PLUGIN_DIR}/check_dummy", "monitoring-plugins-basic")
    require_binary(CURL, "curl")
    (workdir / "tmp").mkdir(parents=True)
    (workdir / "checkresults").mkdir()
    check = workdir / "check_state.sh"
    check.write_text(CHECK_SCRIPT, encoding="utf-8")
    check.chmod(0o755)
    (workdir / "resource.cfg").write_text(
        f"$USER1$={PLUGIN_DIR}\n$USER10$={webhook_url}\n", encoding="utf-8"
    )
    (workdir / "objects.cfg").write_text(objects_cfg(workdir, state_file), encoding="utf-8")
    config = workdir / "nagios.cfg"
    config.write_text(nagios_cfg(workdir), encoding="utf-8")
    checked = subprocess.run(
        [binary, "-v", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    log = workdir / "nagios.log"
    with (workdir / "nagios.out").open("wb") as out:
        process = subprocess.Popen(
            [binary, str(config)], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield log
    finally:
        stop_nagios(process, workdir)


def eventually(check: Callable[[], Any], what: str, log: Path, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    tail = log.read_text(errors="replace").splitlines()[-30:] if log.exists() else []
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}; nagios.log:\n" + "\n".join(tail)
    )


def service_alerts(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/api/v1/alerts", params={"limit": 1000})
    assert response.status_code == 200, response.text
    return [a for a in response.json()["items"] if a["labels"].get("service") == SERVICE]


def test_nagios_problem_and_recovery_become_one_resolved_alert(
    tmp_path: Path, database_url: str
) -> None:
    require_binary(NAGIOS_BINARY, "nagios4-core")
    workdir = tmp_path / "nagios"
    state = tmp_path / "state"
    state.write_text("2", encoding="utf-8")  # the first check is CRITICAL
    with run_opsroom(tmp_path, database_url) as opsroom:
        webhook = opsroom.cli(
            "integration", "create", "--kind", "nagios", "--name", "nagios", "--url-only"
        ).strip()
        assert webhook.startswith(f"{opsroom.url}/api/v1/hooks/nagios/")
        started = time.monotonic()
        with run_nagios(workdir, webhook, state) as log, opsroom.client() as client:
            [firing] = eventually(lambda: service_alerts(client), "the CRITICAL alert", log)
            fired_after = time.monotonic() - started
            assert firing["status"] == "firing"
            assert firing["severity"] == "critical"
            assert firing["title"] == f"{SERVICE} on {HOST} is CRITICAL"
            assert (
                firing["description"] == "DISK CRITICAL - free space: /var 310 MiB (3% inode=91%)"
            )
            problem_id = firing["labels"]["problem_id"]
            assert problem_id.isdigit() and problem_id != "0"
            assert firing["labels"] == {
                "host": HOST,
                "service": SERVICE,
                "state": "CRITICAL",
                "problem_id": problem_id,
                "address": "127.0.0.1",
                "hostgroups": "databases",
            }
            assert firing["annotations"] == {"notification_type": "PROBLEM"}
            assert [link["text"] for link in firing["links"]] == ["Nagios service"]
            assert firing["starts_at"] is not None
            # Nagios ran the command once per contact; the copies are one alert.
            eventually(
                lambda: service_alerts(client)[0]["occurrences"] == 2, "the second contact", log
            )

            state.write_text("0", encoding="utf-8")
            recovering = time.monotonic()
            [resolved] = eventually(
                lambda: [a for a in service_alerts(client) if a["status"] == "resolved"],
                "the recovery",
                log,
            )
            resolved_after = time.monotonic() - recovering
            assert resolved["fingerprint"] == firing["fingerprint"]
            assert resolved["id"] == firing["id"]
            assert resolved["severity"] == "critical"  # the recovery keeps the problem's
            assert resolved["title"] == f"{SERVICE} on {HOST} is OK"
            assert resolved["labels"]["problem_id"] == problem_id
            assert resolved["ends_at"] is not None
            eventually(
                lambda: service_alerts(client)[0]["occurrences"] == 4,
                "the second contact's recovery",
                log,
            )
            assert len(service_alerts(client)) == 1
            print(f"nagios e2e: fired after {fired_after:.1f}s, resolved {resolved_after:.1f}s")
