"""The HTTP API of the central server (FastAPI), speaking `app.sync.wire`.

- `POST ENROLL_PATH` (no auth; the one-time code is the credential): 200 EnrollResponse (a pending
  device); 400 invalid; 403 unknown/used/expired code or a code for another window; 409 the window
  already has a device and the code may not replace it.
- `POST CONFIRM_PATH` (the pending device's own credential): 200 ConfirmResponse; the device becomes
  active and the window's previous device is revoked; 401 superseded or revoked.
- `POST PUSH_PATH` (device): 200 PushResponse, sent after COMMIT, bad events refused one by one in it;
  400 invalid (a body that cannot be read, or an event that cannot be named; names the field); 401;
  403 `forbidden` when the body's window is not the device's; 413 too_large; 503 busy.
- `GET PULL_PATH?cursor=&limit=&exclude_own=` (device): 200 PullResponse of the device's hall;
  400 bad cursor/limit.
- `GET RECONCILE_PATH?from=&to=` (device): 200 ReconcileResponse of the device's window; 400 bad range.
- `GET CATALOG_PATH` (device): 200 the published catalog file byte for byte; 404 unknown version.
- `POST CONFLICT_RESOLVE_PATH` (device, and the supervisor's own login and password in the body): 200 the
  resolution as recorded, with the account's name and login; 400 invalid; 403 `account_refused` (login or
  password wrong, account disabled or of another hall: one answer) or `role_missing`; 404 no such conflict
  in the device's hall; 409 already resolved.
- `GET HEALTH_PATH` (no auth): 200 {"status": "ok", "server_time", "protocol"}; 503 database unavailable.

Device auth: `Authorization: Bearer {device_id}.{secret}`; unknown device or wrong secret → 401
`unauthorized`, revoked device → 401 `revoked`, a pending device anywhere but CONFIRM_PATH → 403
`not_confirmed`. Failed enrolments, device authentications and people's passwords are throttled per client
address (`server.throttle`): 429 `too_many_attempts` with `Retry-After`. Every error is an `ErrorBody`
(`error`, Chinese `message`);
an unexpected failure is logged with its traceback and answered 500 `internal` without details.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.roles import Permission
from app.sync.schema import Problem, Text, UnreadableNumber, shown
from app.sync.wire import (
    CATALOG_PATH,
    CONFIRM_PATH,
    CONFLICT_RESOLVE_PATH,
    ENROLL_PATH,
    HEALTH_PATH,
    MAX_BATCH_EVENTS,
    MAX_BODY_BYTES,
    MAX_PAYLOAD_DEPTH,
    MAX_PULL_CHANGES,
    MAX_RESOLUTION_CHARS,
    PROTOCOL,
    PULL_PATH,
    PUSH_PATH,
    RECONCILE_PATH,
    ConfirmResponse,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    PullResponse,
    PushRequest,
    PushResponse,
    ReconcileResponse,
    ResolveRequest,
    WireError,
)
from server import accounts, admin, reference
from server.clock import Clock, system_clock, utc_text
from server.config import load_config
from server.docs import add_offline_docs
from server.security import parse_bearer
from server.store import ServerDB, open_server_db
from server.sync import BusyError, CursorError, Device, RangeError, SyncService
from server.throttle import DEVICE, ENROLL, PERSON, Throttle, TooManyAttempts

log = logging.getLogger("clerk.server.api")

MAX_ENROLL_BODY_BYTES = 64 * 1024
RESOLUTION_TEXT = Text(MAX_RESOLUTION_CHARS)  # what a supervisor writes: no NUL, control or lone surrogate
MAX_ROW_ID = 2**63 - 1  # a BIGINT; a larger id names no row (and would overflow the database's integer)
VERSION = "1.0"
TITLE = "Window Clerk 中心服务器"
INTERNAL_MESSAGE = "服务器内部错误，已记录日志；请稍后重试，如持续出现请联系信息技术人员"

DESCRIPTION = f"""
Central server of Window Clerk (窗口综合受理系统中心服务器). Each hall window keeps working offline with
its own database and syncs here: it **pushes** its outbox of case events, **pulls** the changes of its
hall by cursor, and **reconciles** per-day counts.

- Protocol `{PROTOCOL}`; wire format in `app/sync/wire.py`.
- Authentication: `Authorization: Bearer {{device_id}}.{{secret}}` from enrolment. Enrolment itself
  needs a one-time code issued by hall IT (`clerk-server enroll-code`).
