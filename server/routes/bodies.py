"""Request bodies the wire module reads, not FastAPI: read within a size limit, parsed as JSON that a
window may have written oddly, and described for OpenAPI."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import Request

from app.sync.schema import UnreadableNumber
from app.sync.wire import MAX_PAYLOAD_DEPTH, WireError
from server.routes.errors import ApiError

MAX_FORM_BODY_BYTES = 64 * 1024  # an enrolment or a conflict's resolution: a few short fields
MAX_INTEGER_DIGITS = 30  # longer integers are read as `UnreadableNumber` (Python refuses 4,300 digits)

Read = TypeVar("Read")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit` (before parsing)."""
    too_large = ApiError(413, "too_large", f"请求体超过 {limit // 1024} KB 上限，请分批上传")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, "invalid", "Content-Length 无效")
        if int(declared) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _constant(name: str) -> float:
    """NaN and Infinity are not JSON, but some JSON writers emit them: read them as the numbers they
    stand for, so the event carrying one is refused alone (`app.sync.events`), not the whole batch."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _integer(digits: str) -> int | UnreadableNumber:
    if len(digits) > MAX_INTEGER_DIGITS:
        return UnreadableNumber(len(digits.lstrip("-")))
    return int(digits)


def parse_json(body: bytes) -> Any:
    """A JSON body, parsed by orjson, which is fast on big batches.

    What orjson refuses is read again by the standard library, which names the place of a syntax error,
    and reads what orjson will not: 1e400 (as infinity), NaN and Infinity literals, integers beyond
    64 bits. Such numbers are refused later, per event, by the event schemas; a body nested too deep
    for either reader is refused whole (400)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, "invalid", f"请求体不是 UTF-8 编码（第 {error.start} 字节）") from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass  # the slow path below says precisely what is wrong, or reads what only orjson refuses
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_constant, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise ApiError(
            400, "invalid", f"请求体不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）"
        ) from None
    except RecursionError:
        raise ApiError(
            400, "invalid", f"请求体的 JSON 嵌套层数过深，无法读取（事件内容最多嵌套 {MAX_PAYLOAD_DEPTH} 层）"
        ) from None


async def read_wire_body(request: Request, limit: int, read: Callable[[Any], Read]) -> Read:
    """The body within `limit`, parsed, and read by the wire module's `read` (`PushRequest.read`,
    `EnrollRequest.from_json` …); 400 `invalid` saying what the wire module refused."""
    data = parse_json(await read_body(request, limit))
    try:
        return read(data)
    except WireError as error:
        raise ApiError(400, "invalid", str(error)) from None


def documented_body(model: type, description: str) -> dict[str, Any]:
    """The `openapi_extra` of an endpoint whose JSON body is `model` (its schema added by server.docs)."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    }
