"""A case's whole record for a PC of its hall that does not hold it (server.sync.fetch).

- `GET CASE_FETCH_PATH` (device): 200 the case (shape: app.sync.wire, beside CASE_FETCH_PATH); 400 a
  malformed number (names the problem: the check character …); 401; 403 `forbidden` a case of another hall;
  404 `not_found` a number the server does not hold; 413 `too_large` a case with more events than one
  answer may carry.
- `GET BUNDLE_PATH` (device): 200 a 一件事 bundle of the device's hall, its cases with their statuses
  (server.sync.bundles); 400 a malformed bundle number; 401; 403 another hall's; 404 none carries it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.sync.wire import BUNDLE_PATH, CASE_FETCH_PATH
from server.routes.dependencies import CurrentDevice, Database
from server.routes.errors import ApiError, SafeJSONResponse, error_answers
from server.sync.bundles import bundle_cases
from server.sync.fetch import FetchError, fetch_case

router = APIRouter(tags=["sync"])


@router.get(
    CASE_FETCH_PATH,
    summary="A case's whole record (取回办件)",
    description="The case of the device's hall: its decision snapshot, every stored event (as pushed, with "
    "`received_at`), the server's projected `status` and `step`, its certificates (as the "
    "`certificate.issued` change carries them, with the registered key entry) and revocations. A PC of the "
    "hall that does not hold the case fetches it to act on it.",
    responses=error_answers(400, 401, 403, 404, 413),
)
async def fetch(number: str, device: CurrentDevice, db: Database) -> JSONResponse:
    try:
        answer = await run_in_threadpool(fetch_case, db, device, number)
    except FetchError as error:
        raise ApiError(error.status, error.code, error.message) from None
    return SafeJSONResponse(answer)


@router.get(
    BUNDLE_PATH,
    summary="A 一件事 bundle's cases and their statuses (一件事办理情况)",
    description="The cases whose decision named the bundle number, each with the server's projected status "
    "and step, for a PC of the bundle's hall.",
    responses=error_answers(400, 401, 403, 404),
)
async def bundle(number: str, device: CurrentDevice, db: Database) -> JSONResponse:
    try:
        answer = await run_in_threadpool(bundle_cases, db, device, number)
    except FetchError as error:
        raise ApiError(error.status, error.code, error.message) from None
    return SafeJSONResponse(answer)