- Push is idempotent per `event_id`; the answer is sent after the transaction committed.
- A push carries at most {MAX_BATCH_EVENTS} events and {MAX_BODY_BYTES // (1024 * 1024)} MB; a pull
  returns at most {MAX_PULL_CHANGES} changes.
- Errors: an `ErrorBody` with a machine code and a Chinese message.
"""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Health:
    status: str
    server_time: str
    protocol: str


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


def _error_response(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return SafeJSONResponse(ErrorBody(code, message).to_json(), status_code=status, headers=headers)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "请求格式错误（invalid），消息指出字段",
        401: "设备凭据无效（unauthorized）或已注销（revoked）",
        403: "不允许（forbidden 等；not_confirmed：设备登记尚未确认）",
        404: "不存在（not_found）",
        409: "冲突（window_taken、already_resolved）",
        413: "请求体过大（too_large）",
        429: "同一地址验证失败次数过多（too_many_attempts），按 Retry-After 秒数后再试",
        503: "数据库繁忙（busy）或不可用（unavailable），稍后重试",
    }
    return {status: {"model": ErrorBody, "description": descriptions[status]} for status in statuses}


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
            await _error_response(500, "internal", INTERNAL_MESSAGE)(scope, receive, send)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit` (before parsing)."""
    too_large = ApiError(413, "too_large", f"请求体超过 {limit // 1024} KB 上限，请分批上传")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, "invalid", "Content-Length 无效")
        if int(declared) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


MAX_INTEGER_DIGITS = 30  # longer integers are read as `UnreadableNumber` (Python refuses 4,300 digits)


def _constant(name: str) -> float:
    """NaN and Infinity are not JSON, but some JSON writers emit them: read them as the numbers they
    stand for, so the event carrying one is refused alone (`app.sync.events`), not the whole batch."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _integer(digits: str) -> int | UnreadableNumber:
    if len(digits) > MAX_INTEGER_DIGITS:
        return UnreadableNumber(len(digits.lstrip("-")))
    return int(digits)


def parse_json(body: bytes) -> Any:
    """A JSON body, parsed by orjson, which is fast on big batches.

    What orjson refuses is read again by the standard library, which names the place of a syntax error,
    and reads what orjson will not: 1e400 (as infinity), NaN and Infinity literals, integers beyond
    64 bits. Such numbers are refused later, per event, by the event schemas; a body nested too deep
    for either reader is refused whole (400)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, "invalid", f"请求体不是 UTF-8 编码（第 {error.start} 字节）") from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass  # the slow path below says precisely what is wrong, or reads what only orjson refuses
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_constant, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise ApiError(
            400, "invalid", f"请求体不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）"
        ) from None
    except RecursionError:
        raise ApiError(
            400, "invalid", f"请求体的 JSON 嵌套层数过深，无法读取（事件内容最多嵌套 {MAX_PAYLOAD_DEPTH} 层）"
        ) from None


def strict_json_bytes(content: Any) -> bytes:
    """JSON that every reader agrees on (no NaN or Infinity), UTF-8; ValueError for what cannot be."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def pull_response(answer: PullResponse) -> Response:
    """The pull answer. A stored change that is not strict JSON (written before the event schemas, e.g.
    `Infinity`, 1e400 or an unpaired surrogate) is left out and logged: it must not stop the hall's sync."""
    try:
        return Response(strict_json_bytes(answer.to_json()), media_type="application/json")
    except (ValueError, UnicodeEncodeError, RecursionError):
        pass
    changes = []
    for change in answer.changes:
        try:
            strict_json_bytes(change.to_json())
        except (ValueError, UnicodeEncodeError, RecursionError) as error:
            log.error(
                "change %d (%s %s) cannot be sent as JSON and is left out of pulls: %s",
                change.seq,
                change.kind,
                shown(change.key),
                error,
            )
            continue
        changes.append(change)
    kept = PullResponse(changes, answer.cursor, answer.more)
    return Response(strict_json_bytes(kept.to_json()), media_type="application/json")


