"""Page files for the blob tests: bytes of a given size and their hash, an upload through the real API as a
window makes it (start, then chunks from the server's offset), and what the server holds on its disk."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import httpx

from app.scanning.events import AttachedPage, PagesAttached
from app.scanning.pages import PageFormat, PageSource
from app.sync import wire
from server.blob_files import PARTIAL_FOLDER


def file_bytes(size: int, *, seed: int = 1) -> tuple[bytes, str]:
    """`size` bytes that compress to nothing (like a JPEG's) and their SHA-256."""
    data = random.Random(seed).randbytes(size)
    return data, hashlib.sha256(data).hexdigest()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def upload_path(sha: str) -> str:
    return wire.BLOB_UPLOAD_PATH.format(sha256=sha)


def start(http: Any, headers: dict[str, str], sha: str, size: Any) -> httpx.Response:
    response: httpx.Response = http.post(upload_path(sha), json={"size": size}, headers=headers)
    return response


def put(http: Any, headers: dict[str, str], sha: str, offset: int, data: bytes) -> httpx.Response:
    response: httpx.Response = http.put(
        upload_path(sha),
        params={"offset": offset},
        content=data,
        headers={**headers, "Content-Type": "application/octet-stream"},
    )
    return response


def upload(http: Any, headers: dict[str, str], data: bytes) -> wire.BlobStatus:
    """The whole file, from wherever the server is: the status the server ends with."""
    sha = hashlib.sha256(data).hexdigest()
    answer = start(http, headers, sha, len(data))
    assert answer.status_code == 200, answer.text
    status = wire.BlobStatus.from_json(answer.json())
    while not status.complete:
        answer = put(
            http,
            headers,
            sha,
            status.received,
            data[status.received : status.received + wire.BLOB_CHUNK_BYTES],
        )
        if answer.status_code == 409 and answer.json()["error"] == wire.BLOB_WRONG_OFFSET:
            status = wire.BlobStatus(sha, len(data), answer.json()["received"], False)
            continue
        assert answer.status_code == 200, answer.text
        status = wire.BlobStatus.from_json(answer.json())
    return status


def download(http: Any, headers: dict[str, str], sha: str, offset: int = 0) -> httpx.Response:
    response: httpx.Response = http.get(
        wire.BLOB_PATH.format(sha256=sha), params={"offset": offset}, headers=headers
    )
    return response


def stored_files(root: Path) -> list[Path]:
    """The whole files under a server's blob folder (not the partials)."""
    if not root.exists():
        return []
    return sorted(
        p for p in root.rglob("*") if p.is_file() and PARTIAL_FOLDER not in p.relative_to(root).parts
    )


def partial_files(root: Path) -> list[Path]:
    folder = root / PARTIAL_FOLDER
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def pages_payload(material: str, shas: list[tuple[str, int]], *, visit: int = 0) -> dict[str, Any]:
    """A `case.pages_attached` payload naming files (SHA-256, size) as pages of `material`."""
    pages = [
        AttachedPage(
            sha256=sha,
            byte_size=size,
            format=PageFormat.JPEG,
            width=2480,
            height=3508,
            dpi=300,
            rotation=0,
            source=PageSource.SCANNER,
        )
        for sha, size in shas
    ]
    return PagesAttached(material_code=material, visit=visit, pages=pages).payload()
