"""Request dependencies: the container and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from opsroom.bootstrap import Container
from opsroom.errors import AuthenticationError, PermissionDeniedError
from opsroom.user.service import Principal, authenticate_token
from opsroom.web.session import COOKIE, load_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-requested-with"


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def current_user(request: Request, container: ContainerDep) -> Principal:
    """A bearer token, or the web page's session cookie (writes need X-Requested-With)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("use the header `Authorization: Bearer <token>`")
        principal = await run_in_threadpool(_by_token, container, token.strip())
        if principal is None:
            raise AuthenticationError("unknown or revoked API token")
        return principal
    principal = load_session(container.secret_key, request.cookies.get(COOKIE))
    if principal is None:
        raise AuthenticationError(
            "authentication required: send `Authorization: Bearer <token>` or sign in"
        )
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "opsroom":
        raise PermissionDeniedError(
            "writes from the web page need the header `X-Requested-With: opsroom`"
        )
    return principal


def _by_token(container: Container, token: str) -> Principal | None:
    with container.uow() as uow:
        principal = authenticate_token(uow, container.ctx, token)
        uow.commit()
        return principal


UserDep = Annotated[Principal, Depends(current_user)]
