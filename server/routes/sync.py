"""Sync (同步): a window pushes its outbox, pulls its hall's changes and reconciles its counts
(server.sync does the work).

- `POST PUSH_PATH` (device): 200 PushResponse, sent after COMMIT, bad events refused one by one in it;
  400 invalid (a body that cannot be read, or an event that cannot be named; names the field); 401;
  403 `forbidden` when the body's window is not the device's; 413 too_large; 503 busy.
- `GET PULL_PATH?cursor=&limit=&exclude_own=` (device): 200 PullResponse of the device's hall;
  400 bad cursor/limit.
- `GET RECONCILE_PATH?from=&to=` (device): 200 ReconcileResponse of the device's window; 400 bad range.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.sync.schema import shown
from app.sync.wire import (
    MAX_BATCH_EVENTS,
    MAX_BODY_BYTES,
    MAX_PULL_CHANGES,
    PULL_PATH,
    PUSH_PATH,
    RECONCILE_PATH,
    PullResponse,
    PushRequest,
    PushResponse,
    ReconcileResponse,
)
from server.routes.bodies import documented_body, read_wire_body
from server.routes.dependencies import CurrentDevice, Sync
from server.routes.errors import ApiError, SafeJSONResponse, error_answers
from server.sync import BusyError, CursorError, Device, RangeError

log = logging.getLogger("clerk.server.api")

router = APIRouter(tags=["sync"])


@router.post(
    PUSH_PATH,
    summary="Push outbox events (上传事件)",
    description="Stores each event once (idempotent by `event_id`) in one transaction and answers after "
    "COMMIT: `acknowledged` lists every event the server holds, including ones it already had; "
    "`rejected` lists permanent refusals (`duplicate_case_number`, `wrong_window`, `wrong_hall`, "
    "`invalid`, `too_large`) for the window's dead-letter list: each event is checked against the "
    "schema of its kind (`app/sync/events.py`) before anything of it is stored, and refused alone. "
    "The body's `window_code` must be the device's.",
    response_model=PushResponse,
    responses=error_answers(400, 401, 403, 413, 503),
    openapi_extra=documented_body(PushRequest, f"最多 {MAX_BATCH_EVENTS} 条事件，按 local_seq 顺序处理"),
)
async def push(request: Request, device: CurrentDevice, service: Sync) -> JSONResponse:
    push_request, malformed = await read_wire_body(request, MAX_BODY_BYTES, PushRequest.read)
    if push_request.window_code != device.window_code:
        raise _pushed_as_another_window(device, push_request.window_code)
    try:
        answer = await run_in_threadpool(service.push, device, push_request)
    except BusyError:
        raise ApiError(503, "busy", "服务器数据库繁忙，本批未保存，将自动重试") from None
    if malformed:
        held = set(answer.acknowledged)
        refused = [r for r in malformed if r.event_id not in held]
        answer = PushResponse(answer.acknowledged, [*answer.rejected, *refused], answer.server_time)
    return SafeJSONResponse(answer.to_json())


def _pushed_as_another_window(device: Device, window_code: str) -> ApiError:
    log.warning(
        "device %s of window %s/%s pushed as window %s: refused",
        device.device_id,
        device.hall_code,
        device.window_code,
        window_code,
    )
    return ApiError(
        403,
        "forbidden",
        f"本设备登记为大厅 {device.hall_code} 的窗口 {device.window_code}，"
        f"不能以窗口 {window_code} 的身份上传",
    )


@router.get(
    PULL_PATH,
    summary="Pull the hall's changes by cursor (拉取变更)",
    description="Changes of the device's hall with a sequence number after `cursor`, ascending, at most "
    f"min(`limit`, {MAX_PULL_CHANGES}). `cursor` is opaque: send back the one returned; empty or `0` "
    "starts from the beginning. `more` is true when further changes are waiting. The log is appended "
    "in commit order, so a cursor never skips a change committed later by another transaction.",
    response_model=PullResponse,
    responses=error_answers(400, 401),
)
def pull(
    device: CurrentDevice,
    service: Sync,
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


@router.get(
    RECONCILE_PATH,
    summary="Per-day counts of the device's window (核对数量)",
    description="For each day in [from, to] (the case's received_on, China time) with anything stored: "
    "the number of cases of the device's window, and of events sent from that window about cases of "
    "that day (dated by the case number). At most 366 days.",
    response_model=ReconcileResponse,
    responses=error_answers(400, 401),
)
def reconcile(
    device: CurrentDevice,
    service: Sync,
    first: Annotated[str, Query(alias="from", description="YYYY-MM-DD")],
    last: Annotated[str, Query(alias="to", description="YYYY-MM-DD")],
) -> JSONResponse:
    try:
        answer = service.reconcile(device, first, last)
    except RangeError as error:
        raise ApiError(400, "invalid", str(error)) from None
    return JSONResponse(answer.to_json())
