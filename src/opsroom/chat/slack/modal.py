"""The declare modal (views.open) and its submission (view_submission). Pure."""

from __future__ import annotations

import json
from typing import Any

from opsroom.chat.inbound import DeclareForm
from opsroom.errors import InvalidInputError

CALLBACK_ID = "opsroom_declare"
_SEVERITIES = [(1, "SEV1 - critical"), (2, "SEV2 - major"), (3, "SEV3 - minor"), (4, "SEV4 - low")]


def _option(level: int, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": str(level)}


def declare_view(form: DeclareForm) -> dict[str, Any]:
    severity = next(o for o in _SEVERITIES if o[0] == form.severity) if form.severity else None
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "severity",
        "options": [_option(level, label) for level, label in _SEVERITIES],
    }
    if severity:
        select["initial_option"] = _option(*severity)
    title_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "title",
        "max_length": 500,
    }
    if form.title:
        title_input["initial_value"] = form.title[:500]
    metadata = {"group_id": form.group_id, "room_id": form.room_id}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Declare an incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": title_input,
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": select,
            },
        ],
    }


def parse_submission(view: dict[str, Any]) -> tuple[str, int, int | None, str]:
    """(title, severity, group id, room id) of a submitted declare modal."""
    try:
        values = view["state"]["values"]
        title = str(values["title"]["title"]["value"] or "").strip()
        option = values["severity"]["severity"].get("selected_option") or {"value": "3"}
        severity = int(option["value"])
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"not a declare form submission: {exc}") from exc
    if severity not in (1, 2, 3, 4):
        raise InvalidInputError(f"unknown severity {severity}")
    group = metadata.get("group_id")
    return (
        title,
        severity,
        int(group) if group is not None else None,
        str(metadata.get("room_id") or ""),
    )
