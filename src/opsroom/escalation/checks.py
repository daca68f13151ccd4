"""What `opsroom config check` says about paging: names and channels that cannot work."""

from __future__ import annotations

from datetime import timedelta

from opsroom.config import Settings
from opsroom.oncall.model import is_legacy_zone


def paging_warnings(settings: Settings) -> list[str]:
    """Problems opsroom.yaml alone shows (people added by CLI or API may still exist)."""
    people = {user.name for user in settings.users}
    warnings = []
    for policy in settings.escalation_policies:
        for number, step in enumerate(policy.steps, 1):
            for target in step.targets:
                if target.kind == "user" and target.name not in people:
                    warnings.append(
                        f"policy {policy.name} step {number}: user {target.name} is not in "
                        "opsroom.yaml (fine if added with `opsroom user add`)"
                    )
                if target.kind == "schedule" and target.name not in settings.schedules:
                    warnings.append(
                        f"policy {policy.name} step {number}: schedule {target.name} is not in "
                        "opsroom.yaml (fine if created through the API)"
                    )
    warnings += _timing_warnings(settings)
    twilio, smtp = settings.notify.twilio, settings.notify.smtp
    channels: dict[str, object | None] = {"sms": twilio, "voice": twilio, "email": smtp}
    for user in settings.users:
        for contact in user.contacts:
            if contact.kind in channels and channels[contact.kind] is None:
                section = "notify.smtp" if contact.kind == "email" else "notify.twilio"
                warnings.append(
                    f"user {user.name} has a {contact.kind} contact but {section} is not set"
                )
        if not user.contacts:
            warnings.append(f"user {user.name} has no contact method: pages cannot reach them")
    for team in settings.teams:
        for member in team.members:
            if member not in people:
                warnings.append(f"team {team.name}: member {member} is not in opsroom.yaml")
    return warnings


def _timing_warnings(settings: Settings) -> list[str]:
    """Policies whose passes all fire at once, and schedules in legacy time zones."""
    warnings = []
    for policy in settings.escalation_policies:
        if policy.repeat and all(step.wait == timedelta(0) for step in policy.steps):
            warnings.append(
                f"policy {policy.name}: every step waits 0 and repeat is {policy.repeat}: "
                f"all {policy.repeat + 1} passes fire in the same second; give steps a wait"
            )
    for name, schedule in settings.schedules.items():
        if is_legacy_zone(schedule.time_zone):
            warnings.append(
                f"schedule {name}: time_zone {schedule.time_zone!r} is a legacy name; "
                "use an Area/Location name such as America/New_York or Europe/Paris"
            )
    return warnings
