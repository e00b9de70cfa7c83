"""Reference data a window fetches besides its pulled changes (事项目录).

- `GET CATALOG_PATH` (device): 200 the published catalog file byte for byte; 404 unknown version.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.sync.wire import CATALOG_PATH
from server import reference
from server.routes.dependencies import CurrentDevice, Database
from server.routes.errors import ApiError, error_answers

router = APIRouter(tags=["reference"])


@router.get(
    CATALOG_PATH,
    summary="A published catalog version (事项目录文件)",
    description="The file exactly as published; its SHA-256 is in the `catalog.version` change that "
    "announced it, and the window checks it before loading.",
    responses={200: {"content": {"application/json": {}}}, **error_answers(401, 404)},
)
def catalog(device: CurrentDevice, db: Database, version: str) -> Response:
    content = reference.catalog_content(db, version)
    if content is None:
        raise ApiError(404, "not_found", f"服务器上没有事项目录版本 {version}")
    return Response(content, media_type="application/json")