def _openapi_with_request_schemas(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The push and enrol bodies are parsed by the wire module, not by FastAPI; document them anyway."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # Parameter errors are answered 400 with an ErrorBody (see _validation_error), never 422.
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for model in (PushRequest, EnrollRequest, ResolveRequest):
            model_schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault(model.__name__, model_schema)
        app.openapi_schema = schema
        return schema

    return openapi


def _json_body(model: type, description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    }


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DeviceToken",
    description="`{device_id}.{secret}` from enrolment (窗口登记时获得的设备凭据)",
)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def enrolled_device(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Device:
    """The authenticated device of a request, pending or active, or 401 (`unauthorized` / `revoked`);
    429 while the address is throttled for failed device authentications."""
    throttle: Throttle = request.app.state.throttle
    address = client_address(request)
    throttle.check(DEVICE, address)
    token = parse_bearer(f"Bearer {credentials.credentials}" if credentials else None)
    if token is None:
        throttle.failed(DEVICE, address, tried="no or malformed credential")
        raise ApiError(401, "unauthorized", "缺少或无法识别设备凭据（Authorization: Bearer 设备编号.密钥）")
    found = admin.authenticate(request.app.state.db, token.device_id, token.secret)
    if isinstance(found, admin.AdminError):
        if found.code == "unauthorized":  # a revoked device knows its secret: nothing is being guessed
            throttle.failed(DEVICE, address, tried=f"device {token.device_id[:64]!r}")
        raise ApiError(found.status, found.code, found.message)
    return found


def current_device(device: Annotated[Device, Depends(enrolled_device)]) -> Device:
    """The authenticated, confirmed device of a request; 403 `not_confirmed` for a pending one."""
    if not device.confirmed:
        raise ApiError(
            403,
            "not_confirmed",
            "本设备的登记尚未完成确认，不能同步；请在本机重新运行 clerk register 或 clerk sync 完成登记",
        )
    return device


DeviceDep = Annotated[Device, Depends(current_device)]
PendingDeviceDep = Annotated[Device, Depends(enrolled_device)]


def create_app(
    *,
    database_url: str | None = None,
    engine: Engine | None = None,
    clock: Clock | None = None,
    throttle: Throttle | None = None,
) -> FastAPI:
    """The server app on `database_url` (or `engine`; default: `DATABASE_URL` from the environment).

    The database is created or migrated here. An engine passed in stays the caller's to dispose. Failed
    attempts are throttled per address on `clock` unless another `throttle` is given.
    """
    clock = clock or system_clock
    throttle = throttle or Throttle(clock=clock)
    if engine is None and database_url is None:
        database_url = load_config().database_url
    db: ServerDB = open_server_db(database_url, engine=engine)
    service = SyncService(db, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the server's own files (server.docs), not a CDN
        redoc_url=None,
        openapi_tags=[
            {"name": "devices", "description": "窗口设备登记"},
            {"name": "sync", "description": "同步：上传事件、拉取变更、核对数量"},
            {"name": "reference", "description": "事项目录与节假日安排"},
            {"name": "health", "description": "运行状态"},
        ],
    )
    app.state.db = db
    app.state.sync = service
    app.state.clock = clock
    app.state.throttle = throttle
    app.add_middleware(CatchAllMiddleware)
    app.openapi = _openapi_with_request_schemas(app)  # type: ignore[method-assign]
    add_offline_docs(app, title=TITLE)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return _error_response(error.status, error.code, error.message)

    @app.exception_handler(TooManyAttempts)
    async def _too_many(_request: Request, error: TooManyAttempts) -> JSONResponse:
        response = _error_response(429, "too_many_attempts", error.message)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(admin.AdminError)
    async def _admin_error(_request: Request, error: admin.AdminError) -> JSONResponse:
        return _error_response(error.status, error.code, error.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return _error_response(404, "not_found", f"没有这个接口：{request.url.path}")
        if error.status_code == 405:
            return _error_response(
                405, "method_not_allowed", f"接口 {request.url.path} 不支持 {request.method}"
            )
        return _error_response(error.status_code, "http_error", str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "header"))
            problems.append(f"参数 {where} 无效（{item.get('msg', '')}）")
        return _error_response(400, "invalid", "；".join(problems) or "请求参数无效")

    @app.post(
        ENROLL_PATH,
        tags=["devices"],
        summary="Register a window PC with a one-time code (窗口登记)",
        description="No authentication: the one-time code issued by hall IT is the credential. The answer "
        "holds the device secret, shown only this once.",
        response_model=EnrollResponse,
        responses=_errors(400, 403, 409, 413, 429),
        openapi_extra=_json_body(EnrollRequest, "登记码、本机窗口编码、设备名称"),
    )
    async def enroll(request: Request) -> JSONResponse:
        address = client_address(request)
        throttle.check(ENROLL, address)
        data = parse_json(await read_body(request, MAX_ENROLL_BODY_BYTES))
        try:
            enroll_request = EnrollRequest.from_json(data)
        except WireError as error:
            raise ApiError(400, "invalid", str(error)) from None
        try:
            enrolled = await run_in_threadpool(admin.enroll, db, enroll_request, now=clock())
        except admin.AdminError as error:
            if error.status == 403:  # a code unknown, used, expired or for another window
                throttle.failed(ENROLL, address, tried=f"enrolment code ({error.code})")
            raise
        return JSONResponse(asdict(enrolled))

    @app.post(
        CONFIRM_PATH,
        tags=["devices"],
        summary="Confirm a registration with the new credential (确认登记)",
        description="Sent by the newly enrolled (pending) device once the window has stored its credential. "
        "The device becomes the window's active device and the previous one is revoked, in one transaction; "
        "until then the previous device keeps working. Confirming again answers the same, with `replaced` "
        "empty.",
        response_model=ConfirmResponse,
        responses=_errors(401, 409),
    )
    async def confirm(device: PendingDeviceDep) -> JSONResponse:
        confirmed = await run_in_threadpool(admin.confirm_device, db, device.device_id, now=clock())
        return JSONResponse(asdict(confirmed))

    @app.post(
        PUSH_PATH,
        tags=["sync"],
        summary="Push outbox events (上传事件)",
        description="Stores each event once (idempotent by `event_id`) in one transaction and answers after "
        "COMMIT: `acknowledged` lists every event the server holds, including ones it already had; "
        "`rejected` lists permanent refusals (`duplicate_case_number`, `wrong_window`, `wrong_hall`, "
        "`invalid`, `too_large`) for the window's dead-letter list: each event is checked against the "
        "schema of its kind (`app/sync/events.py`) before anything of it is stored, and refused alone. "
        "The body's `window_code` must be the device's.",
        response_model=PushResponse,
        responses=_errors(400, 401, 403, 413, 503),
        openapi_extra=_json_body(PushRequest, f"最多 {MAX_BATCH_EVENTS} 条事件，按 local_seq 顺序处理"),
    )
    async def push(request: Request, device: DeviceDep) -> JSONResponse:
        data = parse_json(await read_body(request, MAX_BODY_BYTES))
        try:
            push_request, malformed = PushRequest.read(data)
        except WireError as error:
            raise ApiError(400, "invalid", str(error)) from None
        if push_request.window_code != device.window_code:
            log.warning(
                "device %s of window %s/%s pushed as window %s: refused",
                device.device_id,
                device.hall_code,
                device.window_code,
                push_request.window_code,
            )
            raise ApiError(
                403,
                "forbidden",
                f"本设备登记为大厅 {device.hall_code} 的窗口 {device.window_code}，"
                f"不能以窗口 {push_request.window_code} 的身份上传",
            )
        try:
            answer = await run_in_threadpool(service.push, device, push_request)
        except BusyError:
            raise ApiError(503, "busy", "服务器数据库繁忙，本批未保存，将自动重试") from None
        if malformed:
            held = set(answer.acknowledged)
            refused = [r for r in malformed if r.event_id not in held]
            answer = PushResponse(answer.acknowledged, [*answer.rejected, *refused], answer.server_time)
        return SafeJSONResponse(answer.to_json())

    @app.get(
        PULL_PATH,
        tags=["sync"],
        summary="Pull the hall's changes by cursor (拉取变更)",
        description="Changes of the device's hall with a sequence number after `cursor`, ascending, at most "
        f"min(`limit`, {MAX_PULL_CHANGES}). `cursor` is opaque: send back the one returned; empty or `0` "
        "starts from the beginning. `more` is true when further changes are waiting. The log is appended "
        "in commit order, so a cursor never skips a change committed later by another transaction.",
        response_model=PullResponse,
        responses=_errors(400, 401),
    )
    def pull(
        device: DeviceDep,
        cursor: Annotated[str, Query(max_length=40, description="上次返回的 cursor；首次为空或 0")] = "",
        limit: Annotated[int | None, Query(description=f"最多返回条数（≤ {MAX_PULL_CHANGES}）")] = None,
        exclude_own: Annotated[
            bool, Query(description="跳过本设备推送引起的变更（窗口已知），游标照样越过它们")
        ] = False,
    ) -> Response:
        try:
            answer = service.pull(device, cursor, limit, exclude_own=exclude_own)
        except CursorError as error:
            raise ApiError(400, "invalid", str(error)) from None
        return pull_response(answer)

    @app.get(
        RECONCILE_PATH,
        tags=["sync"],
        summary="Per-day counts of the device's window (核对数量)",
        description="For each day in [from, to] (the case's received_on, China time) with anything stored: "
        "the number of cases of the device's window, and of events sent from that window about cases of "
        "that day (dated by the case number). At most 366 days.",
        response_model=ReconcileResponse,
        responses=_errors(400, 401),
    )
    def reconcile(
        device: DeviceDep,
        first: Annotated[str, Query(alias="from", description="YYYY-MM-DD")],
        last: Annotated[str, Query(alias="to", description="YYYY-MM-DD")],
    ) -> JSONResponse:
        try:
            answer = service.reconcile(device, first, last)
        except RangeError as error:
            raise ApiError(400, "invalid", str(error)) from None
        return JSONResponse(answer.to_json())

    @app.get(
        CATALOG_PATH,
        tags=["reference"],
        summary="A published catalog version (事项目录文件)",
        description="The file exactly as published; its SHA-256 is in the `catalog.version` change that "
        "announced it, and the window checks it before loading.",
        responses={200: {"content": {"application/json": {}}}, **_errors(401, 404)},
    )
    def catalog(device: DeviceDep, version: str) -> Response:
        content = reference.catalog_content(db, version)
        if content is None:
            raise ApiError(404, "not_found", f"服务器上没有事项目录版本 {version}")
        return Response(content, media_type="application/json")

    @app.post(
        CONFLICT_RESOLVE_PATH,
        tags=["sync"],
        summary="Resolve a conflict of the device's hall (处理冲突)",
        description="The supervisor proves who they are with their own login and password, checked against "
        "the accounts of the device's hall (enabled, with the supervisor role); the device credential alone "
        "is not enough. Records the resolution with the account's name and login and the device's window "
        "(never a name the window sends) and sends a `conflict.resolved` change to the hall's windows. The "
        "conflict and both records stay. 403 `account_refused` does not tell whether the login or the "
        "password was wrong; 403 `role_missing`: the account is not a supervisor; failed attempts are "
        "throttled per address (429).",
        responses=_errors(400, 401, 403, 404, 409, 429),
        openapi_extra=_json_body(ResolveRequest, "处理意见、大厅负责人账号和密码、本机时间"),
    )
    async def resolve_conflict(conflict_id: int, request: Request, device: DeviceDep) -> JSONResponse:
        if not 0 < conflict_id <= MAX_ROW_ID:  # no such id can exist (and the database would refuse to look)
            raise ApiError(404, "not_found", f"没有编号为 {shown(str(conflict_id))} 的冲突")
        address = client_address(request)
        throttle.check(PERSON, address)
        data = parse_json(await read_body(request, MAX_ENROLL_BODY_BYTES))
        try:
            resolve = ResolveRequest.from_json(data)
        except WireError as error:
            raise ApiError(400, "invalid", str(error)) from None
        problems: list[Problem] = []
        RESOLUTION_TEXT.check(resolve.resolution.strip(), "resolution", problems)
        if problems:
            raise ApiError(400, "invalid", f"处理意见{problems[0].message}（resolution）")
        try:
            person = await run_in_threadpool(
                lambda: accounts.check_person(
                    db,
                    hall_code=device.hall_code,
                    login=resolve.supervisor_login.strip(),
                    password=resolve.supervisor_password,
                    action=Permission.RESOLVE_CONFLICT,
                )
            )
        except admin.AdminError:
            throttle.failed(PERSON, address, tried=f"login {resolve.supervisor_login.strip()[:40]!r}")
            log.warning(
                "conflict %s: supervisor %r refused at device %s of window %s",
                conflict_id,
                resolve.supervisor_login.strip()[:40],
                device.device_id,
                device.window_code,
            )
            raise
        answer = await run_in_threadpool(
            lambda: admin.resolve_conflict(
                db,
                conflict_id,
                resolution=resolve.resolution,
                resolved_by=person.signature(device.window_code),
                now=clock(),
                hall_code=device.hall_code,
            )
        )
        log.info(
            "conflict %s resolved by %s from device %s (device time %s)",
            conflict_id,
            person.login,
            device.device_id,
            resolve.device_time[:40],
        )
        return JSONResponse(answer)

    @app.get(
        HEALTH_PATH,
        tags=["health"],
        summary="Liveness and server clock (运行状态)",
        description="No authentication. `server_time` lets a window measure its clock skew. 503 when the "
        "database cannot be reached.",
        response_model=Health,
        responses=_errors(503),
    )
    def health() -> JSONResponse:
        try:
            with db.read() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            log.error("health check: database unavailable: %s", error)
            raise ApiError(503, "unavailable", "服务器数据库不可用，请联系信息技术人员") from None
        return JSONResponse(asdict(Health("ok", utc_text(clock()), PROTOCOL)))

    return app
