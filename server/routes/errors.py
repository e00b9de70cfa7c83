"""How the API answers what goes wrong: every error is an `ErrorBody` (`error`, Chinese `message`).

`ApiError` is raised by an endpoint or a dependency with its status, code and message; the handlers here turn
it, the throttle's `TooManyAttempts`, `admin.AdminError`, Starlette's 404/405 and FastAPI's parameter errors
(400, never 422) into error bodies. Anything else is logged with its traceback by `CatchAllMiddleware` and
answered 500 `internal` without details.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.sync.wire import ErrorBody
from server import admin
from server.throttle import TooManyAttempts

log = logging.getLogger("clerk.server.api")

INTERNAL_MESSAGE = "服务器内部错误，已记录日志；请稍后重试，如持续出现请联系信息技术人员"

# What each error status means, for the OpenAPI description of an endpoint's answers.
ERROR_DESCRIPTIONS = {
    400: "请求格式错误（invalid），消息指出字段",
    401: "设备凭据无效（unauthorized）或已注销（revoked）",
    403: "不允许（forbidden 等；not_confirmed：设备登记尚未确认）",
    404: "不存在（not_found）",
    409: "冲突（window_taken、already_resolved；页面文件 wrong_offset、hash_mismatch 等）",
    413: "请求体过大（too_large）",
    429: "同一地址验证失败次数过多（too_many_attempts），按 Retry-After 秒数后再试",
    503: "数据库繁忙（busy）或不可用（unavailable），稍后重试",
    507: "服务器磁盘已满（disk_full），稍后重试",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes: text a window sent that is not valid UTF-8 (an unpaired surrogate in an
    event id it gets back in `rejected`, or in a field an error message quotes) is escaped, instead of
    failing the answer."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            escaped = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
            return escaped.encode("ascii")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return SafeJSONResponse(ErrorBody(code, message).to_json(), status_code=status, headers=headers)


def error_answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of an endpoint's OpenAPI description for these error statuses."""
    return {status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


class CatchAllMiddleware:
    """Answers any unhandled exception with a generic 500 ErrorBody and logs it; no trace to the client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(500, "internal", INTERNAL_MESSAGE)(scope, receive, send)


async def _api_error(_request: Request, error: ApiError | admin.AdminError) -> JSONResponse:
    return error_response(error.status, error.code, error.message)


async def _too_many(_request: Request, error: TooManyAttempts) -> JSONResponse:
    response = error_response(429, "too_many_attempts", error.message)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 404:
        return error_response(404, "not_found", f"没有这个接口：{request.url.path}")
    if error.status_code == 405:
        return error_response(405, "method_not_allowed", f"接口 {request.url.path} 不支持 {request.method}")
    return error_response(error.status_code, "http_error", str(error.detail))


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    """Parameter errors are answered 400 with an ErrorBody naming each parameter, never 422."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "header"))
        problems.append(f"参数 {where} 无效（{item.get('msg', '')}）")
    return error_response(400, "invalid", "；".join(problems) or "请求参数无效")


def add_error_handling(app: FastAPI) -> None:
    """Every error of `app` answered as an `ErrorBody`."""
    app.add_middleware(CatchAllMiddleware)
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(TooManyAttempts)(_too_many)
    app.exception_handler(admin.AdminError)(_api_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(_validation_error)
