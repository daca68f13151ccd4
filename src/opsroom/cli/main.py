"""The `opsroom` command."""

from __future__ import annotations

import typer

from opsroom.cli import admin, chat, incident, jobs, oncall, paging, serve, silence

app = typer.Typer(
    help="opsroom: alerts in, incidents worked in chat.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("worker")(serve.run_worker)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.integration_app, name="integration")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")
app.add_typer(admin.config_app, name="config")
app.add_typer(chat.chat_app, name="chat")
app.add_typer(incident.incident_app, name="incident")
app.add_typer(incident.alert_app, name="alert")
app.add_typer(silence.silence_app, name="silence")
app.add_typer(silence.maintenance_app, name="maintenance")
app.add_typer(oncall.oncall_app, name="oncall")
app.add_typer(jobs.jobs_app, name="jobs")
admin.user_app.add_typer(paging.contact_app, name="contact")
admin.user_app.add_typer(paging.rules_app, name="rules")
app.add_typer(paging.page_app, name="page")
app.add_typer(paging.escalation_app, name="escalation")


def main() -> None:
    app()
