"""A supervisor resolving a conflict of the device's hall (处理冲突).

- `POST CONFLICT_RESOLVE_PATH` (device, and the supervisor's own login and password in the body): 200 the
  resolution as recorded, with the account's name and login; 400 invalid; 403 `account_refused` (login or
  password wrong, account disabled or of another hall: one answer) or `role_missing`; 404 no such conflict
  in the device's hall; 409 already resolved. Failed passwords are throttled per address (429).
"""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.accounts.roles import Permission
from app.sync.schema import Problem, Text, shown
from app.sync.wire import CONFLICT_RESOLVE_PATH, MAX_RESOLUTION_CHARS, ResolveRequest
from server import accounts, admin
from server.routes.bodies import MAX_FORM_BODY_BYTES, documented_body, read_wire_body
from server.routes.dependencies import ClientAddress, CurrentDevice, Database, ServerClock, Throttling
from server.routes.errors import ApiError, error_answers
from server.store import ServerDB
from server.sync import Device
from server.throttle import PERSON, Throttle

log = logging.getLogger("clerk.server.api")

RESOLUTION_TEXT = Text(MAX_RESOLUTION_CHARS)  # what a supervisor writes: no NUL, control or lone surrogate
MAX_ROW_ID = 2**63 - 1  # a BIGINT; a larger id names no row (and would overflow the database's integer)

router = APIRouter(tags=["sync"])


@router.post(
    CONFLICT_RESOLVE_PATH,
    summary="Resolve a conflict of the device's hall (处理冲突)",
    description="The supervisor proves who they are with their own login and password, checked against "
    "the accounts of the device's hall (enabled, with the supervisor role); the device credential alone "
    "is not enough. Records the resolution with the account's name and login and the device's window "
    "(never a name the window sends) and sends a `conflict.resolved` change to the hall's windows. The "
    "conflict and both records stay. 403 `account_refused` does not tell whether the login or the "
    "password was wrong; 403 `role_missing`: the account is not a supervisor; failed attempts are "
    "throttled per address (429).",
    responses=error_answers(400, 401, 403, 404, 409, 429),
    openapi_extra=documented_body(ResolveRequest, "处理意见、值班主任账号和密码、本机时间"),
)
async def resolve_conflict(
    conflict_id: int,
    request: Request,
    device: CurrentDevice,
    db: Database,
    clock: ServerClock,
    throttle: Throttling,
    address: ClientAddress,
) -> JSONResponse:
    if not 0 < conflict_id <= MAX_ROW_ID:  # no such id can exist (and the database would refuse to look)
        raise ApiError(404, "not_found", f"没有编号为 {shown(str(conflict_id))} 的冲突")
    throttle.check(PERSON, address)
    resolve = await _read_resolution(request)
    person = await _supervisor(
        db, device, resolve, conflict_id=conflict_id, throttle=throttle, address=address, now=clock()
    )
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


async def _supervisor(
    db: ServerDB,
    device: Device,
    resolve: ResolveRequest,
    *,
    conflict_id: int,
    throttle: Throttle,
    address: str | None,
    now: datetime,
) -> accounts.Person:
    """The supervisor's account of the device's hall, by the login and password they gave; 403 (and a
    failed attempt counted for the address) when refused."""
    login = resolve.supervisor_login.strip()
    try:
        return await run_in_threadpool(
            lambda: accounts.check_person(
                db,
                hall_code=device.hall_code,
                login=login,
                password=resolve.supervisor_password,
                action=Permission.RESOLVE_CONFLICT,
                now=now,
            )
        )
    except admin.AdminError:
        throttle.failed(PERSON, address, tried=f"login {login[:40]!r}")
        log.warning(
            "conflict %s: supervisor %r refused at device %s of window %s",
            conflict_id,
            login[:40],
            device.device_id,
            device.window_code,
        )
        raise


async def _read_resolution(request: Request) -> ResolveRequest:
    """The request's body, its resolution text checked; 400 `invalid` naming what is wrong."""
    resolve = await read_wire_body(request, MAX_FORM_BODY_BYTES, ResolveRequest.from_json)
    problems: list[Problem] = []
    RESOLUTION_TEXT.check(resolve.resolution.strip(), "resolution", problems)
    if problems:
        raise ApiError(400, "invalid", f"处理意见{problems[0].message}（resolution）")
    return resolve
