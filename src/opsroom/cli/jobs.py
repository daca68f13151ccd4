"""`opsroom jobs ...`: look at the job table (the outbox of chat and paging calls) and stop a
job that will never succeed, so the calls queued behind it (same room) go on."""

from __future__ import annotations

from typing import Annotated

import typer

from opsroom.cli.common import console, container, err_console
from opsroom.jobs.repository import DONE, FAILED, QUEUED, RUNNING
from opsroom.jobs.tables import JobRow

jobs_app = typer.Typer(help="Queued, running and failed jobs.", no_args_is_help=True)
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


@jobs_app.command("list")
def jobs_list(
    queue: Annotated[str | None, typer.Option(help="Only this queue, e.g. chat.slack.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only this status: queued, running, done or failed.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 50,
) -> None:
    """The newest jobs first, with their attempts and last error."""
    if status is not None and status not in STATUSES:
        err_console.print(f"[red]error:[/red] --status must be one of {', '.join(STATUSES)}")
        raise typer.Exit(2)
    with container() as built, built.uow() as uow:
        rows = uow.jobs.list_jobs(status=status, queue=queue, limit=limit)
        # One line per job and its last error in full below it: nothing is cut to fit.
        lines = [_line(job) for job in rows]
    console.print("\n".join(lines) if lines else "no jobs", markup=False)


def _line(job: JobRow) -> str:
    op = job.payload.get("op") if isinstance(job.payload, dict) else None
    kind = f"{job.kind} {op}" if op else job.kind
    line = (
        f"#{job.id} {job.queue} {kind} key={job.key or '-'} {job.status} "
        f"attempts={job.attempts}/{job.max_attempts} due={job.due_at:%Y-%m-%d %H:%M:%S}"
    )
    return line + (f"\n    {job.last_error[:500]}" if job.last_error else "")


@jobs_app.command("cancel")
def jobs_cancel(
    job_id: Annotated[int, typer.Argument(help="The job's id (see `opsroom jobs list`).")],
) -> None:
    """Stop a queued job: it ends as failed and the jobs queued behind it go on."""
    with container() as built, built.uow() as uow:
        job = uow.jobs.get_for_update(job_id)
        if job is None:
            err_console.print(f"[red]error:[/red] no job #{job_id}")
            raise typer.Exit(2)
        if job.status != QUEUED:
            err_console.print(
                f"[red]error:[/red] job #{job_id} is {job.status}; only queued jobs can be stopped"
            )
            raise typer.Exit(2)
        uow.jobs.cancel(job, "opsroom jobs cancel", built.ctx.clock.now())
        uow.commit()
    console.print(f"job #{job_id} cancelled")
