"""Liveness (运行状态).

- `GET HEALTH_PATH` (no auth): 200 {"status": "ok", "server_time", "protocol"}; 503 database unavailable.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.sync.wire import HEALTH_PATH, PROTOCOL
from server.clock import utc_text
from server.routes.dependencies import Database, ServerClock
from server.routes.errors import ApiError, error_answers

log = logging.getLogger("clerk.server.api")

router = APIRouter(tags=["health"])


@dataclass(frozen=True)
class Health:
    status: str
    server_time: str
    protocol: str


@router.get(
    HEALTH_PATH,
    summary="Liveness and server clock (运行状态)",
    description="No authentication. `server_time` lets a window measure its clock skew. 503 when the "
    "database cannot be reached.",
    response_model=Health,
    responses=error_answers(503),
)
def health(db: Database, clock: ServerClock) -> JSONResponse:
    try:
        with db.read() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health check: database unavailable: %s", error)
        raise ApiError(503, "unavailable", "服务器数据库不可用，请联系信息技术人员") from None
    return JSONResponse(asdict(Health("ok", utc_text(clock()), PROTOCOL)))
