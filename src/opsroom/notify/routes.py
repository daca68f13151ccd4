"""HTTP routes of paging: the page list, signed acknowledge links, inbound replies."""

from __future__ import annotations

import html
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.errors import status_for
from opsroom.api.params import Offset
from opsroom.bootstrap import Container
from opsroom.db.base import MAX_ID
from opsroom.errors import InvalidInputError, NotFoundError, OpsroomError
from opsroom.notify.inbound import acknowledge_link, handle_reply, handle_status
from opsroom.notify.schemas import PageRead
from opsroom.notify.tokens import ACK_PATH, read_ack_token
from opsroom.schemas import Items

router = APIRouter(prefix="/api/v1", tags=["paging"])
Status = Literal["queued", "sending", "sent", "delivered", "failed", "cancelled", "suppressed"]


@router.get("/pages")
async def list_pages(
    container: ContainerDep,
    user: UserDep,
    status: Status | None = None,
    user_name: Annotated[str | None, Query(alias="user")] = None,
    escalation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Items[PageRead]:
    """Pages, newest first: one person, one channel, with status and delivery attempts."""

    def load() -> Items[PageRead]:
        with container.uow() as uow:
            rows = uow.pages.list_pages(
                status=status,
                user=user_name,
                escalation_id=escalation_id,
                limit=limit,
                offset=offset,
            )
            return Items[PageRead](items=[PageRead.model_validate(row) for row in rows])

    return await run_in_threadpool(load)


@router.get(ACK_PATH.removeprefix("/api/v1"), response_model=None)
async def ack_link(
    request: Request, container: ContainerDep, token: Annotated[str, Query(min_length=10)]
) -> Response:
    """The signed link in a page: checks it and asks to confirm. A GET never acknowledges,
    because mail scanners and link previews open links by themselves; the button POSTs."""
    browser = _wants_html(request)
    try:
        claim = read_ack_token(container.secret_key, token, container.settings.notify.ack_link_ttl)
    except OpsroomError as exc:
        if browser:
            return _html_error(exc)
        raise
    question = f"Acknowledge page {claim.escalation_id} as {claim.user}?"
    if not browser:
        return JSONResponse({"message": f"{question} POST to this URL to acknowledge."})
    body = (
        f"<p>{html.escape(question)}</p>"
        f'<form method="post" action="{ACK_PATH}">'
        f'<input type="hidden" name="token" value="{html.escape(token, quote=True)}">'
        '<button type="submit">Acknowledge</button></form>'
    )
    return HTMLResponse(_page(body))


@router.post(ACK_PATH.removeprefix("/api/v1"), response_model=None)
async def confirm_ack_link(
    request: Request,
    container: ContainerDep,
    token: Annotated[str | None, Query(min_length=10, max_length=2000)] = None,
) -> Response:
    """Acknowledge with the link's signed token (the query's, or the form's `token`): once;
    again says who did."""
    browser = _wants_html(request)
    try:
        signed = token or await _form_token(request)
        message = await run_in_threadpool(acknowledge_link, container, signed)
    except OpsroomError as exc:
        if browser:
            return _html_error(exc)
        raise
    if browser:
        return HTMLResponse(_page(f"<p>{html.escape(message)}</p>"))
    return JSONResponse({"message": message})


async def _form_token(request: Request) -> str:
    form = await request.form()
    value = form.get("token")
    if not isinstance(value, str) or not 10 <= len(value) <= 2000:
        raise InvalidInputError("token: the signed token of the acknowledge link is required")
    return value


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _page(body: str, title: str = "opsroom") -> str:
    return f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>{body}"


def _html_error(exc: OpsroomError) -> HTMLResponse:
    return HTMLResponse(_page(f"<p>{html.escape(exc.message)}</p>"), status_for(exc))


@router.post("/notify/{provider}/inbound", response_model=None)
async def inbound_reply(provider: str, request: Request, container: ContainerDep) -> Response:
    """A reply to a page through a provider (Twilio SMS); the provider's signature is checked."""
    adapter = container.inbound.get(provider)
    if adapter is None:
        raise NotFoundError(f"no inbound channel {provider!r} is configured")
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = _public_url(container, request)
    headers = {key.lower(): value for key, value in request.headers.items()}
    text = await run_in_threadpool(handle_reply, container, adapter, url, form, headers)
    body, media_type = adapter.inbound_answer(text)
    return Response(body, media_type=media_type)


@router.post("/notify/{provider}/status", status_code=204)
async def delivery_status(provider: str, request: Request, container: ContainerDep) -> None:
    """A provider's delivery report for a page it accepted (Twilio status callbacks)."""
    adapter = container.inbound.get(provider)
    if adapter is None:
        raise NotFoundError(f"no inbound channel {provider!r} is configured")
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = _public_url(container, request)
    headers = {key.lower(): value for key, value in request.headers.items()}
    await run_in_threadpool(handle_status, container, adapter, url, form, headers)


def _public_url(container: Container, request: Request) -> str:
    """The URL the provider called, as configured there (server.base_url + path + query)."""
    url = container.settings.server.public_url() + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url
