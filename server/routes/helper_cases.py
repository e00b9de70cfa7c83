"""A helper's client list (issue 15: 我的代办/帮办件; server.helper_cases).

- `GET HELPER_CASES_PATH` (device): 200 the cases of the device's hall the helper prepared, newest first;
  400 a malformed login; 403 `not_signed_in` (the helper is not signed in on this device, as its pushed
  sign-ins say, or is no enabled account of the hall) or `role_missing` (the account prepares no drafts).
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.sync.schema import shown
from app.sync.wire import HELPER_CASES_PATH, LOGIN_PATTERN
from server import helper_cases
from server.admin import AdminError
from server.routes.dependencies import CurrentDevice, Database
from server.routes.errors import ApiError, SafeJSONResponse, error_answers

router = APIRouter(tags=["helpers"])
_LOGIN = re.compile(LOGIN_PATTERN)


@router.get(
    HELPER_CASES_PATH,
    summary="The cases a helper prepared (我的代办/帮办件)",
    description="For the helper signed in on the asking device (its last pushed `audit.signed_in` or "
    "`audit.unlocked` names them, and no sign-out came after): the cases of the device's hall, at any of "
    "its windows, whose decision names them as who prepared it, with status, promised date, legal due date "
    "and supplement deadline. Never another helper's cases nor another hall's.",
    responses=error_answers(400, 401, 403),
)
async def list_helper_cases(login: str, device: CurrentDevice, db: Database) -> JSONResponse:
    if not _LOGIN.fullmatch(login):
        raise ApiError(400, "invalid", f"账号格式不对：“{shown(login)}”")
    try:
        answer = await run_in_threadpool(lambda: helper_cases.helper_cases(db, device, login=login))
    except AdminError as error:
        raise ApiError(error.status, error.code, error.message) from None
    return SafeJSONResponse(answer)
