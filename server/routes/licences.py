"""Electronic licences by their holder's ID, for a window of the hall (server.sync.licence_lookup).

- `POST LICENCE_LOOKUP_PATH` (device): 200 the certificates issued in the device's hall to the holder, with
  their signed QR texts (shape: app.sync.wire, beside LICENCE_LOOKUP_PATH); 400 invalid (the ID malformed,
  named); 401; 429 too_many_attempts (the device asked too often: server.throttle.LOOKUP).
"""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.clock import CHINA
from app.sync.wire import LICENCE_LOOKUP_PATH, LicenceLookupRequest
from server.routes.bodies import MAX_FORM_BODY_BYTES, documented_body, read_wire_body
from server.routes.dependencies import CurrentDevice, Database, ServerClock, Throttling
from server.routes.errors import ApiError, SafeJSONResponse, error_answers
from server.sync.licence_lookup import LookupRefused, look_up_licences
from server.throttle import LOOKUP

router = APIRouter(tags=["sync"])


@router.post(
    LICENCE_LOOKUP_PATH,
    summary="A holder's electronic licences (按证件号查电子证照)",
    description="The certificates issued in the device's hall whose case's applicant has the ID asked, "
    "newest first, each with its signed QR text (the window verifies it with the keys it holds) and the "
    "revocation the server holds. Certificates of other halls are never told of. Every lookup counts "
    "against the device (429 when it asks faster than a counter serves).",
    responses=error_answers(400, 401, 429),
    openapi_extra=documented_body(LicenceLookupRequest, "持证人证件号码或统一社会信用代码"),
)
async def look_up(
    request: Request, device: CurrentDevice, db: Database, clock: ServerClock, throttle: Throttling
) -> JSONResponse:
    key = f"device {device.device_id}"
    throttle.check(LOOKUP, key)
    throttle.failed(LOOKUP, key, tried=f"licence lookups of window {device.window_code}")
    asked = await read_wire_body(request, MAX_FORM_BODY_BYTES, LicenceLookupRequest.from_json)
    now = clock()
    today = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(CHINA).date()  # the hall's day
    try:
        answer = await run_in_threadpool(look_up_licences, db, device, asked.holder_id, today=today)
    except LookupRefused as error:
        raise ApiError(400, "invalid", str(error)) from None
    return SafeJSONResponse(answer)
