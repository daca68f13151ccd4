"""A long answer (`/inc timeline` of a busy incident) keeps to each platform's limits: Slack
refuses a section over 3,000 characters, so the newest entries are shown and the rest is
counted ("... and N earlier entries")."""

from __future__ import annotations

from opsroom.bootstrap import Container
from opsroom.incident.service import Actor, add_note
from tests.integration.chat.slack_driver import SlackDriver
from tests.integration.chat.test_slack_inbound import declare


def add_notes(container: Container, count: int) -> None:
    with container.uow() as uow:
        incident = uow.incidents.by_number(1)
        assert incident is not None
        for n in range(count):
            text = f"note {n:03d} checked the payment gateway logs and the queue depth again"
            add_note(uow, container.ctx, incident, Actor("alice", "api"), text)
        uow.commit()


def test_slack_timeline_of_a_busy_incident_fits_slack_and_shows_the_newest(
    slack_driver: SlackDriver,
) -> None:
    room = declare(slack_driver)
    add_notes(slack_driver.container, 150)
    response = slack_driver.slash(room, "timeline", "alice")
    assert response.status_code == 200, response.text
    body = response.json()
    sections = [b["text"]["text"] for b in body["blocks"] if b.get("text")]
    assert sections and all(len(text) <= 3000 for text in sections), [len(t) for t in sections]
    assert len(body["blocks"]) <= 50 and len(body["text"]) <= 40000
    shown = sections[0]
    assert "note 149" in shown  # the newest entry
    assert "note 000" not in shown
    assert shown.rstrip().split("\n")[-1].startswith("... and ")
    assert shown.rstrip().endswith("earlier entries")
