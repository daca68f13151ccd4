"""The web page: sign-in, the home page and a page per room (static HTML + JS)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep
from opsroom.bootstrap import Container
from opsroom.user.service import Principal, authenticate_password
from opsroom.web.session import COOKIE, MAX_AGE, dump_session, load_session

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html", headers=SECURITY_HEADERS)


def _signed_in(request: Request, container: Container) -> Principal | None:
    return load_session(container.secret_key, request.cookies.get(COOKIE))


@router.get("/")
async def home(request: Request, container: ContainerDep) -> Response:
    if _signed_in(request, container) is None:
        return RedirectResponse("/login", status_code=303)
    return _page("index.html")


@router.get("/rooms/{name}")
async def room_page(name: str, request: Request, container: ContainerDep) -> Response:
    if _signed_in(request, container) is None:
        return RedirectResponse(f"/login?next=/rooms/{quote(name)}", status_code=303)
    return _page("room.html")


@router.get("/login")
async def login_page() -> Response:
    return _page("login.html")


@router.post("/login")
async def login(
    request: Request,
    container: ContainerDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    def check() -> Principal | None:
        with container.uow() as uow:
            return authenticate_password(uow, username, password)

    principal = await run_in_threadpool(check)
    target = _safe_next(request.query_params.get("next", "/"))
    if principal is None:
        return RedirectResponse(f"/login?error=1&next={quote(target)}", status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        dump_session(container.secret_key, principal),
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=container.settings.server.public_url().startswith("https"),
    )
    return response


def _safe_next(target: str) -> str:
    """Only same-site paths: no scheme, no `//host`, no `/\\host` (browsers read it as //)."""
    if not target.startswith("/") or target[1:2] in ("/", "\\") or "\n" in target:
        return "/"
    return target


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
