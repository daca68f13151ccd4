"""The one place that maps opsroom errors to HTTP status codes and the JSON error body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from opsroom import errors
from opsroom.chat.errors import ChatPlatformError
from opsroom.logging import get_logger

log = get_logger(__name__)

STATUS: list[tuple[type[errors.OpsroomError], int]] = [
    (errors.MalformedPayloadError, 400),
    (errors.PayloadTooLargeError, 413),
    (errors.UnsupportedMediaTypeError, 415),
    (errors.UnsupportedPayloadError, 422),
    (errors.InvalidInputError, 422),
    (errors.NotFoundError, 404),
    (errors.AuthenticationError, 401),
    (errors.PermissionDeniedError, 403),
    (errors.ConflictError, 409),
    (errors.DatabaseNotReadyError, 503),
    (errors.OverloadedError, 503),
    (ChatPlatformError, 502),
]


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def status_for(exc: errors.OpsroomError) -> int:
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 500)


def error_answer(exc: errors.OpsroomError) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, JSON body and extra headers for an opsroom error."""
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, errors.OverloadedError):
        headers = {"Retry-After": str(exc.retry_after)}
    return status, error_body(exc.code, exc.message, exc.details), headers


async def _opsroom_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.OpsroomError)
    status, body, headers = error_answer(exc)
    return JSONResponse(body, status, headers=headers)


# Names pydantic gives the members of a union (`list[function-after[storable(), str]]`, `str`)
# in an error's location: the library's, not the request's, so they are left out.
_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "none", "datetime"})


def _field(loc: Any) -> str:
    """The request field an error is about, e.g. `body.matchers.0`."""
    parts = [
        str(part)
        for part in loc
        if not (isinstance(part, str) and ("[" in part or "(" in part or part in _TYPE_NAMES))
    ]
    return ".".join(parts) or "(request)"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _field(error["loc"]), "problem": error["msg"].removeprefix("Value error, ")}
        for error in exc.errors()
    ]
    first = problems[0] if problems else {"field": "(request)", "problem": "invalid"}
    message = f"{first['field']}: {first['problem']}"
    return JSONResponse(error_body("invalid_request", message, problems), 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


BUSY_RETRY_AFTER = 5


def database_trouble(exc: BaseException) -> tuple[str, str]:
    """The error code and message for a locked or unreachable database."""
    text = str(getattr(exc, "orig", None) or exc)
    if isinstance(exc, TimeoutError) or "lock" in text.lower():
        return "database_busy", "the database is busy; try again in a few seconds"
    return "database_unavailable", "the database is unavailable; try again later"


def database_trouble_headers() -> dict[str, str]:
    return {"Retry-After": str(BUSY_RETRY_AFTER)}


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """A locked or unreachable database is a moment's trouble, not a bug: 503 tells
    senders (Alertmanager, Twilio, chat platforms) to retry."""
    code, message = database_trouble(exc)
    error = str(getattr(exc, "orig", None) or exc)[:300]
    log.warning("api.database_error", path=request.url.path, code=code, error=error)
    return JSONResponse(error_body(code, message), 503, headers=database_trouble_headers())


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.unexpected_error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
    return JSONResponse(error_body("internal_error", "an unexpected error occurred"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.OpsroomError, _opsroom_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(TimeoutError, _database_busy)
    app.add_exception_handler(Exception, _unexpected)
