"""One error body for every failure: `{"message": "...", "errors": [{code, message, ref}]}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from spark_tui.engine.store import NotFound
from spark_tui.spark.browse_wire import ErrorBody
from spark_tui.spark.errors import Code, SparkTuiError, excerpt
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.uri import InvalidReference


MAX_LISTED_ERRORS = 20


def error_response(status: int, message: str, errors: list[ApiError] | None = None) -> JSONResponse:
    body = ErrorBody(message=message, errors=errors or [ApiError(code=f"HTTP_{status}", message=message)])
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _field(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def _undecodable(cause: BaseException) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not valid UTF-8 (byte {cause.start}); send JSON text in UTF-8"
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply"
    return "the body could not be read as JSON"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SparkTuiError)
    async def spark_error(_: Request, exc: SparkTuiError) -> JSONResponse:
        return error_response(exc.http_status, exc.message, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            ApiError(
                code=Code.INVALID_VALUE.value,
                message=f"{excerpt(_field(tuple(e.get('loc', ()))))}: {e.get('msg', 'invalid value')}"
                + (f" (got {excerpt(e['input'])})" if "input" in e and not isinstance(e["input"], (dict, list)) else ""),
                ref=excerpt(_field(tuple(e.get("loc", ())))),
            )
            for e in exc.errors()[:MAX_LISTED_ERRORS]
        ]
        head = errors[0].message if errors else "malformed request"
        return error_response(422, f"malformed request: {head}", errors)

    @app.exception_handler(InvalidReference)
    async def invalid_reference(_: Request, exc: InvalidReference) -> JSONResponse:
        return error_response(422, str(exc), [ApiError(code=Code.INVALID_REFERENCE.value, message=str(exc))])

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return error_response(404, str(exc), [ApiError(code="NOT_FOUND", message=str(exc))])

    @app.exception_handler(RecursionError)
    async def too_deep(_: Request, exc: RecursionError) -> JSONResponse:
        message = f"malformed request: {_undecodable(exc)}"
        return error_response(422, message, [ApiError(code=Code.INVALID_VALUE.value, message=message, ref="body")])

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        """Last resort: still the one error body, never a traceback (the server's log has it)."""
        message = f"internal error ({type(exc).__name__}) on {request.method} {excerpt(request.url.path)}; see the server's log"
        return error_response(500, message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:  # FastAPI could not decode the JSON body
            message = f"malformed request: {_undecodable(exc.__cause__)}"
            return error_response(422, message, [ApiError(code=Code.INVALID_VALUE.value, message=message, ref="body")])
        message = str(exc.detail) if exc.status_code != 404 else f"no route {request.method} {excerpt(request.url.path)}"
        return error_response(exc.status_code, message)
