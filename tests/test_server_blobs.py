"""Issue 14, page files on the server (server.blobs), on SQLite and PostgreSQL through the real API: chunked
upload and download with the stored file's hash identical, resuming from the server's offset after a
restart, and each bad request refused with its message and nothing kept (a wrong offset, an oversize
declaration, a chunk beyond the declared size, a last chunk making a wrong hash, names that are no SHA-256,
path tricks, a full disk)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.scanning.events import PAGE
from app.scanning.page_store import MAX_PAGE_BYTES
from app.sync import wire
from server import admin
from server.api import create_app
from server.blob_files import BlobFiles
from server.config import ConfigError, load_config
from server.models import blob, blob_upload
from tests.blob_helpers import (
    download,
    file_bytes,
    partial_files,
    put,
    sha256_of,
    start,
    stored_files,
    upload,
)
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    MutableClock,
    Target,
    TestClient,
    Window,
    client_fixture,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

MIB = 1024 * 1024


def rows(app: FastAPI, table: object) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def root(app: FastAPI) -> Path:
    return Path(app.state.blobs.files.root)


@pytest.fixture
def window(client: TestClient, server_app: FastAPI) -> Window:
    return enroll(client, server_app)


def test_the_limits_are_one_declaration(window: Window) -> None:
    assert wire.MAX_BLOB_BYTES == MAX_PAGE_BYTES == PAGE.fields["bytes"].spec.high  # type: ignore[attr-defined]


def test_chunks_up_and_parts_down_leave_identical_bytes(
    client: TestClient, server_app: FastAPI, window: Window
) -> None:
    data, sha = file_bytes(5 * MIB + 12345)
    status = upload(client, window.headers, data)
    assert (status.sha256, status.size, status.received, status.complete) == (sha, len(data), len(data), True)
    [stored] = stored_files(root(server_app))
    assert stored.name == sha and sha256_of(stored) == sha  # the file on the server's disk
    assert partial_files(root(server_app)) == []
    assert rows(server_app, blob) == 1

    # Down again in parts, from any offset, as a window resumes.
    got = b""
    while len(got) < len(data):
        answer = download(client, window.headers, sha, len(got))
        assert answer.status_code == 200, answer.text
        assert answer.headers[wire.BLOB_SIZE_HEADER] == str(len(data))
        assert 0 < len(answer.content) <= wire.BLOB_DOWNLOAD_BYTES
        got += answer.content
    assert got == data
    beyond = download(client, window.headers, sha, len(data) + 1)
    assert (beyond.status_code, beyond.json()["error"]) == (400, "invalid")

    # Started again: the hall holds it whole, nothing to send.
    again = start(client, window.headers, sha, len(data))
    assert again.json() == {"sha256": sha, "size": len(data), "received": len(data), "complete": True}


def test_an_upload_resumes_from_the_servers_offset_after_a_restart(
    target: Target, server_clock: MutableClock, tmp_path: Path
) -> None:
    data, sha = file_bytes(2 * MIB + 7)
    folder = tmp_path / "blobs"
    engine = target.engine() if target.is_postgresql else None

    def started() -> FastAPI:
        if engine is not None:
            return create_app(engine=engine, clock=server_clock, blob_folder=folder)
        return create_app(database_url=target.url, clock=server_clock, blob_folder=folder)

    try:
        first = started()
        admin.load_halls(first.state.db, parse_catalog(demo_catalog_bytes()).halls, now=server_clock())
        with TestClient(first) as http:
            window = enroll(http, first)
            assert start(http, window.headers, sha, len(data)).status_code == 200
            assert put(http, window.headers, sha, 0, data[:MIB]).json()["received"] == MIB
        first.state.db.close()

        second = started()
        try:
            with TestClient(second) as http:
                window.http = http
                status = wire.BlobStatus.from_json(start(http, window.headers, sha, len(data)).json())
                assert (status.received, status.complete) == (MIB, False)
                status = upload(http, window.headers, data)
            assert status.complete
            [stored] = stored_files(folder)
            assert sha256_of(stored) == sha
        finally:
            second.state.db.close()
    finally:
        if engine is not None:
            engine.dispose()


def test_bad_chunks_are_refused_and_nothing_of_them_kept(
    client: TestClient, server_app: FastAPI, window: Window
) -> None:
    data, sha = file_bytes(MIB + 100)
    headers = window.headers

    early = put(client, headers, sha, 0, data[:10])
    assert (early.status_code, early.json()["error"]) == (409, wire.BLOB_NOT_STARTED)
    assert rows(server_app, blob_upload) == 0 and partial_files(root(server_app)) == []

    assert start(client, headers, sha, len(data)).status_code == 200
    assert put(client, headers, sha, 0, data[:MIB]).status_code == 200
    [partial] = partial_files(root(server_app))

    def refused(answer: object, status: int, code: str, words: str) -> None:
        assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
        body = answer.json()  # type: ignore[attr-defined]
        assert body["error"] == code and words in body["message"], body
        assert partial.stat().st_size == MIB  # nothing of the chunk kept
        assert start(client, headers, sha, len(data)).json()["received"] == MIB

    behind = put(client, headers, sha, 10, data[10 : MIB + 10])
    refused(behind, 409, wire.BLOB_WRONG_OFFSET, f"请从 {MIB} 续传")
    assert behind.json()["received"] == MIB
    ahead = put(client, headers, sha, MIB + 50, data[MIB + 50 :])
    refused(ahead, 409, wire.BLOB_WRONG_OFFSET, f"请从 {MIB} 续传")
    refused(put(client, headers, sha, MIB, data[MIB:] + b"xx"), 413, "too_large", "超出申报的文件大小")
    oversize = b"\0" * (wire.BLOB_CHUNK_BYTES + 1)
    refused(put(client, headers, sha, MIB, oversize), 413, "too_large", "1024 KB 上限")
    refused(put(client, headers, sha, MIB, b""), 400, "invalid", "数据块为空")
    negative = client.put(
        wire.BLOB_UPLOAD_PATH.format(sha256=sha), params={"offset": -1}, content=b"x", headers=headers
    )
    refused(negative, 400, "invalid", "offset")

    # The last chunk makes other bytes than the name says: the whole file dropped, the hall starts again.
    wrong = put(client, headers, sha, MIB, data[MIB:-1] + b"?")
    assert (wrong.status_code, wrong.json()["error"]) == (409, wire.BLOB_HASH_MISMATCH)
    assert "与其校验值不符" in wrong.json()["message"]
    assert partial_files(root(server_app)) == [] and stored_files(root(server_app)) == []
    assert rows(server_app, blob) == 0
    assert start(client, headers, sha, len(data)).json()["received"] == 0
    assert upload(client, headers, data).complete  # sent right, it is kept


def test_bad_declarations_and_names_are_refused_and_nothing_stored(
    client: TestClient, server_app: FastAPI, window: Window
) -> None:
    headers = window.headers
    _data, sha = file_bytes(10)
    for size, status, code, words in (
        (wire.MAX_BLOB_BYTES + 1, 413, "too_large", "超过单个文件 50.0 MB 的上限"),
        (0, 400, "invalid", "正整数"),
        (-5, 400, "invalid", "正整数"),
        (True, 400, "invalid", "正整数"),
        ("10", 400, "invalid", "正整数"),
    ):
        answer = start(client, headers, sha, size)
        assert (answer.status_code, answer.json()["error"]) == (status, code), size
        assert words in answer.json()["message"], answer.json()
    missing = client.post(wire.BLOB_UPLOAD_PATH.format(sha256=sha), json={}, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid")
    assert "size" in missing.json()["message"]

    for name in (sha.upper(), sha[:63], sha + "0", "g" * 64, "..", "." * 64, "%2e%2e", sha[:62] + "%00"):
        for answer in (
            start(client, headers, name, 10),
            put(client, headers, name, 0, b"x"),
            download(client, headers, name),
        ):
            assert answer.status_code in (400, 404), (name, answer.text)
            if answer.status_code == 400:
                assert "64 位小写十六进制" in answer.json()["message"], answer.json()
    for trick in ("../../../etc/passwd", "..%2F..%2Fserver.sqlite3", "%2e%2e%2f%2e%2e%2fx"):
        for method in ("POST", "PUT", "GET"):
            path = (wire.BLOB_PATH if method == "GET" else wire.BLOB_UPLOAD_PATH).replace("{sha256}", trick)
            answer = client.request(method, path, headers=headers, content=b"{}")
            assert answer.status_code in (400, 404), (trick, method, answer.text)
    assert rows(server_app, blob_upload) == 0
    assert not root(server_app).exists() or not any(root(server_app).rglob("*.part"))
    assert stored_files(root(server_app)) == []


def test_a_hall_past_its_quota_is_refused(client: TestClient, server_app: FastAPI, window: Window) -> None:
    server_app.state.blobs.hall_quota_bytes = 3 * MIB
    first, _ = file_bytes(2 * MIB, seed=1)
    assert upload(client, window.headers, first).complete
    _second, sha = file_bytes(2 * MIB, seed=2)
    answer = start(client, window.headers, sha, 2 * MIB)
    assert (answer.status_code, answer.json()["error"]) == (409, wire.BLOB_QUOTA_EXCEEDED)
    assert "配额 3.0 MB" in answer.json()["message"]
    assert rows(server_app, blob_upload) == 1


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 1.5 MiB: room for one chunk of a page file, not two."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        with contextlib.suppress(OSError):
            subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_keeps_nothing_of_the_chunk_and_the_upload_resumes_after(
    client: TestClient, server_app: FastAPI, window: Window, full_disk: Path
) -> None:
    server_app.state.blobs.files = BlobFiles(full_disk)
    data, sha = file_bytes(2 * MIB + 10)
    assert start(client, window.headers, sha, len(data)).status_code == 200
    assert put(client, window.headers, sha, 0, data[:MIB]).status_code == 200
    full = put(client, window.headers, sha, MIB, data[MIB : 2 * MIB])
    assert (full.status_code, full.json()["error"]) == (507, wire.BLOB_DISK_FULL)
    assert "服务器磁盘空间不足" in full.json()["message"]
    [partial] = partial_files(full_disk)
    assert partial.stat().st_size == MIB
    assert start(client, window.headers, sha, len(data)).json()["received"] == MIB

    subprocess.run(["mount", "-o", "remount,size=8m", str(full_disk)], check=True)  # hall IT makes room
    assert upload(client, window.headers, data).complete
    [stored] = stored_files(full_disk)
    assert sha256_of(stored) == sha


def test_where_the_files_go_and_the_quota_are_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    beside = load_config(
        {"CLERK_SERVER_HOME": str(home), "DATABASE_URL": f"sqlite:///{tmp_path}/db/s.sqlite3"}
    )
    assert beside.blob_folder == tmp_path / "db" / "blobs" and beside.hall_quota_bytes is None
    default = load_config({"CLERK_SERVER_HOME": str(home)})
    assert default.blob_folder == home / "blobs"  # beside the default SQLite database, in the home
    postgres = load_config({"CLERK_SERVER_HOME": str(home), "DATABASE_URL": "postgresql://u@db/clerk"})
    assert postgres.blob_folder == home / "blobs"
    chosen = load_config({"CLERK_SERVER_BLOBS": str(tmp_path / "nas"), "CLERK_SERVER_HALL_QUOTA_MB": "2048"})
    assert chosen.blob_folder == tmp_path / "nas" and chosen.hall_quota_bytes == 2048 * MIB
    for wrong in ("0", "-1", "2GB", "1.5"):
        with pytest.raises(ConfigError, match="CLERK_SERVER_HALL_QUOTA_MB"):
            load_config({"CLERK_SERVER_HALL_QUOTA_MB": wrong})
