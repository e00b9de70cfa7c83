"""Page files (材料页面文件): the bytes of captured pages, uploaded by chunks and downloaded by the PCs of
the hall that holds them (server.blobs; the format: app.sync.wire, BLOB_*).

- `POST BLOB_UPLOAD_PATH` {"size"} (device): 200 BlobStatus; 400 invalid (the name is not a SHA-256, the
  size not a positive integer, or not the size of the file the hall holds); 401; 409 quota_exceeded; 413
  too_large (above MAX_BLOB_BYTES); 503 busy.
- `PUT BLOB_UPLOAD_PATH?offset=` (device), body the bytes: 200 BlobStatus; 400 invalid; 401; 409
  wrong_offset (the answer's `received` is the offset to resume at), hash_mismatch (the file dropped),
  not_started; 413 too_large (a chunk above BLOB_CHUNK_BYTES or beyond the declared size); 503 busy;
  507 disk_full.
- `GET BLOB_PATH?offset=` (device): 200 the bytes (application/octet-stream), the whole size in
  BLOB_SIZE_HEADER; 400 invalid; 401; 404 not_found (a file the server does not have and a file of
  another hall alike).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathPart
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.sync import wire
from app.sync.wire import BLOB_CHUNK_BYTES, BLOB_PATH, BLOB_SIZE_HEADER, BLOB_UPLOAD_PATH, BlobStatus
from server.blobs import BlobRefused, BlobService
from server.routes.bodies import MAX_FORM_BODY_BYTES, read_body, read_wire_body
from server.routes.dependencies import CurrentDevice
from server.routes.errors import SafeJSONResponse, error_answers, error_response

router = APIRouter(tags=["blobs"])

Sha256 = Annotated[str, PathPart(description="页面文件的 SHA-256（64 位小写十六进制）")]
Offset = Annotated[int, Query(ge=0, description="从文件第几个字节起")]


def _service(request: Request) -> BlobService:
    service: BlobService = request.app.state.blobs
    return service


def _refused(error: BlobRefused) -> JSONResponse:
    response = error_response(error.status, error.code, error.message)
    if error.received is None:
        return response
    body = {"error": error.code, "message": error.message, "received": error.received}
    return SafeJSONResponse(body, status_code=error.status)


def _declared_size(data: Any) -> Any:
    if not isinstance(data, dict) or "size" not in data:
        raise wire.WireError("blob: 缺少字段 size")
    return data["size"]


@router.post(
    BLOB_UPLOAD_PATH,
    summary="Start or resume uploading a page file (开始或续传页面文件)",
    description="Declares the file's size and answers how many bytes the server holds of it from the "
    "device's hall (`received`), or that the hall holds it whole (`complete`). Another hall's copy is never "
    "told of: every hall uploads a file whole, and the server keeps one copy of the same bytes.",
    response_model=BlobStatus,
    responses=error_answers(400, 401, 409, 413, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["size"],
                        "properties": {
                            "size": {"type": "integer", "minimum": 1, "maximum": wire.MAX_BLOB_BYTES}
                        },
                    }
                }
            },
        }
    },
)
async def start_upload(sha256: Sha256, request: Request, device: CurrentDevice) -> Response:
    size = await read_wire_body(request, MAX_FORM_BODY_BYTES, _declared_size)
    try:
        status = await run_in_threadpool(_service(request).start, device, sha256, size)
    except BlobRefused as error:
        return _refused(error)
    return JSONResponse(status.to_json())


@router.put(
    BLOB_UPLOAD_PATH,
    summary="Upload the next chunk of a page file (上传页面文件数据块)",
    description=f"At most {BLOB_CHUNK_BYTES} bytes at `offset`, which must be the `received` the server "
    "holds; the chunk reaching the declared size completes the upload, and the server keeps the file only "
    "if its SHA-256 is the one named (`hash_mismatch` otherwise: the partial file is dropped).",
    response_model=BlobStatus,
    responses=error_answers(400, 401, 409, 413, 503, 507),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_chunk(sha256: Sha256, offset: Offset, request: Request, device: CurrentDevice) -> Response:
    data = await read_body(request, BLOB_CHUNK_BYTES)
    try:
        status = await run_in_threadpool(_service(request).put_chunk, device, sha256, offset, data)
    except BlobRefused as error:
        return _refused(error)
    return JSONResponse(status.to_json())


@router.get(
    BLOB_PATH,
    summary="Download a page file (下载页面文件)",
    description=f"At most {wire.BLOB_DOWNLOAD_BYTES} bytes from `offset`; the whole size in the "
    f"`{BLOB_SIZE_HEADER}` header. Only a file the device's hall holds (its upload completed); any other "
    "file, held by another hall or by none, is 404 alike.",
    responses={
        200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        **error_answers(400, 401, 404),
    },
)
async def download(sha256: Sha256, request: Request, device: CurrentDevice, offset: Offset = 0) -> Response:
    try:
        found = await run_in_threadpool(_service(request).download, device, sha256, offset)
    except BlobRefused as error:
        return _refused(error)
    return Response(
        found.data,
        media_type="application/octet-stream",
        headers={BLOB_SIZE_HEADER: str(found.size), "Cache-Control": "no-store"},
    )
