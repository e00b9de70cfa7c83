"""帮办 (issue 15): a PC publishing its own signing keys, and helpers' drafts for the windows of their hall
(server.helper_keys, server.helper_drafts; shapes: app.sync.wire beside KEYS_PUBLISH_PATH).

- `POST KEYS_PUBLISH_PATH` (device): 200 {registered, held, refused: each with its reason}; 400 invalid;
  401; 413 too_large.
- `POST DRAFTS_PATH` (device): 200 {draft_id, stored}; 400 with the reason's code (names the problem); 401;
  409 conflict (another draft under its id); 413 too_large. Reasons: app.sync.wire.HelperRefusal (which a
  PC sends again, which never).
- `GET DRAFTS_PATH` (device): 200 {drafts: [...]}, the hall's open drafts; 401.
- `GET DRAFT_PATH` (device): 200 the draft; 400 a malformed id; 401; 404 not_found (also another hall's).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.sync.wire import (
    DRAFT_PATH,
    DRAFTS_PATH,
    KEYS_PUBLISH_PATH,
    MAX_DRAFT_BODY_BYTES,
    MAX_PUBLISHED_KEYS,
)
from server.clock import utc_naive
from server.helper_drafts import DraftRefused, draft_for, open_drafts, store_draft
from server.helper_keys import publish_keys, read_publication
from server.routes.bodies import read_wire_body
from server.routes.dependencies import CurrentDevice, Database, ServerClock
from server.routes.errors import ApiError, SafeJSONResponse, error_answers

router = APIRouter(tags=["helpers"])

_KEYS_BODY_BYTES = MAX_PUBLISHED_KEYS * 1024


@router.post(
    KEYS_PUBLISH_PATH,
    summary="Publish this PC's signing keys (发布本机签名密钥)",
    description="The device's own key entries, registered for its window and hall when each checks: a "
    "valid Ed25519 entry whose id names the device's window, of a body the hall accepts for, with a sane "
    "validity, and no id registered otherwise. Every window of the hall receives each key registered now.",
    responses=error_answers(400, 401, 413),
)
async def publish(request: Request, device: CurrentDevice, db: Database, clock: ServerClock) -> JSONResponse:
    items = await read_wire_body(request, _KEYS_BODY_BYTES, read_publication)
    answer = await run_in_threadpool(lambda: publish_keys(db, device, items, now=utc_naive(clock())))
    return SafeJSONResponse(answer.to_json())


@router.post(
    DRAFTS_PATH,
    summary="Send a helper's draft (上传帮办预审单)",
    description="A draft prepared on this PC, with its hand-off code in the reference form signed by this "
    "PC's registered key; kept for the windows of the hall.",
    responses=error_answers(400, 401, 409, 413),
)
async def send_draft(
    request: Request, device: CurrentDevice, db: Database, clock: ServerClock
) -> JSONResponse:
    data = await read_wire_body(request, MAX_DRAFT_BODY_BYTES, lambda body: body)
    try:
        answer = await run_in_threadpool(lambda: store_draft(db, device, data, now=utc_naive(clock())))
    except DraftRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None
    return SafeJSONResponse(answer)


@router.get(
    DRAFTS_PATH,
    summary="The hall's open drafts (本大厅帮办草稿)",
    description="Drafts of the device's hall that no case names yet, newest first.",
    responses=error_answers(401),
)
async def list_drafts(device: CurrentDevice, db: Database, clock: ServerClock) -> JSONResponse:
    answer = await run_in_threadpool(lambda: open_drafts(db, device, now=utc_naive(clock())))
    return SafeJSONResponse(answer)


@router.get(
    DRAFT_PATH,
    summary="One draft of the hall (取回帮办预审单)",
    description="The draft, its signed reference code and the case that used it first, if any. A draft of "
    "another hall is answered as unknown.",
    responses=error_answers(400, 401, 404),
)
async def get_draft(draft_id: str, device: CurrentDevice, db: Database) -> JSONResponse:
    try:
        answer = await run_in_threadpool(draft_for, db, device, draft_id)
    except DraftRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None
    return SafeJSONResponse(answer)
