"""Registering a window PC (窗口登记), in two steps.

- `POST ENROLL_PATH` (no auth; the one-time code is the credential): 200 EnrollResponse (a pending
  device); 400 invalid; 403 unknown/used/expired code or a code for another window; 409 the window
  already has a device and the code may not replace it. Failed codes are throttled per address (429).
- `POST CONFIRM_PATH` (the pending device's own credential): 200 ConfirmResponse; the device becomes
  active and the window's previous device is revoked; 401 superseded or revoked.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.sync.wire import CONFIRM_PATH, ENROLL_PATH, ConfirmResponse, EnrollRequest, EnrollResponse
from server import admin
from server.routes.bodies import MAX_FORM_BODY_BYTES, documented_body, read_wire_body
from server.routes.dependencies import ClientAddress, Database, PendingDevice, ServerClock, Throttling
from server.routes.errors import error_answers
from server.throttle import ENROLL

router = APIRouter(tags=["devices"])


@router.post(
    ENROLL_PATH,
    summary="Register a window PC with a one-time code (窗口登记)",
    description="No authentication: the one-time code issued by hall IT is the credential. The answer "
    "holds the device secret, shown only this once.",
    response_model=EnrollResponse,
    responses=error_answers(400, 403, 409, 413, 429),
    openapi_extra=documented_body(EnrollRequest, "登记码、本机窗口编码、设备名称"),
)
async def enroll(
    request: Request, db: Database, clock: ServerClock, throttle: Throttling, address: ClientAddress
) -> JSONResponse:
    throttle.check(ENROLL, address)
    enroll_request = await read_wire_body(request, MAX_FORM_BODY_BYTES, EnrollRequest.from_json)
    try:
        enrolled = await run_in_threadpool(admin.enroll, db, enroll_request, now=clock())
    except admin.AdminError as error:
        if error.status == 403:  # a code unknown, used, expired or for another window
            throttle.failed(ENROLL, address, tried=f"enrolment code ({error.code})")
        raise
    return JSONResponse(asdict(enrolled))


@router.post(
    CONFIRM_PATH,
    summary="Confirm a registration with the new credential (确认登记)",
    description="Sent by the newly enrolled (pending) device once the window has stored its credential. "
    "The device becomes the window's active device and the previous one is revoked, in one transaction; "
    "until then the previous device keeps working. Confirming again answers the same, with `replaced` "
    "empty.",
    response_model=ConfirmResponse,
    responses=error_answers(401, 409),
)
async def confirm(device: PendingDevice, db: Database, clock: ServerClock) -> JSONResponse:
    confirmed = await run_in_threadpool(admin.confirm_device, db, device.device_id, now=clock())
    return JSONResponse(asdict(confirmed))
